package dev.skein.agent.spi;

import java.util.List;

/**
 * One library family's instrumentation: its type matchers and advice. Implementations are found
 * with {@link java.util.ServiceLoader} inside the engine class loader.
 *
 * <p>Advice is inlined into library classes, so it may only touch the library's own types and
 * classes under {@code dev.skein.bootstrap} (which the agent jar puts on the bootstrap class
 * path). Keep it tiny: collect arguments, call a bootstrap helper, act on the answer.
 */
public interface InstrumentationModule {
  /** A short name, used in logs and to turn the module off ({@code -Dskein.instrumentation.NAME.enabled=false}). */
  String name();

  /**
   * Every class name this module's type matchers can match (binary names, {@code a.b.C$D}), or a
   * prefix ending in {@code .} for a whole package. The agent checks loaded classes against
   * these names before it starts Byte Buddy, so that start-up pays nothing for classes no
   * module instruments.
   */
  List<String> typeNames();

  /** Adds this module's type matchers and advice (see {@link Transformations}). */
  Transformations extend(Transformations builder);

  /**
   * Named JDK modules whose classes this module instruments: the agent makes each read the
   * bootstrap class path's unnamed module, so that inlined advice can call the bridge.
   */
  default List<String> jdkModules() {
    return List.of();
  }

  /**
   * JDK packages ({@code module/package}) that this module's bootstrap helpers reach by reflection:
   * the agent opens each to the bootstrap class path's unnamed module.
   */
  default List<String> jdkOpens() {
    return List.of();
  }
}

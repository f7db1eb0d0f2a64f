package dev.skein.instrumentation.okhttp;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.skein.agent.spi.InstrumentationModule;
import dev.skein.agent.spi.Transformations;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * OkHttp 4.x and 5.x ({@code execute} and {@code enqueue}): every call starts at
 * {@code OkHttpClient.newCall(Request)}, where the advice swaps the request for a routed copy.
 * Every client also gets the mesh interceptor (faults, retries, timeouts, breaker) when it is
 * constructed. The supported range is recognised by {@code okhttp3.internal.connection.RealCall}, which
 * OkHttp 3 does not have; an {@code OkHttpClient} without it is skipped with one debug line.
 */
public final class OkHttpInstrumentationModule implements InstrumentationModule {
  static final String CLIENT = "okhttp3.OkHttpClient";
  // Its createAddress: the mesh's TLS for mesh endpoints that take it (MeshTlsAddressAdvice).
  static final String REAL_CALL = "okhttp3.internal.connection.RealCall";

  @Override
  public String name() {
    return "okhttp";
  }

  @Override
  public List<String> typeNames() {
    return List.of(CLIENT, REAL_CALL);
  }

  @Override
  public Transformations extend(Transformations builder) {
    return builder
        .type(new HasClass(name(), CLIENT, "okhttp3.internal.connection.RealCall", "OkHttp 4.x-5.x"))
        .transform(HelperInjector.TRANSFORMER)
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(
                    named("newCall").and(takesArguments(1)).and(takesArgument(0, named("okhttp3.Request"))),
                    NewCallAdvice.class.getName())
                .advice(
                    isConstructor().and(takesArguments(1)).and(takesArgument(0, named(CLIENT + "$Builder"))),
                    ClientInitAdvice.class.getName()))
        .type(new HasClass(name(), REAL_CALL, REAL_CALL, "OkHttp 4.x-5.x"))
        .transform(HelperInjector.TRANSFORMER)
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("createAddress").and(takesArguments(1)), MeshTlsAddressAdvice.class.getName()));
  }
}

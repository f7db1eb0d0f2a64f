package dev.skein.instrumentation.reactornetty.client;

import static net.bytebuddy.matcher.ElementMatchers.named;

import dev.skein.bootstrap.AgentLog;
import java.security.ProtectionDomain;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.utility.JavaModule;

/**
 * Matches the named type only when it declares every field the advice reads: the mark of the
 * supported version range. Otherwise it logs once at debug and leaves the type alone.
 */
final class SupportedHandler implements AgentBuilder.RawMatcher {
  private final String module;
  private final String type;
  private final String range;
  private final String[] fields;

  SupportedHandler(String module, String type, String range, String... fields) {
    this.module = module;
    this.type = type;
    this.range = range;
    this.fields = fields;
  }

  @Override
  public boolean matches(
      TypeDescription description, ClassLoader loader, JavaModule javaModule, Class<?> redefined, ProtectionDomain domain) {
    if (!description.getName().equals(type)) {
      return false;
    }
    for (String field : fields) {
      if (description.getDeclaredFields().filter(named(field)).isEmpty()) {
        AgentLog.debug(module + ": " + type + " has no field " + field + ", outside the supported range (" + range + "), not instrumented");
        return false;
      }
    }
    return true;
  }
}

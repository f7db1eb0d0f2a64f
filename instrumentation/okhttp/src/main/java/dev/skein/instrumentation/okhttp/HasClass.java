package dev.skein.instrumentation.okhttp;

import dev.skein.bootstrap.AgentLog;
import java.security.ProtectionDomain;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.utility.JavaModule;

/**
 * Matches one type by name, only where its class loader also sees a marker class that exists
 * only in the supported version range. A type outside the range is logged once at debug and
 * left alone.
 */
final class HasClass implements AgentBuilder.RawMatcher {
  private final String module;
  private final String type;
  private final String resource;
  private final String range;

  HasClass(String module, String type, String marker, String range) {
    this.module = module;
    this.type = type;
    this.resource = marker.replace('.', '/') + ".class";
    this.range = range;
  }

  @Override
  public boolean matches(
      TypeDescription typeDescription, ClassLoader loader, JavaModule javaModule, Class<?> redefined, ProtectionDomain domain) {
    if (!typeDescription.getName().equals(type)) {
      return false;
    }
    boolean found = loader == null ? ClassLoader.getSystemResource(resource) != null : loader.getResource(resource) != null;
    if (!found) {
      AgentLog.debug(module + ": " + type + " is outside the supported range (" + range + "), not instrumented");
    }
    return found;
  }
}

package dev.skein.instrumentation.apachehttpclient5;

import dev.skein.bootstrap.AgentLog;
import java.security.ProtectionDomain;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.utility.JavaModule;

/**
 * Matches the named types that declare the method the advice needs: the mark of the supported
 * version range. A named type without it is logged once at debug and left alone.
 */
final class DeclaresMethod implements AgentBuilder.RawMatcher {
  private final String module;
  private final List<String> types;
  private final ElementMatcher<? super MethodDescription> method;
  private final String range;

  DeclaresMethod(String module, List<String> types, ElementMatcher<? super MethodDescription> method, String range) {
    this.module = module;
    this.types = types;
    this.method = method;
    this.range = range;
  }

  @Override
  public boolean matches(
      TypeDescription type, ClassLoader loader, JavaModule javaModule, Class<?> redefined, ProtectionDomain domain) {
    if (!types.contains(type.getName())) {
      return false;
    }
    boolean found = !type.getDeclaredMethods().filter(method).isEmpty();
    if (!found) {
      AgentLog.debug(module + ": " + type.getName() + " is outside the supported range (" + range + "), not instrumented");
    }
    return found;
  }
}

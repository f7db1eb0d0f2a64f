package dev.skein.agent;

import java.security.ProtectionDomain;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.utility.JavaModule;

/**
 * The cheap first check for every loaded class: by class loader and name prefix, before any
 * instrumentation module's matcher runs. JDK packages are skipped except the few the agent
 * instruments; so are the agent itself, build tools and common frameworks that hold no HTTP or
 * gRPC client or server.
 */
final class IgnoredTypes {
  private static final String[] INSTRUMENTED_JDK_PACKAGES = {"jdk.internal.net.http.", "sun.net.httpserver.", "sun.net.www.http.", "sun.net.www.protocol.http.", "sun.net.NetworkClient"};
  private static final String[] IGNORED_PREFIXES = {
    "java.", "javax.", "jdk.", "sun.", "com.sun.", "dev.skein.", "net.bytebuddy.", "org.graalvm.", "kotlin.", "scala.",
    "groovy.", "org.codehaus.groovy.", "org.slf4j.", "ch.qos.logback.", "org.apache.logging.log4j.", "org.junit.",
    "org.apache.maven.", "org.gradle.", "com.intellij.", "org.jetbrains.", "org.assertj.", "org.hamcrest.", "org.mockito.",
    "com.fasterxml.jackson.", "com.google.common.", "com.google.protobuf.", "org.yaml.snakeyaml.", "org.snakeyaml."
  };
  private static final String ENGINE_LOADER = "dev.skein.launcher.EngineClassLoader";

  private IgnoredTypes() {}

  static boolean ignored(
      TypeDescription type, ClassLoader loader, JavaModule module, Class<?> beingRedefined, ProtectionDomain domain) {
    if (loader != null && loader.getClass().getName().equals(ENGINE_LOADER)) {
      return true;
    }
    String name = type.getName();
    if (name.contains("$$Lambda") || name.contains("$$EnhancerBy") || name.startsWith("jdk.proxy")) {
      return true;
    }
    for (String prefix : INSTRUMENTED_JDK_PACKAGES) {
      if (name.startsWith(prefix)) {
        return false;
      }
    }
    for (String prefix : IGNORED_PREFIXES) {
      if (name.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}

package dev.skein.it.http.server;

import java.io.File;
import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Collectors;

/** Embedded Tomcat 10.1: the test class path with Tomcat 11's jars swapped for target/tomcat10. */
class Tomcat10DiscoveryIT extends ServerDiscoveryContract {
  @Override
  Class<?> app() {
    return TomcatApp.class;
  }

  @Override
  String expectedLibraryVersion() {
    return "10.1.";
  }

  @Override
  String classPath() {
    return tomcat10ClassPath();
  }

  /** The test class path with Tomcat 11's jars swapped for Tomcat 10.1's. */
  static String tomcat10ClassPath() {
    File dir = new File(Objects.requireNonNull(System.getProperty("skein.it.tomcat10.dir"), "skein.it.tomcat10.dir"));
    String tomcat10 =
        Arrays.stream(Objects.requireNonNull(dir.listFiles(), dir + " is missing"))
            .map(File::getPath)
            .collect(Collectors.joining(File.pathSeparator));
    return tomcat10 + File.pathSeparator + testClassPathWithout("jetty-", "tomcat-");
  }
}

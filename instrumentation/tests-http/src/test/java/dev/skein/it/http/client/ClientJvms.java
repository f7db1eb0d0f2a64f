package dev.skein.it.http.client;

import dev.skein.it.support.MeshJvm;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Starts {@link HttpClientDriver} JVMs under the agent, one per library (and OkHttp version). */
final class ClientJvms {
  private ClientJvms() {}

  static MeshJvm start(String name, String library, String classPath, String etcdEndpoint) throws IOException {
    return MeshJvm.builder(name)
        .property("skein.service", "frontend")
        .property("skein.etcd.endpoints", etcdEndpoint)
        .classPath(classPath)
        .start(HttpClientDriver.class.getName(), library);
  }

  /** The test class path, as is: OkHttp 4 and the other libraries this module depends on. */
  static String defaultClassPath() {
    return System.getProperty("java.class.path");
  }

  /**
   * The test class path with OkHttp 4, okio and the Kotlin standard library replaced by OkHttp 5
   * and its own okio and Kotlin (copied into {@code target/okhttp5} by the build).
   */
  static String okHttp5ClassPath() throws IOException {
    Path dir = Path.of(System.getProperty("skein.it.okhttp5.dir", "target/okhttp5"));
    List<String> entries = new ArrayList<>();
    for (String entry : defaultClassPath().split(File.pathSeparator)) {
      String unix = entry.replace('\\', '/');
      if (!unix.contains("/com/squareup/okhttp3/") && !unix.contains("/com/squareup/okio/") && !unix.contains("/org/jetbrains/kotlin/")) {
        entries.add(entry);
      }
    }
    try (Stream<Path> jars = Files.list(dir)) {
      List<String> okhttp5 = jars.filter(p -> p.toString().endsWith(".jar")).map(Path::toString).toList();
      if (okhttp5.size() < 3) {
        throw new IllegalStateException("OkHttp 5 jars missing in " + dir + ": " + okhttp5);
      }
      entries.addAll(okhttp5);
    }
    return String.join(File.pathSeparator, entries);
  }
}

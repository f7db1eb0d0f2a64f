package dev.skein.it.http.server;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The stdin protocol the server apps share (no mesh code in any of them): an app prints
 * {@code listening <port> <library version>} once it serves; {@code stop} stops its server and
 * answers {@code stopped} while the JVM stays up (so that a test can tell the server's own stop
 * from the JVM's shutdown); {@code exit} or the end of stdin ends the JVM.
 */
final class ServerApp {
  /** One started server. */
  interface Running {
    int port();

    void stop() throws Exception;
  }

  private ServerApp() {}

  /** The body every app answers with: its version label. */
  static String version() {
    return System.getenv().getOrDefault("ECHO_VERSION", "none");
  }

  static void serve(Running server, String libraryVersion) throws Exception {
    System.out.println("listening " + server.port() + " " + libraryVersion);
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.trim().equals("stop")) {
        server.stop();
        System.out.println("stopped");
        System.out.flush();
      } else if (line.trim().equals("exit")) {
        break;
      }
    }
    // Server libraries keep non-daemon threads: end the JVM explicitly.
    System.exit(0);
  }
}

package dev.skein.it.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A throw-away CA and two leaf certificates for the proxies' mutual TLS, made with the
 * {@code openssl} command at run time (EC P-256, valid two days): {@code server.crt} names
 * {@code server-sidecar} (and 127.0.0.1), {@code client.crt} is for client authentication.
 */
final class SidecarCertificates {
  static final String SERVER_NAME = "server-sidecar";

  private SidecarCertificates() {}

  static void create(Path dir) throws IOException, InterruptedException {
    openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
        "-subj", "/CN=bench-ca", "-keyout", "ca.key", "-out", "ca.crt");
    leaf(dir, "server", "subjectAltName=DNS:" + SERVER_NAME + ",IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    leaf(dir, "client", "subjectAltName=DNS:client-sidecar\nextendedKeyUsage=clientAuth\n");
  }

  private static void leaf(Path dir, String name, String extensions) throws IOException, InterruptedException {
    Files.writeString(dir.resolve(name + ".ext"), extensions);
    openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=" + name + "-sidecar",
        "-keyout", name + ".key", "-out", name + ".csr");
    openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-extfile", name + ".ext", "-out", name + ".crt");
  }

  private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + output);
    }
  }
}

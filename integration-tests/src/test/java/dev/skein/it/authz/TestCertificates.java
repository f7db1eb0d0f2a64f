package dev.skein.it.authz;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away CA and leaf certificates with SPIFFE URI SANs, made with the JDK's {@code keytool}
 * (no extra library): the stand-in for mesh-issued certificates when an application configures TLS
 * with client certificates itself. Key stores are PKCS#12 with password {@code changeit}.
 */
final class TestCertificates {
  static final char[] PASSWORD = "changeit".toCharArray();
  private final Path dir;
  private final Certificate ca;

  private TestCertificates(Path dir, Certificate ca) {
    this.dir = dir;
    this.ca = ca;
  }

  /** A new CA in {@code dir}. */
  static TestCertificates create(Path dir) throws Exception {
    keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=authz-test-ca",
        "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12", "-storetype", "PKCS12", "-storepass", "changeit");
    return new TestCertificates(dir, load(dir.resolve("ca.p12")).getCertificate("ca"));
  }

  /**
   * Issues leaf certificates in parallel; each {@code name=san} (keytool {@code -ext san=} syntax)
   * becomes {@code <name>.p12} holding the key and its chain.
   */
  void issue(String... nameAndSans) throws Exception {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (String spec : nameAndSans) {
      String name = spec.substring(0, spec.indexOf('='));
      String san = spec.substring(spec.indexOf('=') + 1);
      all.add(CompletableFuture.runAsync(() -> {
        try {
          leaf(name, san);
        } catch (Exception e) {
          throw new IllegalStateException("certificate " + name, e);
        }
      }));
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
  }

  private void leaf(String name, String san) throws Exception {
    Path raw = dir.resolve(name + "-raw.p12");
    keytool(dir, "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
        "-validity", "2", "-keystore", raw.getFileName().toString(), "-storetype", "PKCS12", "-storepass", "changeit");
    keytool(dir, "-certreq", "-alias", name, "-keystore", raw.getFileName().toString(), "-storepass", "changeit", "-file", name + ".csr");
    keytool(dir, "-gencert", "-alias", "ca", "-keystore", "ca.p12", "-storepass", "changeit", "-infile", name + ".csr",
        "-outfile", name + ".pem", "-validity", "2", "-ext", "san=" + san);
    Key key = load(raw).getKey(name, PASSWORD);
    Certificate signed;
    try (InputStream in = Files.newInputStream(dir.resolve(name + ".pem"))) {
      signed = CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    KeyStore out = KeyStore.getInstance("PKCS12");
    out.load(null, null);
    out.setKeyEntry(name, key, PASSWORD, new Certificate[] {signed, ca});
    try (FileOutputStream f = new FileOutputStream(dir.resolve(name + ".p12").toFile())) {
      out.store(f, PASSWORD);
    }
  }

  /** A trust store with the CA only. */
  Path trustStore() throws Exception {
    Path path = dir.resolve("trust.p12");
    if (!Files.exists(path)) {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca);
      try (FileOutputStream f = new FileOutputStream(path.toFile())) {
        trust.store(f, PASSWORD);
      }
    }
    return path;
  }

  Path keyStore(String name) {
    return dir.resolve(name + ".p12");
  }

  /** TLS trusting the CA, presenting {@code name}'s certificate, or none for {@code null}. */
  SSLContext client(String name) throws Exception {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(load(trustStore()));
    KeyManagerFactory kmf = null;
    if (name != null) {
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(load(keyStore(name)), PASSWORD);
    }
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return tls;
  }

  KeyManagerFactory keyManagers(String name) throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(load(keyStore(name)), PASSWORD);
    return kmf;
  }

  TrustManagerFactory trustManagers() throws Exception {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(load(trustStore()));
    return tmf;
  }

  private static KeyStore load(Path path) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(path.toFile())) {
      ks.load(in, PASSWORD);
    }
    return ks;
  }

  private static void keytool(Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    // -J flags keep each short keytool JVM cheap on a loaded machine.
    command.add("-J-XX:TieredStopAtLevel=1");
    command.add("-J-Xshare:auto");
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + output);
    }
  }
}

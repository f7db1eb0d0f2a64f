package dev.skein.it.apps.mtls;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS an application sets up itself, for benchmarks that compare the mesh's mutual TLS with the
 * JDK's own: a TLS 1.3 context from {@code -Dskein.it.tls.keystore} (PKCS#12: this workload's key
 * and certificate), {@code -Dskein.it.tls.truststore} (PKCS#12: the trusted root) and
 * {@code -Dskein.it.tls.password}, with the JDK's default key and trust managers.
 */
final class AppTls {
  private AppTls() {}

  /** The context, or {@code null} when no keystore is configured. */
  static SSLContext context() throws Exception {
    String keystore = System.getProperty("skein.it.tls.keystore");
    if (keystore == null) {
      return null;
    }
    char[] password = System.getProperty("skein.it.tls.password", "changeit").toCharArray();
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(load(keystore, password), password);
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(load(System.getProperty("skein.it.tls.truststore"), password));
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
    return context;
  }

  private static KeyStore load(String file, char[] password) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(Path.of(file))) {
      store.load(in, password);
    }
    return store;
  }
}

package dev.skein.bootstrap;

import java.security.KeyManagementException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * An {@link SSLContext} for server libraries that take a context once, when they start (Jetty's
 * {@code SslContextFactory}, Netty's {@code JdkSslContext}): each engine comes from the mesh's
 * inbound context in force at that moment ({@link MeshServerTls#serverEngine()}), so a certificate
 * that arrives after the server started, a renewal, or PeerAuthentication DISABLE applies to the
 * next connection. While the workload takes no TLS, engines have no key material: their handshake
 * fails and the connection closes (fail closed), but the server still starts.
 */
public final class MeshServerSslContext extends SSLContext {
  private MeshServerSslContext(Spi spi) {
    super(spi, spi.fallback.getProvider(), MeshServerTls.PROTOCOL);
  }

  /** A new context; {@code null} if this JVM has no TLS 1.3. */
  public static SSLContext create() {
    try {
      SSLContext fallback = SSLContext.getInstance(MeshServerTls.PROTOCOL);
      fallback.init(new KeyManager[0], null, null);
      return new MeshServerSslContext(new Spi(fallback));
    } catch (NoSuchAlgorithmException | KeyManagementException e) {
      AgentFaults.record("mesh-server-tls", e);
      return null;
    }
  }

  private static final class Spi extends SSLContextSpi {
    final SSLContext fallback;

    Spi(SSLContext fallback) {
      this.fallback = fallback;
    }

    private SSLEngine engine() {
      SSLEngine mesh = MeshServerTls.serverEngine();
      if (mesh != null) {
        return mesh;
      }
      SSLEngine none = fallback.createSSLEngine();
      none.setUseClientMode(false);
      none.setEnabledProtocols(new String[] {MeshServerTls.PROTOCOL});
      none.setNeedClientAuth(true);
      return none;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {
      // the mesh's managers are in force
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return fallback.getSocketFactory();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return fallback.getServerSocketFactory();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return engine();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      return engine();
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return fallback.getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return fallback.getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return fallback.getDefaultSSLParameters();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return fallback.getSupportedSSLParameters();
    }
  }
}

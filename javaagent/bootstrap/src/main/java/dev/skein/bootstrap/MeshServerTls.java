package dev.skein.bootstrap;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * The one decision a server library makes about a new connection under mesh mutual TLS, from its
 * first byte, and the server {@link SSLEngine} for a TLS one: the same for every library, so that
 * PERMISSIVE, STRICT and DISABLE mean the same everywhere.
 */
public final class MeshServerTls {
  /** The first byte of a TLS handshake record. */
  public static final int TLS_HANDSHAKE = 0x16;

  /** Mesh connections speak TLS 1.3 only. */
  public static final String PROTOCOL = "TLSv1.3";

  /** What to do with a new connection. */
  public enum Choice {
    /** Serve it as it is (plain text). */
    PLAIN,
    /** Put the mesh's TLS under it. */
    TLS,
    /** Close it unanswered (already counted in {@code skein_mtls_refused_total}). */
    REFUSE
  }

  private MeshServerTls() {}

  /**
   * Whether a new connection must be looked at before the server reads it: false while this
   * workload takes plain text only and PeerAuthentication is not STRICT (no cost then).
   */
  public static boolean mustPeek() {
    return Bridge.inboundTls() != null || !Bridge.inboundPlaintextAllowed();
  }

  /**
   * The choice for a connection whose first byte is {@code first}; a refusal is counted.
   *
   * @param library names the server in the refusal's log line
   */
  public static Choice choose(int first, String library) {
    if (first == TLS_HANDSHAKE) {
      if (Bridge.inboundTls() != null) {
        return Choice.TLS;
      }
      Bridge.tlsRefused("server", library + ": a TLS handshake, but this workload takes plain text only");
      return Choice.REFUSE;
    }
    if (Bridge.inboundPlaintextAllowed()) {
      return Choice.PLAIN;
    }
    Bridge.tlsRefused("server", library + ": plain text under PeerAuthentication STRICT");
    return Choice.REFUSE;
  }

  /**
   * A server engine from the mesh's inbound context: TLS 1.3, client certificate required (the
   * trust manager accepts only the mesh CA). {@code null} when this workload takes no TLS now.
   */
  public static SSLEngine serverEngine() {
    SSLContext tls = Bridge.inboundTls();
    if (tls == null) {
      return null;
    }
    SSLEngine engine = tls.createSSLEngine();
    engine.setUseClientMode(false);
    MeshCipherSuites.apply(engine); // TLS 1.3, AES-128-GCM first
    engine.setNeedClientAuth(true);
    return engine;
  }
}

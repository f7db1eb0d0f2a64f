package dev.skein.core.authz;

import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;

/** The SPIFFE ID a peer proves with its certificate: the {@code spiffe://} URI SAN of its leaf certificate. */
public final class PeerIdentity {
  private static final Integer URI_SAN = 6;

  private PeerIdentity() {}

  /** The SPIFFE ID of the chain's first certificate, or {@code null} (no chain, no SPIFFE URI SAN). */
  public static String spiffeId(Certificate[] chain) {
    if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
      return null;
    }
    // A connection's requests show the same certificate object: read its names once.
    Last last = PeerIdentity.last;
    if (last != null && last.certificate == leaf) {
      return last.spiffeId;
    }
    String id = read(leaf);
    PeerIdentity.last = new Last(leaf, id);
    return id;
  }

  private record Last(X509Certificate certificate, String spiffeId) {}

  private static volatile Last last;

  private static String read(X509Certificate leaf) {
    try {
      Collection<List<?>> names = leaf.getSubjectAlternativeNames();
      if (names == null) {
        return null;
      }
      for (List<?> name : names) {
        if (URI_SAN.equals(name.get(0)) && name.get(1) instanceof String uri && uri.startsWith("spiffe://")) {
          return uri;
        }
      }
    } catch (CertificateParsingException e) {
      return null;
    }
    return null;
  }

  /** The namespace of {@code spiffe://<domain>/ns/<namespace>/sa/<service>}, or {@code null}. */
  public static String namespace(String spiffeId) {
    if (spiffeId == null) {
      return null;
    }
    int ns = spiffeId.indexOf("/ns/");
    if (ns < 0) {
      return null;
    }
    int start = ns + 4;
    int end = spiffeId.indexOf('/', start);
    return end < 0 ? spiffeId.substring(start) : spiffeId.substring(start, end);
  }
}

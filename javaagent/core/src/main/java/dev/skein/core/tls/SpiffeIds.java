package dev.skein.core.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;

/** SPIFFE IDs of mesh workloads: {@code spiffe://<trust-domain>/ns/<namespace>/sa/<service>}. */
public final class SpiffeIds {
  private SpiffeIds() {}

  /** The ID of a service in the given trust domain. */
  public static String of(String trustDomain, String namespace, String service) {
    return "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + service;
  }

  /** The trust domain of an ID ({@code spiffe://td/...} gives {@code td}), or {@code null}. */
  public static String trustDomain(String spiffeId) {
    if (spiffeId == null || !spiffeId.startsWith("spiffe://")) {
      return null;
    }
    int slash = spiffeId.indexOf('/', "spiffe://".length());
    return slash < 0 ? spiffeId.substring("spiffe://".length()) : spiffeId.substring("spiffe://".length(), slash);
  }

  /** The first {@code spiffe://} URI SAN of the certificate, or {@code null}. */
  public static String fromCertificate(X509Certificate certificate) {
    try {
      if (certificate.getSubjectAlternativeNames() == null) {
        return null;
      }
      for (List<?> san : certificate.getSubjectAlternativeNames()) {
        if (Integer.valueOf(6).equals(san.get(0)) && String.valueOf(san.get(1)).startsWith("spiffe://")) {
          return String.valueOf(san.get(1));
        }
      }
      return null;
    } catch (CertificateParsingException e) {
      return null;
    }
  }
}

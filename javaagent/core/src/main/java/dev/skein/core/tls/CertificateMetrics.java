package dev.skein.core.tls;

import dev.skein.core.identity.WorkloadIdentity;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

/**
 * Certificate health as Prometheus text for the admin {@code /metrics}: seconds until this
 * workload's certificate and each trust anchor expire, and mesh TLS connections refused.
 */
public final class CertificateMetrics {
  private CertificateMetrics() {}

  public static String text(WorkloadIdentity identity, long refused) {
    StringBuilder out = new StringBuilder();
    Instant now = Instant.now();
    if (identity != null) {
      out.append("# HELP skein_certificate_expiry_seconds Seconds until this workload's mesh certificate expires.\n")
          .append("# TYPE skein_certificate_expiry_seconds gauge\n")
          .append("skein_certificate_expiry_seconds{spiffe_id=\"").append(escape(identity.spiffeId())).append("\"} ")
          .append(Duration.between(now, identity.expiry()).toSeconds()).append('\n')
          .append("# HELP skein_trust_anchor_expiry_seconds Seconds until each root of the mesh trust bundle expires.\n")
          .append("# TYPE skein_trust_anchor_expiry_seconds gauge\n");
      for (X509Certificate root : identity.trustBundle()) {
        out.append("skein_trust_anchor_expiry_seconds{subject=\"").append(escape(root.getSubjectX500Principal().getName()))
            .append("\",serial=\"").append(root.getSerialNumber().toString(16)).append("\"} ")
            .append(Duration.between(now, root.getNotAfter().toInstant()).toSeconds()).append('\n');
      }
    }
    out.append("# HELP skein_mtls_refused_total Inbound or outbound mesh TLS connections refused or failed in the handshake.\n")
        .append("# TYPE skein_mtls_refused_total counter\n")
        .append("skein_mtls_refused_total ").append(refused).append('\n');
    return out.toString();
  }

  private static String escape(String s) {
    return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}

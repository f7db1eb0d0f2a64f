package dev.skein.core.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The attributes of {@code skein.inbound.requests}: how an inbound request's connection was
 * secured, named as Istio names it ({@code connection.security_policy}: {@code mutual_tls} or
 * {@code none}), and for mutual TLS the SPIFFE ID the peer's certificate proved
 * ({@code source.principal}, {@code unknown} when the certificate has none). One set per peer
 * identity, built once (bounded like the other metric attribute sets).
 */
final class InboundConnections {
  static final AttributeKey<String> SECURITY_POLICY = AttributeKey.stringKey("connection.security_policy");
  static final AttributeKey<String> SOURCE_PRINCIPAL = AttributeKey.stringKey("source.principal");

  static final Attributes PLAINTEXT = Attributes.of(SECURITY_POLICY, "none");

  private static final ConcurrentHashMap<String, Attributes> MUTUAL_TLS = new ConcurrentHashMap<>();

  private InboundConnections() {}

  /** The attributes of a request over mutual TLS ({@code principal} null: no SPIFFE ID) or plain text. */
  static Attributes of(boolean mutualTls, String principal) {
    if (!mutualTls) {
      return PLAINTEXT;
    }
    String id = principal == null ? "unknown" : principal;
    Attributes attributes = MUTUAL_TLS.get(id);
    if (attributes == null) {
      attributes = Attributes.of(SECURITY_POLICY, "mutual_tls", SOURCE_PRINCIPAL, id);
      if (MUTUAL_TLS.size() < MetricAttributes.MAX_SHAPES) {
        MUTUAL_TLS.put(id, attributes);
      }
    }
    return attributes;
  }
}

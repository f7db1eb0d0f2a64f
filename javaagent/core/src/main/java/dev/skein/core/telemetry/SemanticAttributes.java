package dev.skein.core.telemetry;

import io.opentelemetry.api.common.AttributeKey;

/** The attribute names Skein writes: OpenTelemetry semantic conventions plus the mesh's own. */
final class SemanticAttributes {
  static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
  static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
  static final AttributeKey<String> URL_QUERY = AttributeKey.stringKey("url.query");
  static final AttributeKey<String> URL_SCHEME = AttributeKey.stringKey("url.scheme");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
  static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
  static final AttributeKey<Long> RPC_GRPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<String> SKEIN_ROUTE = AttributeKey.stringKey("skein.route");
  static final AttributeKey<String> SKEIN_SUBSET = AttributeKey.stringKey("skein.subset");
  static final AttributeKey<String> SKEIN_ENDPOINT = AttributeKey.stringKey("skein.endpoint");
  static final AttributeKey<String> SKEIN_DESTINATION = AttributeKey.stringKey("skein.destination.service");
  static final AttributeKey<String> SKEIN_FAULT = AttributeKey.stringKey("skein.fault");
  static final AttributeKey<Long> SKEIN_FAULT_DELAY = AttributeKey.longKey("skein.fault.delay_ms");

  private SemanticAttributes() {}
}

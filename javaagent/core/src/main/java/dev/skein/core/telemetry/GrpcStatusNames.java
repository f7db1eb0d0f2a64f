package dev.skein.core.telemetry;

/** gRPC status code names, for {@code error.type}; the codes are fixed by the gRPC protocol. */
final class GrpcStatusNames {
  private static final String[] NAMES = {
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
    "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
    "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
  };

  private GrpcStatusNames() {}

  static String name(int code) {
    return code >= 0 && code < NAMES.length ? NAMES[code] : Integer.toString(code);
  }
}

package dev.skein.api;

/**
 * Injected failure: exactly one of {@code httpStatus} and {@code grpcStatus} is set.
 *
 * @param percent    percent of requests aborted, 0..100
 * @param httpStatus status for HTTP calls, 200..599
 * @param grpcStatus an {@code io.grpc.Status.Code} name such as {@code UNAVAILABLE}, for gRPC calls
 */
public record Abort(double percent, Integer httpStatus, String grpcStatus) {

    /** The {@code io.grpc.Status.Code} names an abort may use (all but {@code OK}). */
    public static final java.util.List<String> GRPC_CODES = java.util.List.of(
            "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
            "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
            "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED");

    /** Enforces exactly one status. */
    public Abort {
        if ((httpStatus == null) == (grpcStatus == null)) {
            throw new IllegalArgumentException("exactly one of httpStatus and grpcStatus");
        }
    }
}

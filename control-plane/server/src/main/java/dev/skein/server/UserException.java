package dev.skein.server;

/**
 * A failure the operator can act on (a missing file, an unreachable etcd, a policy that does not
 * exist): the CLI prints its message on one line, without a stack trace, and exits non-zero.
 */
public class UserException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    /** Exit code 1. */
    public UserException(String message) {
        this(message, 1);
    }

    public UserException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    /** The process exit code this failure maps to. */
    public int exitCode() {
        return exitCode;
    }
}

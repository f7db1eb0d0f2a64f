package dev.skein.server.etcd;

import dev.skein.server.UserException;

/** etcd did not answer in time, refused the connection or the credentials: one line for the operator. */
public final class EtcdUnreachableException extends UserException {
    private static final long serialVersionUID = 1L;

    public EtcdUnreachableException(String message) {
        super(message, 2);
    }
}

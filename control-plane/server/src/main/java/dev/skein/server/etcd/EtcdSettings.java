package dev.skein.server.etcd;

import java.nio.file.Path;
import java.util.List;

/**
 * How to reach etcd: endpoints, key prefix, optional user and password, optional TLS files.
 *
 * @param endpoints e.g. {@code http://127.0.0.1:2379}; {@code https://} with TLS
 * @param prefix    key prefix, {@code /skein} by default
 * @param user      etcd user, or null
 * @param password  etcd password, or null
 * @param caCert    PEM trust anchors for a TLS etcd, or null
 * @param cert      PEM client certificate for client-certificate auth, or null
 * @param key       PEM (PKCS#8) private key of {@code cert}, or null
 */
public record EtcdSettings(List<String> endpoints, String prefix, String user, String password,
                           Path caCert, Path cert, Path key) {
    public EtcdSettings {
        endpoints = List.copyOf(endpoints);
    }

    /** The endpoints as the operator typed them, for messages. */
    public String endpointsText() {
        return String.join(",", endpoints);
    }
}

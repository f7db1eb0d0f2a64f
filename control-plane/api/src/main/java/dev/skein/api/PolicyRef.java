package dev.skein.api;

/**
 * Identifies a policy: its etcd key is {@code <prefix>/policies/<namespace>/<kind>/<name>}.
 *
 * @param namespace DNS-1123 label
 * @param kind      the kind
 * @param name      DNS-1123 label
 */
public record PolicyRef(String namespace, PolicyKind kind, String name) {
    /** {@code Kind namespace/name}, for messages. */
    @Override
    public String toString() {
        return kind + " " + namespace + "/" + name;
    }
}

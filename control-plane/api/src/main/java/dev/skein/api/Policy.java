package dev.skein.api;

import java.util.Objects;

/**
 * One validated policy.
 *
 * @param kind     its kind; always agrees with the type of {@code spec}
 * @param metadata name and namespace
 * @param spec     the kind-specific part
 */
public record Policy(PolicyKind kind, Metadata metadata, PolicySpec spec) {

    /** All parts are required. */
    public Policy {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(spec, "spec");
    }

    /** Shortcut for {@code metadata().name()}. */
    public String name() {
        return metadata.name();
    }

    /** Shortcut for {@code metadata().namespace()}. */
    public String namespace() {
        return metadata.namespace();
    }

    /** The spec as the given type. @throws IllegalStateException when it is of another kind */
    public <T extends PolicySpec> T spec(Class<T> type) {
        if (!type.isInstance(spec)) {
            throw new IllegalStateException(kind + " " + namespace() + "/" + name() + " has no " + type.getSimpleName());
        }
        return type.cast(spec);
    }

    /** Namespace, kind and name: what identifies the policy in etcd. */
    public PolicyRef ref() {
        return new PolicyRef(namespace(), kind, name());
    }
}

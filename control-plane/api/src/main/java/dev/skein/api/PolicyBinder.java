package dev.skein.api;

import java.util.Arrays;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.Node;

/** Binds one document's envelope (apiVersion, kind, metadata) and hands the spec to the kind's binder. */
final class PolicyBinder {
    static final String API_VERSION = "skein.dev/v1";
    static final String DEFAULT_NAMESPACE = "default";

    private PolicyBinder() {}

    /**
     * @param fromKey when the document came from an etcd key: kind, name and namespace may be omitted and,
     *                when given, must agree with it; null otherwise
     * @return the policy, or null when any problem was found
     */
    static Policy bind(Problems problems, Node node, PolicyRef fromKey) {
        int before = problems.count();
        Binder doc = Binder.of(problems, "", node);
        if (doc == null) {
            return null;
        }
        doc.allow("apiVersion", "kind", "metadata", "spec");
        String apiVersion = doc.string("apiVersion");
        if (apiVersion != null && !apiVersion.equals(API_VERSION)) {
            doc.problem("apiVersion", "must be " + API_VERSION + ", got " + Values.quote(apiVersion));
        }
        PolicyKind kind = kind(doc, fromKey);
        Metadata metadata = metadata(doc, fromKey);
        doc.require("spec");
        Binder spec = doc.object("spec");
        PolicySpec bound = spec == null || kind == null ? null : spec(kind, spec);
        if (problems.count() > before || bound == null || metadata == null) {
            return null;
        }
        return new Policy(kind, metadata, bound);
    }

    private static PolicyKind kind(Binder doc, PolicyRef fromKey) {
        if (!doc.has("kind")) {
            if (fromKey == null) {
                doc.problem("kind", "required");
            }
            return fromKey == null ? null : fromKey.kind();
        }
        String name = doc.string("kind");
        if (name == null) {
            return null;
        }
        Optional<PolicyKind> kind = PolicyKind.fromName(name);
        if (kind.isEmpty()) {
            doc.problem("kind", "must be one of " + Binder.join(Arrays.asList(PolicyKind.values())) + ", got "
                    + Values.quote(name));
            return null;
        }
        if (fromKey != null && kind.get() != fromKey.kind()) {
            doc.problem("kind", "must match the key's kind " + fromKey.kind() + ", got " + Values.quote(name));
            return null;
        }
        return kind.get();
    }

    private static Metadata metadata(Binder doc, PolicyRef fromKey) {
        Binder md = doc.object("metadata");
        if (md == null) {
            if (fromKey == null) {
                if (!doc.has("metadata")) {
                    doc.problem("metadata", "required");
                }
                return null;
            }
            return doc.has("metadata") ? null : new Metadata(fromKey.name(), fromKey.namespace());
        }
        int before = md.problems().count();
        md.allow("name", "namespace");
        if (fromKey == null) {
            md.require("name");
        }
        String name = Names.label(md, "name");
        String namespace = Names.label(md, "namespace");
        if (fromKey != null) {
            if (name != null && !name.equals(fromKey.name())) {
                md.problem("name", "must match the key's name " + fromKey.name() + ", got " + Values.quote(name));
            }
            if (namespace != null && !namespace.equals(fromKey.namespace())) {
                md.problem("namespace", "must match the key's namespace " + fromKey.namespace() + ", got "
                        + Values.quote(namespace));
            }
            name = fromKey.name();
            namespace = fromKey.namespace();
        }
        if (md.problems().count() > before) {
            return null;
        }
        return new Metadata(name, namespace == null ? DEFAULT_NAMESPACE : namespace);
    }

    private static PolicySpec spec(PolicyKind kind, Binder spec) {
        return switch (kind) {
            case Route -> RouteBinder.bind(spec);
            case DestinationPolicy -> DestinationPolicyBinder.bind(spec);
            case PeerAuthentication -> SecurityBinders.peerAuthentication(spec);
            case AuthorizationPolicy -> SecurityBinders.authorization(spec);
            case RateLimitPolicy -> SecurityBinders.rateLimit(spec);
            case ServiceEntry -> ServiceEntryBinder.bind(spec);
            case Telemetry -> TelemetryBinder.bind(spec);
        };
    }
}

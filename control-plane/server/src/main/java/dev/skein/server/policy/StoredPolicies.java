package dev.skein.server.policy;

import dev.skein.api.KeyLayout;
import dev.skein.api.ParseResult;
import dev.skein.api.Policy;
import dev.skein.api.PolicyParser;
import dev.skein.api.PolicyRef;
import dev.skein.server.etcd.Etcd;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The policies in etcd at one revision: raw text, revision and, when valid, the parsed policy. */
public final class StoredPolicies {
    /**
     * One stored policy.
     *
     * @param policy null when the stored value does not validate
     */
    public record Stored(String key, PolicyRef ref, String text, long modRevision, Policy policy, ParseResult parse) {}

    private final Map<String, Stored> byKey;
    private final long revision;

    private StoredPolicies(Map<String, Stored> byKey, long revision) {
        this.byKey = byKey;
        this.revision = revision;
    }

    /** Everything under the policies prefix; keys that are not policy keys are ignored. */
    public static StoredPolicies read(Etcd etcd, KeyLayout layout) {
        GetResponse r = etcd.getPrefixResponse(layout.policiesPrefix());
        Map<String, Stored> byKey = new LinkedHashMap<>();
        for (KeyValue kv : r.getKvs()) {
            String key = kv.getKey().toString(StandardCharsets.UTF_8);
            of(layout, key, kv.getValue().getBytes(), kv.getModRevision()).ifPresent(s -> byKey.put(key, s));
        }
        return new StoredPolicies(byKey, r.getHeader().getRevision());
    }

    /** Parses one stored value; empty when the key is not a policy key. */
    public static Optional<Stored> of(KeyLayout layout, String key, byte[] value, long modRevision) {
        Optional<PolicyRef> ref = layout.parsePolicyKey(key);
        if (ref.isEmpty()) {
            return Optional.empty();
        }
        ParseResult parse = PolicyParser.parseKeyValue(layout, key, value);
        Policy policy = parse.ok() && parse.policies().size() == 1 ? parse.policies().get(0) : null;
        return Optional.of(new Stored(key, ref.get(), new String(value, StandardCharsets.UTF_8), modRevision, policy, parse));
    }

    public Map<String, Stored> byKey() {
        return byKey;
    }

    /** The store revision the read was made at. */
    public long revision() {
        return revision;
    }

    /** The valid policies, keyed by etcd key: the input of the cross-policy checks. */
    public Map<String, Policy> validByKey() {
        Map<String, Policy> out = new LinkedHashMap<>();
        byKey.forEach((k, s) -> {
            if (s.policy() != null) {
                out.put(k, s.policy());
            }
        });
        return out;
    }
}

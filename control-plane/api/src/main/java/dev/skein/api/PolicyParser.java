package dev.skein.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Parses and validates policies from YAML or JSON. Never throws: every failure, including hostile input
 * and internal errors, comes back as a {@link Problem}. A document with any problem yields no policy.
 */
public final class PolicyParser {
    private PolicyParser() {}

    /**
     * Parses a multi-document YAML or JSON text.
     *
     * @param source file name or other origin; the prefix of every problem. When the text holds several
     *               documents, problems of the n-th (from 1) name {@code <source>#<n>}
     */
    public static ParseResult parse(String source, String text) {
        Problems whole = new Problems(source);
        List<Node> docs = guard(whole, () -> YamlDocuments.load(text, whole), List.of());
        return bindAll(source, docs, whole, null);
    }

    /** Like {@link #parse(String, String)} for UTF-8 bytes; invalid UTF-8 is one problem. */
    public static ParseResult parse(String source, byte[] utf8) {
        Problems whole = new Problems(source);
        String text = guard(whole, () -> YamlDocuments.decode(utf8, whole), null);
        if (text == null) {
            return new ParseResult(List.of(), whole.list());
        }
        return parse(source, text);
    }

    /**
     * Parses the value of one etcd key {@code <prefix>/policies/<namespace>/<Kind>/<name>}. The value must
     * hold exactly one document; its kind, metadata.name and metadata.namespace may be omitted (the key
     * supplies them) and, when given, must agree with the key. The key is the source of every problem.
     */
    public static ParseResult parseKeyValue(KeyLayout layout, String key, byte[] value) {
        Problems whole = new Problems(String.valueOf(key));
        Optional<PolicyRef> ref = layout.parsePolicyKey(key);
        if (ref.isEmpty()) {
            whole.add("", "not a policy key: expected " + layout.policiesPrefix()
                    + "<namespace>/<Kind>/<name> with a known kind and DNS-1123 names");
            return new ParseResult(List.of(), whole.list());
        }
        String text = guard(whole, () -> YamlDocuments.decode(value, whole), null);
        if (text == null) {
            return new ParseResult(List.of(), whole.list());
        }
        List<Node> docs = guard(whole, () -> YamlDocuments.load(text, whole), List.of());
        if (whole.count() == 0 && docs.size() != 1) {
            whole.add("", docs.isEmpty() ? "empty value: expected one policy document"
                    : "must hold exactly one document, got " + docs.size());
            return new ParseResult(List.of(), whole.list());
        }
        return bindAll(key, docs, whole, ref.get());
    }

    private static ParseResult bindAll(String source, List<Node> docs, Problems whole, PolicyRef fromKey) {
        List<Policy> policies = new ArrayList<>();
        List<Problem> problems = new ArrayList<>(whole.list());
        for (int i = 0; i < docs.size(); i++) {
            Problems p = new Problems(docs.size() > 1 ? source + "#" + (i + 1) : source);
            Node doc = docs.get(i);
            Policy policy = guard(p, () -> PolicyBinder.bind(p, doc, fromKey), null);
            if (policy != null && p.count() == 0) {
                policies.add(policy);
            }
            problems.addAll(p.list());
        }
        return new ParseResult(policies, problems);
    }

    /** Turns any unexpected failure into a problem: callers rely on parse never throwing. */
    private static <T> T guard(Problems problems, java.util.function.Supplier<T> work, T fallback) {
        try {
            return work.get();
        } catch (RuntimeException | StackOverflowError e) {
            problems.add("", "internal error: " + e);
            return fallback;
        }
    }
}

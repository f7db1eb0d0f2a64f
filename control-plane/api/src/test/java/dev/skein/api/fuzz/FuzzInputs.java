package dev.skein.api.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * Policy documents for the fuzz test, from one seeded {@link Random} so that a failure can be
 * replayed: valid seeds, the seeds mutated as trees (wrong types, missing and unknown fields,
 * extreme values) and as bytes (flips, splices, YAML punctuation, invalid UTF-8), random trees,
 * and hostile shapes (huge, deeply nested, alias bombs). Each comes out as YAML or JSON bytes.
 */
final class FuzzInputs {
    /** Field names of every policy kind, so that random trees often hit real binder paths. */
    private static final String[] WORDS = {
        "apiVersion", "kind", "metadata", "name", "namespace", "spec", "host", "http", "match", "headers", "exact",
        "prefix", "regex", "path", "method", "route", "destination", "subset", "weight", "port", "timeout", "retries",
        "attempts", "perTryTimeout", "retryOn", "fault", "delay", "percent", "fixedDelay", "abort", "httpStatus",
        "grpcStatus", "mirror", "subsets", "labels", "loadBalancer", "simple", "consistentHash", "httpHeaderName",
        "connectionPool", "maxConcurrentRequests", "maxRequestsPerEndpoint", "maxPendingRequests", "outlierDetection", "consecutive5xxErrors", "interval",
        "baseEjectionTime", "maxEjectionPercent", "circuitBreaker", "failureRateThreshold", "minimumCalls",
        "openStateDuration", "tls", "mode", "selector", "service", "mtls", "action", "rules", "from", "to",
        "principals", "namespaces", "methods", "paths", "requestsPerSecond", "burst", "endpoints", "address", "protocol",
    };
    private static final String[] KINDS = {
        "Route", "DestinationPolicy", "PeerAuthentication", "AuthorizationPolicy", "RateLimitPolicy", "ServiceEntry",
        "route", "Nope", "", "Route\u0000",
    };
    private static final Object[] ODD_SCALARS = {
        null, "", " ", "-1", "0", "101", "1e309", "NaN", ".inf", "-.inf", "0x1F", "0o17", "2s", "250ms", "-1s", "1.5.3ms",
        "99999999999999999999h", "1d", "ms", "ROUND_ROBIN", "RING_HASH", "MESH", "STRICT", "DENY", "ALLOW", "GET",
        "UNAVAILABLE", "v1", "orders", "orders.default", "*", "/api/*", "spiffe://skein.local/ns/default/sa/x",
        "[(?", "(a+)+$", "a\nb", "\u202e", "\ud83d\ude00", "~", "null", "true", "yes", "on", Long.MAX_VALUE,
        Long.MIN_VALUE, Integer.MAX_VALUE, -1, 0, 1, 100, 140, 3.5, -0.0, Double.NaN, Double.MAX_VALUE, true, false,
    };
    private static final String[] PUNCTUATION = {
        "&a ", "*a", "!!str ", "!!map ", "!!binary ", "!custom ", "{", "}", "[", "]", ":", ": ", "- ", "---\n", "...\n",
        "%YAML 1.2\n", "#", "|", ">", "'", "\"", "\t", "\n", "\r", "\u0000", "? ", ",", "<<: *a\n", "\\u0000", "\\ud800",
    };
    private static final byte[][] BAD_BYTES = {
        {(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
        {0}, {(byte) 0x80},
    };

    private final Random random;
    private final List<Object> seedTrees;
    private final List<byte[]> seedBytes = new ArrayList<>();

    FuzzInputs(Random random, String seedYaml) {
        this.random = random;
        this.seedTrees = new ArrayList<>();
        for (Object doc : new Load(LoadSettings.builder().build()).loadAllFromString(seedYaml)) {
            seedTrees.add(doc);
            seedBytes.add(yaml(doc, random.nextBoolean()));
            seedBytes.add(json(doc));
        }
    }

    /** The next input: one of the strategies, weighted towards mutations of valid documents. */
    byte[] next() {
        int pick = random.nextInt(100);
        if (pick < 5) {
            return pickSeed();
        } else if (pick < 40) {
            Object tree = deepCopy(seedTrees.get(random.nextInt(seedTrees.size())));
            int edits = 1 + random.nextInt(4);
            for (int i = 0; i < edits; i++) {
                tree = mutateTree(tree, 0);
            }
            return render(tree);
        } else if (pick < 75) {
            return mutateBytes(pickSeed(), 1 + random.nextInt(8));
        } else if (pick < 90) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("kind", KINDS[random.nextInt(KINDS.length)]);
            Map<String, Object> metadata = new LinkedHashMap<>();
            metadata.put("name", random.nextBoolean() ? "p" : randomValue(2));
            doc.put("metadata", metadata);
            doc.put("spec", randomValue(5));
            return render(doc);
        } else {
            return hostile();
        }
    }

    byte[] pickSeed() {
        return seedBytes.get(random.nextInt(seedBytes.size()));
    }

    /** A random etcd key: usually a well-formed policy key, sometimes garbage. */
    String key() {
        return switch (random.nextInt(8)) {
            case 0 -> "/skein/policies/default/Route";
            case 1 -> "/skein/policies/UPPER/Route/x";
            case 2 -> "/skein/policies/default/" + KINDS[random.nextInt(KINDS.length)] + "/" + "a".repeat(random.nextInt(300));
            case 3 -> new String(mutateBytes("/skein/policies/default/Route/orders".getBytes(StandardCharsets.UTF_8), 2),
                    StandardCharsets.UTF_8);
            case 4 -> "";
            default -> "/skein/policies/default/" + KINDS[random.nextInt(6)] + "/orders";
        };
    }

    // === tree mutations ===

    @SuppressWarnings("unchecked")
    private Object mutateTree(Object node, int depth) {
        if (node instanceof Map<?, ?> map && !map.isEmpty() && random.nextInt(4) != 0) {
            Map<String, Object> m = (Map<String, Object>) map;
            List<String> keys = new ArrayList<>(m.keySet());
            String key = keys.get(random.nextInt(keys.size()));
            switch (random.nextInt(6)) {
                case 0 -> m.remove(key);
                case 1 -> m.put(WORDS[random.nextInt(WORDS.length)], randomValue(3));
                case 2 -> m.put(key, randomValue(3));
                default -> m.put(key, mutateTree(m.get(key), depth + 1));
            }
            return m;
        }
        if (node instanceof List<?> list && !list.isEmpty() && random.nextInt(4) != 0) {
            List<Object> l = (List<Object>) list;
            int i = random.nextInt(l.size());
            switch (random.nextInt(5)) {
                case 0 -> l.remove(i);
                case 1 -> l.addAll(Collections.nCopies(1 + random.nextInt(random.nextInt(10) == 0 ? 5000 : 5), l.get(i)));
                case 2 -> l.set(i, randomValue(3));
                default -> l.set(i, mutateTree(l.get(i), depth + 1));
            }
            return l;
        }
        return randomValue(3);
    }

    private Object randomValue(int depth) {
        int pick = random.nextInt(depth <= 0 ? 3 : 6);
        switch (pick) {
            case 0:
                return ODD_SCALARS[random.nextInt(ODD_SCALARS.length)];
            case 1:
                return WORDS[random.nextInt(WORDS.length)];
            case 2:
                return random.nextInt(20) == 0 ? "x".repeat(random.nextInt(100_000)) : random.nextInt(1000) - 100;
            case 3: {
                List<Object> list = new ArrayList<>();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    list.add(randomValue(depth - 1));
                }
                return list;
            }
            default: {
                Map<String, Object> map = new LinkedHashMap<>();
                int n = random.nextInt(5);
                for (int i = 0; i < n; i++) {
                    map.put(WORDS[random.nextInt(WORDS.length)], randomValue(depth - 1));
                }
                return map;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Object deepCopy(Object node) {
        if (node instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(String.valueOf(k), deepCopy(v)));
            return copy;
        }
        if (node instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            list.forEach(v -> copy.add(deepCopy(v)));
            return copy;
        }
        return node;
    }

    // === byte mutations ===

    private byte[] mutateBytes(byte[] input, int edits) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] b = input.clone();
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = random.nextInt(b.length);
            out.reset();
            switch (random.nextInt(7)) {
                case 0 -> {
                    b[at] ^= (byte) (1 << random.nextInt(8));
                    continue;
                }
                case 1 -> {
                    b[at] = (byte) random.nextInt(256);
                    continue;
                }
                case 2 -> {
                    out.write(b, 0, at);
                    int cut = Math.min(b.length - at, random.nextInt(64));
                    out.write(b, at + cut, b.length - at - cut);
                }
                case 3 -> {
                    out.write(b, 0, at);
                    out.writeBytes(PUNCTUATION[random.nextInt(PUNCTUATION.length)].getBytes(StandardCharsets.UTF_8));
                    out.write(b, at, b.length - at);
                }
                case 4 -> {
                    out.write(b, 0, at);
                    out.writeBytes(BAD_BYTES[random.nextInt(BAD_BYTES.length)]);
                    out.write(b, at, b.length - at);
                }
                case 5 -> {
                    // splice: the head of this document, the tail of another
                    byte[] other = pickSeed();
                    int from = random.nextInt(other.length);
                    out.write(b, 0, at);
                    out.write(other, from, other.length - from);
                }
                default -> {
                    // repeat a slice: long lines, repeated keys, many documents
                    int len = Math.min(b.length - at, 1 + random.nextInt(40));
                    out.write(b, 0, at + len);
                    for (int i = random.nextInt(50); i >= 0; i--) {
                        out.write(b, at, len);
                    }
                    out.write(b, at + len, b.length - at - len);
                }
            }
            b = out.toByteArray();
        }
        return b;
    }

    // === hostile shapes ===

    private byte[] hostile() {
        String seed = new String(pickSeed(), StandardCharsets.UTF_8);
        String text =
                switch (random.nextInt(9)) {
                    case 0 -> "[".repeat(1 + random.nextInt(200_000)) + "]".repeat(random.nextInt(3) == 0 ? 0 : 10);
                    case 1 -> "{a: ".repeat(1 + random.nextInt(20_000)) + "1" + "}".repeat(random.nextInt(20_000));
                    case 2 -> nestedBlock(1 + random.nextInt(5000));
                    case 3 -> aliasBomb(2 + random.nextInt(40), 1 + random.nextInt(9));
                    case 4 -> aliasChainInPolicy(2 + random.nextInt(40));
                    case 5 -> seed + "\n#" + "x".repeat(1024 * 1024 - seed.length() - random.nextInt(3)) + "\n";
                    case 6 -> "kind: Route\nmetadata: {name: p}\nspec:\n  host: orders\n  http:\n"
                            + "    - {name: r, route: [{destination: {subset: v1}}]}\n".repeat(1 + random.nextInt(15_000));
                    case 7 -> "---\n".repeat(1 + random.nextInt(50_000)) + seed;
                    default -> "{\"kind\": \"Route\", \"spec\": " + "[".repeat(random.nextInt(5000)) + "1e99999999"
                            + "]".repeat(random.nextInt(5000)) + ", \"k\": \"\\ud800\\udfff\\u0000\"}";
                };
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String nestedBlock(int depth) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            sb.append(" ".repeat(i)).append("a:\n");
        }
        return sb.append(" ".repeat(depth)).append("b\n").toString();
    }

    /** Classic billion laughs: each level a list of {@code width} aliases of the one before. */
    private static String aliasBomb(int levels, int width) {
        StringBuilder sb = new StringBuilder("l0: &l0 [lol]\n");
        for (int i = 1; i < levels; i++) {
            sb.append('l').append(i).append(": &l").append(i).append(" [")
                    .append(String.join(", ", Collections.nCopies(width, "*l" + (i - 1)))).append("]\n");
        }
        return sb.toString();
    }

    /**
     * A doubling chain of mappings inside a Route, within the alias limit: few aliases, but a
     * binder that walks the tree as if expanded would visit 2^levels nodes.
     */
    private static String aliasChainInPolicy(int levels) {
        StringBuilder sb = new StringBuilder("kind: Route\nmetadata: {name: p}\nx0: &x0 {name: r, route: [{destination: {subset: v1}}]}\n");
        for (int i = 1; i < levels; i++) {
            sb.append('x').append(i).append(": &x").append(i).append(" [*x").append(i - 1).append(", *x").append(i - 1).append("]\n");
        }
        return sb.append("spec: {host: orders, http: *x").append(levels - 1).append("}\n").toString();
    }

    // === rendering ===

    private byte[] render(Object tree) {
        return random.nextInt(3) == 0 ? json(tree) : yaml(tree, random.nextBoolean());
    }

    private static byte[] yaml(Object tree, boolean flow) {
        DumpSettings settings =
                DumpSettings.builder().setDefaultFlowStyle(flow ? FlowStyle.FLOW : FlowStyle.BLOCK).setWidth(200).build();
        return new Dump(settings).dumpToString(tree).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] json(Object tree) {
        StringBuilder sb = new StringBuilder();
        writeJson(sb, tree);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void writeJson(StringBuilder sb, Object node) {
        if (node instanceof Map<?, ?> map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                sb.append(first ? "" : ",");
                first = false;
                writeJson(sb, String.valueOf(e.getKey()));
                sb.append(':');
                writeJson(sb, e.getValue());
            }
            sb.append('}');
        } else if (node instanceof List<?> list) {
            sb.append('[');
            for (int i = 0; i < list.size(); i++) {
                sb.append(i == 0 ? "" : ",");
                writeJson(sb, list.get(i));
            }
            sb.append(']');
        } else if (node instanceof String s) {
            sb.append('"');
            for (char c : s.toCharArray()) {
                if (c == '"' || c == '\\') {
                    sb.append('\\').append(c);
                } else if (c < 0x20) {
                    sb.append(String.format("\\u%04x", (int) c));
                } else {
                    sb.append(c);
                }
            }
            sb.append('"');
        } else if (node instanceof Double d && (d.isNaN() || d.isInfinite())) {
            sb.append("\"").append(d).append("\"");
        } else {
            sb.append(node);
        }
    }
}

package dev.skein.api;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Reads one YAML mapping at a known field path. Every getter returns null when the field is absent or
 * wrong, after recording a problem for the latter, so callers just read fields in order and check the
 * problem count at the end. Explicit {@code null} values count as absent.
 */
final class Binder {
    private final Problems problems;
    private final String path;
    private final Map<String, Node> fields = new LinkedHashMap<>();

    private Binder(Problems problems, String path, MappingNode node) {
        this.problems = problems;
        this.path = path;
        for (NodeTuple t : node.getValue()) {
            Node key = t.getKeyNode();
            if (!(key instanceof ScalarNode k) || !Tag.STR.equals(k.getTag())) {
                problems.add(path, "field names must be strings, got " + Values.describe(key));
            } else if (fields.containsKey(k.getValue())) {
                problems.add(child(k.getValue()), "duplicate field");
            } else {
                fields.put(k.getValue(), t.getValueNode());
            }
        }
    }

    /** A binder over {@code node}, or null (with a problem) when it is not a mapping. */
    static Binder of(Problems problems, String path, Node node) {
        if (node instanceof MappingNode m) {
            return new Binder(problems, path, m);
        }
        problems.add(path, "must be a mapping, got " + Values.describe(node));
        return null;
    }

    Problems problems() {
        return problems;
    }

    String path() {
        return path;
    }

    String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    void problem(String key, String reason) {
        problems.add(child(key), reason);
    }

    /** Rejects every field not named here: a typo must never be silently ignored. */
    Binder allow(String... names) {
        Set<String> allowed = Set.of(names);
        for (String key : fields.keySet()) {
            if (!allowed.contains(key)) {
                problem(key, "unknown field");
            }
        }
        return this;
    }

    /** Records "required" for each absent field. */
    boolean require(String... keys) {
        boolean all = true;
        for (String key : keys) {
            if (!has(key)) {
                problem(key, "required");
                all = false;
            }
        }
        return all;
    }

    boolean has(String key) {
        return !isNull(fields.get(key));
    }

    Node node(String key) {
        Node n = fields.get(key);
        return isNull(n) ? null : n;
    }

    private static boolean isNull(Node n) {
        return n == null || n instanceof ScalarNode s && Tag.NULL.equals(s.getTag());
    }

    // ---- scalars ----

    String string(String key) {
        return stringAt(child(key), node(key));
    }

    String stringAt(String at, Node n) {
        if (n == null) {
            return null;
        }
        if (n instanceof ScalarNode s && Tag.STR.equals(s.getTag())) {
            return s.getValue();
        }
        problems.add(at, "must be a string, got " + Values.describe(n));
        return null;
    }

    /** A string that must not be empty. */
    String text(String key) {
        String s = string(key);
        if (s != null && s.isBlank()) {
            problem(key, "must not be empty");
            return null;
        }
        return s;
    }

    Integer integer(String key) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        if (n instanceof ScalarNode s && Tag.INT.equals(s.getTag())) {
            BigInteger v = parseInt(s.getValue());
            if (v != null && v.bitLength() < 32) {
                return v.intValue();
            }
            problem(key, "out of range, got " + Values.describe(n));
            return null;
        }
        problem(key, "must be an integer, got " + Values.describe(n));
        return null;
    }

    /** An integer in {@code min..max}. */
    Integer integer(String key, int min, int max) {
        Integer v = integer(key);
        if (v != null && (v < min || v > max)) {
            problem(key, range(min, max) + ", got " + v);
            return null;
        }
        return v;
    }

    Double number(String key) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        if (n instanceof ScalarNode s && (Tag.INT.equals(s.getTag()) || Tag.FLOAT.equals(s.getTag()))) {
            try {
                BigInteger i = Tag.INT.equals(s.getTag()) ? parseInt(s.getValue()) : null;
                double d = i != null ? i.doubleValue() : Double.parseDouble(s.getValue());
                if (Double.isFinite(d)) {
                    return d;
                }
            } catch (NumberFormatException e) {
                // .inf, .nan and the like: not a usable number
            }
            problem(key, "must be a finite number, got " + Values.describe(n));
            return null;
        }
        problem(key, "must be a number, got " + Values.describe(n));
        return null;
    }

    /** A number in {@code min..max}. */
    Double number(String key, double min, double max) {
        Double v = number(key);
        if (v != null && (v < min || v > max)) {
            problem(key, "must be " + num(min) + ".." + num(max) + ", got " + Values.describe(node(key)));
            return null;
        }
        return v;
    }

    /** A number strictly greater than zero. */
    Double positiveNumber(String key) {
        Double v = number(key);
        if (v != null && v <= 0) {
            problem(key, "must be > 0, got " + Values.describe(node(key)));
            return null;
        }
        return v;
    }

    /** A duration; every duration in a policy must be greater than zero. */
    Duration duration(String key) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        if (!(n instanceof ScalarNode s)
                || !(Tag.STR.equals(s.getTag()) || Tag.INT.equals(s.getTag()) || Tag.FLOAT.equals(s.getTag()))) {
            problem(key, "must be a duration such as 250ms or 2s, got " + Values.describe(n));
            return null;
        }
        try {
            Duration d = Durations.parse(s.getValue());
            if (d.isZero()) {
                problem(key, "must be > 0, got " + Values.quote(s.getValue()));
                return null;
            }
            return d;
        } catch (IllegalArgumentException e) {
            problem(key, "bad duration " + Values.quote(s.getValue()));
            return null;
        }
    }

    /** {@code true} or {@code false}, or null when absent. */
    Boolean bool(String key) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        if (n instanceof ScalarNode s && Tag.BOOL.equals(s.getTag())) {
            return Boolean.parseBoolean(s.getValue().toLowerCase(java.util.Locale.ROOT));
        }
        problem(key, "must be true or false, got " + Values.describe(n));
        return null;
    }

    boolean isStringValued(String key) {
        return node(key) instanceof ScalarNode s && Tag.STR.equals(s.getTag());
    }

    <E extends Enum<E>> E enumValue(String key, Class<E> type) {
        String s = string(key);
        if (s == null) {
            return null;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(s)) {
                return e;
            }
        }
        problem(key, "must be one of " + join(Arrays.asList(type.getEnumConstants())) + ", got " + Values.quote(s));
        return null;
    }

    // ---- collections ----

    /** A nested mapping, or null. */
    Binder object(String key) {
        Node n = node(key);
        return n == null ? null : of(problems, child(key), n);
    }

    /** The raw elements of a list with their paths, or null when absent or not a list. */
    List<Map.Entry<String, Node>> list(String key) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        if (!(n instanceof SequenceNode seq)) {
            problem(key, "must be a list, got " + Values.describe(n));
            return null;
        }
        List<Map.Entry<String, Node>> out = new ArrayList<>();
        List<Node> items = seq.getValue();
        for (int i = 0; i < items.size(); i++) {
            out.add(Map.entry(child(key) + "[" + i + "]", items.get(i)));
        }
        return out;
    }

    /** A list of mappings mapped by {@code bind(binder, index)}; null elements are dropped after a problem. */
    <T> List<T> objects(String key, BiFunction<Binder, Integer, T> bind) {
        List<Map.Entry<String, Node>> items = list(key);
        if (items == null) {
            return null;
        }
        List<T> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Binder b = of(problems, items.get(i).getKey(), items.get(i).getValue());
            T t = b == null ? null : bind.apply(b, i);
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }

    /** A list of strings, or null. */
    List<String> strings(String key) {
        List<Map.Entry<String, Node>> items = list(key);
        if (items == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Node> e : items) {
            String s = stringAt(e.getKey(), e.getValue());
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    /** A mapping of strings to strings, or null. */
    Map<String, String> stringMap(String key) {
        Binder b = object(key);
        if (b == null) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : b.fields.entrySet()) {
            String v = stringAt(b.child(e.getKey()), e.getValue());
            if (v != null) {
                out.put(e.getKey(), v);
            }
        }
        return out;
    }

    /** A mapping of names to nested mappings, or null. */
    Map<String, Binder> objectMap(String key) {
        Binder b = object(key);
        if (b == null) {
            return null;
        }
        Map<String, Binder> out = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : b.fields.entrySet()) {
            Binder v = of(problems, b.child(e.getKey()), e.getValue());
            if (v != null) {
                out.put(e.getKey(), v);
            }
        }
        return out;
    }

    // ---- helpers ----

    static String range(long min, long max) {
        return max == Integer.MAX_VALUE ? "must be >= " + min : "must be " + min + ".." + max;
    }

    static String join(List<?> values) {
        StringBuilder sb = new StringBuilder();
        for (Object v : values) {
            sb.append(sb.length() == 0 ? "" : ", ").append(v);
        }
        return sb.toString();
    }

    private static String num(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    /** YAML 1.2 core-schema integers: decimal, 0o octal, 0x hex, optional sign on decimals. */
    private static BigInteger parseInt(String s) {
        try {
            if (s.startsWith("0x")) {
                return new BigInteger(s.substring(2), 16);
            }
            if (s.startsWith("0o")) {
                return new BigInteger(s.substring(2), 8);
            }
            return new BigInteger(s.startsWith("+") ? s.substring(1) : s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}

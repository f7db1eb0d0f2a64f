package dev.skein.api;

import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/** Renders values in problem text: strings quoted, numbers as typed, collections by kind. */
final class Values {
    private static final int MAX_SHOWN = 80;

    private Values() {}

    static String describe(Node node) {
        if (node == null) {
            return "nothing";
        }
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        ScalarNode s = (ScalarNode) node;
        if (Tag.NULL.equals(s.getTag())) {
            return "null";
        }
        boolean plainValue = Tag.INT.equals(s.getTag()) || Tag.FLOAT.equals(s.getTag()) || Tag.BOOL.equals(s.getTag());
        return plainValue ? shorten(s.getValue()) : quote(s.getValue());
    }

    /** JSON-style quoting, shortened, so hostile input cannot forge extra lines in a log. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        String shown = shorten(s);
        for (int i = 0; i < shown.length(); i++) {
            char c = shown.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static String shorten(String s) {
        return s.length() <= MAX_SHOWN ? s : s.substring(0, MAX_SHOWN) + "...";
    }
}

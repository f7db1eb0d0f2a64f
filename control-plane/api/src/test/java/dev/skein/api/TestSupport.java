package dev.skein.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** Shared helpers: build documents, parse them, render problems as lines. */
final class TestSupport {
    private TestSupport() {}

    /** A document of the given kind around a flow-style spec. */
    static String doc(String kind, String spec) {
        return "apiVersion: skein.dev/v1\nkind: " + kind + "\nmetadata: {name: p}\nspec: " + spec + "\n";
    }

    /** Problem lines for one document parsed with source "t.yaml". */
    static List<String> problems(String text) {
        ParseResult r = PolicyParser.parse("t.yaml", text);
        if (!r.ok()) {
            assertThat(r.policies()).as("a document with problems yields no policy").isEmpty();
        }
        return r.problems().stream().map(Problem::toString).toList();
    }

    static List<String> specProblems(String kind, String spec) {
        return problems(doc(kind, spec));
    }

    /** The single valid policy of a text; fails with the problems otherwise. */
    static Policy one(String text) {
        ParseResult r = PolicyParser.parse("t.yaml", text);
        assertThat(r.problems()).as("problems").isEmpty();
        assertThat(r.policies()).hasSize(1);
        return r.policies().get(0);
    }

    static String resource(String name) {
        try (InputStream in = TestSupport.class.getResourceAsStream("/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The same documents as JSON, one per line-separated document, written independently of the parser. */
    static String toJsonDocuments(String yaml) {
        StringBuilder sb = new StringBuilder();
        for (Object doc : new Load(LoadSettings.builder().build()).loadAllFromString(yaml)) {
            if (sb.length() > 0) {
                sb.append("\n---\n");
            }
            json(sb, doc);
        }
        return sb.toString();
    }

    private static void json(StringBuilder sb, Object o) {
        if (o instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(first ? "" : ",");
                first = false;
                Json.string(sb, String.valueOf(e.getKey()));
                sb.append(':');
                json(sb, e.getValue());
            }
            sb.append('}');
        } else if (o instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                sb.append(i == 0 ? "" : ",");
                json(sb, l.get(i));
            }
            sb.append(']');
        } else if (o instanceof String s) {
            Json.string(sb, s);
        } else {
            sb.append(o);
        }
    }
}

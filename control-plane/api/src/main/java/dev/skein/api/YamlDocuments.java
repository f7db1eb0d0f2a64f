package dev.skein.api;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Turns untrusted bytes or text into YAML node trees, safely. YAML 1.2 is a superset of JSON, so JSON
 * documents take the same path. Every failure becomes a whole-input problem (empty field).
 */
final class YamlDocuments {
    /** Policies are small; anything larger is a mistake or an attack. */
    static final int MAX_BYTES = 1024 * 1024;
    /** The deepest policy shape is about 8 levels; the composer recurses, so depth must be bounded first. */
    static final int MAX_DEPTH = 64;
    /** Anchors are allowed for reuse, but few: each alias can multiply the work (billion laughs). */
    static final int MAX_ALIASES = 64;

    private YamlDocuments() {}

    private static LoadSettings settings() {
        return LoadSettings.builder()
                .setSchema(new CoreSchema())
                .setAllowRecursiveKeys(false)
                .setAllowNonScalarKeys(false)
                .setMaxAliasesForCollections(MAX_ALIASES)
                .setCodePointLimit(MAX_BYTES + 1)
                .setParseComments(false)
                .setUseMarks(true)
                .build();
    }

    /** Strict UTF-8 decode (a leading BOM is dropped); null after recording a problem. */
    static String decode(byte[] bytes, Problems problems) {
        if (bytes == null) {
            problems.add("", "empty input");
            return null;
        }
        if (bytes.length > MAX_BYTES) {
            problems.add("", "too large: " + bytes.length + " bytes, the limit is " + MAX_BYTES);
            return null;
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            String text = decoder.decode(in).toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (MalformedInputException e) {
            problems.add("", "invalid UTF-8 at byte " + in.position());
        } catch (CharacterCodingException e) {
            problems.add("", "invalid UTF-8: " + e.getMessage());
        }
        return null;
    }

    /**
     * The documents of a stream, empty ones dropped. On any YAML-level problem no documents are returned:
     * a stream that is not well-formed is rejected as a whole.
     */
    static List<Node> load(String text, Problems problems) {
        if (text == null) {
            problems.add("", "empty input");
            return List.of();
        }
        if (text.length() > MAX_BYTES) {
            problems.add("", "too large: " + text.length() + " characters, the limit is " + MAX_BYTES);
            return List.of();
        }
        LoadSettings settings = settings();
        try {
            if (!withinLimits(text, settings, problems)) {
                return List.of();
            }
            List<Node> docs = new ArrayList<>();
            for (Node node : new Compose(settings).composeAllFromString(text)) {
                if (!isEmpty(node)) {
                    docs.add(node);
                }
            }
            return docs;
        } catch (MarkedYamlEngineException e) {
            problems.add("", "bad YAML: " + describe(e));
        } catch (YamlEngineException e) {
            problems.add("", "bad YAML: " + e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            problems.add("", "bad YAML: " + e);
        }
        return List.of();
    }

    /** A pass over the event stream (the parser is iterative) to bound depth and aliases before composing. */
    private static boolean withinLimits(String text, LoadSettings settings, Problems problems) {
        int depth = 0;
        int aliases = 0;
        for (Event event : new Parse(settings).parseString(text)) {
            switch (event.getEventId()) {
                case MappingStart, SequenceStart -> {
                    if (++depth > MAX_DEPTH) {
                        problems.add("", "nested deeper than " + MAX_DEPTH + " levels" + at(event.getStartMark().orElse(null)));
                        return false;
                    }
                }
                case MappingEnd, SequenceEnd -> depth--;
                case Alias -> {
                    if (++aliases > MAX_ALIASES) {
                        problems.add("", "more than " + MAX_ALIASES + " aliases" + at(event.getStartMark().orElse(null)));
                        return false;
                    }
                }
                default -> { }
            }
        }
        return true;
    }

    private static boolean isEmpty(Node node) {
        return node == null
                || node instanceof ScalarNode s && Tag.NULL.equals(s.getTag()) && s.getValue().isEmpty();
    }

    private static String describe(MarkedYamlEngineException e) {
        String problem = e.getProblem() == null ? e.getClass().getSimpleName() : e.getProblem();
        return problem.replace('\n', ' ') + at(e.getProblemMark().orElse(null));
    }

    private static String at(Mark mark) {
        return mark == null ? "" : " (line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ")";
    }
}

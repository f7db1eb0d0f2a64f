package dev.skein.server.policy;

import dev.skein.api.ParseResult;
import dev.skein.api.PolicyParser;
import dev.skein.api.Problem;
import dev.skein.server.UserException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.exceptions.Mark;

/**
 * Reads {@code -f FILE|DIR|-} and splits each input into its documents, keeping each document's
 * own text: operators diff and {@code etcdctl get} what they wrote, comments included.
 */
public final class PolicyFiles {
    private PolicyFiles() {}

    /**
     * @param paths files, directories (their {@code *.yaml, *.yml, *.json} files, sorted) or {@code -} for stdin
     */
    public static List<PolicyDocument> read(List<String> paths, InputStream stdin) {
        List<PolicyDocument> docs = new ArrayList<>();
        for (String p : paths) {
            if (p.equals("-")) {
                try {
                    docs.addAll(split("<stdin>", new String(stdin.readAllBytes(), StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    throw new UserException("cannot read standard input: " + e.getMessage());
                }
                continue;
            }
            Path path = Path.of(p);
            if (Files.isDirectory(path)) {
                for (Path f : policyFilesIn(path)) {
                    docs.addAll(split(f.toString(), readFile(f)));
                }
            } else {
                docs.addAll(split(p, readFile(path)));
            }
        }
        return docs;
    }

    private static List<Path> policyFilesIn(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(f -> {
                        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
                        return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
                    })
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UserException("cannot list " + dir + ": " + e.getMessage());
        }
    }

    private static String readFile(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new UserException(f + ": not UTF-8 text");
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UserException(f + ": no such file or directory");
        } catch (IOException e) {
            throw new UserException("cannot read " + f + ": " + e.getMessage());
        }
    }

    /**
     * The documents of one text, each parsed and validated on its own. Empty documents are skipped;
     * documents are numbered from 1 among the non-empty ones, like the api module numbers them.
     */
    public static List<PolicyDocument> split(String source, String text) {
        List<String> texts;
        try {
            texts = documentTexts(text);
        } catch (RuntimeException e) {
            // Not well-formed YAML: the parser names the line and column.
            ParseResult whole = PolicyParser.parse(source, text);
            return List.of(new PolicyDocument(source, text, null, whole.problems()));
        }
        List<PolicyDocument> parsed = new ArrayList<>();
        for (String t : texts) {
            ParseResult r = PolicyParser.parse(source, t);
            if (r.policies().isEmpty() && r.problems().isEmpty()) {
                continue;
            }
            parsed.add(new PolicyDocument(source, t, r.policies().isEmpty() ? null : r.policies().get(0), r.problems()));
        }
        if (parsed.size() < 2) {
            return parsed;
        }
        List<PolicyDocument> numbered = new ArrayList<>(parsed.size());
        for (int i = 0; i < parsed.size(); i++) {
            PolicyDocument d = parsed.get(i);
            String s = source + "#" + (i + 1);
            List<Problem> problems = d.problems().stream().map(p -> new Problem(s, p.field(), p.reason())).toList();
            numbered.add(new PolicyDocument(s, d.text(), d.policy(), problems));
        }
        return numbered;
    }

    /** Splits a YAML stream at its document boundaries, using the parser's marks (code point indexes). */
    static List<String> documentTexts(String text) {
        int[] cps = text.codePoints().toArray();
        LoadSettings settings = LoadSettings.builder().setUseMarks(true).setCodePointLimit(Integer.MAX_VALUE).build();
        List<String> out = new ArrayList<>();
        int start = -1;
        for (Event e : new Parse(settings).parseString(text)) {
            switch (e.getEventId()) {
                case DocumentStart -> start = e.getStartMark().map(Mark::getIndex).orElse(0);
                case DocumentEnd -> {
                    int end = e.getEndMark().map(Mark::getIndex).orElse(cps.length);
                    out.add(clean(new String(cps, start, Math.max(0, Math.min(end, cps.length) - start))));
                }
                default -> { }
            }
        }
        return out;
    }

    /** Drops a leading {@code ---} marker and a trailing {@code ...}, keeps everything else as written. */
    private static String clean(String doc) {
        String d = doc.strip();
        if (d.startsWith("---") && (d.length() == 3 || Character.isWhitespace(d.charAt(3)))) {
            d = d.substring(3).stripLeading();
        }
        if (d.endsWith("\n...") || d.equals("...")) {
            d = d.substring(0, d.length() - 3).stripTrailing();
        }
        return d.isEmpty() ? "" : d + "\n";
    }
}

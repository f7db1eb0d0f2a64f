package dev.skein.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Input crafted to hurt: each case is a problem, never an exception, a hang or a memory blow-up. */
@Timeout(10)
class HostileInputTest {

    @Test
    void billionLaughs() {
        StringBuilder sb = new StringBuilder("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i < 10; i++) {
            String prev = "*a" + (i - 1);
            sb.append("a").append(i).append(": &a").append(i).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(9, prev))).append("]\n");
        }
        ParseResult r = PolicyParser.parse("bomb.yaml", sb.toString());
        assertThat(r.problems()).extracting(Problem::toString).singleElement().asString()
                .startsWith("bomb.yaml: more than 64 aliases");
    }

    @Test
    void fewAliasesAreFine() {
        String text = """
                kind: Route
                metadata: {name: a}
                spec:
                  host: orders
                  http:
                    - {name: one, route: &r [{destination: {subset: v1}}]}
                    - {name: two, route: *r}
                """;
        assertThat(TestSupport.one(text).spec(RouteSpec.class).http()).hasSize(2);
    }

    @Test
    void recursiveStructureIsRejectedWithoutLooping() {
        assertThat(PolicyParser.parse("r.yaml", "kind: Route\nmetadata: {name: a}\nspec: &s {host: orders, http: *s}\n").problems())
                .extracting(Problem::toString).containsExactly("r.yaml: spec.http: must be a list, got a mapping");
        assertThat(PolicyParser.parse("r.yaml", "&k [*k]: 1\n").ok()).isFalse();
    }

    @Test
    void deepNesting() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertThat(PolicyParser.parse("deep.yaml", deep).problems()).extracting(Problem::toString)
                .singleElement().asString().startsWith("deep.yaml: nested deeper than 64 levels");
        String deepMaps = "a: ".repeat(10_000) + "b";
        assertThat(PolicyParser.parse("deep.yaml", deepMaps).ok()).isFalse();
    }

    @Test
    void sizeCap() {
        String big = "# " + "x".repeat(YamlDocuments.MAX_BYTES) + "\n";
        assertThat(PolicyParser.parse("big.yaml", big).problems()).extracting(Problem::toString)
                .containsExactly("big.yaml: too large: " + big.length() + " characters, the limit is 1048576");
        byte[] bytes = big.getBytes(StandardCharsets.UTF_8);
        assertThat(PolicyParser.parse("big.yaml", bytes).problems()).extracting(Problem::toString)
                .containsExactly("big.yaml: too large: " + bytes.length + " bytes, the limit is 1048576");
    }

    @Test
    void invalidUtf8() {
        byte[] bytes = {'k', 'i', 'n', 'd', ':', ' ', (byte) 0xC3, (byte) 0x28};
        assertThat(PolicyParser.parse("bin.yaml", bytes).problems()).extracting(Problem::toString)
                .containsExactly("bin.yaml: invalid UTF-8 at byte 6");
        assertThat(PolicyParser.parse("bin.yaml", (byte[]) null).ok()).isFalse();
    }

    @Test
    void garbageNeverThrows() {
        String[] inputs = {"\u0000\u0001", "{", "]", "!!binary AAAA", "key: !custom x", "? [a]\n: b", "%YAML 9.9\n---\na: 1",
                "kind: Route\nspec: !!map {host: 1}", "\t\t:", "*unknown", "a: &x 1\nb: *x", "---\n- - - - -"};
        for (String in : inputs) {
            ParseResult r = PolicyParser.parse("g.yaml", in);
            assertThat(r.problems()).as(in).allSatisfy(p -> assertThat(p.toString()).doesNotContain("\n"));
        }
    }

    @Test
    void controlCharactersInValuesCannotForgeLogLines() {
        ParseResult r = PolicyParser.parse("c.yaml", "kind: \"Route\\nfake: line\"\nmetadata: {name: a}\nspec: {}\n");
        assertThat(r.problems()).extracting(Problem::toString).allSatisfy(s -> assertThat(s).doesNotContain("\n"));
    }

    @Test
    void catastrophicInputIsQuick() {
        long start = System.nanoTime();
        PolicyParser.parse("x.yaml", "a: [" + "1, ".repeat(200_000) + "1]");
        // A blow-up (quadratic or worse) takes minutes; 20 s leaves room for a loaded CI machine.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    }
}

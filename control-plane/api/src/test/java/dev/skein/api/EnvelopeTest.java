package dev.skein.api;

import static dev.skein.api.TestSupport.one;
import static dev.skein.api.TestSupport.problems;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** apiVersion, kind, metadata and spec: the parts every document shares. */
class EnvelopeTest {
    private static final String SPEC = "spec: {host: orders, http: [{route: [{destination: {subset: v1}}]}]}\n";

    @Test
    void apiVersionIsOptionalButMustBeV1() {
        assertThat(one("kind: Route\nmetadata: {name: a}\n" + SPEC).kind()).isEqualTo(PolicyKind.Route);
        assertThat(problems("apiVersion: skein.dev/v2\nkind: Route\nmetadata: {name: a}\n" + SPEC))
                .containsExactly("t.yaml: apiVersion: must be skein.dev/v1, got \"skein.dev/v2\"");
    }

    @Test
    void namespaceDefaultsToDefault() {
        assertThat(one("kind: Route\nmetadata: {name: a}\n" + SPEC).namespace()).isEqualTo("default");
        assertThat(one("kind: Route\nmetadata: {name: a, namespace: shop}\n" + SPEC).namespace()).isEqualTo("shop");
    }

    @Test
    void kindMetadataAndSpecAreRequired() {
        assertThat(problems("metadata: {name: a}\n" + SPEC)).containsExactly("t.yaml: kind: required");
        assertThat(problems("kind: Route\n" + SPEC)).containsExactly("t.yaml: metadata: required");
        assertThat(problems("kind: Route\nmetadata: {namespace: x}\n" + SPEC)).containsExactly("t.yaml: metadata.name: required");
        assertThat(problems("kind: Route\nmetadata: {name: a}\n")).containsExactly("t.yaml: spec: required");
        assertThat(problems("kind: Route\nmetadata: {name: a}\nspec: [1]\n"))
                .containsExactly("t.yaml: spec: must be a mapping, got a list");
    }

    @Test
    void kindIsExactAndCaseSensitive() {
        assertThat(problems("kind: route\nmetadata: {name: a}\n" + SPEC)).containsExactly(
                "t.yaml: kind: must be one of Route, DestinationPolicy, PeerAuthentication, AuthorizationPolicy,"
                        + " RateLimitPolicy, ServiceEntry, Telemetry, got \"route\"");
        assertThat(PolicyKind.fromName("Route")).contains(PolicyKind.Route);
        assertThat(PolicyKind.fromName("ROUTE")).isEmpty();
        assertThat(PolicyKind.fromName(null)).isEmpty();
    }

    @Test
    void namesMustBeDns1123Labels() {
        assertThat(problems("kind: Route\nmetadata: {name: Orders_1, namespace: a.b}\n" + SPEC)).containsExactly(
                "t.yaml: metadata.name: must be a DNS-1123 label (at most 63 of a-z, 0-9 and '-', starting and ending alphanumeric), got \"Orders_1\"",
                "t.yaml: metadata.namespace: must be a DNS-1123 label (at most 63 of a-z, 0-9 and '-', starting and ending alphanumeric), got \"a.b\"");
        assertThat(problems("kind: Route\nmetadata: {name: " + "a".repeat(64) + "}\n" + SPEC)).hasSize(1);
        assertThat(problems("kind: Route\nmetadata: {name: -a}\n" + SPEC)).hasSize(1);
        assertThat(one("kind: Route\nmetadata: {name: " + "a".repeat(63) + "}\n" + SPEC)).isNotNull();
    }

    @Test
    void unknownFieldsAreRejectedAtEveryLevel() {
        assertThat(problems("kind: Route\nstatus: {}\nmetadata: {name: a, labels: {x: y}}\n" + SPEC)).containsExactly(
                "t.yaml: status: unknown field", "t.yaml: metadata.labels: unknown field");
        assertThat(problems("kind: Route\nmetadata: {name: a}\nspec: {host: o, http: [{retires: {attempts: 1}, route: [{destination: {}}]}]}"))
                .containsExactly("t.yaml: spec.http[0].retires: unknown field");
    }

    @Test
    void duplicateAndNonStringKeysAreRejected() {
        assertThat(problems("kind: Route\nkind: Route\nmetadata: {name: a}\n" + SPEC)).containsExactly("t.yaml: kind: duplicate field");
        assertThat(problems("kind: Route\n1: x\nmetadata: {name: a}\n" + SPEC))
                .containsExactly("t.yaml: field names must be strings, got 1");
    }

    @Test
    void wrongTypesAreRejected() {
        assertThat(problems("kind: [Route]\nmetadata: {name: a}\n" + SPEC)).containsExactly("t.yaml: kind: must be a string, got a list");
        assertThat(problems("kind: Route\nmetadata: {name: 5}\n" + SPEC)).containsExactly("t.yaml: metadata.name: must be a string, got 5");
        assertThat(problems("- kind: Route\n")).containsExactly("t.yaml: must be a mapping, got a list");
        assertThat(problems("just text")).containsExactly("t.yaml: must be a mapping, got \"just text\"");
    }

    @Test
    void multiDocumentProblemsNameTheDocumentAndValidOnesStillParse() {
        String text = "kind: Route\nmetadata: {name: a}\n" + SPEC + "---\nkind: Route\nmetadata: {name: b}\nspec: {host: x}\n---\n";
        ParseResult r = PolicyParser.parse("f.yaml", text);
        assertThat(r.ok()).isFalse();
        assertThat(r.policies()).extracting(Policy::name).containsExactly("a");
        assertThat(r.problems()).extracting(Problem::toString).containsExactly("f.yaml#2: spec.http: required");
        assertThat(r.problemsText()).isEqualTo("f.yaml#2: spec.http: required\n");
    }

    @Test
    void emptyInputIsNoPolicyAndNoProblem() {
        assertThat(PolicyParser.parse("f.yaml", "").ok()).isTrue();
        assertThat(PolicyParser.parse("f.yaml", "# only a comment\n---\n").policies()).isEmpty();
    }

    @Test
    void syntaxErrorsAreOneLineWithPosition() {
        assertThat(problems("kind: Route\n  bad: [\n")).singleElement().asString()
                .startsWith("t.yaml: bad YAML: ").contains("(line ").doesNotContain("\n");
    }

    @Test
    void bytesAreDecodedAsUtf8WithOptionalBom() {
        byte[] bytes = ("\uFEFFkind: Route\nmetadata: {name: a}\n" + SPEC).getBytes(StandardCharsets.UTF_8);
        assertThat(PolicyParser.parse("f.yaml", bytes).policies()).hasSize(1);
    }

    @Test
    void policyAccessors() {
        Policy p = one("kind: Route\nmetadata: {name: a, namespace: shop}\n" + SPEC);
        assertThat(p.name()).isEqualTo("a");
        assertThat(p.namespace()).isEqualTo("shop");
        assertThat(p.ref()).isEqualTo(new PolicyRef("shop", PolicyKind.Route, "a"));
        assertThat(p.ref()).hasToString("Route shop/a");
        assertThatThrownBy(() -> p.spec(DestinationPolicySpec.class)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void problemRendering() {
        assertThat(new Problem("k", "spec.host", "required")).hasToString("k: spec.host: required");
        assertThat(new Problem("k", "", "bad YAML")).hasToString("k: bad YAML");
        assertThat(new Problem("k", null, "x").field()).isEmpty();
    }
}

package dev.skein.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** One etcd value under one policy key. */
class ParseKeyValueTest {
    private static final KeyLayout LAYOUT = new KeyLayout();
    private static final String KEY = "/skein/policies/shop/Route/orders";
    private static final String SPEC = "spec: {host: orders, http: [{route: [{destination: {}}]}]}\n";

    private static ParseResult parse(String key, String value) {
        return PolicyParser.parseKeyValue(LAYOUT, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private static java.util.List<String> problems(String value) {
        return parse(KEY, value).problems().stream().map(Problem::toString).toList();
    }

    @Test
    void kindNameAndNamespaceComeFromTheKey() {
        ParseResult r = parse(KEY, SPEC);
        assertThat(r.problems()).isEmpty();
        assertThat(r.policies()).singleElement().satisfies(p -> {
            assertThat(p.ref()).isEqualTo(new PolicyRef("shop", PolicyKind.Route, "orders"));
        });
        assertThat(parse(KEY, "apiVersion: skein.dev/v1\nkind: Route\nmetadata: {name: orders, namespace: shop}\n" + SPEC).ok()).isTrue();
        assertThat(parse(KEY, "metadata: {name: orders}\n" + SPEC).policies().get(0).namespace()).isEqualTo("shop");
    }

    @Test
    void documentMustAgreeWithKey() {
        assertThat(problems("kind: DestinationPolicy\n" + SPEC)).containsExactly(KEY + ": kind: must match the key's kind Route, got \"DestinationPolicy\"");
        assertThat(problems("metadata: {name: other, namespace: default}\n" + SPEC)).containsExactly(
                KEY + ": metadata.name: must match the key's name orders, got \"other\"",
                KEY + ": metadata.namespace: must match the key's namespace shop, got \"default\"");
    }

    @Test
    void exactlyOneDocument() {
        assertThat(problems("")).containsExactly(KEY + ": empty value: expected one policy document");
        assertThat(problems(null)).containsExactly(KEY + ": empty input");
        assertThat(problems(SPEC + "---\n" + SPEC)).containsExactly(KEY + ": must hold exactly one document, got 2");
    }

    @Test
    void badKey() {
        assertThat(parse("/skein/policies/shop/Routes/orders", SPEC).problems()).extracting(Problem::toString).containsExactly(
                "/skein/policies/shop/Routes/orders: not a policy key: expected /skein/policies/<namespace>/<Kind>/<name> with a known kind and DNS-1123 names");
    }

    @Test
    void jsonValueAndSpecProblemsNameTheKey() {
        assertThat(parse(KEY, "{\"spec\": {\"host\": \"orders\", \"http\": [{\"route\": [{\"destination\": {}}]}]}}").ok()).isTrue();
        assertThat(problems("spec: {host: orders, http: [{route: [{destination: {}}], timeout: 2x}]}"))
                .containsExactly(KEY + ": spec.http[0].timeout: bad duration \"2x\"");
    }

    @Test
    void invalidUtf8InValue() {
        ParseResult r = PolicyParser.parseKeyValue(LAYOUT, KEY, new byte[] {(byte) 0xFF});
        assertThat(r.problems()).extracting(Problem::toString).containsExactly(KEY + ": invalid UTF-8 at byte 0");
    }
}

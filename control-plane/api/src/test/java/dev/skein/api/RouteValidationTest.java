package dev.skein.api;

import static dev.skein.api.TestSupport.specProblems;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every Route error, each reported as one line with its field path. */
class RouteValidationTest {

    private static String rule(String rule) {
        return "{host: orders, http: [" + rule + "]}";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{http: [{route: [{destination: {}}]}]}                        | spec.host: required",
        "{host: Orders, http: [{route: [{destination: {}}]}]}          | spec.host: must be a lower-case DNS name such as orders or orders.default, got \"Orders\"",
        "{host: orders}                                                 | spec.http: required",
        "{host: orders, http: []}                                       | spec.http: must have at least one rule",
        "{host: orders, http: {a: b}}                                   | spec.http: must be a list, got a mapping",
        "{host: orders, http: [x]}                                      | spec.http[0]: must be a mapping, got \"x\"",
        "{host: orders, http: [{name: a}]}                              | spec.http[0].route: required",
        "{host: orders, http: [{route: []}]}                            | spec.http[0].route: must have at least one destination",
        "{host: orders, http: [{route: [{weight: 100}]}]}               | spec.http[0].route[0].destination: required",
        "{host: orders, http: [{route: [{destination: {subset: v1}, weight: 140}]}]} | spec.http[0].route[0].weight: must be 0..100, got 140",
        "{host: orders, http: [{route: [{destination: {subset: v1}, weight: 50}]}]}  | spec.http[0].route[0].weight: a single destination takes all traffic: must be 100 or omitted, got 50",
        "{host: orders, http: [{route: [{destination: {subset: v1}, weight: ten}]}]} | spec.http[0].route[0].weight: must be an integer, got \"ten\"",
        "{host: orders, http: [{route: [{destination: {subset: v1}, weight: 1.5}]}]} | spec.http[0].route[0].weight: must be an integer, got 1.5",
        "{host: orders, http: [{route: [{destination: {subset: v1}, weight: 90}, {destination: {subset: v2}}]}]} | spec.http[0].route[1].weight: required when a rule has 2 or more destinations",
        "{host: orders, http: [{route: [{destination: {subset: V1}}]}]}  | spec.http[0].route[0].destination.subset: must be a DNS-1123 label (at most 63 of a-z, 0-9 and '-', starting and ending alphanumeric), got \"V1\"",
        "{host: orders, http: [{route: [{destination: {port: 0}}]}]}     | spec.http[0].route[0].destination.port: must be 1..65535, got 0",
        "{host: orders, http: [{route: [{destination: {port: 65536}}]}]} | spec.http[0].route[0].destination.port: must be 1..65535, got 65536",
        "{host: orders, http: [{route: [{destination: {host: a_b}}]}]}   | spec.http[0].route[0].destination.host: must be a lower-case DNS name such as orders or orders.default, got \"a_b\"",
        "{host: orders, http: [{route: [{destination: {sub: v1}}]}]}     | spec.http[0].route[0].destination.sub: unknown field",
        "{host: orders, http: [{route: [{destination: {}}], timeout: 2x}]}    | spec.http[0].timeout: bad duration \"2x\"",
        "{host: orders, http: [{route: [{destination: {}}], timeout: 2}]}     | spec.http[0].timeout: bad duration \"2\"",
        "{host: orders, http: [{route: [{destination: {}}], timeout: 0s}]}    | spec.http[0].timeout: must be > 0, got \"0s\"",
        "{host: orders, http: [{route: [{destination: {}}], timeout: [1s]}]}  | spec.http[0].timeout: must be a duration such as 250ms or 2s, got a list",
        "{host: orders, http: [{route: [{destination: {}}], name: ''}]}       | spec.http[0].name: must not be empty",
        "{host: orders, http: [{route: [{destination: {}}], retries: {perTryTimeout: 1s}}]}            | spec.http[0].retries.attempts: required",
        "{host: orders, http: [{route: [{destination: {}}], retries: {attempts: -1}}]}                 | spec.http[0].retries.attempts: must be 0..100, got -1",
        "{host: orders, http: [{route: [{destination: {}}], retries: {attempts: 1, perTryTimeout: x}}]} | spec.http[0].retries.perTryTimeout: bad duration \"x\"",
        "{host: orders, http: [{route: [{destination: {}}], retries: {attempts: 1, retryOn: '5xx,'}}]}  | spec.http[0].retries.retryOn: empty condition in \"5xx,\"",
        "{host: orders, http: [{route: [{destination: {}}], retries: {attempts: 1, retryOn: [5xx]}}]}   | spec.http[0].retries.retryOn: must be a string, got a list",
        "{host: orders, http: [{route: [{destination: {}}], retries: {attempts: 1, retries: 2}}]}       | spec.http[0].retries.retries: unknown field",
        "{host: orders, http: [{route: [{destination: {}}], fault: {}}]}                                | spec.http[0].fault: must have delay or abort",
        "{host: orders, http: [{route: [{destination: {}}], fault: {delay: {percent: 10}}}]}            | spec.http[0].fault.delay.fixedDelay: required",
        "{host: orders, http: [{route: [{destination: {}}], fault: {delay: {percent: 101, fixedDelay: 1s}}}]}  | spec.http[0].fault.delay.percent: must be 0..100, got 101",
        "{host: orders, http: [{route: [{destination: {}}], fault: {delay: {percent: -0.5, fixedDelay: 1s}}}]} | spec.http[0].fault.delay.percent: must be 0..100, got -0.5",
        "{host: orders, http: [{route: [{destination: {}}], fault: {delay: {percent: .nan, fixedDelay: 1s}}}]} | spec.http[0].fault.delay.percent: must be a finite number, got .nan",
        "{host: orders, http: [{route: [{destination: {}}], fault: {delay: {percent: '5', fixedDelay: 1s}}}]}  | spec.http[0].fault.delay.percent: must be a number, got \"5\"",
        "{host: orders, http: [{route: [{destination: {}}], fault: {abort: {percent: 5}}}]}                    | spec.http[0].fault.abort: must have exactly one of httpStatus, grpcStatus",
        "{host: orders, http: [{route: [{destination: {}}], fault: {abort: {httpStatus: 503, grpcStatus: UNAVAILABLE}}}]} | spec.http[0].fault.abort: must have exactly one of httpStatus, grpcStatus",
        "{host: orders, http: [{route: [{destination: {}}], fault: {abort: {httpStatus: 600}}}]}               | spec.http[0].fault.abort.httpStatus: must be 200..599, got 600",
        "{host: orders, http: [{route: [{destination: {}}], fault: {abort: {httpStatus: 199}}}]}               | spec.http[0].fault.abort.httpStatus: must be 200..599, got 199",
        "{host: orders, http: [{route: [{destination: {}}], mirror: {percent: 10}}]}                           | spec.http[0].mirror.destination: required",
        "{host: orders, http: [{route: [{destination: {}}], mirror: {destination: {subset: v3}, percent: 200}}]} | spec.http[0].mirror.percent: must be 0..100, got 200",
        "{host: orders, http: [{match: [{path: {}}], route: [{destination: {}}]}]}                               | spec.http[0].match[0].path: must have exactly one of exact, prefix, regex",
        "{host: orders, http: [{match: [{path: {exact: /a, prefix: /b}}], route: [{destination: {}}]}]}          | spec.http[0].match[0].path: must have exactly one of exact, prefix, regex, got exact, prefix",
        "{host: orders, http: [{match: [{path: {suffix: /a, exact: /a}}], route: [{destination: {}}]}]}                     | spec.http[0].match[0].path.suffix: unknown field",
        "{host: orders, http: [{match: [{headers: {'x y': {exact: a}}}], route: [{destination: {}}]}]}           | spec.http[0].match[0].headers.x y: bad header name \"x y\"",
        "{host: orders, http: [{match: [{headers: {x-a: {exact: a}, X-A: {exact: b}}}], route: [{destination: {}}]}]} | spec.http[0].match[0].headers.X-A: duplicate header (names are case-insensitive)",
        "{host: orders, http: [{match: [{headers: {x-a: exact}}], route: [{destination: {}}]}]}                  | spec.http[0].match[0].headers.x-a: must be a mapping, got \"exact\"",
        "{host: orders, http: [{match: [{method: 'GE T'}], route: [{destination: {}}]}]}                         | spec.http[0].match[0].method: must be an HTTP method such as GET, got \"GE T\"",
        "{host: orders, http: [{match: [{uri: {prefix: /}}], route: [{destination: {}}]}]}                       | spec.http[0].match[0].uri: unknown field",
        "{host: orders, http: [{name: a, route: [{destination: {}}]}, {name: a, route: [{destination: {}}]}]}     | spec.http[1].name: duplicate rule name \"a\"",
    })
    void rejects(String spec, String expected) {
        assertThat(specProblems("Route", spec)).containsExactly("t.yaml: " + expected);
    }

    @Test
    void weightsMustSumTo100() {
        assertThat(specProblems("Route", rule("{route: [{destination: {subset: v1}, weight: 80}, {destination: {subset: v2}, weight: 10}]}")))
                .containsExactly("t.yaml: spec.http[0].route: weights must sum to 100, got 90");
    }

    @Test
    void badRegexNamesTheExpressionAndReason() {
        assertThat(specProblems("Route", rule("{match: [{headers: {x-a: {regex: '['}}}], route: [{destination: {}}]}")))
                .containsExactly("t.yaml: spec.http[0].match[0].headers.x-a.regex: bad regex \"[\": Unclosed character class");
    }

    @Test
    void unknownRetryConditionListsTheAllowedOnes() {
        assertThat(specProblems("Route", rule("{route: [{destination: {}}], retries: {attempts: 2, retryOn: '5xx,teapot'}}")))
                .containsExactly("t.yaml: spec.http[0].retries.retryOn: unknown condition \"teapot\", allowed: 5xx, gateway-error,"
                        + " connect-failure, reset, retriable-status-codes, refused-stream, cancelled, deadline-exceeded,"
                        + " internal, resource-exhausted, unavailable");
    }

    @Test
    void unknownGrpcStatusListsTheAllowedOnes() {
        assertThat(specProblems("Route", rule("{route: [{destination: {}}], fault: {abort: {grpcStatus: BROKEN}}}")))
                .singleElement().asString()
                .startsWith("t.yaml: spec.http[0].fault.abort.grpcStatus: must be one of CANCELLED, UNKNOWN,")
                .endsWith("UNAUTHENTICATED, got \"BROKEN\"");
    }

    @Test
    void everyProblemIsReportedNotJustTheFirst() {
        assertThat(specProblems("Route", "{host: Bad, typo: 1, http: [{route: [{destination: {subset: v1}, weight: 140}],"
                + " timeout: 2x, fault: {abort: {httpStatus: 700}}}, {route: []}]}")).containsExactly(
                "t.yaml: spec.typo: unknown field",
                "t.yaml: spec.host: must be a lower-case DNS name such as orders or orders.default, got \"Bad\"",
                "t.yaml: spec.http[0].route[0].weight: must be 0..100, got 140",
                "t.yaml: spec.http[0].timeout: bad duration \"2x\"",
                "t.yaml: spec.http[0].fault.abort.httpStatus: must be 200..599, got 700",
                "t.yaml: spec.http[1].route: must have at least one destination");
    }

    @Test
    void defaults() {
        RouteSpec r = TestSupport.one(TestSupport.doc("Route", rule(
                "{match: [{method: get}], route: [{destination: {}}], retries: {attempts: 2}, fault: {delay: {fixedDelay: 1ms},"
                        + " abort: {grpcStatus: INTERNAL}}, mirror: {destination: {host: shadow}}}"))).spec(RouteSpec.class);
        HttpRule h = r.http().get(0);
        assertThat(h.name()).isNull();
        assertThat(h.match().get(0).method()).isEqualTo("GET");
        assertThat(h.retries().retryOn()).isEqualTo(Retries.DEFAULT_RETRY_ON);
        assertThat(h.retries().perTryTimeout()).isNull();
        assertThat(h.fault().delay()).isEqualTo(new Delay(100, Duration.ofMillis(1)));
        assertThat(h.fault().abort()).isEqualTo(new Abort(100, null, "INTERNAL"));
        assertThat(h.mirror().percent()).isEqualTo(100);
        assertThat(h.route().get(0).weight()).isEqualTo(100);
    }

    @Test
    void weightZeroIsAllowedAmongSeveral() {
        RouteSpec r = TestSupport.one(TestSupport.doc("Route", rule(
                "{route: [{destination: {subset: v1}, weight: 100}, {destination: {subset: v2}, weight: 0}]}"))).spec(RouteSpec.class);
        assertThat(r.http().get(0).route()).extracting(WeightedDestination::weight).containsExactly(100, 0);
    }

    @Test
    void nullValuesCountAsAbsent() {
        RouteSpec r = TestSupport.one(TestSupport.doc("Route", rule("{route: [{destination: {}}], timeout: null, retries: ~}")))
                .spec(RouteSpec.class);
        assertThat(r.http().get(0).timeout()).isNull();
        assertThat(r.http().get(0).retries()).isNull();
    }
}

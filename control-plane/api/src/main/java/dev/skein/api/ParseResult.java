package dev.skein.api;

import java.util.List;

/**
 * What a parse produced: the policies that passed validation and every problem found. A document with
 * any problem contributes no policy, so a caller can keep its last good version of it.
 *
 * @param policies the valid policies, in document order
 * @param problems every problem found, in document order
 */
public record ParseResult(List<Policy> policies, List<Problem> problems) {

    /** Immutable copies. */
    public ParseResult {
        policies = List.copyOf(policies);
        problems = List.copyOf(problems);
    }

    /** True when nothing was wrong. */
    public boolean ok() {
        return problems.isEmpty();
    }

    /** The problems rendered one per line, for logs and CLI output. */
    public String problemsText() {
        StringBuilder sb = new StringBuilder();
        for (Problem p : problems) {
            sb.append(p).append('\n');
        }
        return sb.toString();
    }
}

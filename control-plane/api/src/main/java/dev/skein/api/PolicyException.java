package dev.skein.api;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown by the few entry points that return a value rather than a {@link ParseResult}; carries the
 * problems. Unchecked so that it can cross lambdas; callers that care catch it by name.
 */
public final class PolicyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<Problem> problems;

    /** @param problems at least one problem */
    public PolicyException(List<Problem> problems) {
        super(problems.stream().map(Problem::toString).collect(Collectors.joining("; ")));
        this.problems = List.copyOf(problems);
    }

    /** Every problem found. */
    public List<Problem> problems() {
        return problems;
    }
}

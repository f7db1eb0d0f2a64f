package dev.skein.api;

/**
 * Fault injection of a rule; at least one part is set.
 *
 * @param delay nullable
 * @param abort nullable
 */
public record Fault(Delay delay, Abort abort) {
}

package dev.skein.core.resilience;

import dev.skein.api.Abort;
import dev.skein.api.Delay;
import dev.skein.api.Fault;
import dev.skein.api.HttpRule;
import dev.skein.api.Retries;
import dev.skein.bootstrap.CallPolicy;
import java.time.Duration;

/** Compiles a Route rule's fault, retries and timeout into the {@link CallPolicy} helpers read. */
public final class CallPolicies {
  private CallPolicies() {}

  /** {@code null} when the rule sets none of them: the request path then does no extra work. */
  public static CallPolicy of(HttpRule rule) {
    Fault fault = rule.fault();
    Retries retries = rule.retries();
    if (fault == null && retries == null && rule.timeout() == null) {
      return null;
    }
    Abort abort = fault == null ? null : fault.abort();
    Delay delay = fault == null ? null : fault.delay();
    return new CallPolicy(
        abort == null ? 0 : abort.percent(),
        abort == null || abort.httpStatus() == null ? 0 : abort.httpStatus(),
        abort == null ? null : abort.grpcStatus(),
        delay == null ? 0 : delay.percent(),
        delay == null ? 0 : millis(delay.fixedDelay()),
        retries == null ? 0 : retries.attempts(),
        retries == null ? 0 : millis(retries.perTryTimeout()),
        millis(rule.timeout()),
        retries == null || retries.retryOn() == null ? "5xx,connect-failure,reset" : String.join(",", retries.retryOn()));
  }

  private static long millis(Duration d) {
    return d == null ? 0 : d.toMillis();
  }
}

package dev.skein.core.telemetry;

import static dev.skein.core.telemetry.SemanticAttributes.ERROR_TYPE;
import static dev.skein.core.telemetry.SemanticAttributes.HTTP_STATUS;
import static dev.skein.core.telemetry.SemanticAttributes.SERVER_ADDRESS;
import static dev.skein.core.telemetry.SemanticAttributes.SERVER_PORT;
import static dev.skein.core.telemetry.SemanticAttributes.SKEIN_ENDPOINT;
import static dev.skein.core.telemetry.SemanticAttributes.SKEIN_SUBSET;

import dev.skein.bootstrap.OutboundRoute;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;

/**
 * One span per try of a client call, a child of the call's span, so that retries are visible:
 * the attempt number, the endpoint it went to, its outcome and what the mesh decided after it
 * (retry and why, not retried and why, refused by the breaker or bulkhead). The call's span gets
 * the number of tries and, when the mesh stopped or refused it, the last decision.
 */
final class AttemptSpans {
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("skein.attempt");
  static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("skein.attempts");
  static final AttributeKey<Long> RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
  static final AttributeKey<String> DECISION = AttributeKey.stringKey("skein.decision");
  static final AttributeKey<String> REFUSED = AttributeKey.stringKey("skein.refused");

  /** A try and the call it belongs to. */
  record Attempt(Call call, Span span) {}

  private AttemptSpans() {}

  static Attempt start(Tracer tracer, Call call, int attempt, OutboundRoute endpoint) {
    if (!call.span.isRecording()) {
      return null;
    }
    Span span =
        tracer.spanBuilder("attempt")
            .setSpanKind(SpanKind.INTERNAL)
            .setParent(call.context)
            .setAttribute(ATTEMPT, (long) attempt)
            .startSpan();
    if (attempt > 1) {
      span.setAttribute(RESEND_COUNT, (long) (attempt - 1));
    }
    if (endpoint != null) {
      span.setAttribute(SERVER_ADDRESS, endpoint.address());
      span.setAttribute(SERVER_PORT, (long) endpoint.port());
      span.setAttribute(SKEIN_ENDPOINT, endpoint.authority());
      if (endpoint.subset() != null) {
        span.setAttribute(SKEIN_SUBSET, endpoint.subset());
      }
    }
    call.span.setAttribute(ATTEMPTS, (long) attempt);
    return new Attempt(call, span);
  }

  static void end(Attempt attempt, int status, Throwable error, String decision) {
    Span span = attempt.span();
    if (status >= 0) {
      span.setAttribute(HTTP_STATUS, (long) status);
    }
    if (error != null) {
      span.setAttribute(ERROR_TYPE, error.getClass().getName());
      span.setStatus(StatusCode.ERROR);
    } else if (status >= 500) {
      span.setAttribute(ERROR_TYPE, Integer.toString(status));
      span.setStatus(StatusCode.ERROR);
    }
    if (decision != null) {
      span.setAttribute(DECISION, decision);
      if (decision.startsWith("refused:")) {
        span.setAttribute(REFUSED, decision.substring(8));
        attempt.call().span.setAttribute(REFUSED, decision.substring(8));
      }
      if (!decision.startsWith("retry:")) {
        attempt.call().span.setAttribute(DECISION, decision);
      }
    }
    span.end();
  }
}

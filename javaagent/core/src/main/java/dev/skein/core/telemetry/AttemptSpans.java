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
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.util.concurrent.TimeUnit;

/**
 * One span per try of a client call, a child of the call's span, so that retries are visible:
 * the attempt number, the endpoint it went to, its outcome and what the mesh decided after it
 * (retry and why, not retried and why, refused by the breaker or bulkhead). The call's span gets
 * the number of tries and, when the mesh stopped or refused it, the last decision.
 *
 * <p>With {@link Mode#RETRIES} (the default) the first try's span is only made once it turns out
 * to matter: when the mesh decided something about it (a retry follows, it was not retried, it
 * was refused). A call that went through in one try has no try span: the call's span already
 * says everything it would (endpoint, status, {@code skein.attempts=1}), as with Envoy's
 * default of no upstream span per try. The deferred span keeps the try's real start time.
 */
final class AttemptSpans {
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("skein.attempt");
  static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("skein.attempts");
  static final AttributeKey<Long> RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
  static final AttributeKey<String> DECISION = AttributeKey.stringKey("skein.decision");
  static final AttributeKey<String> REFUSED = AttributeKey.stringKey("skein.refused");

  /** When tries get a span ({@code skein.telemetry.attempt.spans}). */
  enum Mode {
    /** Every try, including the lone try of a call that needed only one. */
    ALWAYS,
    /** Every try of a call the mesh retried or decided anything about; none for a plain one-try call. */
    RETRIES;

    static Mode fromSetting(String value) {
      return value != null && value.trim().equalsIgnoreCase("always") ? ALWAYS : RETRIES;
    }
  }

  /** A try and the call it belongs to; {@code span} is null while the first try's span is deferred. */
  static final class Attempt {
    final Call call;
    final Tracer tracer;
    final int number;
    final OutboundRoute endpoint;
    final long startNanos;
    final Span span;

    Attempt(Call call, Tracer tracer, int number, OutboundRoute endpoint, long startNanos, Span span) {
      this.call = call;
      this.tracer = tracer;
      this.number = number;
      this.endpoint = endpoint;
      this.startNanos = startNanos;
      this.span = span;
    }
  }

  private AttemptSpans() {}

  static Attempt start(Tracer tracer, Mode mode, Call call, int attempt, OutboundRoute endpoint) {
    if (!call.span.isRecording()) {
      return null;
    }
    call.span.setAttribute(ATTEMPTS, (long) attempt);
    if (mode == Mode.RETRIES && attempt == 1) {
      return new Attempt(call, tracer, attempt, endpoint, System.nanoTime(), null);
    }
    return new Attempt(call, tracer, attempt, endpoint, 0, startSpan(tracer.spanBuilder("attempt"), call, attempt, endpoint));
  }

  private static Span startSpan(SpanBuilder builder, Call call, int attempt, OutboundRoute endpoint) {
    Span span = builder.setSpanKind(SpanKind.INTERNAL).setParent(call.context).setAttribute(ATTEMPT, (long) attempt).startSpan();
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
    return span;
  }

  static void end(Attempt attempt, int status, Throwable error, String decision) {
    Span span = attempt.span;
    if (span == null) {
      if (decision == null) {
        return; // a lone try the mesh decided nothing about: the call's span tells it all
      }
      // Made now, with the try's real start: the epoch clock now, less the nanoseconds since.
      long startEpochNanos = currentEpochNanos() - (System.nanoTime() - attempt.startNanos);
      span = startSpan(attempt.tracer.spanBuilder("attempt").setStartTimestamp(startEpochNanos, TimeUnit.NANOSECONDS),
          attempt.call, attempt.number, attempt.endpoint);
    }
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
        attempt.call.span.setAttribute(REFUSED, decision.substring(8));
      }
      if (!decision.startsWith("retry:")) {
        attempt.call.span.setAttribute(DECISION, decision);
      }
    }
    span.end();
  }

  private static long currentEpochNanos() {
    java.time.Instant now = java.time.Instant.now();
    return TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
  }
}

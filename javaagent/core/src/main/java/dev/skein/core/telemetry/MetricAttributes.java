package dev.skein.core.telemetry;

import static dev.skein.core.telemetry.SemanticAttributes.ERROR_TYPE;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * The attribute sets of the request metrics, built once per request shape (side, method, server
 * address) and outcome (status code) and then reused: building a set per request costs a builder,
 * a sort and arrays every time, while recording with a set the metrics SDK has seen is one map
 * lookup. Bounded: past {@link #MAX_SHAPES} shapes (a client naming ever new hosts), sets are
 * built per request as before.
 */
final class MetricAttributes {
  static final int MAX_SHAPES = 1024;

  private final ConcurrentHashMap<Object, Shape> shapes = new ConcurrentHashMap<>();

  private final AttributeKey<Long> statusKey;
  private final Function<Object, Attributes> base;

  /** @param base builds the attributes before the outcome from a shape's key (once per shape) */
  MetricAttributes(AttributeKey<Long> statusKey, Function<Object, Attributes> base) {
    this.statusKey = statusKey;
    this.base = base;
  }

  /** The shape under {@code key} (a value with equals and hashCode). */
  Shape shape(Object key) {
    Shape shape = shapes.get(key);
    if (shape != null) {
      return shape;
    }
    if (shapes.size() >= MAX_SHAPES) {
      return new Shape(base.apply(key), statusKey, false);
    }
    return shapes.computeIfAbsent(key, k -> new Shape(base.apply(k), statusKey, true));
  }

  /** A request's attributes before its outcome, and its attribute sets per outcome. */
  static final class Shape {
    // Index 0: no status (the call failed before one), 1 + status otherwise.
    private static final int STATUSES = 601;

    final Attributes base;
    private final AttributeKey<Long> statusKey;
    private final AtomicReferenceArray<Attributes> byStatus;

    Shape(Attributes base, AttributeKey<Long> statusKey, boolean cached) {
      this.base = base;
      this.statusKey = statusKey;
      this.byStatus = cached ? new AtomicReferenceArray<>(STATUSES) : null;
    }

    /**
     * The base plus the status ({@code status >= 0}) and {@code error.type} (when not null).
     * {@code derived}: the error type follows from the status alone (no exception), so the set
     * can be shared by every request with that status.
     */
    Attributes outcome(int status, String errorType, boolean derived) {
      int index = status < 0 ? 0 : status + 1;
      if (!derived || byStatus == null || index >= STATUSES) {
        return build(status, errorType);
      }
      Attributes attributes = byStatus.get(index);
      if (attributes == null) {
        attributes = build(status, errorType);
        byStatus.set(index, attributes);
      }
      return attributes;
    }

    private Attributes build(int status, String errorType) {
      var builder = base.toBuilder();
      if (status >= 0) {
        builder.put(statusKey, (long) status);
      }
      if (errorType != null) {
        builder.put(ERROR_TYPE, errorType);
      }
      return builder.build();
    }
  }
}

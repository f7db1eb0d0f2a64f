package dev.skein.core.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Joins the mesh's spans with the application's own OpenTelemetry API (the unrelocated
 * {@code io.opentelemetry} classes of the application, if it has them): while a mesh server span
 * is current on a request thread, the application's {@code Span.current()} is that span, so the
 * application's spans become its children; an outbound mesh client span takes the application's
 * current span as its parent when it is a descendant in the same trace. Found reflectively
 * through the thread's context class loader; anything unexpected turns it off for that loader.
 */
final class AppOtelBridge {
  /** Absent API (or a failure) is cached as {@link #NONE}. */
  private static final Api NONE = new Api(null, null, null, null, null, null, null, null, null, null, null, null);

  private final Map<ClassLoader, Api> apis = new WeakHashMap<>();
  private final boolean enabled;

  AppOtelBridge(boolean enabled) {
    this.enabled = enabled;
  }

  /** Makes {@code span} current in the application's API; returns what {@link #close} ends, or null. */
  Object attach(Span span) {
    SpanContext c = span.getSpanContext();
    if (!enabled || !c.isValid()) {
      return null;
    }
    Api api = api();
    if (api == NONE) {
      return null;
    }
    try {
      Object flags = c.isSampled() ? api.sampled.invoke() : api.notSampled.invoke();
      Object appContext = api.createFromRemoteParent.invoke(c.getTraceId(), c.getSpanId(), flags, api.defaultTraceState.invoke());
      Object appSpan = api.wrap.invoke(appContext);
      return api.makeCurrent.invoke(appSpan);
    } catch (Throwable t) {
      disable();
      return null;
    }
  }

  void close(Object scope) {
    if (scope == null) {
      return;
    }
    try {
      ((AutoCloseable) scope).close();
    } catch (Throwable ignored) {
      // the application's scope: nothing to repair here
    }
  }

  /**
   * The parent for an outbound call: {@code parent}, or the application's current span when it
   * lies in the same trace below it (the application opened a span inside a mesh request).
   */
  Context parent(Context parent) {
    if (!enabled) {
      return parent;
    }
    Api api = api();
    if (api == NONE) {
      return parent;
    }
    try {
      Object appContext = api.spanContext.invoke(api.current.invoke());
      if (!(boolean) api.isValid.invoke(appContext)) {
        return parent;
      }
      String traceId = (String) api.traceId.invoke(appContext);
      String spanId = (String) api.spanId.invoke(appContext);
      SpanContext mesh = Span.fromContext(parent).getSpanContext();
      if (mesh.isValid() && (!mesh.getTraceId().equals(traceId) || mesh.getSpanId().equals(spanId))) {
        return parent; // another trace, or the mesh span itself
      }
      boolean sampled = (boolean) api.isSampled.invoke(appContext);
      SpanContext app = SpanContext.create(traceId, spanId, sampled ? TraceFlags.getSampled() : TraceFlags.getDefault(), mesh.isValid() ? mesh.getTraceState() : TraceState.getDefault());
      return parent.with(Span.wrap(app));
    } catch (Throwable t) {
      disable();
      return parent;
    }
  }

  private Api api() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader == null) {
      return NONE;
    }
    Last last = this.last;
    if (last != null && last.loader.get() == loader) {
      return last.api; // the common case: one application class loader, no lock per request
    }
    synchronized (apis) {
      Api api = apis.get(loader);
      if (api == null) {
        api = load(loader);
        apis.put(loader, api);
      }
      this.last = new Last(new java.lang.ref.WeakReference<>(loader), api);
      return api;
    }
  }

  /** The loader asked last and its API (weakly held, like the map's keys). */
  private record Last(java.lang.ref.WeakReference<ClassLoader> loader, Api api) {}

  private volatile Last last;

  private void disable() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader != null) {
      synchronized (apis) {
        apis.put(loader, NONE);
        last = null;
      }
    }
  }

  // The class names are assembled at run time: the agent's shade rewrites io.opentelemetry
  // names in string constants, and these must stay the application's.
  private static String api(String simpleName) {
    return String.join(".", "io", "opentelemetry", simpleName);
  }

  private static Api load(ClassLoader loader) {
    try {
      Class<?> spanClass = Class.forName(api("api.trace.Span"), true, loader);
      Class<?> spanContext = Class.forName(api("api.trace.SpanContext"), true, loader);
      Class<?> traceFlags = Class.forName(api("api.trace.TraceFlags"), true, loader);
      Class<?> traceState = Class.forName(api("api.trace.TraceState"), true, loader);
      Class<?> scope = Class.forName(api("context.Scope"), true, loader);
      MethodHandles.Lookup l = MethodHandles.publicLookup();
      return new Api(
          l.findStatic(spanContext, "createFromRemoteParent", MethodType.methodType(spanContext, String.class, String.class, traceFlags, traceState)),
          l.findStatic(traceFlags, "getSampled", MethodType.methodType(traceFlags)),
          l.findStatic(traceFlags, "getDefault", MethodType.methodType(traceFlags)),
          l.findStatic(traceState, "getDefault", MethodType.methodType(traceState)),
          l.findStatic(spanClass, "wrap", MethodType.methodType(spanClass, spanContext)),
          l.findVirtual(spanClass, "makeCurrent", MethodType.methodType(scope)).asType(MethodType.methodType(AutoCloseable.class, Object.class)),
          l.findStatic(spanClass, "current", MethodType.methodType(spanClass)),
          l.findVirtual(spanClass, "getSpanContext", MethodType.methodType(spanContext)).asType(MethodType.methodType(Object.class, Object.class)),
          l.findVirtual(spanContext, "isValid", MethodType.methodType(boolean.class)).asType(MethodType.methodType(boolean.class, Object.class)),
          l.findVirtual(spanContext, "getTraceId", MethodType.methodType(String.class)).asType(MethodType.methodType(String.class, Object.class)),
          l.findVirtual(spanContext, "getSpanId", MethodType.methodType(String.class)).asType(MethodType.methodType(String.class, Object.class)),
          l.findVirtual(spanContext, "isSampled", MethodType.methodType(boolean.class)).asType(MethodType.methodType(boolean.class, Object.class)));
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return NONE; // no OpenTelemetry API in the application, or one too old for these methods
    }
  }

  private record Api(
      MethodHandle createFromRemoteParent,
      MethodHandle sampled,
      MethodHandle notSampled,
      MethodHandle defaultTraceState,
      MethodHandle wrap,
      MethodHandle makeCurrent,
      MethodHandle current,
      MethodHandle spanContext,
      MethodHandle isValid,
      MethodHandle traceId,
      MethodHandle spanId,
      MethodHandle isSampled) {}
}

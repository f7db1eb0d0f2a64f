package dev.skein.core.telemetry;

import static dev.skein.core.telemetry.SemanticAttributes.*;

import dev.skein.bootstrap.AgentLog;
import dev.skein.bootstrap.HeaderLookup;
import dev.skein.bootstrap.OutboundRoute;
import dev.skein.bootstrap.Settings;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Spans and golden metrics around every observed call. The SDK is built by {@link #start()} on
 * an engine daemon thread; until it is ready every call passes unobserved (a {@code null}
 * handle), so nothing here ever waits.
 *
 * <p>With the OpenTelemetry Java agent in the same JVM, Skein records metrics but no spans (and
 * propagates no context, which that agent does) unless {@code skein.telemetry.spans=on}.
 */
public final class Telemetry {
  private static final String INSTRUMENTATION = "dev.skein";

  private final String service;
  private final boolean prometheus;
  private volatile State state;
  // gRPC client calls by span id, until the mesh picker routes them (see routed).
  private final Map<String, Call> pendingGrpc = new ConcurrentHashMap<>();

  private record State(TelemetrySdk sdk, Tracer tracer, TextMapPropagator propagator, MeshInstruments instruments, boolean spans) {}

  // The metric attribute sets per request shape, built once (see MetricAttributes).
  private final MetricAttributes serverHttp =
      new MetricAttributes(HTTP_STATUS, method -> Attributes.of(HTTP_METHOD, (String) method, URL_SCHEME, "http"));
  private final MetricAttributes serverGrpc = new MetricAttributes(RPC_GRPC_STATUS, method -> rpcAttributes(Attributes.builder(), (String) method).build());
  private final MetricAttributes clientHttp = new MetricAttributes(HTTP_STATUS, key -> ((ClientKey) key).attributes(false));
  private final MetricAttributes clientGrpc = new MetricAttributes(RPC_GRPC_STATUS, key -> ((ClientKey) key).attributes(true));

  /** A client call's metric shape: where it goes and what it calls. */
  private record ClientKey(String host, int port, String method) {
    Attributes attributes(boolean grpc) {
      AttributesBuilder metric = Attributes.builder().put(SERVER_ADDRESS, host);
      if (port > 0) {
        metric.put(SERVER_PORT, (long) port);
      }
      return grpc ? rpcAttributes(metric, method).build() : metric.put(HTTP_METHOD, method).build();
    }
  }

  /** Which tries get a span of their own ({@code skein.telemetry.attempt.spans}: {@code retries} by default, or {@code always}). */
  private final AttemptSpans.Mode attemptSpans = AttemptSpans.Mode.fromSetting(Settings.get("skein.telemetry.attempt.spans"));

  /** One JSON line per request when {@code skein.access.log} asks; null when off. */
  private volatile AccessLog accessLog;
  /** The application's own OpenTelemetry API, joined to the mesh spans (see AppOtelBridge). */
  private volatile AppOtelBridge bridge = new AppOtelBridge(false);

  public Telemetry(String service, boolean prometheus) {
    this.service = service;
    this.prometheus = prometheus;
    String accessLogSetting = Settings.get("skein.access.log");
    this.accessLogSet = accessLogSetting != null && !accessLogSetting.isBlank();
  }

  /** Builds the SDK from the {@code OTEL_*} settings. Call on a daemon thread. */
  public void start() {
    long started = System.nanoTime();
    try {
      boolean spans = spansWanted();
      accessLog = AccessLog.fromSetting(Settings.get("skein.access.log"));
      bridge = new AppOtelBridge(spans && !"off".equalsIgnoreCase(Settings.get("skein.telemetry.bridge", "on")));
      TelemetrySdk sdk = TelemetrySdk.create(service, prometheus);
      state =
          new State(
              sdk,
              sdk.sdk.getTracer(INSTRUMENTATION),
              sdk.sdk.getPropagators().getTextMapPropagator(),
              new MeshInstruments(sdk.sdk.getMeter(INSTRUMENTATION)),
              spans);
      AgentLog.info("telemetry ready in " + (System.nanoTime() - started) / 1_000_000 + " ms (spans " + (spans ? "on" : "off") + ")");
    } catch (Throwable t) {
      AgentLog.warn("telemetry disabled: the OpenTelemetry settings could not be applied", t);
    }
  }

  private static boolean spansWanted() {
    String setting = Settings.get("skein.telemetry.spans");
    if (setting != null) {
      return !"off".equalsIgnoreCase(setting.trim());
    }
    if (OtelAgentDetector.present()) {
      AgentLog.info("the OpenTelemetry Java agent traces this JVM: skein records metrics but no spans (skein.telemetry.spans=on to change)");
      return false;
    }
    return true;
  }

  /** On JVM exit: flush what is queued, for at most one second. */
  public void shutdown() {
    State s = state;
    AccessLog log = accessLog != null ? accessLog : policyLog;
    if (log != null) {
      log.flush(500);
    }
    if (s != null) {
      s.sdk.shutdown(java.time.Duration.ofSeconds(1));
    }
  }

  public boolean ready() {
    return state != null;
  }

  /** The metrics in Prometheus text format, or an empty string before the SDK is ready. */
  public String prometheusText() {
    State s = state;
    return s == null || s.sdk.prometheus == null ? "" : PrometheusText.write(s.sdk.prometheus);
  }

  // === client ===

  public Object clientStart(String system, OutboundRoute route, String method, String url, String host, int port, Map<String, String> inject) {
    State s = state;
    if (s == null || host == null) {
      return null;
    }
    boolean grpc = "grpc".equals(system);
    if (!grpc && isExportTarget(s.sdk.exportTargets, host, port)) {
      return null; // the exporter's own request
    }
    if (!grpc && port <= 0) {
      port = defaultPort(url); // the JDK and Reactor Netty clients give -1 for a URL without one
    }
    Context parent = s.spans ? bridge.parent(Context.current()) : Context.current();
    MetricAttributes.Shape metric = clientShape(grpc, host, port, method);
    String authority = route == null ? null : route.authority();
    Span span = Span.getInvalid();
    if (s.spans) {
      // Every attribute known now goes on the builder: one map filled before the start, instead
      // of a locked put on the started span for each.
      SpanBuilder builder = s.tracer.spanBuilder(method).setSpanKind(SpanKind.CLIENT).setParent(parent).setAllAttributes(metric.base);
      if (!grpc) {
        builder.setAttribute(URL_FULL, url);
        String path = urlPath(url);
        if (path != null) {
          builder.setAttribute(URL_PATH, path);
        }
      }
      if (route != null) {
        Call.routeAttributes(route, authority, builder::setAttribute);
      }
      span = builder.startSpan();
    }
    Context context = parent.with(span);
    Call call = new Call(true, grpc, span, context, metric);
    call.destination = host;
    call.method = method;
    call.target = url;
    if (route != null) {
      call.noteRoute(route, authority);
    }
    if (s.spans && inject != null) {
      s.propagator.inject(context, inject, Map::put);
      if (grpc && span.getSpanContext().isValid()) {
        call.pendingKey = span.getSpanContext().getSpanId();
        pendingGrpc.put(call.pendingKey, call);
      }
    }
    return call;
  }

  /** The last client call's metric shape: a client mostly calls the same few destinations, so no key object per call. */
  private record LastShape(boolean grpc, String host, int port, String method, MetricAttributes.Shape shape) {}

  private volatile LastShape lastClientShape;

  private MetricAttributes.Shape clientShape(boolean grpc, String host, int port, String method) {
    LastShape last = lastClientShape;
    if (last != null && last.grpc == grpc && last.port == port && last.host.equals(host) && java.util.Objects.equals(last.method, method)) {
      return last.shape;
    }
    MetricAttributes.Shape shape = (grpc ? clientGrpc : clientHttp).shape(new ClientKey(host, port, method));
    lastClientShape = new LastShape(grpc, host, port, method, shape);
    return shape;
  }

  /** 443 for an {@code https} URL, 80 for any other. */
  static int defaultPort(String url) {
    return url != null && url.regionMatches(true, 0, "https:", 0, 6) ? 443 : 80;
  }

  /**
   * The path of an absolute URL, without query or fragment ({@code /} when it has none), or null
   * when the URL has no {@code scheme://}. A scan rather than {@code URI} parsing: no objects.
   */
  static String urlPath(String url) {
    int authority = url == null ? -1 : url.indexOf("://");
    if (authority < 0) {
      return null;
    }
    int end = url.length();
    int start = end;
    for (int i = authority + 3; i < url.length(); i++) {
      char c = url.charAt(i);
      if (c == '?' || c == '#') {
        end = i;
        break;
      }
      if (c == '/' && start == url.length()) {
        start = i;
      }
    }
    return start >= end ? "/" : url.substring(start, end);
  }

  /** {@code host:port} is one of the OTLP endpoints, compared without building the string per call. */
  static boolean isExportTarget(java.util.Set<String> targets, String host, int port) {
    int colon = host.length();
    for (String target : targets) {
      if (target.length() > colon + 1 && target.charAt(colon) == ':' && target.startsWith(host) && port(target, colon + 1) == port) {
        return true;
      }
    }
    return false;
  }

  /** The decimal number from {@code from} to the end, or -1. */
  private static int port(String s, int from) {
    int value = 0;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9' || value > 65_535) {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  /**
   * The gRPC picker routed a call: its metadata carries the traceparent this class injected, which
   * finds the call's span (the pick may run on another thread than the call's start).
   */
  public void routed(HeaderLookup headers, OutboundRoute route) {
    if (route == null || pendingGrpc.isEmpty()) {
      return;
    }
    String spanId = injectedSpanId(headers);
    Call call = spanId == null ? null : pendingGrpc.get(spanId);
    if (call != null) {
      call.route(route);
    }
  }

  /** The client span id that the configured propagator wrote: W3C, else B3 (multi or single). */
  private static String injectedSpanId(HeaderLookup headers) {
    String traceparent = headers.get("traceparent");
    // 00-<32 hex trace id>-<16 hex span id>-<flags>
    if (traceparent != null && traceparent.length() >= 52) {
      return traceparent.substring(36, 52);
    }
    String b3SpanId = headers.get("x-b3-spanid");
    if (b3SpanId != null) {
      return b3SpanId;
    }
    // b3: <trace id (16 or 32 hex)>-<16 hex span id>[-<sampled>[-<parent>]]
    String b3 = headers.get("b3");
    int dash = b3 == null ? -1 : b3.indexOf('-');
    return dash > 0 && b3.length() >= dash + 17 ? b3.substring(dash + 1, dash + 17) : null;
  }

  public void clientEnd(Object handle, int status, Throwable error) {
    State s = state;
    Call call = (Call) handle;
    if (s == null || !call.end()) {
      return;
    }
    if (call.pendingKey != null) {
      pendingGrpc.remove(call.pendingKey);
    }
    String errorType = finish(call, status, error);
    s.instruments.client(call.grpc, seconds(call), call.metricAttributes.outcome(status, errorType, error == null));
    logAccess(call, service, call.destination, status, errorType);
    s.instruments.request(service, call.destination, call.subset, status, errorType);
  }

  public void clientEndOnCompletion(Object handle, CompletionStage<?> response) {
    response.whenComplete(
        (r, t) -> clientEnd(handle, r instanceof java.net.http.HttpResponse<?> h ? h.statusCode() : -1, t));
  }

  /** A try of a client call begins: a child span of the call's (see {@link AttemptSpans}). */
  public Object attemptStart(Object handle, int attempt, OutboundRoute endpoint) {
    State s = state;
    return s == null || !s.spans || !(handle instanceof Call call) ? null : AttemptSpans.start(s.tracer, attemptSpans, call, attempt, endpoint);
  }

  public void attemptEnd(Object handle, int status, Throwable error, String decision) {
    if (handle instanceof AttemptSpans.Attempt attempt) {
      AttemptSpans.end(attempt, status, error, decision);
    }
  }

  /**
   * A route's injected fault, on the call's span: {@code skein.fault} ({@code delay}, or
   * {@code abort}, which wins when both happen) and {@code skein.fault.delay_ms}.
   */
  public void callFault(Object handle, String fault, long delayMillis) {
    if (handle instanceof Call call && call.span.isRecording()) {
      call.span.setAttribute(SKEIN_FAULT, fault);
      if (delayMillis > 0) {
        call.span.setAttribute(SKEIN_FAULT_DELAY, delayMillis);
      }
    }
  }

  /** {@link #callFault} for a gRPC call still waiting for its route, found by its injected span id. */
  public void grpcCallFault(HeaderLookup headers, String fault, long delayMillis) {
    if (pendingGrpc.isEmpty()) {
      return;
    }
    String spanId = injectedSpanId(headers);
    Call call = spanId == null ? null : pendingGrpc.get(spanId);
    if (call != null) {
      callFault(call, fault, delayMillis);
    }
  }

  // === server ===

  public Object serverStart(String system, String method, String target, HeaderLookup headers, String peer) {
    State s = state;
    if (s == null) {
      return null;
    }
    boolean grpc = "grpc".equals(system);
    MetricAttributes.Shape metric = (grpc ? serverGrpc : serverHttp).shape(method);
    Span span = Span.getInvalid();
    Context parent = Context.root();
    if (s.spans) {
      parent = s.propagator.extract(Context.root(), headers, HeaderGetter.INSTANCE);
      var builder = s.tracer.spanBuilder(method).setSpanKind(SpanKind.SERVER).setParent(parent).setAllAttributes(metric.base);
      if (!grpc) {
        int q = target.indexOf('?');
        builder.setAttribute(URL_PATH, q < 0 ? target : target.substring(0, q));
        if (q >= 0) {
          builder.setAttribute(URL_QUERY, target.substring(q + 1));
        }
      }
      if (peer != null) {
        builder.setAttribute(CLIENT_ADDRESS, peer);
      }
      span = builder.startSpan();
    }
    Call call = new Call(false, grpc, span, parent.with(span), metric);
    call.method = method;
    call.target = target;
    call.peer = peer;
    return call;
  }

  public Object attach(Object handle) {
    Call call = (Call) handle;
    Scope scope = call.context.makeCurrent();
    Object app = call.client ? null : bridge.attach(call.span);
    return app == null ? scope : new BridgedScope(scope, app);
  }

  public void detach(Object token) {
    if (token instanceof BridgedScope b) {
      bridge.close(b.app());
      b.mesh().close();
    } else {
      ((Scope) token).close();
    }
  }

  /** The mesh's scope and the application's, closed together (the application's first). */
  private record BridgedScope(Scope mesh, Object app) {}

  public void serverEnd(Object handle, int status, Throwable error) {
    State s = state;
    Call call = (Call) handle;
    if (s == null || !call.end()) {
      return;
    }
    String errorType = finish(call, status, error);
    s.instruments.server(call.grpc, seconds(call), call.metricAttributes.outcome(status, errorType, error == null));
    if (call.connection != null) {
      s.instruments.inbound(call.connection);
    }
    logAccess(call, call.peer, service, status, errorType);
  }

  // === shared ===

  private void logAccess(Call call, String source, String destination, int status, String errorType) {
    AccessLog log = accessLog;
    if (log == null) {
      AccessLogPolicy.Chosen policy = accessLogPolicy;
      if (policy == null || accessLogSet || !policy.accessLogging().logs(call.client)) {
        return;
      }
      log = policyAccessLog();
      if (log == null) {
        return;
      }
    }
    var context = call.span.getSpanContext();
    String path = call.target;
    if (call.grpc) {
      path = call.method;
    } else if (path != null && call.client) {
      try {
        path = java.net.URI.create(path).getRawPath();
      } catch (IllegalArgumentException e) {
        // keep the URL as the application wrote it
      }
    }
    if (path != null && !call.grpc) {
      int q = path.indexOf('?');
      path = q < 0 ? path : path.substring(0, q); // query strings may carry secrets
    }
    log.log(
        new AccessLog.Entry(
            call.client ? "outbound" : "inbound",
            call.grpc ? "grpc" : "http",
            context.isValid() ? context.getTraceId() : null,
            context.isValid() ? context.getSpanId() : null,
            source,
            destination,
            call.routeName,
            call.subset,
            call.endpoint,
            call.grpc ? "POST" : call.method,
            path,
            status,
            errorType,
            (System.nanoTime() - call.startNanos) / 1e6));
  }

  /** Adds the outcome to the span, ends the span; returns error.type (for the metric attributes too). */
  private static String finish(Call call, int status, Throwable error) {
    String errorType = null;
    if (error != null) {
      errorType = error.getClass().getName();
    } else if (call.grpc ? status > 0 : status >= (call.client ? 400 : 500)) {
      errorType = call.grpc ? GrpcStatusNames.name(status) : Integer.toString(status);
    } else if (status < 0) {
      errorType = "_OTHER";
    }
    Span span = call.span;
    if (span.isRecording()) {
      if (status >= 0) {
        span.setAttribute(call.grpc ? RPC_GRPC_STATUS : HTTP_STATUS, (long) status);
      }
      if (errorType != null) {
        span.setAttribute(ERROR_TYPE, errorType);
        span.setStatus(StatusCode.ERROR);
      }
      if (error != null) {
        span.recordException(error);
      }
    }
    span.end();
    return errorType;
  }

  private static AttributesBuilder rpcAttributes(AttributesBuilder attributes, String fullMethod) {
    int slash = fullMethod.lastIndexOf('/');
    attributes.put(RPC_SYSTEM, "grpc");
    if (slash > 0) {
      attributes.put(RPC_SERVICE, fullMethod.substring(fullMethod.startsWith("/") ? 1 : 0, slash));
      attributes.put(RPC_METHOD, fullMethod.substring(slash + 1));
    }
    return attributes;
  }

  private static double seconds(Call call) {
    return (System.nanoTime() - call.startNanos) / 1e9;
  }

  /** Reads propagation headers through the bridge's header lookup (lower-case names). */
  private enum HeaderGetter implements TextMapGetter<HeaderLookup> {
    INSTANCE;

    @Override
    public Iterable<String> keys(HeaderLookup carrier) {
      return List.of();
    }

    @Override
    public String get(HeaderLookup carrier, String key) {
      return carrier == null ? null : carrier.get(key.toLowerCase(java.util.Locale.ROOT));
    }
  }


  // === inbound refusals ===

  private volatile io.opentelemetry.api.metrics.LongCounter refusals;

  /**
   * Counts an inbound request the mesh refused, as {@code skein.inbound.refused} by
   * {@code rpc.system}/{@code http} and {@code reason} ({@code denied}, {@code rate-limited}).
   */
  public void inboundRefused(String system, String reason) {
    State s = state;
    if (s == null) {
      return;
    }
    io.opentelemetry.api.metrics.LongCounter counter = refusals;
    if (counter == null) {
      counter =
          s.sdk.sdk.getMeter(INSTRUMENTATION).counterBuilder("skein.inbound.refused").setUnit("{request}")
              .setDescription("Inbound requests the mesh refused before the server's handler ran.").build();
      refusals = counter;
    }
    counter.add(1, Attributes.of(
        io.opentelemetry.api.common.AttributeKey.stringKey("protocol"), system,
        io.opentelemetry.api.common.AttributeKey.stringKey("reason"), reason));
  }

  private volatile io.opentelemetry.api.metrics.LongCounter audits;

  /** Counts a request an AUDIT AuthorizationPolicy would have denied, as {@code skein.authz.audited} by {@code policy}. */
  public void authorizationAudited(String policy) {
    State s = state;
    if (s == null) {
      return;
    }
    io.opentelemetry.api.metrics.LongCounter counter = audits;
    if (counter == null) {
      counter =
          s.sdk.sdk.getMeter(INSTRUMENTATION).counterBuilder("skein.authz.audited").setUnit("{request}")
              .setDescription("Inbound requests an AUDIT authorization policy would have denied (they were served).").build();
      audits = counter;
    }
    counter.add(1, Attributes.of(io.opentelemetry.api.common.AttributeKey.stringKey("policy"), policy));
  }

  private static final io.opentelemetry.api.common.AttributeKey<String> PEER_SPIFFE_ID =
      io.opentelemetry.api.common.AttributeKey.stringKey("skein.peer.spiffe_id");

  /** Records on a server span the SPIFFE ID the peer's certificate proves ({@code skein.peer.spiffe_id}). */
  public void serverPeerIdentity(Object handle, String spiffeId) {
    if (handle instanceof Call call && spiffeId != null && call.span.isRecording()) {
      call.span.setAttribute(PEER_SPIFFE_ID, spiffeId);
    }
  }

  /**
   * Notes how a server call's connection was secured, for {@code skein.inbound.requests}: mutual
   * TLS (the peer presented a certificate; {@code spiffeId} is the SPIFFE ID it proved) or plain text.
   */
  public void serverConnection(Object handle, boolean mutualTls, String spiffeId) {
    if (handle instanceof Call call) {
      call.connection = InboundConnections.of(mutualTls, spiffeId);
    }
  }

  // === access log by policy (the Telemetry kind) ===

  /** The Telemetry policy's access-log switch in force; null: none applies. Ignored while {@code skein.access.log} is set. */
  private volatile AccessLogPolicy.Chosen accessLogPolicy;
  /** {@code skein.access.log} is given (a sink or {@code off}): it alone decides, policies are ignored. */
  private final boolean accessLogSet;
  /** Where lines go when a policy turns the log on: stdout, as Istio's default provider; made at first use. */
  private volatile AccessLog policyLog;

  /**
   * Applies the Telemetry policies in force (every published snapshot): the one selecting this
   * service, else the namespace's, turns the access log on or off. The setting
   * {@code skein.access.log}, when given (even {@code off}), wins over any policy.
   */
  public void applyPolicies(String namespace, Map<String, dev.skein.api.Policy> policies) {
    AccessLogPolicy.Chosen chosen = AccessLogPolicy.select(namespace, service, policies);
    AccessLogPolicy.Chosen before = accessLogPolicy;
    if (java.util.Objects.equals(chosen, before)) {
      return;
    }
    accessLogPolicy = chosen;
    if (accessLogSet) {
      if (chosen != null) {
        AgentLog.info("Telemetry " + chosen.name() + ": access log left as skein.access.log sets it");
      }
    } else if (chosen == null) {
      AgentLog.info("access log off (no Telemetry policy)");
    } else if (chosen.accessLogging().disabled()) {
      AgentLog.info("access log off (Telemetry " + chosen.name() + ")");
    } else {
      AgentLog.info("access log on, stdout, " + chosen.accessLogging().mode() + " (Telemetry " + chosen.name() + ")");
    }
  }

  /**
   * For {@code /config_dump}: {@code decidedBy} ({@code setting}, {@code policy} or {@code none}),
   * the policy's name, {@code mode} and {@code on}, and the lines dropped on a full queue.
   */
  public Map<String, Object> accessLogState() {
    Map<String, Object> state = new java.util.LinkedHashMap<>();
    AccessLogPolicy.Chosen policy = accessLogPolicy;
    if (accessLogSet) {
      state.put("decidedBy", "setting");
      state.put("setting", Settings.get("skein.access.log"));
      state.put("on", accessLog != null);
    } else if (policy != null) {
      state.put("decidedBy", "policy");
      state.put("policy", policy.name());
      state.put("on", !policy.accessLogging().disabled());
      state.put("mode", policy.accessLogging().mode().name());
    } else {
      state.put("decidedBy", "none");
      state.put("on", false);
    }
    AccessLog log = accessLog != null ? accessLog : policyLog;
    state.put("dropped", log == null ? 0 : log.dropped());
    return state;
  }

  private AccessLog policyAccessLog() {
    AccessLog log = policyLog;
    if (log == null) {
      synchronized (this) {
        log = policyLog;
        if (log == null) {
          log = AccessLog.fromSetting("stdout");
          policyLog = log;
        }
      }
    }
    return log;
  }
}

package dev.skein.instrumentation.jetty12.inbound;

import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.InboundDecision;
import java.security.cert.Certificate;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The engine's inbound decision for one Jetty request (injected into Jetty's class loader: it
 * names Jetty types). A refused request is answered here; one that proceeds ends its server span
 * when Jetty completes the request, which may be after {@code Server.handle} returned.
 */
public final class JettyInbound implements Consumer<Throwable> {
  private final Object call;
  private final Response response;

  private JettyInbound(Object call, Response response) {
    this.call = call;
    this.response = response;
  }

  /** Asks the engine; writes the refusal (403/429 with {@code x-skein-refused}) when refused. */
  public static InboundDecision decide(Request request, Response response, Callback callback) {
    HttpFields headers = request.getHeaders();
    InboundDecision decision =
        Bridge.inbound(
            null, "http", request.getMethod(), request.getHttpURI().getPathQuery(), headers::get, Request.getRemoteAddr(request),
            peerCertificates(request.getConnectionMetaData()));
    if (decision.refused()) {
      response.getHeaders().put("x-skein-refused", decision.reason());
      Response.writeError(request, response, callback, decision.httpStatus());
    } else if (decision.call() != null) {
      Request.addCompletionListener(request, new JettyInbound(decision.call(), response));
    }
    return decision;
  }

  @Override
  public void accept(Throwable failure) {
    Bridge.serverEnd(call, response.getStatus(), failure);
  }

  private static Certificate[] peerCertificates(ConnectionMetaData connection) {
    if (!connection.isSecure()) {
      return null;
    }
    try {
      EndPoint.SslSessionData tls = connection.getConnection().getEndPoint().getSslSessionData();
      return tls == null ? null : tls.peerCertificates();
    } catch (RuntimeException | LinkageError e) {
      return null; // a Jetty 12.0 release without SslSessionData: no principal
    }
  }
}

package dev.skein.instrumentation.tomcat.inbound;

import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.InboundDecision;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import java.security.cert.Certificate;
import org.apache.coyote.ActionCode;
import org.apache.coyote.Request;
import org.apache.coyote.Response;

/**
 * The engine's inbound decision for one Tomcat request, at the connector level (injected into
 * Tomcat's class loader: it names Tomcat and servlet types). A refused request gets an empty
 * 403 or 429 and never reaches the container. A request that proceeds ends its server span when
 * {@code CoyoteAdapter.service} returns, or, for an asynchronous servlet request, when its
 * {@code AsyncContext} completes.
 */
public final class TomcatInbound implements AsyncListener {
  // CoyoteAdapter.ADAPTER_NOTES: the catalina request of a coyote request.
  private static final int ADAPTER_NOTES = 1;
  private static final String CERTIFICATES = "jakarta.servlet.request.X509Certificate";
  private final Object call;
  private final Response response;

  private TomcatInbound(Object call, Response response) {
    this.call = call;
    this.response = response;
  }

  public static InboundDecision decide(Request request, Response response) {
    request.action(ActionCode.REQ_HOST_ADDR_ATTRIBUTE, request);
    String query = request.queryString().toString();
    String uri = request.requestURI().toString();
    InboundDecision decision =
        Bridge.inbound(
            null, "http", request.method().toString(), query == null ? uri : uri + "?" + query, request::getHeader,
            request.remoteAddr().toString(), peerCertificates(request));
    if (decision.refused()) {
      response.setStatus(decision.httpStatus());
      response.addHeader("x-skein-refused", decision.reason());
      response.setContentLength(0);
    }
    return decision;
  }

  /** When {@code CoyoteAdapter.service} returns: ends the span now, or when the async request completes. */
  public static void serviced(Object call, Request request, Response response, Throwable thrown) {
    if (call == null) {
      return;
    }
    Object servletRequest = request.getNote(ADAPTER_NOTES);
    if (thrown == null && servletRequest instanceof org.apache.catalina.connector.Request r && r.isAsync()) {
      r.getAsyncContext().addListener(new TomcatInbound(call, response));
      return;
    }
    Bridge.serverEnd(call, response.getStatus(), thrown);
  }

  private static Certificate[] peerCertificates(Request request) {
    try {
      request.action(ActionCode.REQ_SSL_ATTRIBUTE, request); // no-op on a plaintext connection
      Object certificates = request.getAttribute(CERTIFICATES);
      return certificates instanceof Certificate[] chain && chain.length > 0 ? chain : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  @Override
  public void onComplete(AsyncEvent event) {
    Bridge.serverEnd(call, response.getStatus(), null);
  }

  @Override
  public void onTimeout(AsyncEvent event) {}

  @Override
  public void onError(AsyncEvent event) {
    Bridge.serverEnd(call, 500, event.getThrowable());
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    event.getAsyncContext().addListener(this);
  }
}

package dev.skein.instrumentation.apachehttpclient5.mesh;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.OutboundRoute;
import dev.skein.bootstrap.instrumentation.apachehttpclient5.ApacheMeshTls;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleRequestProducer;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.nio.entity.DiscardingEntityConsumer;
import org.apache.hc.core5.http.nio.support.BasicResponseConsumer;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.Timeout;

/**
 * Route {@code mirror} for Apache HttpClient 5, classic and async: a copy of the request goes to
 * the mirror endpoint on one small async client of the mesh's own (one I/O thread, daemon, made at
 * the first copy), fire-and-forget: sent without waiting, its answer read and dropped, any failure
 * ignored. The application's client is not used: a classic client would block a thread, and an
 * async request's body producer is the application's to send once: its copy, taken as the first
 * try sent it, is sent instead once the body has gone out whole ({@link MirroredBody}).
 */
final class ApacheMirror {
  private static volatile CloseableHttpAsyncClient client;

  private ApacheMirror() {}

  /**
   * Sends the copy.
   *
   * @param scheme the scheme the first try went with
   * @param body the body to copy, or {@code null} for none
   */
  static void send(HttpRequest request, String scheme, OutboundRoute mirror, OutboundRoute first, byte[] body, ContentType type) {
    try {
      HttpHost target = new HttpHost(ApacheMeshTls.scheme(scheme, mirror, first), mirror.address(), mirror.port());
      SimpleHttpRequest copy = new SimpleHttpRequest(request.getMethod(), target, request.getPath());
      for (Header h : request.getHeaders()) {
        if (!hopByHop(h.getName())) {
          copy.addHeader(h);
        }
      }
      if (body != null) {
        copy.setBody(body, type);
      }
      client().execute(SimpleRequestProducer.create(copy), new BasicResponseConsumer<>(new DiscardingEntityConsumer<>()), null);
    } catch (Throwable t) {
      AgentFaults.record("apache-mirror", t);
    }
  }

  private static boolean hopByHop(String name) {
    return name.equalsIgnoreCase("Host") || name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding")
        || name.equalsIgnoreCase("Connection") || name.equalsIgnoreCase("Content-Type");
  }

  private static CloseableHttpAsyncClient client() {
    CloseableHttpAsyncClient c = client;
    if (c == null) {
      synchronized (ApacheMirror.class) {
        c = client;
        if (c == null) {
          c =
              HttpAsyncClients.custom()
                  .setIOReactorConfig(IOReactorConfig.custom().setIoThreadCount(1).build())
                  .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(30)).build())
                  .disableAutomaticRetries()
                  .disableRedirectHandling()
                  .disableCookieManagement()
                  .build();
          c.start();
          client = c;
        }
      }
    }
    return c;
  }
}

package dev.skein.it.apps.telemetry;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.concurrent.Executors;

/**
 * An application that traces with the OpenTelemetry API and its own SDK (registered as
 * {@code GlobalOpenTelemetry}): every request opens a span {@code app-work} and, inside it, calls
 * the URL prefix given as the first argument over the JDK HttpClient. Its own spans are printed
 * as {@code span NAME TRACE SPAN PARENT}. Prints {@code listening PORT}.
 */
public final class AppSpansServer {
  private AppSpansServer() {}

  public static void main(String[] args) throws Exception {
    OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(new PrintingExporter())).build())
        .buildAndRegisterGlobal();
    Tracer tracer = GlobalOpenTelemetry.getTracer("app");
    HttpClient client = HttpClient.newHttpClient();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext(
        "/",
        exchange -> {
          int status = 200;
          String body;
          Span span = tracer.spanBuilder("app-work").startSpan();
          try (Scope ignored = span.makeCurrent()) {
            body = client.send(HttpRequest.newBuilder(URI.create(args[0] + exchange.getRequestURI().getPath())).build(), HttpResponse.BodyHandlers.ofString()).body();
          } catch (Exception e) {
            status = 502;
            body = e.toString();
          } finally {
            span.end();
          }
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, bytes.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
          }
        });
    server.start();
    System.out.println("listening " + server.getAddress().getPort());
  }

  private static final class PrintingExporter implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      for (SpanData s : spans) {
        System.out.println("span " + s.getName() + " " + s.getTraceId() + " " + s.getSpanId() + " " + s.getParentSpanId());
      }
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}

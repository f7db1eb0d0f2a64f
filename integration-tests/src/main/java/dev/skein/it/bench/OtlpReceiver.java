package dev.skein.it.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback OTLP/HTTP receiver for the OpenTelemetry agent's scenario: accepts {@code POST
 * /v1/traces}, {@code /v1/metrics} and {@code /v1/logs}, answers 200 with an empty body (a valid
 * empty protobuf {@code Export*ServiceResponse}) and counts requests and bytes per signal. It does
 * not decode: the benchmark needs the exporter to do its full work, not the spans' contents.
 */
final class OtlpReceiver implements AutoCloseable {
  private final HttpServer server;
  private final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> bytes = new ConcurrentHashMap<>();

  OtlpReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "otlp-receiver");
      t.setDaemon(true);
      return t;
    }));
    server.createContext(
        "/v1/",
        exchange -> {
          String signal = exchange.getRequestURI().getPath().substring("/v1/".length());
          long size = exchange.getRequestBody().readAllBytes().length;
          requests.computeIfAbsent(signal, k -> new AtomicLong()).incrementAndGet();
          bytes.computeIfAbsent(signal, k -> new AtomicLong()).addAndGet(size);
          exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  long requests(String signal) {
    return requests.getOrDefault(signal, new AtomicLong()).get();
  }

  long bytes(String signal) {
    return bytes.getOrDefault(signal, new AtomicLong()).get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

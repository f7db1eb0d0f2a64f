package dev.skein.it.http.client.resilience;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.io.entity.EntityUtils;

/**
 * One client library as the resilience tests use it: GET a URL, read the whole body, report the
 * status and the mesh's headers. Async flavours wait for the library's future. No mesh code.
 */
interface ResilienceClient {
  record Answer(int status, String refused, String fault, String body) {}

  Answer get(String url) throws Exception;

  static Map<String, ResilienceClient> all() {
    Map<String, ResilienceClient> clients = new LinkedHashMap<>();
    HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    clients.put(
        "jdk",
        url -> jdkAnswer(jdk.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())));
    clients.put(
        "jdk-async",
        url ->
            jdkAnswer(
                jdk.sendAsync(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                    .get(30, TimeUnit.SECONDS)));
    CloseableHttpClient apache = HttpClients.createDefault();
    clients.put(
        "apache",
        url ->
            apache.execute(
                new HttpGet(url),
                response -> {
                  String body = EntityUtils.toString(response.getEntity());
                  return new Answer(
                      response.getCode(), value(response.getFirstHeader("x-skein-refused")), value(response.getFirstHeader("x-skein-fault")), body);
                }));
    CloseableHttpAsyncClient apacheAsync = HttpAsyncClients.createDefault();
    apacheAsync.start();
    clients.put(
        "apache-async",
        url -> {
          SimpleHttpResponse response = apacheAsync.execute(SimpleRequestBuilder.get(url).build(), null).get(30, TimeUnit.SECONDS);
          return new Answer(
              response.getCode(),
              value(response.getFirstHeader("x-skein-refused")),
              value(response.getFirstHeader("x-skein-fault")),
              response.getBodyText());
        });
    // PUT with a body the application streams once (chunked, not repeatable); -large: over 64 KiB.
    clients.put("apache-async-put", url -> apacheAsyncPut(apacheAsync, url, BODY));
    clients.put("apache-async-put-large", url -> apacheAsyncPut(apacheAsync, url, "x".repeat(100 * 1024)));
    clients.put("apache-async-put-mid", url -> apacheAsyncPut(apacheAsync, url, MID_BODY));
    // POST with a body Apache holds (SimpleHttpRequest: a repeatable producer).
    clients.put(
        "apache-async-post-mid",
        url -> {
          SimpleHttpResponse response =
              apacheAsync.execute(SimpleRequestBuilder.post(url).setBody(MID_BODY, org.apache.hc.core5.http.ContentType.TEXT_PLAIN).build(), null)
                  .get(30, TimeUnit.SECONDS);
          return new Answer(
              response.getCode(), value(response.getFirstHeader("x-skein-refused")), value(response.getFirstHeader("x-skein-fault")), response.getBodyText());
        });
    reactor.netty.http.client.HttpClient reactorNetty = reactor.netty.http.client.HttpClient.create();

    clients.put(
        "reactor",
        url ->
            reactorNetty
                .get()
                .uri(url)
                .responseSingle(ResilienceClient::reactorAnswer)
                .block(java.time.Duration.ofSeconds(30)));
    // PUT whose body a send callback writes as a Publisher of two chunks, with a header it sets;
    // -large: over 64 KiB.
    clients.put("reactor-put", url -> reactorPut(reactorNetty, url, BODY));
    clients.put("reactor-put-large", url -> reactorPut(reactorNetty, url, "x".repeat(100 * 1024)));
    clients.put("reactor-put-mid", url -> reactorPut(reactorNetty, url, MID_BODY));
    // POST of a Publisher given to send (Reactor Netty writes it through a send callback of its own).
    clients.put("reactor-post-mid", url -> reactorPost(reactorNetty, url, MID_BODY));
    // Spring WebClient on Reactor Netty: the request goes out through Reactor Netty's send callback.
    org.springframework.web.reactive.function.client.WebClient webClient =
        org.springframework.web.reactive.function.client.WebClient.builder()
            .clientConnector(new org.springframework.http.client.reactive.ReactorClientHttpConnector(reactor.netty.http.client.HttpClient.create()))
            .build();
    clients.put(
        "webclient",
        url ->
            webClient
                .get()
                .uri(url)
                .exchangeToMono(
                    response ->
                        response
                            .bodyToMono(String.class)
                            .defaultIfEmpty("")
                            .map(
                                text ->
                                    new Answer(
                                        response.statusCode().value(),
                                        response.headers().asHttpHeaders().getFirst("x-skein-refused"),
                                        response.headers().asHttpHeaders().getFirst("x-skein-fault"),
                                        text)))
                .block(java.time.Duration.ofSeconds(30)));
    clients.put("urlconnection", url -> urlConnection(url, null, false));
    // PUT with a body the JDK buffers (sent with the head once the response is asked for): replayable.
    clients.put("urlconnection-put", url -> urlConnection(url, "PUT", false));
    // PUT in fixed-length streaming mode: the body leaves as it is written and cannot be replayed.
    clients.put("urlconnection-streaming", url -> urlConnection(url, "PUT", true));
    okhttp3.OkHttpClient okhttp = new okhttp3.OkHttpClient();
    clients.put(
        "okhttp",
        url -> {
          try (okhttp3.Response response = okhttp.newCall(new okhttp3.Request.Builder().url(url).build()).execute()) {
            String body = response.body().string();
            return new Answer(response.code(), response.header("x-skein-refused"), response.header("x-skein-fault"), body);
          }
        });
    return clients;
  }

  /** A body a request with one sends ({@code PUT}); the server answers it back after its version. */
  String BODY = "order-42";

  /** A body under 64 KiB that takes several writes, each line different, so that a test checks every byte. */
  String MID_BODY =
      java.util.stream.IntStream.range(0, 4000).mapToObj(i -> "line-%05d\n".formatted(i)).collect(java.util.stream.Collectors.joining());

  private static Answer urlConnection(String url, String method, boolean streaming) throws java.io.IOException {
    java.net.HttpURLConnection connection = (java.net.HttpURLConnection) new java.net.URL(url).openConnection();
    connection.setConnectTimeout(2000);
    connection.setReadTimeout(10_000);
    if (method != null) {
      byte[] body = BODY.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      connection.setRequestMethod(method);
      connection.setDoOutput(true);
      if (streaming) {
        connection.setFixedLengthStreamingMode(body.length);
      }
      try (java.io.OutputStream out = connection.getOutputStream()) {
        out.write(body);
      }
    }
    int status = connection.getResponseCode();
    java.io.InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream();
    String text = "";
    if (in != null) {
      try (in) {
        text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    return new Answer(status, connection.getHeaderField("x-skein-refused"), connection.getHeaderField("x-skein-fault"), text);
  }

  private static Answer reactorPut(reactor.netty.http.client.HttpClient client, String url, String text) {
    return client
        .put()
        .uri(url)
        .send(
            (request, out) -> {
              request.header("content-type", "text/plain");
              return out.sendString(reactor.core.publisher.Flux.just(text.substring(0, 3), text.substring(3)));
            })
        .responseSingle(ResilienceClient::reactorAnswer)
        .block(java.time.Duration.ofSeconds(30));
  }

  /** A Reactor Netty response as an {@link Answer}: status, the mesh's headers and the body. */
  private static reactor.core.publisher.Mono<Answer> reactorAnswer(
      reactor.netty.http.client.HttpClientResponse response, reactor.netty.ByteBufMono body) {
    return body.asString()
        .defaultIfEmpty("")
        .map(
            answer ->
                new Answer(
                    response.status().code(),
                    response.responseHeaders().get("x-skein-refused"),
                    response.responseHeaders().get("x-skein-fault"),
                    answer));
  }

  private static Answer reactorPost(reactor.netty.http.client.HttpClient client, String url, String text) {
    byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    reactor.core.publisher.Flux<io.netty.buffer.ByteBuf> chunks =
        reactor.core.publisher.Flux.range(0, (bytes.length + 8191) / 8192)
            .map(i -> io.netty.buffer.Unpooled.wrappedBuffer(bytes, i * 8192, Math.min(8192, bytes.length - i * 8192)));
    return client
        .post()
        .uri(url)
        .send(chunks)
        .responseSingle(ResilienceClient::reactorAnswer)
        .block(java.time.Duration.ofSeconds(30));
  }

  private static Answer apacheAsyncPut(CloseableHttpAsyncClient client, String url, String body) throws Exception {
    SimpleHttpResponse response =
        client
            .execute(
                org.apache.hc.core5.http.nio.support.AsyncRequestBuilder.put(url).setEntity(new OneShotBody(body)).build(),
                org.apache.hc.client5.http.async.methods.SimpleResponseConsumer.create(),
                null)
            .get(30, TimeUnit.SECONDS);
    return new Answer(
        response.getCode(), value(response.getFirstHeader("x-skein-refused")), value(response.getFirstHeader("x-skein-fault")), response.getBodyText());
  }

  /** An Apache async body that can be sent once: chunked, not repeatable; a second send fails. */
  final class OneShotBody implements org.apache.hc.core5.http.nio.AsyncEntityProducer {
    private final java.nio.ByteBuffer body;
    private boolean sent;

    OneShotBody(String text) {
      body = java.nio.ByteBuffer.wrap(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public boolean isRepeatable() {
      return false;
    }

    @Override
    public void failed(Exception cause) {}

    @Override
    public long getContentLength() {
      return -1;
    }

    @Override
    public String getContentType() {
      return "text/plain";
    }

    @Override
    public String getContentEncoding() {
      return null;
    }

    @Override
    public boolean isChunked() {
      return true;
    }

    @Override
    public java.util.Set<String> getTrailerNames() {
      return java.util.Set.of();
    }

    @Override
    public synchronized int available() {
      return body.remaining();
    }

    @Override
    public synchronized void produce(org.apache.hc.core5.http.nio.DataStreamChannel channel) throws java.io.IOException {
      if (sent) {
        throw new java.io.IOException("a one-shot body was asked for a second time");
      }
      channel.write(body);
      if (!body.hasRemaining()) {
        sent = true;
        channel.endStream();
      }
    }

    @Override
    public void releaseResources() {}
  }

  private static String value(Header header) {
    return header == null ? null : header.getValue();
  }

  private static Answer jdkAnswer(HttpResponse<String> response) {
    return new Answer(
        response.statusCode(),
        response.headers().firstValue("x-skein-refused").orElse(null),
        response.headers().firstValue("x-skein-fault").orElse(null),
        response.body());
  }
}

package dev.skein.it.apps;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Makes one request and exits: prints {@code first-response <status> <body>}. Used to time a
 * JVM's start to its first completed request, with and without the agent.
 */
public final class FirstRequest {
  private FirstRequest() {}

  public static void main(String[] args) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> r =
        client.send(HttpRequest.newBuilder(URI.create(args[0])).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    System.out.println("first-response " + r.statusCode() + " " + r.body());
  }
}

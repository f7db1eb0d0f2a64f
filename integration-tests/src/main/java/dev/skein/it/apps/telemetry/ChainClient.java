package dev.skein.it.apps.telemetry;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * Service A of the telemetry chain: on each stdin line {@code send N URL [apache|apache-async]}
 * sends N sequential GETs to URL followed by the request's number, with the JDK HttpClient (or
 * Apache HttpClient 5, classic or async, made at first use) and prints
 * {@code done ok=K failed=F millis=T}.
 */
public final class ChainClient {
  private ChainClient() {}

  public static void main(String[] args) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    System.out.println("ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] parts = line.trim().split(" ");
      if (parts.length < 3 || !parts[0].equals("send")) {
        continue;
      }
      int n = Integer.parseInt(parts[1]);
      int ok = 0;
      int failed = 0;
      String firstFailure = "";
      long started = System.nanoTime();
      for (int i = 0; i < n; i++) {
        try {
          String[] answer = parts.length > 3 ? ApacheChainCalls.get(parts[3], parts[2] + i) : jdk(client, parts[2] + i);
          if (answer[0].equals("200") && answer[1].startsWith("hello ")) {
            ok++;
          } else {
            failed++;
            firstFailure = firstFailure.isEmpty() ? answer[0] + " " + answer[1] : firstFailure;
          }
        } catch (Exception e) {
          failed++;
          firstFailure = firstFailure.isEmpty() ? e.toString() : firstFailure;
        }
      }
      System.out.println("done ok=" + ok + " failed=" + failed + " millis=" + (System.nanoTime() - started) / 1_000_000 + (failed > 0 ? " first failure: " + firstFailure : ""));
    }
  }

  /** Status and body of a GET with the JDK HttpClient. */
  private static String[] jdk(HttpClient client, String url) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    return new String[] {Integer.toString(r.statusCode()), r.body()};
  }
}

package dev.skein.it.apps.telemetry;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * Service A of the telemetry chain: on each stdin line {@code send N URL} sends N sequential GETs
 * with the JDK HttpClient and prints {@code done ok=K failed=F millis=T}.
 */
public final class ChainClient {
  private ChainClient() {}

  public static void main(String[] args) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    System.out.println("ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] parts = line.trim().split(" ");
      if (parts.length != 3 || !parts[0].equals("send")) {
        continue;
      }
      int n = Integer.parseInt(parts[1]);
      int ok = 0;
      int failed = 0;
      String firstFailure = "";
      long started = System.nanoTime();
      for (int i = 0; i < n; i++) {
        try {
          HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(parts[2] + i)).build(), HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200 && r.body().startsWith("hello ")) {
            ok++;
          } else {
            failed++;
            firstFailure = firstFailure.isEmpty() ? r.statusCode() + " " + r.body() : firstFailure;
          }
        } catch (Exception e) {
          failed++;
          firstFailure = firstFailure.isEmpty() ? e.toString() : firstFailure;
        }
      }
      System.out.println("done ok=" + ok + " failed=" + failed + " millis=" + (System.nanoTime() - started) / 1_000_000 + (failed > 0 ? " first failure: " + firstFailure : ""));
    }
  }
}

package dev.skein.it.apps;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * A plain {@code java.net.http} client with no mesh code, driven line by line on stdin so that
 * one JVM (and one agent) serves a whole test:
 *
 * <pre>
 *   send COUNT URL [sync|async] [name:value ...]
 * </pre>
 *
 * answers {@code result ok=N failed=N bodies={v1=..., v2=...}} on stdout, where bodies counts the
 * response bodies (the servers answer their version).
 */
public final class ClientDriver {
  private ClientDriver() {}

  public static void main(String[] args) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length < 3 || !parts[0].equals("send")) {
        System.out.println("error unknown command: " + line);
        System.out.flush();
        continue;
      }
      int count = Integer.parseInt(parts[1]);
      boolean async = parts.length > 3 && parts[3].equals("async");
      HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(parts[2])).timeout(Duration.ofSeconds(5));
      for (int i = async || (parts.length > 3 && parts[3].equals("sync")) ? 4 : 3; i < parts.length; i++) {
        int colon = parts[i].indexOf(':');
        builder.header(parts[i].substring(0, colon), parts[i].substring(colon + 1));
      }
      HttpRequest request = builder.build();
      Map<String, Integer> bodies = new TreeMap<>();
      int ok = 0;
      int failed = 0;
      String lastError = "";
      if (async) {
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          futures.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> f : futures) {
          try {
            HttpResponse<String> r = f.join();
            if (r.statusCode() == 200) {
              ok++;
              bodies.merge(r.body(), 1, Integer::sum);
            } else {
              failed++;
              lastError = "status " + r.statusCode();
            }
          } catch (RuntimeException e) {
            failed++;
            lastError = e.toString();
          }
        }
      } else {
        for (int i = 0; i < count; i++) {
          try {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
              ok++;
              bodies.merge(r.body(), 1, Integer::sum);
            } else {
              failed++;
              lastError = "status " + r.statusCode();
            }
          } catch (Exception e) {
            failed++;
            lastError = e.toString();
          }
        }
      }
      System.out.println("result ok=" + ok + " failed=" + failed + " bodies=" + bodies + (failed > 0 ? " last=" + lastError : ""));
      System.out.flush();
    }
  }
}

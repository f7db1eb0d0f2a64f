package dev.skein.it.http.client;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * A client JVM for one HTTP client library ({@code urlconnection}, {@code okhttp}, {@code apache},
 * {@code reactor}, {@code webclient}; first argument), with no mesh code, driven on stdin like the integration
 * tests' {@code ClientDriver}:
 *
 * <pre>
 *   send COUNT URL [sync|async] [name:value ...]
 * </pre>
 *
 * answers {@code result ok=N failed=N bodies={v1=..., v2=...}}. Async requests are issued with at
 * most 16 in flight (the echo servers' accept backlog is small).
 */
public final class HttpClientDriver {
  private static final int IN_FLIGHT = 16;

  private HttpClientDriver() {}

  public static void main(String[] args) throws Exception {
    try (DriverClient client = DriverClient.create(args[0])) {
      System.out.println("ready " + client.describe());
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
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = parts.length > 3 && (async || parts[3].equals("sync")) ? 4 : 3; i < parts.length; i++) {
          int colon = parts[i].indexOf(':');
          headers.put(parts[i].substring(0, colon), parts[i].substring(colon + 1));
        }
        System.out.println(async ? sendAsync(client, count, parts[2], headers) : send(client, count, parts[2], headers));
        System.out.flush();
      }
    }
  }

  private static String send(DriverClient client, int count, String url, Map<String, String> headers) {
    Tally tally = new Tally();
    for (int i = 0; i < count; i++) {
      try {
        tally.ok(client.get(url, headers));
      } catch (Exception e) {
        tally.failed(e);
      }
    }
    return tally.toString();
  }

  private static String sendAsync(DriverClient client, int count, String url, Map<String, String> headers)
      throws InterruptedException {
    Tally tally = new Tally();
    Semaphore window = new Semaphore(IN_FLIGHT);
    List<CompletableFuture<?>> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      window.acquire();
      all.add(
          client.getAsync(url, headers)
              .whenComplete(
                  (body, error) -> {
                    if (error == null) {
                      tally.ok(body);
                    } else {
                      tally.failed(error);
                    }
                    window.release();
                  }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
    return tally.toString();
  }

  /** Counts outcomes; callbacks may arrive on several library threads. */
  private static final class Tally {
    private final Map<String, Integer> bodies = new TreeMap<>();
    private int ok;
    private int failed;
    private String lastError = "";

    synchronized void ok(String body) {
      ok++;
      bodies.merge(body, 1, Integer::sum);
    }

    synchronized void failed(Throwable e) {
      failed++;
      lastError = e.toString();
    }

    @Override
    public synchronized String toString() {
      return "result ok=" + ok + " failed=" + failed + " bodies=" + bodies + (failed > 0 ? " last=" + lastError : "");
    }
  }
}

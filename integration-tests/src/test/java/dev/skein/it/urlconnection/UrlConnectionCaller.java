package dev.skein.it.urlconnection;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * A plain {@code HttpURLConnection} caller (no mesh code, no TLS settings), driven on stdin:
 * {@code send COUNT URL [READ_TIMEOUT [PUT|DISCONNECT|CONNECT]]} makes the GETs (or PUTs of a small
 * body written to {@code getOutputStream()}, or {@code connect()} with or without
 * {@code disconnect()} and nothing read, counted ok when they return) one after the other and answers
 * {@code result ok=N failed=N statuses={200=..} faults=N refused={..} errors={Name=..} minMillis=M maxMillis=M bodies={...}}.
 */
public final class UrlConnectionCaller {
  private UrlConnectionCaller() {}

  public static void main(String[] args) throws Exception {
    System.out.println("ready " + System.getProperty("java.specification.version"));
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] p = line.trim().split("\\s+");
      Map<Integer, Integer> statuses = new TreeMap<>();
      Map<String, Integer> errors = new TreeMap<>();
      Map<String, Integer> refused = new TreeMap<>();
      Map<String, Integer> bodies = new TreeMap<>();
      int ok = 0;
      int faults = 0;
      long min = Long.MAX_VALUE;
      long max = 0;
      int count = Integer.parseInt(p[1]);
      for (int i = 0; i < count; i++) {
        long start = System.nanoTime();
        try {
          @SuppressWarnings("deprecation")
          HttpURLConnection c = (HttpURLConnection) new URL(p[2]).openConnection();
          c.setConnectTimeout(5000);
          c.setReadTimeout(p.length > 3 ? Integer.parseInt(p[3]) : 10_000);
          if (p.length > 4 && (p[4].equals("DISCONNECT") || p[4].equals("CONNECT"))) {
            c.connect();
            if (p[4].equals("DISCONNECT")) {
              c.disconnect();
            }
            ok++;
          } else {
            ok += call(c, p, statuses, refused, bodies);
            faults += c.getHeaderField("x-skein-fault") != null ? 1 : 0;
          }
        } catch (IOException | RuntimeException e) {
          errors.merge(e.getClass().getSimpleName(), 1, Integer::sum);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        min = Math.min(min, millis);
        max = Math.max(max, millis);
      }
      System.out.println("result ok=" + ok + " failed=" + (count - ok) + " statuses=" + statuses + " faults=" + faults
          + " refused=" + refused + " errors=" + errors + " minMillis=" + min + " maxMillis=" + max + " bodies=" + bodies);
      System.out.flush();
    }
  }

  /** One GET or PUT: 1 when it answered 200. */
  private static int call(HttpURLConnection c, String[] p, Map<Integer, Integer> statuses, Map<String, Integer> refused, Map<String, Integer> bodies)
      throws IOException {
    if (p.length > 4) {
      c.setRequestMethod(p[4]);
      c.setDoOutput(true);
      try (java.io.OutputStream out = c.getOutputStream()) { // the JDK connects here
        out.write("order-42".getBytes(StandardCharsets.UTF_8));
      }
    }
    int status = c.getResponseCode();
    statuses.merge(status, 1, Integer::sum);
    String why = c.getHeaderField("x-skein-refused");
    if (why != null) {
      refused.merge(why, 1, Integer::sum);
    }
    try (InputStream body = status < 400 ? c.getInputStream() : c.getErrorStream()) {
      String text = body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8);
      if (status == 200) {
        bodies.merge(text, 1, Integer::sum);
        return 1;
      }
    }
    return 0;
  }
}

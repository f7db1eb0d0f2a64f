package dev.skein.it.apps.mtls;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A plain OkHttp client (no mesh code, no TLS settings), driven on stdin: {@code send COUNT URL}
 * answers {@code result ok=N failed=N bodies={...} error=...}.
 */
public final class OkHttpCaller {
  private OkHttpCaller() {}

  public static void main(String[] args) throws Exception {
    OkHttpClient client = new OkHttpClient();
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] p = line.trim().split("\\s+");
      Map<String, Integer> bodies = new TreeMap<>();
      int ok = 0;
      int failed = 0;
      String error = "";
      for (int i = 0; i < Integer.parseInt(p[1]); i++) {
        try (Response r = client.newCall(new Request.Builder().url(p[2]).build()).execute()) {
          if (r.code() == 200) {
            ok++;
            bodies.merge(r.body().string(), 1, Integer::sum);
          } else {
            failed++;
            error = "status " + r.code();
          }
        } catch (Exception e) {
          failed++;
          error = e.toString();
        }
      }
      System.out.println("result ok=" + ok + " failed=" + failed + " bodies=" + bodies + " error=" + error.replace(' ', '_'));
      System.out.flush();
    }
  }
}

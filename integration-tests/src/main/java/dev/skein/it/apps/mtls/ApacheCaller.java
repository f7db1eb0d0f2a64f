package dev.skein.it.apps.mtls;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.io.entity.EntityUtils;

/**
 * Plain Apache HttpClient 5 clients, classic and async (no mesh code, no TLS settings), driven on
 * stdin: {@code send COUNT URL apache|apache-async} answers
 * {@code result ok=N failed=N bodies={...} error=...}.
 */
public final class ApacheCaller {
  private ApacheCaller() {}

  record Answer(int status, String body) {}

  public static void main(String[] args) throws Exception {
    CloseableHttpClient classic = HttpClients.createDefault();
    CloseableHttpAsyncClient async = HttpAsyncClients.createDefault();
    async.start();
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] p = line.trim().split("\\s+");
      boolean isAsync = p.length > 3 && p[3].equals("apache-async");
      Map<String, Integer> bodies = new TreeMap<>();
      int ok = 0;
      int failed = 0;
      String error = "";
      for (int i = 0; i < Integer.parseInt(p[1]); i++) {
        try {
          Answer a;
          if (isAsync) {
            SimpleHttpResponse r = async.execute(SimpleRequestBuilder.get(p[2]).build(), null).get(30, TimeUnit.SECONDS);
            a = new Answer(r.getCode(), r.getBodyText());
          } else {
            a = classic.execute(new HttpGet(p[2]), r -> new Answer(r.getCode(), EntityUtils.toString(r.getEntity())));
          }
          if (a.status() == 200) {
            ok++;
            bodies.merge(a.body(), 1, Integer::sum);
          } else {
            failed++;
            error = "status " + a.status();
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

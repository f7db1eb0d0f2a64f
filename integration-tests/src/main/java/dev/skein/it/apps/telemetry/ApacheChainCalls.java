package dev.skein.it.apps.telemetry;

import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.io.entity.EntityUtils;

/** Apache HttpClient 5 GETs for the test clients (plain clients, no mesh code), made at first use. */
public final class ApacheChainCalls {
  private static CloseableHttpClient classic;
  private static CloseableHttpAsyncClient async;

  private ApacheChainCalls() {}

  /** Status and body of a GET with {@code apache} (classic) or {@code apache-async}. */
  public static synchronized String[] get(String library, String url) throws Exception {
    if (library.equals("apache-async")) {
      if (async == null) {
        async = HttpAsyncClients.createDefault();
        async.start();
      }
      SimpleHttpResponse r = async.execute(SimpleRequestBuilder.get(url).build(), null).get(30, TimeUnit.SECONDS);
      return new String[] {Integer.toString(r.getCode()), r.getBodyText()};
    }
    if (classic == null) {
      classic = HttpClients.createDefault();
    }
    return classic.execute(new HttpGet(url), r -> new String[] {Integer.toString(r.getCode()), EntityUtils.toString(r.getEntity())});
  }
}

package dev.skein.it.apps;

import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An application that carries its own Jackson, Netty and gRPC, at versions other than the
 * agent's. It uses each (by reflection, so that this module compiles without them), prints
 * which jar each came from, then makes one mesh request.
 */
public final class IsolationApp {
  private IsolationApp() {}

  public static void main(String[] args) throws Exception {
    Class<?> mapperClass = Class.forName("com.fasterxml.jackson.databind.ObjectMapper");
    Object mapper = mapperClass.getConstructor().newInstance();
    String json = (String) mapperClass.getMethod("writeValueAsString", Object.class).invoke(mapper, Map.of("ok", true));
    System.out.println("jackson " + jar(mapperClass) + " " + json);

    Class<?> unpooled = Class.forName("io.netty.buffer.Unpooled");
    Object buf = unpooled.getMethod("copiedBuffer", CharSequence.class, java.nio.charset.Charset.class)
        .invoke(null, "netty-ok", StandardCharsets.UTF_8);
    Method toString = buf.getClass().getMethod("toString", java.nio.charset.Charset.class);
    System.out.println("netty " + jar(unpooled) + " " + toString.invoke(buf, StandardCharsets.UTF_8));

    Class<?> status = Class.forName("io.grpc.Status");
    Object ok = status.getField("OK").get(null);
    System.out.println("grpc " + jar(status) + " " + status.getMethod("getCode").invoke(ok));

    HttpResponse<String> r =
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(args[0])).build(), HttpResponse.BodyHandlers.ofString());
    System.out.println("first-response " + r.statusCode() + " " + r.body());
  }

  private static String jar(Class<?> c) {
    String location = c.getProtectionDomain().getCodeSource().getLocation().getPath();
    return location.substring(location.lastIndexOf('/') + 1);
  }
}

package dev.skein.it.apps.authz;

import dev.skein.it.support.GrpcMarshallers;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.TlsServerCredentials;
import io.grpc.stub.ServerCalls;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Plain application servers, no mesh code: a JDK {@code HttpServer}, a JDK {@code HttpsServer}
 * that asks for (but does not require) a client certificate, a plaintext gRPC server and a TLS gRPC
 * server that asks for one too. Every HTTP path answers 200 {@code ok}; gRPC serves
 * {@code orders.Orders/Get} and {@code orders.Orders/Delete}. Prints
 * {@code listening <http> <https> <grpc> <grpcTls>}.
 *
 * <p>Arguments: a PKCS#12 key store (password {@code changeit}) with the server's key, and a
 * PKCS#12 trust store with the CA that issued the clients' certificates.
 */
public final class AuthzServers {
  static final MethodDescriptor.Marshaller<String> UTF8 = GrpcMarshallers.UTF8;

  /** {@code orders.Orders/<name>}, unary, UTF-8 strings. */
  public static MethodDescriptor<String, String> method(String name) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("orders.Orders/" + name)
        .setRequestMarshaller(UTF8)
        .setResponseMarshaller(UTF8)
        .build();
  }

  private AuthzServers() {}

  public static void main(String[] args) throws Exception {
    char[] password = "changeit".toCharArray();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(args[0])) {
      keys.load(in, password);
    }
    KeyStore trust = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(args[1])) {
      trust.load(in, password);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, password);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);

    InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    HttpServer http = HttpServer.create(any, 64);
    HttpsServer https = HttpsServer.create(any, 64);
    https.setHttpsConfigurator(
        new HttpsConfigurator(tls) {
          @Override
          public void configure(HttpsParameters params) {
            javax.net.ssl.SSLParameters p = getSSLContext().getDefaultSSLParameters();
            p.setWantClientAuth(true);
            params.setSSLParameters(p);
          }
        });
    for (HttpServer s : new HttpServer[] {http, https}) {
      s.createContext(
          "/",
          ex -> {
            byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
              out.write(body);
            }
          });
      s.setExecutor(Executors.newFixedThreadPool(4));
      s.start();
    }

    ServerServiceDefinition service =
        ServerServiceDefinition.builder("orders.Orders")
            .addMethod(method("Get"), ServerCalls.asyncUnaryCall((request, response) -> {
              response.onNext("got " + request);
              response.onCompleted();
            }))
            .addMethod(method("Delete"), ServerCalls.asyncUnaryCall((request, response) -> {
              response.onNext("deleted " + request);
              response.onCompleted();
            }))
            .build();
    Server grpc = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(service).build().start();
    Server grpcTls =
        Grpc.newServerBuilderForPort(
                0,
                TlsServerCredentials.newBuilder()
                    .keyManager(kmf.getKeyManagers())
                    .trustManager(tmf.getTrustManagers())
                    .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
                    .build())
            .addService(service)
            .build()
            .start();
    System.out.println(
        "listening " + http.getAddress().getPort() + " " + https.getAddress().getPort() + " " + grpc.getPort() + " " + grpcTls.getPort());
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    while (in.readLine() != null) {
      // until stdin closes
    }
    System.exit(0);
  }
}

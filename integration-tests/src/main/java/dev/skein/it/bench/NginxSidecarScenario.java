package dev.skein.it.bench;

import dev.skein.it.support.FreePorts;
import dev.skein.it.support.MeshJvm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The classic sidecar data path: client → local nginx (plain HTTP) → mutual TLS → a second
 * nginx → server, both hops with keep-alive upstream connections and TLS session reuse, as a
 * tuned sidecar pair would run. Plain JVMs at both ends.
 */
final class NginxSidecarScenario extends Scenario {
  private final Path dir;
  private final List<NginxProxy> proxies = new ArrayList<>();
  private int clientSidecarPort;
  private int clientGrpcSidecarPort;

  NginxSidecarScenario(Path dir) {
    super(
        "nginx-sidecars",
        "nginx sidecar pair, mutual TLS",
        "Plain JVMs; client → nginx (client sidecar, HTTP) → mutual TLS (TLS 1.3, EC P-256, certificates made at run"
            + " time) → nginx (server sidecar) → server. One worker per nginx; keep-alive upstreams on both hops."
            + " CPU and memory include both proxies. The gRPC pair goes through the same two nginx (grpc_pass: HTTP/2"
            + " cleartext from the client, HTTP/2 over the same mutual TLS between them, HTTP/2 cleartext to the server).");
    this.dir = dir;
  }

  @Override
  String skipReason() {
    return NginxProxy.binary() == null ? "nginx is not installed (Debian package nginx): sidecar scenario skipped" : null;
  }

  @Override
  void start() throws Exception {
    MeshJvm server = launchServer(HarnessClasses.applicationJvm("nginx-server").withoutAgent());
    MeshJvm grpcServer = launchGrpcServer(HarnessClasses.applicationJvm("nginx-grpc-server").withoutAgent());
    int serverPort = listeningPort(server);
    int grpcServerPort = listeningPort(grpcServer);
    SidecarCertificates.create(dir);
    int serverSidecarPort = FreePorts.next();
    int serverGrpcSidecarPort = FreePorts.next();
    clientSidecarPort = FreePorts.next();
    clientGrpcSidecarPort = FreePorts.next();
    proxies.add(
        NginxProxy.start(
            dir.resolve("server-sidecar"),
            serverSidecarPort,
            "  upstream app { server 127.0.0.1:" + serverPort + "; keepalive 64; keepalive_requests 1000000; }\n"
                + "  server {\n"
                + "    listen 127.0.0.1:" + serverSidecarPort + " ssl;\n"
                + "    ssl_protocols TLSv1.3;\n"
                + "    ssl_certificate " + dir.resolve("server.crt") + ";\n"
                + "    ssl_certificate_key " + dir.resolve("server.key") + ";\n"
                + "    ssl_client_certificate " + dir.resolve("ca.crt") + ";\n"
                + "    ssl_verify_client on;\n"
                + "    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; }\n"
                + "  }\n"
                + "  upstream grpc_app { server 127.0.0.1:" + grpcServerPort + "; keepalive 64; keepalive_requests 1000000; }\n"
                + "  server {\n"
                + "    listen 127.0.0.1:" + serverGrpcSidecarPort + " ssl http2;\n"
                + "    ssl_protocols TLSv1.3;\n"
                + "    ssl_certificate " + dir.resolve("server.crt") + ";\n"
                + "    ssl_certificate_key " + dir.resolve("server.key") + ";\n"
                + "    ssl_client_certificate " + dir.resolve("ca.crt") + ";\n"
                + "    ssl_verify_client on;\n"
                + "    location / { grpc_pass grpc://grpc_app; }\n"
                + "  }\n"));
    proxies.add(
        NginxProxy.start(
            dir.resolve("client-sidecar"),
            clientSidecarPort,
            "  upstream server_sidecar { server 127.0.0.1:" + serverSidecarPort + "; keepalive 64; keepalive_requests 1000000; }\n"
                + "  server {\n"
                + "    listen 127.0.0.1:" + clientSidecarPort + ";\n"
                + "    location / {\n"
                + "      proxy_pass https://server_sidecar;\n"
                + "      proxy_http_version 1.1;\n"
                + "      proxy_set_header Connection \"\";\n"
                + "      proxy_ssl_protocols TLSv1.3;\n"
                + "      proxy_ssl_certificate " + dir.resolve("client.crt") + ";\n"
                + "      proxy_ssl_certificate_key " + dir.resolve("client.key") + ";\n"
                + "      proxy_ssl_trusted_certificate " + dir.resolve("ca.crt") + ";\n"
                + "      proxy_ssl_verify on;\n"
                + "      proxy_ssl_name " + SidecarCertificates.SERVER_NAME + ";\n"
                + "      proxy_ssl_session_reuse on;\n"
                + "    }\n"
                + "  }\n"
                + "  upstream grpc_server_sidecar { server 127.0.0.1:" + serverGrpcSidecarPort + "; keepalive 64; keepalive_requests 1000000; }\n"
                + "  server {\n"
                + "    listen 127.0.0.1:" + clientGrpcSidecarPort + " http2;\n"
                + "    location / {\n"
                + "      grpc_pass grpcs://grpc_server_sidecar;\n"
                + "      grpc_ssl_protocols TLSv1.3;\n"
                + "      grpc_ssl_certificate " + dir.resolve("client.crt") + ";\n"
                + "      grpc_ssl_certificate_key " + dir.resolve("client.key") + ";\n"
                + "      grpc_ssl_trusted_certificate " + dir.resolve("ca.crt") + ";\n"
                + "      grpc_ssl_verify on;\n"
                + "      grpc_ssl_name " + SidecarCertificates.SERVER_NAME + ";\n"
                + "      grpc_ssl_session_reuse on;\n"
                + "    }\n"
                + "  }\n"));
  }

  @Override
  MeshJvm.Builder clientJvm(String name) {
    return HarnessClasses.applicationJvm("nginx-" + name).withoutAgent();
  }

  @Override
  String url() {
    return "http://127.0.0.1:" + clientSidecarPort + "/bench";
  }

  @Override
  String grpcTarget() {
    return "127.0.0.1:" + clientGrpcSidecarPort;
  }

  @Override
  List<Long> proxyPids() {
    List<Long> pids = new ArrayList<>();
    proxies.forEach(p -> pids.addAll(p.pids()));
    return pids;
  }

  @Override
  public void close() throws Exception {
    for (NginxProxy proxy : proxies) {
      proxy.close();
    }
    super.close();
  }
}

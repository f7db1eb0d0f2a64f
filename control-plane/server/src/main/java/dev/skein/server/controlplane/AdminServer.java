package dev.skein.server.controlplane;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** Loopback admin endpoint of a control-plane replica: {@code /healthz} and {@code /status} (JSON). */
public final class AdminServer implements AutoCloseable {
    private final HttpServer server;

    public AdminServer(int port, ControlPlane cp) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/healthz", ex -> send(ex, 200, "text/plain", "ok\n"));
        server.createContext("/status", ex -> send(ex, 200, "application/json",
                "{\"replica\":\"" + cp.replicaId().replace("\"", "") + "\",\"leader\":" + cp.isLeader()
                        + ",\"policies\":" + cp.policyCount() + ",\"verdictsWritten\":" + cp.verdictsWritten() + "}\n"));
        server.start();
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

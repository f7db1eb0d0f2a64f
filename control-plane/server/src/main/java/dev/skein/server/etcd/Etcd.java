package dev.skein.server.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The CLI's view of etcd: a jetcd client whose every call is bounded by a timeout and whose
 * failures become one readable line. jetcd retries an unavailable server for a long time by
 * default; an operator at a terminal wants an answer within seconds.
 */
public final class Etcd implements AutoCloseable {
    /** Upper bound of one call, connection included. */
    // Generous: the first call also starts gRPC and Netty in a fresh JVM, which takes seconds on a
    // busy machine; a refused port or an unknown host is reported at once by the TCP probe instead.
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);

    private final Client client;
    private final String endpoints;
    private final Duration timeout;

    private Etcd(Client client, String endpoints, Duration timeout) {
        this.client = client;
        this.endpoints = endpoints;
        this.timeout = timeout;
    }

    /** A client for short CLI calls. Connecting is lazy: the first call reports an unreachable etcd. */
    public static Etcd connect(EtcdSettings settings) {
        // gRPC waits for a ready connection without saying why there is none: a refused port or an
        // unknown host would only show as a timeout. A TCP probe first names the reason at once.
        String unreachable = probe(settings.endpoints());
        if (unreachable != null) {
            throw new EtcdUnreachableException("cannot reach etcd at " + settings.endpointsText() + ": " + unreachable);
        }
        return new Etcd(builder(settings, Duration.ofMillis(10_000)).build(), settings.endpointsText(), CALL_TIMEOUT);
    }

    /** Null when some endpoint accepts a TCP connection, else why the first one does not. */
    static String probe(List<String> endpoints) {
        String firstReason = null;
        for (String endpoint : endpoints) {
            String reason = probe(endpoint.trim());
            if (reason == null) {
                return null;
            }
            firstReason = firstReason == null ? reason : firstReason;
        }
        return firstReason;
    }

    private static String probe(String endpoint) {
        try {
            java.net.URI uri = java.net.URI.create(endpoint.contains("://") ? endpoint : "http://" + endpoint);
            if (uri.getHost() == null) {
                return "not a URL: " + endpoint;
            }
            int port = uri.getPort() > 0 ? uri.getPort() : 2379;
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(uri.getHost(), port), 1000);
            }
            return null;
        } catch (java.net.UnknownHostException e) {
            return "unknown host " + e.getMessage();
        } catch (java.net.SocketTimeoutException e) {
            return "connect timed out";
        } catch (IOException | IllegalArgumentException e) {
            return rootMessage(e);
        }
    }

    /**
     * A jetcd builder with bounded connection and retry times; used by the CLI and, with a longer
     * bound, by the control plane.
     */
    public static ClientBuilder builder(EtcdSettings settings, Duration retryBound) {
        ClientBuilder b = Client.builder()
                .endpoints(settings.endpoints().toArray(new String[0]))
                .connectTimeout(Duration.ofMillis(Math.min(2000, retryBound.toMillis())))
                .retryMaxDuration(retryBound)
                .retryDelay(100)
                .retryMaxDelay(500)
                .keepaliveTime(Duration.ofSeconds(5))
                .keepaliveTimeout(Duration.ofSeconds(3));
        if (settings.user() != null) {
            b.user(bytes(settings.user())).password(bytes(settings.password() == null ? "" : settings.password()));
        }
        if (settings.caCert() != null || settings.cert() != null) {
            try {
                SslContextBuilder ssl = GrpcSslContexts.forClient();
                if (settings.caCert() != null) {
                    ssl.trustManager(settings.caCert().toFile());
                }
                if (settings.cert() != null) {
                    if (settings.key() == null) {
                        throw new dev.skein.server.UserException("--cert needs --key");
                    }
                    ssl.keyManager(settings.cert().toFile(), settings.key().toFile());
                }
                b.sslContext(ssl.build());
            } catch (IOException e) {
                throw new dev.skein.server.UserException("cannot read the etcd TLS files: " + e.getMessage());
            }
        }
        return b;
    }

    /** The underlying client, for watches, leases and elections. */
    public Client client() {
        return client;
    }

    /** All keys under a prefix, in key order. */
    public Map<String, KeyValue> getPrefix(String prefix) {
        GetResponse r = await(client.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build()));
        Map<String, KeyValue> out = new LinkedHashMap<>();
        for (KeyValue kv : r.getKvs()) {
            out.put(kv.getKey().toString(StandardCharsets.UTF_8), kv);
        }
        return out;
    }

    /** All keys under a prefix together with the store revision they were read at. */
    public GetResponse getPrefixResponse(String prefix) {
        return await(client.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build()));
    }

    /** One key. */
    public Optional<KeyValue> get(String key) {
        GetResponse r = await(client.getKVClient().get(bytes(key)));
        return r.getKvs().isEmpty() ? Optional.empty() : Optional.of(r.getKvs().get(0));
    }

    /** One transaction: all {@code then} operations when every comparison holds, nothing otherwise. */
    public TxnResponse txn(List<Cmp> ifs, List<Op> then) {
        return await(client.getKVClient().txn()
                .If(ifs.toArray(new Cmp[0]))
                .Then(then.toArray(new Op[0]))
                .commit());
    }

    /** Deletes one key; the number of keys deleted (0 or 1). */
    public long delete(String key) {
        return await(client.getKVClient().delete(bytes(key), DeleteOption.DEFAULT)).getDeleted();
    }

    /** Waits for a jetcd call within the timeout and turns every failure into a one-line message. */
    public <T> T await(CompletableFuture<T> call) {
        try {
            return call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new EtcdUnreachableException("cannot reach etcd at " + endpoints + ": " + diagnose());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EtcdUnreachableException("interrupted while waiting for etcd at " + endpoints);
        } catch (ExecutionException e) {
            throw translate(e.getCause() == null ? e : e.getCause());
        }
    }

    private String diagnose() {
        return "no answer within " + timeout.toSeconds() + "s (the port accepts connections: is it etcd, and does it speak "
                + (endpoints.startsWith("https") ? "TLS" : "plain text") + "?)";
    }

    private RuntimeException translate(Throwable t) {
        Status status = grpcStatus(t);
        String reason = status != null ? describe(status) : rootMessage(t);
        if (status != null && status.getCode() != Status.Code.UNAVAILABLE
                && status.getCode() != Status.Code.DEADLINE_EXCEEDED) {
            // The server answered: a permission or request problem, not reachability.
            return new EtcdUnreachableException("etcd at " + endpoints + " refused the request: " + reason);
        }
        return new EtcdUnreachableException("cannot reach etcd at " + endpoints + ": " + reason);
    }

    private static Status grpcStatus(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof StatusRuntimeException s) {
                return s.getStatus();
            }
            if (c instanceof io.grpc.StatusException s) {
                return s.getStatus();
            }
        }
        return null;
    }

    private static String describe(Status status) {
        String d = status.getDescription();
        if (d == null && status.getCause() != null) {
            d = rootMessage(status.getCause());
        }
        return d == null ? status.getCode().toString() : d.replace('\n', ' ');
    }

    /** The innermost cause's message, on one line. */
    public static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return (m == null ? root.getClass().getSimpleName() : m).replace('\n', ' ');
    }

    public static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** A value as UTF-8 text. */
    public static String text(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        client.close();
    }
}

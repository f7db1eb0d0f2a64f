package dev.skein.it.bench;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * One library's client and server JVMs in one {@link Mode}: without an agent (the client calls
 * the server's loopback address), under the OpenTelemetry Java agent on both (the same loopback
 * address; its traces and metrics over OTLP/HTTP to a loopback receiver), or under the Skein
 * agent on both (the client calls the service {@code echo} by name, resolved from the server's
 * registration in etcd, under an etcd prefix of the library's own; traces and metrics over
 * OTLP/HTTP to a loopback receiver). HTTP clients call the JDK {@code HttpServer} of
 * {@code EchoServer}; gRPC calls {@link GrpcEcho}.
 */
final class LibraryPair implements AutoCloseable {
  static final List<String> LIBRARIES = List.of("okhttp", "apache", "grpc");
  /** Measured only when {@code --only} names them: the library issue's three are the default. */
  static final List<String> OPTIONAL_LIBRARIES = List.of("jdk");
  // Up to twenty-four JVMs start at once, the OpenTelemetry agent's with thousands of classes
  // each: on two busy cores (load 60) that took more than three minutes.
  private static final Duration START_TIMEOUT = Duration.ofMinutes(6);

  /** What runs on both JVMs; {@code key} names the mode in {@link LibraryReport#outcomes()}. */
  enum Mode {
    NONE("without", "no agent", "no agent"),
    OTEL("otel", "OpenTelemetry agent", "OTel agent"),
    /** An earlier build of the Skein agent ({@code --skein-before JAR}), to compare code changes within one run. */
    SKEIN_BEFORE("before", "Skein before", "Skein before"),
    SKEIN("with", "Skein", "Skein");

    final String key;
    final String label;
    /** In the report's column headings. */
    final String column;

    Mode(String key, String label, String column) {
      this.key = key;
      this.label = label;
      this.column = column;
    }
  }

  private final String library;
  private final Mode mode;
  private final EtcdServer etcd;
  private final OtlpReceiver otlp;
  private final Path agentJar;
  private final Double sampleRatio;
  private MeshJvm server;
  private LoadDriver client;

  /**
   * @param agentJar the OpenTelemetry agent's jar ({@link Mode#OTEL}) or the earlier Skein agent's ({@link Mode#SKEIN_BEFORE})
   * @param sampleRatio the ratio at which the agent samples new traces, or null for every request
   */
  LibraryPair(String library, Mode mode, EtcdServer etcd, OtlpReceiver otlp, Path agentJar, Double sampleRatio) {
    this.library = library;
    this.sampleRatio = sampleRatio;
    this.mode = mode;
    this.etcd = etcd;
    this.otlp = otlp;
    this.agentJar = agentJar;
  }

  String library() {
    return library;
  }

  Mode mode() {
    return mode;
  }

  String id() {
    return library + " " + mode.label;
  }

  /** What each library is, for the report. */
  static String label(String library) {
    return switch (library) {
      case "okhttp" -> "OkHttp 4.12 (sync execute)";
      case "apache" -> "Apache HttpClient 5 classic";
      case "grpc" -> "gRPC unary (grpc-netty-shaded)";
      case "jdk" -> "JDK HttpClient (sync send, HTTP/1.1)";
      default -> library;
    };
  }

  /**
   * The harness's class path without the OpenTelemetry API and SDK (this module's, for other
   * tests): the applications here use none, as in the main benchmark, so that the agent does not
   * look for an application span to join on every call.
   */
  private static String applicationClassPath() {
    return Arrays.stream(HarnessClasses.classPath().split(File.pathSeparator))
        .filter(entry -> !entry.replace('\\', '/').contains("/io/opentelemetry/"))
        .collect(Collectors.joining(File.pathSeparator));
  }

  private boolean grpc() {
    return library.equals("grpc");
  }

  private String prefix() {
    return "/skein-libbench-" + library + (mode == Mode.SKEIN_BEFORE ? "-before" : "");
  }

  /** Starts the server, waits for its registration (with the agent), then the client. */
  void start() throws Exception {
    boolean agent = mode == Mode.SKEIN || mode == Mode.SKEIN_BEFORE;
    MeshJvm.Builder serverJvm = jvm("server");
    if (agent) {
      serverJvm.property("skein.service", "echo").property("skein.advertise.address", "127.0.0.1");
    }
    server = serverJvm.env("ECHO_VERSION", "v1").start(grpc() ? GrpcEcho.class.getName() : "dev.skein.it.apps.EchoServer");
    String line = server.awaitLineStartingWith("listening", START_TIMEOUT);
    int port = Integer.parseInt(line.substring("listening ".length()).trim());
    String target;
    if (agent) {
      awaitRegistration(port);
      target = grpc() ? "echo" : "http://echo/bench";
    } else {
      target = grpc() ? "127.0.0.1:" + port : "http://127.0.0.1:" + port + "/bench";
    }
    MeshJvm.Builder clientJvm = jvm("client");
    if (agent) {
      clientJvm.property("skein.service", "bench-client").property("skein.first.snapshot.wait.ms", "20000");
    }
    client = LoadDriver.attach(clientJvm.start(LibraryClient.class.getName(), library, target), START_TIMEOUT);
  }

  private MeshJvm.Builder jvm(String role) {
    String name = "lib-" + library + "-" + mode.name().toLowerCase(Locale.ROOT) + "-" + role;
    MeshJvm.Builder builder = HarnessClasses.jvm(name).classPath(applicationClassPath());
    if (mode == Mode.NONE) {
      return builder.withoutAgent();
    }
    if (sampleRatio != null) {
      // Both agents read the SDK's settings: new traces at the ratio, a caller's decision followed.
      builder.env("OTEL_TRACES_SAMPLER", "parentbased_traceidratio").env("OTEL_TRACES_SAMPLER_ARG", String.valueOf(sampleRatio));
    }
    if (mode == Mode.OTEL) {
      // As the main bench's OpenTelemetry scenario: its defaults, every request sampled (unless --sample-ratio).
      if (!Files.isRegularFile(agentJar)) {
        throw new IllegalStateException("the OpenTelemetry agent is missing at " + agentJar + " (mvn -pl integration-tests generate-resources downloads it)");
      }
      return OtelScenario.underOtelAgent(builder, agentJar, role.equals("server") ? "echo" : "bench-client", otlp.endpoint());
    }
    if (mode == Mode.SKEIN_BEFORE) {
      builder.withoutAgent().jvmArg("-javaagent:" + agentJar);
    }
    return builder
        .property("skein.etcd.endpoints", etcd.endpoint())
        .property("skein.etcd.prefix", prefix())
        // The same telemetry settings as the bench's "Skein, telemetry only" scenario.
        .env("OTEL_SERVICE_NAME", role.equals("server") ? "echo" : "bench-client")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.endpoint())
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        .env("OTEL_METRIC_EXPORT_INTERVAL", "10000");
  }

  private void awaitRegistration(int port) throws InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      String endpoints = etcd.getPrefix(prefix() + "/endpoints/");
      if (endpoints.contains("\"port\":" + port + ",")) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException(id() + ": no endpoint registered with port " + port + "; server log:\n" + server.agentLog());
  }

  LoadDriver client() {
    return client;
  }

  long clientPid() {
    return client.pid();
  }

  long serverPid() {
    return server.pid();
  }

  /** Whether the processes still run, for error messages. */
  String processState() {
    return "server " + state(server) + ", client " + (client == null ? "not started" : state(client.jvm()));
  }

  private static String state(MeshJvm jvm) {
    return jvm == null ? "not started" : jvm.isAlive() ? "running" : "exited with " + jvm.process().exitValue();
  }

  String logs() {
    return (server == null ? "" : "server log:\n" + server.agentLog()) + (client == null ? "" : "\nclient log:\n" + client.jvm().agentLog());
  }

  @Override
  public void close() throws Exception {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }
}

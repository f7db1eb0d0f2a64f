package dev.skein.it.bench;

import dev.skein.it.support.MeshJvm;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * A private copy of this module's classes for the whole run, like the agent jar's copy: a build
 * of the module while the benchmark runs (other people share the machine) must not pull classes
 * from under the JVMs it starts, nor from under this one.
 */
final class HarnessClasses {
  private static volatile String classPath = System.getProperty("java.class.path");

  private HarnessClasses() {}

  /**
   * Copies the classes directory (or jar) this class was loaded from into {@code work}, puts
   * the copy first on the class path of every JVM started through {@link #jvm}, and loads the
   * harness's own classes now.
   */
  static void snapshot(Path work) throws IOException {
    Path source;
    try {
      source = Path.of(HarnessClasses.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IOException(e);
    }
    Path copy = work.resolve(Files.isDirectory(source) ? "classes" : "classes.jar");
    if (Files.isDirectory(source)) {
      try (Stream<Path> files = Files.walk(source)) {
        for (Path file : files.toList()) {
          Path target = copy.resolve(source.relativize(file).toString());
          if (Files.isDirectory(file)) {
            Files.createDirectories(target);
          } else {
            Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
    } else {
      Files.copy(source, copy, StandardCopyOption.REPLACE_EXISTING);
    }
    classPath = copy + File.pathSeparator + System.getProperty("java.class.path");
    preload();
  }

  /** The class path every JVM started through {@link #jvm} gets. */
  static String classPath() {
    return classPath;
  }

  static void preload(String className) {
    try {
      Class.forName(className, false, HarnessClasses.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A JVM builder with the snapshot class path, plus the JVM options in the environment variable
   * {@code SKEIN_BENCH_JVM_ARGS} (space-separated; {@code {name}} becomes the JVM's name), e.g. to
   * profile every process of a run with Java Flight Recorder.
   */
  static MeshJvm.Builder jvm(String name) {
    MeshJvm.Builder builder = MeshJvm.builder(name).classPath(applicationClassPath());
    String extra = System.getenv("SKEIN_BENCH_JVM_ARGS");
    if (extra != null) {
      for (String arg : extra.trim().split("\\s+")) {
        if (!arg.isEmpty()) {
          builder.jvmArg(arg.replace("{name}", name));
        }
      }
    }
    return builder;
  }

  /**
   * A JVM of a scenario's application (client or server) as {@link #jvm} builds it, with the
   * run's heap ({@link BenchOptions#heap}) and further options ({@link
   * BenchOptions#applicationJvmArgs}); the propagation probe, with its hundreds of engines, keeps
   * the JVM's own sizing.
   */
  static MeshJvm.Builder applicationJvm(String name) {
    MeshJvm.Builder builder = jvm(name);
    BenchOptions options = applicationOptions;
    if (options.heap() != null) {
      builder.jvmArg("-Xms" + options.heap()).jvmArg("-Xmx" + options.heap());
    }
    for (String arg : options.applicationJvmArgs()) {
      builder.jvmArg(arg);
    }
    return builder;
  }

  private static volatile BenchOptions applicationOptions = BenchOptions.full();

  /** Sets the run whose heap and options the application JVMs that start after this call get. */
  static void applicationOptions(BenchOptions options) {
    applicationOptions = options;
  }

  /**
   * The class path without the OpenTelemetry API and SDK and the Skein agent's jar (provided-scope
   * dependencies of this module, present when the harness runs with them for the gRPC and other
   * client libraries): the applications use none, so that an agent does not find an application
   * span to join on every call.
   */
  private static String applicationClassPath() {
    return java.util.Arrays.stream(classPath.split(File.pathSeparator))
        .filter(entry -> !entry.replace('\\', '/').contains("/io/opentelemetry/") && !entry.replace('\\', '/').contains("/skein-agent/"))
        .collect(java.util.stream.Collectors.joining(File.pathSeparator));
  }

  /** Loads (without initialising) every class the harness needs after its start. */
  private static void preload() {
    for (Class<?> type :
        List.of(
            BenchReport.class, LatencyChart.class, PropagationBench.class, PropagationBench.Result.class, ScenarioResult.class,
            LoadDriver.class, LoadDriver.Phase.class, ProcStat.class, NginxProxy.class, SidecarCertificates.class,
            Progress.class, MeshJvm.class, MeshJvm.Builder.class, dev.skein.it.support.EtcdServer.class,
            dev.skein.it.support.EtcdServer.Result.class, dev.skein.it.support.FreePorts.class, dev.skein.it.support.Policies.class,
            dev.skein.it.support.AgentJar.class)) {
      try {
        Class.forName(type.getName(), true, HarnessClasses.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new UncheckedIOException(new IOException(e));
      }
    }
  }
}

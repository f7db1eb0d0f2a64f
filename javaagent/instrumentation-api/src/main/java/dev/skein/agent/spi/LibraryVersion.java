package dev.skein.agent.spi;

import dev.skein.bootstrap.AgentLog;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.security.ProtectionDomain;
import java.util.Properties;
import java.util.jar.Manifest;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.utility.JavaModule;

/**
 * A type matcher that lets through only the library versions a module supports, read the way the
 * library publishes its own version: a properties resource, or the manifest of the jar that holds
 * one of its classes. A version outside {@code [min, maxExclusive)} is skipped with one debug line.
 * When no version can be read (a repackaged jar), the type is instrumented anyway: the method
 * matchers and the suppressed advice keep a mismatch harmless.
 *
 * <pre>{@code builder.type(named("...")).and(LibraryVersion.fromManifest("lib", "a/b/C.class", "lib-core", "1.2", "1.4"))}</pre>
 */
public final class LibraryVersion implements AgentBuilder.RawMatcher {
  private final String module;
  private final String resource;
  private final String key;
  private final String min;
  private final String maxExclusive;

  private LibraryVersion(String module, String resource, String key, String min, String maxExclusive) {
    this.module = module;
    this.resource = resource;
    this.key = key;
    this.min = min;
    this.maxExclusive = maxExclusive;
  }

  /** The version is property {@code key} of the properties {@code resource}. */
  public static LibraryVersion fromProperties(String module, String resource, String key, String min, String maxExclusive) {
    return new LibraryVersion(module, resource, key, min, maxExclusive);
  }

  /**
   * The version is the {@code Implementation-Version} of the manifest in the jar holding
   * {@code classResource}, trusted only when its {@code Implementation-Title} is {@code title}
   * (an application's fat jar has its own manifest).
   */
  public static LibraryVersion fromManifest(String module, String classResource, String title, String min, String maxExclusive) {
    return new LibraryVersion(module, classResource, "manifest:" + title, min, maxExclusive);
  }

  @Override
  public boolean matches(TypeDescription type, ClassLoader loader, JavaModule javaModule, Class<?> redefined, ProtectionDomain domain) {
    String version = read(loader);
    if (version == null || supports(version, min, maxExclusive)) {
      return true;
    }
    AgentLog.debug(module + ": skipped " + type.getName() + ": version " + version + " is outside [" + min + ", " + maxExclusive + ")");
    return false;
  }

  /** True when the leading numbers of {@code version} fall in {@code [min, maxExclusive)}. */
  static boolean supports(String version, String min, String maxExclusive) {
    return compare(version, min) >= 0 && compare(version, maxExclusive) < 0;
  }

  /** Compares dotted versions by their numeric segments; text after them ({@code .Final}) is ignored. */
  static int compare(String a, String b) {
    String[] x = a.split("[.-]");
    String[] y = b.split("[.-]");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      int p = i < x.length ? number(x[i]) : 0;
      int q = i < y.length ? number(y[i]) : 0;
      if (p < 0 || q < 0) {
        return 0;
      }
      if (p != q) {
        return Integer.compare(p, q);
      }
    }
    return 0;
  }

  private static int number(String segment) {
    try {
      return Integer.parseInt(segment);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private String read(ClassLoader loader) {
    try {
      URL url = loader == null ? ClassLoader.getSystemResource(resource) : loader.getResource(resource);
      if (url == null) {
        return null;
      }
      if (key.startsWith("manifest:")) {
        return manifestVersion(url, key.substring("manifest:".length()));
      }
      try (InputStream in = open(url)) {
        Properties properties = new Properties();
        properties.load(in);
        return properties.getProperty(key);
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private String manifestVersion(URL classUrl, String title) throws IOException {
    String s = classUrl.toString();
    int bang = s.lastIndexOf("!/");
    if (!s.startsWith("jar:") || bang < 0) {
      return null;
    }
    try (InputStream in = open(new URL(s.substring(0, bang + 2) + "META-INF/MANIFEST.MF"))) {
      var attributes = new Manifest(in).getMainAttributes();
      return title.equals(attributes.getValue("Implementation-Title")) ? attributes.getValue("Implementation-Version") : null;
    }
  }

  /** Uncached: a cached jar connection would keep the application's jar file open. */
  private static InputStream open(URL url) throws IOException {
    var connection = url.openConnection();
    connection.setUseCaches(false);
    return connection.getInputStream();
  }
}

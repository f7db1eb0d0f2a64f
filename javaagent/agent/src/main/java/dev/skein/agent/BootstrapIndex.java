package dev.skein.agent;

import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Build step: lists the {@code dev.skein.bootstrap} classes that premain defines in the bootstrap
 * class loader, supertypes first, as {@code inst/META-INF/skein/bootstrap-classes} of the agent
 * jar.
 *
 * <p>Why a list: without it premain finds the classes by walking every entry of the agent jar
 * (23,000 of them, 50 ms on a cold JVM, all of it on the application's main thread), and defines
 * them by trial, retrying each class whose supertype is not defined yet.
 */
public final class BootstrapIndex {
  static final String RESOURCE = "META-INF/skein/bootstrap-classes";
  private static final String PACKAGE = "dev/skein/bootstrap/";

  private BootstrapIndex() {}

  public static void main(String[] args) throws IOException, URISyntaxException, ClassNotFoundException {
    ClassLoader loader = BootstrapIndex.class.getClassLoader();
    Set<String> ordered = new LinkedHashSet<>();
    for (String name : classNames(loader)) {
      addSupertypesFirst(Class.forName(name, false, loader), ordered);
    }
    Path out = Path.of(args[0], RESOURCE);
    Files.createDirectories(out.getParent());
    Files.write(out, ordered, StandardCharsets.UTF_8);
  }

  /**
   * The binary names of the bootstrap classes on the build's class path: the bootstrap module's
   * and the helpers each instrumentation module adds under {@code dev.skein.bootstrap.instrumentation}.
   */
  private static Set<String> classNames(ClassLoader loader) throws IOException, URISyntaxException {
    Set<String> entries = new TreeSet<>();
    for (URL root : Collections.list(loader.getResources(PACKAGE))) {
      if (root.getProtocol().equals("file")) {
        Path dir = Path.of(root.toURI());
        Path base = dir.getParent().getParent().getParent(); // above dev/skein/bootstrap/
        try (Stream<Path> files = Files.walk(dir)) {
          files.filter(Files::isRegularFile).forEach(f -> entries.add(base.relativize(f).toString().replace('\\', '/')));
        }
      } else {
        JarURLConnection connection = (JarURLConnection) root.openConnection();
        connection.setUseCaches(false);
        try (JarFile jar = connection.getJarFile()) {
          for (JarEntry entry : Collections.list(jar.entries())) {
            entries.add(entry.getName());
          }
        }
      }
    }
    Set<String> names = new TreeSet<>();
    for (String entry : entries) {
      if (entry.startsWith(PACKAGE) && entry.endsWith(".class")) {
        names.add(entry.substring(0, entry.length() - ".class".length()).replace('/', '.'));
      }
    }
    return names;
  }

  private static void addSupertypesFirst(Class<?> type, Set<String> ordered) {
    if (type == null || ordered.contains(type.getName()) || !type.getName().startsWith("dev.skein.bootstrap.")) {
      return;
    }
    List<Class<?>> supertypes = new ArrayList<>(List.of(type.getInterfaces()));
    supertypes.add(type.getSuperclass());
    for (Class<?> supertype : supertypes) {
      addSupertypesFirst(supertype, ordered);
    }
    ordered.add(type.getName());
  }
}

package dev.skein.it.bench;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The repository's root directory, so that the report lands in the same place whatever the
 * working directory: found upwards from where this class was loaded (integration-tests/target/
 * classes), else upwards from the working directory.
 */
final class RepoRoot {
  private RepoRoot() {}

  static Path find() {
    try {
      Path classes = Path.of(RepoRoot.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path root = upwards(classes);
      if (root != null) {
        return root;
      }
    } catch (URISyntaxException | RuntimeException e) {
      // fall back to the working directory
    }
    Path root = upwards(Path.of("").toAbsolutePath());
    if (root == null) {
      throw new IllegalStateException("cannot find the repository root (a directory holding integration-tests/pom.xml)");
    }
    return root;
  }

  private static Path upwards(Path start) {
    for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("integration-tests/pom.xml")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
        return dir;
      }
    }
    return null;
  }
}

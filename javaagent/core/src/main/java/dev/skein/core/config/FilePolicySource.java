package dev.skein.core.config;

import dev.skein.bootstrap.AgentLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.function.BiConsumer;

/**
 * Policies from one multi-document YAML file ({@code skein.config.file}), re-read when its
 * modification time or size changes. Polling (every 500 ms) rather than a WatchService: it
 * also sees a file replaced by a rename or edited on a file system without inotify, at the
 * cost of one stat call.
 */
public final class FilePolicySource implements Runnable {
  private static final long POLL_MS = 500;

  private final Path file;
  private final BiConsumer<String, String> sink;
  private FileTime lastModified;
  private long lastSize = -1;

  public FilePolicySource(Path file, BiConsumer<String, String> sink) {
    this.file = file;
    this.sink = sink;
  }

  /** Reads the file if it changed since the last call. */
  public void poll() {
    try {
      if (!Files.isRegularFile(file)) {
        if (lastSize != -2) {
          AgentLog.warn(file + ": policy file not found, waiting for it");
          lastSize = -2;
        }
        return;
      }
      FileTime modified = Files.getLastModifiedTime(file);
      long size = Files.size(file);
      if (modified.equals(lastModified) && size == lastSize) {
        return;
      }
      lastModified = modified;
      lastSize = size;
      sink.accept(file.toString(), Files.readString(file));
    } catch (IOException | RuntimeException e) {
      AgentLog.warn(file + ": could not read the policy file: " + e);
    }
  }

  @Override
  public void run() {
    while (!Thread.currentThread().isInterrupted()) {
      poll();
      try {
        Thread.sleep(POLL_MS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }
}

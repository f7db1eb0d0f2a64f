package dev.skein.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Free loopback TCP ports for processes a test starts later, taken below the kernel's ephemeral
 * range. A port found by binding port 0 lies inside that range, so between the test closing it and
 * the process binding it, the kernel could hand it to any outgoing connection or other port-0
 * bind on the machine. With two test streams running side by side that happened: a control plane
 * could not listen on its dashboard port. Below the range only another test's own pick can take
 * a port, so each JVM walks the range from a random point.
 */
public final class FreePorts {
  private static final int LOW = 10_000;
  private static final int HIGH = ephemeralLow();
  private static final AtomicInteger NEXT = new AtomicInteger(ThreadLocalRandom.current().nextInt(Math.max(1, HIGH - LOW)));

  private FreePorts() {}

  public static int next() {
    int range = HIGH - LOW;
    for (int tries = 0; tries < range; tries++) {
      int port = LOW + Math.floorMod(NEXT.getAndIncrement(), range);
      if (bindable(port)) {
        return port;
      }
    }
    return anyEphemeral(); // no room below the ephemeral range on this machine
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int anyEphemeral() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path ephemeralRangeFile() {
    return Path.of("/proc/sys/net/ipv4/ip_local_port_range");
  }

  /** The first port of Linux's ephemeral range, or {@link #LOW} (no range below it) elsewhere. */
  private static int ephemeralLow() {
    try {
      // Read by lines: read whole (Files.readString), this sysctl file gave "3" on a 6.18 kernel,
      // so the range's start fell back to LOW and every port came from the ephemeral range.
      String[] range = Files.readAllLines(ephemeralRangeFile()).get(0).trim().split("\\s+");
      return Math.max(LOW, Integer.parseInt(range[0]));
    } catch (IOException | RuntimeException e) {
      return LOW;
    }
  }
}

package dev.skein.core.discovery;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;

/** Names this process's instances and the address they are reached at. */
public final class Instances {
  private Instances() {}

  /** {@code <service>-<pid>-<port>}: unique per server socket on one host. */
  public static String instanceId(String service, int port) {
    return service + "-" + ProcessHandle.current().pid() + "-" + port;
  }

  /**
   * The bound address when it is specific; for a wildcard bind, the configured
   * {@code skein.advertise.address}, else the first non-loopback IPv4 address, else loopback.
   */
  public static String advertisedAddress(InetSocketAddress bound, String configured) {
    InetAddress address = bound.getAddress();
    if (address != null && !address.isAnyLocalAddress()) {
      return address.getHostAddress();
    }
    if (configured != null) {
      return configured;
    }
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback()) {
          continue;
        }
        for (InetAddress a : Collections.list(nic.getInetAddresses())) {
          if (a instanceof Inet4Address) {
            return a.getHostAddress();
          }
        }
      }
    } catch (SocketException e) {
      // fall through to loopback
    }
    return InetAddress.getLoopbackAddress().getHostAddress();
  }
}

package dev.skein.core.routing;

/** Which host names can name a mesh service ({@code orders}, {@code orders.ns}). */
final class MeshHosts {
  private MeshHosts() {}

  /**
   * False for IP literals, {@code localhost} and names with two dots or more: those never wait
   * for the first policy snapshot.
   */
  static boolean mayBeMeshHost(String host) {
    if (host.isEmpty() || host.equals("localhost") || host.indexOf(':') >= 0 || host.startsWith("[")) {
      return false;
    }
    int dots = 0;
    boolean allDigits = true;
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c == '.') {
        dots++;
      } else if (c < '0' || c > '9') {
        allDigits = false;
      }
    }
    return dots <= 1 && !allDigits;
  }
}

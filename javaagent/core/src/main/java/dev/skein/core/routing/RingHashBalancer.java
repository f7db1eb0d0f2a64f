package dev.skein.core.routing;

import dev.skein.api.Endpoint;
import dev.skein.bootstrap.HeaderLookup;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Consistent hashing on one request header (Envoy's ring hash): each endpoint owns {@value
 * #VIRTUAL_NODES} points on a 64-bit ring, placed by hashing its address, so a key keeps its
 * endpoint while the endpoints stay and only the keys of a leaving endpoint move (about 1/N).
 * Built once per snapshot; a request without the header goes to a random endpoint.
 */
final class RingHashBalancer implements Balancer {
  static final int VIRTUAL_NODES = 100;

  private final String headerName;
  private final long[] points;
  private final int[] owners;

  RingHashBalancer(String headerName, Endpoint[] endpoints) {
    this.headerName = headerName == null ? null : headerName.toLowerCase(java.util.Locale.ROOT);
    int total = endpoints.length * VIRTUAL_NODES;
    long[] hashes = new long[total];
    for (int e = 0, k = 0; e < endpoints.length; e++) {
      String id = endpoints[e].address() + ":" + endpoints[e].port() + "#";
      for (int v = 0; v < VIRTUAL_NODES; v++, k++) {
        hashes[k] = hash(id + v);
      }
    }
    // Sort the points and carry their owners along: sort indices by hash.
    Integer[] order = new Integer[total];
    for (int i = 0; i < total; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (x, y) -> Long.compareUnsigned(hashes[x], hashes[y]));
    this.points = new long[total];
    this.owners = new int[total];
    for (int i = 0; i < total; i++) {
      points[i] = hashes[order[i]];
      owners[i] = order[i] / VIRTUAL_NODES;
    }
  }

  @Override
  public int pick(EndpointGroup group, HeaderLookup headers) {
    String key = headerName == null ? null : headers.get(headerName);
    if (key == null) {
      return group.firstAvailableFrom(ThreadLocalRandom.current().nextInt(group.size()));
    }
    int i = firstPointAtOrAfter(hash(key));
    // Walk clockwise past ejected endpoints; a full turn means all are ejected: take the owner.
    for (int step = 0; step < points.length; step++) {
      int owner = owners[(i + step) % points.length];
      if (group.isAvailable(owner)) {
        return owner;
      }
    }
    return owners[i];
  }

  private int firstPointAtOrAfter(long h) {
    int lo = 0;
    int hi = points.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(points[mid], h) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo == points.length ? 0 : lo;
  }

  /** FNV-1a over UTF-8, then a SplitMix64 finaliser so that close keys spread over the ring. */
  static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 30;
    h *= 0xbf58476d1ce4e5b9L;
    h ^= h >>> 27;
    h *= 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }
}

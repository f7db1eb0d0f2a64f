package dev.skein.core;

import java.util.concurrent.Callable;

/**
 * Marks the engine's own outbound calls (to etcd's gateway) so that the instrumentation it
 * passes through leaves them alone: an etcd host named like a service must not wait for the
 * very snapshot it is fetching.
 */
public final class InternalCalls {
  private static final ThreadLocal<Boolean> ACTIVE = new ThreadLocal<>();

  private InternalCalls() {}

  public static boolean active() {
    return ACTIVE.get() != null;
  }

  public static <T> T run(Callable<T> call) throws Exception {
    ACTIVE.set(Boolean.TRUE);
    try {
      return call.call();
    } finally {
      ACTIVE.remove();
    }
  }
}

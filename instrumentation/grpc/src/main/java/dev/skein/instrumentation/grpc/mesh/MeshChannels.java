package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.AgentLog;
import dev.skein.bootstrap.Bridge;
import io.grpc.LoadBalancerRegistry;
import io.grpc.ManagedChannelBuilder;
import java.lang.reflect.Field;

/**
 * Called by the advice before a channel builder builds: when the target's host names a mesh
 * service, the channel resolves through the mesh registry and balances with the mesh picker;
 * any other target is left exactly as the application built it.
 *
 * <p>Injected into the application's class loader (one copy per loader that holds grpc-core).
 */
public final class MeshChannels {
  private static boolean policyRegistered;

  private MeshChannels() {}

  /**
   * @param builder a {@code ManagedChannelImplBuilder}
   * @param target its target: {@code orders}, {@code orders:50051}, {@code dns:///orders:50051}
   */
  public static void configure(Object builder, String target) {
    try {
      String authority = authority(target);
      if (authority == null) {
        return;
      }
      String host = host(authority);
      if (!Bridge.isGrpcService(host)) {
        return;
      }
      MeshNameResolverProvider provider = new MeshNameResolverProvider(host, authority);
      ManagedChannelBuilder<?> channel = (ManagedChannelBuilder<?>) builder;
      channel.nameResolverFactory(provider);
      // Newer builders also keep the provider chosen for the target when they were created
      // (Grpc.newChannelBuilder picks the transport by it); it takes precedence over the
      // registry, so it must be ours too.
      setIfPresent(builder, "nameResolverProvider", provider);
      registerPolicy();
      channel.defaultLoadBalancingPolicy(MeshLoadBalancerProvider.POLICY);
      channel.intercept(new MirrorClientInterceptor());
      AgentLog.debug("grpc channel to " + target + " resolves through the mesh (service " + host + ")");
    } catch (Throwable t) {
      AgentFaults.record("grpc-channel", t);
    }
  }

  /**
   * Registers the mesh policy in the application's default registry, on the first mesh channel:
   * global but inert, since only channels that name it use it; an application without mesh
   * channels sees no change at all.
   */
  private static synchronized void registerPolicy() {
    if (!policyRegistered) {
      LoadBalancerRegistry.getDefaultRegistry().register(new MeshLoadBalancerProvider());
      policyRegistered = true;
    }
  }

  /** The authority part of a target, or {@code null} for a scheme other than dns. */
  static String authority(String target) {
    int scheme = target.indexOf(":/");
    if (scheme < 0) {
      return target; // orders, orders:50051: grpc reads these as dns:///orders[:port]
    }
    if (scheme != 3 || !target.regionMatches(true, 0, "dns", 0, 3)) {
      return null;
    }
    // dns:///orders:50051, dns://8.8.8.8/orders:50051, dns:/orders:50051
    String rest = target.substring(4);
    if (rest.startsWith("//")) {
      int slash = rest.indexOf('/', 2);
      rest = slash < 0 ? "" : rest.substring(slash + 1);
    } else {
      rest = rest.substring(1);
    }
    return rest.isEmpty() ? null : rest;
  }

  /** {@code orders:50051} → {@code orders}; a bracketed IPv6 literal is never a mesh host. */
  static String host(String authority) {
    int colon = authority.lastIndexOf(':');
    return colon < 0 ? authority : authority.substring(0, colon);
  }

  private static void setIfPresent(Object target, String fieldName, Object value) {
    for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
      try {
        Field field = c.getDeclaredField(fieldName);
        field.setAccessible(true);
        field.set(target, value);
        return;
      } catch (NoSuchFieldException e) {
        // older versions have no such field: the registry alone decides
      } catch (ReflectiveOperationException | RuntimeException e) {
        AgentLog.debug("grpc: cannot set " + fieldName + ": " + e);
        return;
      }
    }
  }
}

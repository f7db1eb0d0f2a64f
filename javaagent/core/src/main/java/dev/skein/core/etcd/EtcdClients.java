package dev.skein.core.etcd;

import dev.skein.core.config.AgentSettings;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import java.nio.charset.StandardCharsets;
import dev.skein.bootstrap.AgentLog;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Builds the agent's one jetcd client from its settings. */
public final class EtcdClients {
  private EtcdClients() {}

  public static Client create(AgentSettings settings) {
    RelocatedNetty.size();
    ClientBuilder builder =
        Client.builder()
            .endpoints(settings.etcdEndpoints().toArray(new String[0]))
            .connectTimeout(Duration.ofSeconds(2))
            // jetcd retries failed calls itself; keep it short so that our own loop, which
            // knows about the cache and the backoff, stays in charge.
            .retryMaxDuration(Duration.ofSeconds(3))
            .retryDelay(100)
            .retryMaxDelay(1000)
            .keepaliveTime(Duration.ofSeconds(5))
            .keepaliveTimeout(Duration.ofSeconds(3));
    if (settings.etcdUser() != null) {
      builder.user(bytes(settings.etcdUser())).password(bytes(settings.etcdPassword() == null ? "" : settings.etcdPassword()));
    }
    return builder.build();
  }

  /**
   * Keeps the reconnect delay to etcd short. jetcd's gRPC channel backs off exponentially up to
   * two minutes while etcd is away, so after a 30 s outage it would wait ~15 s more before trying
   * again — long enough for every registration lease to expire. jetcd exposes no backoff setting,
   * so this reaches its channel by reflection (jetcd is the agent's own pinned dependency) and,
   * every {@code period}, resets the backoff of a channel in TRANSIENT_FAILURE.
   */
  public static void keepReconnecting(Client client, ScheduledExecutorService scheduler, Duration period) {
    ManagedChannel[] channel = new ManagedChannel[1];
    scheduler.scheduleWithFixedDelay(
        () -> {
          try {
            if (channel[0] == null) {
              channel[0] = channelOf(client);
            }
            if (channel[0] != null && channel[0].getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
              channel[0].resetConnectBackoff();
            }
          } catch (Throwable t) {
            AgentLog.debug("etcd reconnect probe: " + t);
          }
        },
        period.toMillis(),
        period.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private static ManagedChannel channelOf(Client client) throws ReflectiveOperationException {
    Field manager = client.getClass().getDeclaredField("connectionManager");
    manager.setAccessible(true);
    Object connections = manager.get(client);
    Field channel = connections.getClass().getDeclaredField("managedChannel");
    channel.setAccessible(true);
    return (ManagedChannel) channel.get(connections);
  }

  public static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}

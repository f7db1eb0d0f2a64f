package dev.skein.core.etcd;

import dev.skein.core.config.AgentSettings;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Builds the agent's one jetcd client from its settings. */
public final class EtcdClients {
  private EtcdClients() {}

  public static Client create(AgentSettings settings) {
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

  public static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}

package dev.skein.core.tls;

import dev.skein.core.identity.WorkloadIdentity;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents this workload's certificate, read afresh at each handshake so that a renewed
 * certificate is used at once. The alias names one identity (its certificate's serial): JSSE asks
 * for the chain and the key separately, and both must come from the same identity even when a
 * renewal lands between the two calls.
 */
final class IdentityKeyManager extends X509ExtendedKeyManager {
  private static final int REMEMBERED = 4;

  private final Supplier<WorkloadIdentity> identity;
  // The last few identities by alias: a handshake that chose an alias finds it after a renewal.
  private final Map<String, WorkloadIdentity> recent =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, WorkloadIdentity> eldest) {
          return size() > REMEMBERED;
        }
      };

  IdentityKeyManager(Supplier<WorkloadIdentity> identity) {
    this.identity = identity;
  }

  private String alias(String... keyTypes) {
    WorkloadIdentity now = identity.get();
    if (now == null || keyTypes == null) {
      return null;
    }
    String algorithm = now.privateKey().getAlgorithm(); // "EC"
    if (Arrays.stream(keyTypes).noneMatch(t -> t != null && t.startsWith(algorithm))) {
      return null;
    }
    String alias = "mesh-" + now.certificate().getSerialNumber().toString(16);
    synchronized (recent) {
      recent.put(alias, now);
    }
    return alias;
  }

  private WorkloadIdentity byAlias(String alias) {
    synchronized (recent) {
      return alias == null ? null : recent.get(alias);
    }
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return alias(keyType);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return alias(keyType);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return alias(keyTypes);
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return alias(keyTypes);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    WorkloadIdentity id = byAlias(alias);
    return id == null ? null : id.chain().toArray(new X509Certificate[0]);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    WorkloadIdentity id = byAlias(alias);
    return id == null ? null : id.privateKey();
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    String alias = alias(keyType);
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return getClientAliases(keyType, issuers);
  }
}

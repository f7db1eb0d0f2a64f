package reactor.netty.http.client;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import reactor.netty.tcp.SslProvider;

/**
 * Reactor Netty's TLS for a try to an endpoint that takes the mesh's TLS: the mesh's client context
 * (workload certificate; its trust manager checks the server's SPIFFE ID), TLS 1.3 only, no host
 * name check (the endpoint is an IP address; the identity is checked instead). One provider per
 * mesh context, so that connections to an endpoint share the pool.
 */
final class MeshHttpTls {
  private static final Map<SSLContext, SslProvider> PROVIDERS = Collections.synchronizedMap(new WeakHashMap<>());

  private MeshHttpTls() {}

  static SslProvider provider(SSLContext mesh) {
    return PROVIDERS.computeIfAbsent(mesh, MeshHttpTls::build);
  }

  @SuppressWarnings("deprecation") // the JdkSslContext constructor is how Netty 4.1 and 4.2 both wrap a JDK context
  private static SslProvider build(SSLContext mesh) {
    JdkSslContext netty =
        new JdkSslContext(
            mesh, true, null, IdentityCipherSuiteFilter.INSTANCE, ApplicationProtocolConfig.DISABLED, ClientAuth.NONE, new String[] {"TLSv1.3"}, false);
    return SslProvider.builder()
        .sslContext(netty)
        .handlerConfigurator(
            handler -> {
              SSLEngine engine = handler.engine();
              SSLParameters parameters = engine.getSSLParameters();
              parameters.setEndpointIdentificationAlgorithm(null);
              engine.setSSLParameters(parameters);
            })
        .build();
  }
}

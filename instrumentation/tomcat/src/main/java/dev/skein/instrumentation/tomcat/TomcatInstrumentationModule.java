package dev.skein.instrumentation.tomcat;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.skein.agent.spi.HelperClasses;
import dev.skein.agent.spi.InstrumentationModule;
import dev.skein.agent.spi.Transformations;
import dev.skein.agent.spi.LibraryVersion;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * Tomcat 10.1 and 11 (embedded or standalone): each {@code Connector} registers its endpoint once
 * started (or resumed) on its bound port, and deregisters when paused or stopped. A service stops
 * by pausing its connectors first, so the endpoint leaves etcd before in-flight requests finish.
 *
 * <p>{@code CoyoteAdapter.service}, which every request of every connector passes, asks the
 * engine's inbound decision: AuthorizationPolicy (403), RateLimitPolicy (429), and the server span
 * and {@code http.server.request.duration}. The peer's certificates are the connector's
 * {@code jakarta.servlet.request.X509Certificate} attribute.
 *
 * <p>Mesh mutual TLS: a plain-text NIO connector also takes the mesh's TLS on its own port, decided
 * per connection from its first byte in {@code NioEndpoint.SocketProcessor.doRun} (see
 * {@code TomcatMeshTls}); a plain-text NIO2 connector the same way, its first byte read
 * asynchronously from {@code Nio2Endpoint.SocketProcessor.doRun} (see {@code TomcatNio2MeshTls}).
 * The peer's certificates then reach the inbound decision as above.
 */
public final class TomcatInstrumentationModule implements InstrumentationModule {
  static final String CONNECTOR = "org.apache.catalina.connector.Connector";
  static final String ADAPTER = "org.apache.catalina.connector.CoyoteAdapter";
  static final String SOCKET_PROCESSOR = "org.apache.tomcat.util.net.NioEndpoint$SocketProcessor";
  static final String NIO2_SOCKET_PROCESSOR = "org.apache.tomcat.util.net.Nio2Endpoint$SocketProcessor";
  // createSSLEngine: Tomcat 10.1's AbstractJsseEndpoint, Tomcat 11's AbstractEndpoint.
  static final String JSSE_ENDPOINT = "org.apache.tomcat.util.net.AbstractJsseEndpoint";
  static final String ENDPOINT = "org.apache.tomcat.util.net.AbstractEndpoint";
  private static final HelperClasses HELPERS =
      new HelperClasses("tomcat", TomcatInstrumentationModule.class.getClassLoader(),
          List.of(
              TomcatInstrumentationModule.class.getPackageName() + ".inbound.TomcatInbound",
              TomcatInstrumentationModule.class.getPackageName() + ".inbound.MeshTlsNioChannel",
              TomcatInstrumentationModule.class.getPackageName() + ".inbound.TomcatMeshTls",
              TomcatInstrumentationModule.class.getPackageName() + ".inbound.MeshTlsNio2Channel",
              TomcatInstrumentationModule.class.getPackageName() + ".inbound.TomcatNio2MeshTls",
              TomcatInstrumentationModule.class.getPackageName() + ".inbound.TomcatNio2MeshTls$FirstByte"));

  @Override
  public String name() {
    return "tomcat";
  }

  @Override
  public List<String> typeNames() {
    return List.of(CONNECTOR, ADAPTER, SOCKET_PROCESSOR, NIO2_SOCKET_PROCESSOR, JSSE_ENDPOINT, ENDPOINT);
  }

  @Override
  public Transformations extend(Transformations builder) {
    return builder
        .type(named(CONNECTOR))
        .and(LibraryVersion.fromProperties(name(), "org/apache/catalina/util/ServerInfo.properties", "server.number", "10.1", "12"))
        .transform(HELPERS.transformer())
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(namedOneOf("startInternal", "resume").and(takesArguments(0)), ConnectorStartAdvice.class.getName())
                .advice(namedOneOf("pause", "stopInternal").and(takesArguments(0)), ConnectorStopAdvice.class.getName()))
        // The inbound decision: every request of every connector enters the container here.
        .type(named(ADAPTER))
        .and(LibraryVersion.fromProperties(name(), "org/apache/catalina/util/ServerInfo.properties", "server.number", "10.1", "12"))
        .transform(HELPERS.transformer())
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(
                    named("service").and(takesArguments(2)).and(takesArgument(1, named("org.apache.coyote.Response"))),
                    AdapterServiceAdvice.class.getName()))
        // Mesh mutual TLS: each new connection of a plain-text NIO connector, before its first request.
        .type(named(SOCKET_PROCESSOR))
        .and(LibraryVersion.fromProperties(name(), "org/apache/catalina/util/ServerInfo.properties", "server.number", "10.1", "12"))
        .transform(HELPERS.transformer())
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("doRun").and(takesArguments(0)), SocketProcessorTlsAdvice.class.getName()))
        // The same for a plain-text NIO2 connector, whose TLS channel asks the endpoint for its engine.
        .type(named(NIO2_SOCKET_PROCESSOR))
        .and(LibraryVersion.fromProperties(name(), "org/apache/catalina/util/ServerInfo.properties", "server.number", "10.1", "12"))
        .transform(HELPERS.transformer())
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("doRun").and(takesArguments(0)), Nio2SocketProcessorTlsAdvice.class.getName()))
        .type(namedOneOf(JSSE_ENDPOINT, ENDPOINT))
        .and(LibraryVersion.fromProperties(name(), "org/apache/catalina/util/ServerInfo.properties", "server.number", "10.1", "12"))
        .transform(HELPERS.transformer())
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("createSSLEngine").and(returns(named("javax.net.ssl.SSLEngine"))), CreateSslEngineAdvice.class.getName()));
  }
}

package dev.skein.instrumentation.grpc;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.skein.agent.spi.InstrumentationModule;
import dev.skein.agent.spi.Transformations;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * Mesh mutual TLS for gRPC on Netty ({@code grpc-netty} and {@code grpc-netty-shaded}): see
 * {@code mesh.MeshNettyTls}. Servers: {@code ServerImpl.start} marks a Netty server as taking the
 * mesh's TLS, {@code NettyServerTransport.start} puts TLS detection first in each connection's
 * pipeline (which also adds the TLS session to the transport attributes). Clients: {@code WriteBufferingAndExceptionHandler.connect} adds TLS to
 * connections to mesh endpoints that take it.
 */
public final class GrpcMtlsInstrumentationModule implements InstrumentationModule {
  private static final String[] FLAVOURS = {GrpcNames.NETTY, GrpcNames.NETTY_SHADED};

  @Override
  public String name() {
    return "grpc-mtls";
  }

  @Override
  public List<String> typeNames() {
    List<String> names = new ArrayList<>(List.of(GrpcNames.SERVER));
    for (String p : FLAVOURS) {
      names.addAll(List.of(p + "NettyServerTransport", p + "WriteBufferingAndExceptionHandler"));
    }
    return names;
  }

  @Override
  public Transformations extend(Transformations builder) {
    ClassLoader own = getClass().getClassLoader();
    Transformations b =
        builder
            .type(named(GrpcNames.SERVER), SupportedVersion.MATCHER)
            .transform(HelperInjector.TRANSFORMER)
            .transform(
                new AgentBuilder.Transformer.ForAdvice()
                    .include(own)
                    .advice(named("start").and(takesArguments(0)).and(returns(named(GrpcNames.SERVER))), MtlsServerStartAdvice.class.getName()));
    for (String p : FLAVOURS) {
      b =
          b.type(named(p + "NettyServerTransport"), SupportedVersion.MATCHER)
              .transform(HelperInjector.TRANSFORMER)
              .transform(
                  new AgentBuilder.Transformer.ForAdvice()
                      .include(own)
                      .advice(named("start").and(takesArguments(1)), MtlsServerConnectionAdvice.class.getName()))
              .type(named(p + "WriteBufferingAndExceptionHandler"), SupportedVersion.MATCHER)
              .transform(HelperInjector.TRANSFORMER)
              .transform(
                  new AgentBuilder.Transformer.ForAdvice()
                      .include(own)
                      .advice(namedOneOf("connect").and(takesArguments(4)), MtlsClientConnectAdvice.class.getName()));
    }
    return b;
  }
}

package dev.skein.instrumentation.grpc;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.skein.agent.spi.InstrumentationModule;
import dev.skein.agent.spi.Transformations;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * grpc-java 1.34 and later (tested with 1.85.1), on {@code grpc-netty} and
 * {@code grpc-netty-shaded} alike, since both build on grpc-core:
 *
 * <ul>
 *   <li>{@code ManagedChannelImplBuilder.build()}: a channel whose target names a mesh service
 *       gets the mesh name resolver and load balancer, which choose the endpoint per call;
 *   <li>{@code ServerImpl.start()} registers the server as a {@code grpc} endpoint of this
 *       service, {@code shutdown()}/{@code shutdownNow()} remove the registration;
 *   <li>telemetry: every built channel gets a tracing client interceptor;
 *   <li>every {@code ServerImplBuilder.build()} gets the inbound server interceptor: the engine's
 *       decision per call (PERMISSION_DENIED by AuthorizationPolicy, RESOURCE_EXHAUSTED past the
 *       RateLimitPolicy), then the server span and metrics.
 * </ul>
 *
 * The helper classes that implement io.grpc types are injected into the class loader that
 * defined grpc-core before the advice first runs there.
 */
public final class GrpcInstrumentationModule implements InstrumentationModule {
  @Override
  public String name() {
    return "grpc";
  }

  @Override
  public List<String> typeNames() {
    return List.of(GrpcNames.CHANNEL_BUILDER, GrpcNames.SERVER, GrpcNames.SERVER_BUILDER);
  }

  @Override
  public Transformations extend(Transformations builder) {
    ClassLoader own = getClass().getClassLoader();
    return builder
        .type(named(GrpcNames.CHANNEL_BUILDER), SupportedVersion.MATCHER)
        .transform(HelperInjector.TRANSFORMER)
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(own)
                .advice(named("build").and(takesArguments(0)).and(isPublic()), ChannelBuildAdvice.class.getName())
                .advice(named("build").and(takesArguments(0)).and(isPublic()), ChannelTelemetryAdvice.class.getName()))
        .type(named(GrpcNames.SERVER_BUILDER), SupportedVersion.MATCHER)
        .transform(HelperInjector.TRANSFORMER)
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(own)
                .advice(named("build").and(takesArguments(0)).and(isPublic()), ServerInboundAdvice.class.getName()))
        .type(named(GrpcNames.SERVER), SupportedVersion.MATCHER)
        .transform(HelperInjector.TRANSFORMER)
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(own)
                .advice(named("start").and(takesArguments(0)).and(returns(named(GrpcNames.SERVER))), ServerStartAdvice.class.getName())
                .advice(
                    named("shutdown").or(named("shutdownNow")).and(takesArguments(0)).and(returns(named(GrpcNames.SERVER))),
                    ServerShutdownAdvice.class.getName()));
  }
}

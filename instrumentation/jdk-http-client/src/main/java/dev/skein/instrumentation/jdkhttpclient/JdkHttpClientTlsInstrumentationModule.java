package dev.skein.instrumentation.jdkhttpclient;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.skein.agent.spi.InstrumentationModule;
import dev.skein.agent.spi.Transformations;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * Mesh mutual TLS for {@code java.net.http.HttpClient}: a request the mesh routed to an endpoint
 * that takes the mesh's TLS is sent as {@code https} (see {@code JdkHttpClientRouting.retarget}),
 * and the TLS engine of that connection is made from the mesh's client context instead of the
 * client's own ({@code AbstractAsyncSSLConnection.createEngine}, Java 11 to 25). The application's
 * client keeps its own context for every other host.
 */
public final class JdkHttpClientTlsInstrumentationModule implements InstrumentationModule {
  @Override
  public String name() {
    return "jdk-http-client-mtls";
  }

  @Override
  public List<String> jdkModules() {
    return List.of("java.net.http");
  }

  @Override
  public List<String> typeNames() {
    return List.of("jdk.internal.net.http.AbstractAsyncSSLConnection");
  }

  @Override
  public Transformations extend(Transformations builder) {
    return builder
        .type(named("jdk.internal.net.http.AbstractAsyncSSLConnection"))
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("createEngine").and(takesArguments(4)), MeshTlsEngineAdvice.class.getName()));
  }
}

package dev.skein.instrumentation.reactornetty.webclient.injected;

import java.util.function.Function;
import org.springframework.http.HttpHeaders;

/**
 * A WebClient request's headers as the Reactor Netty client module reads them: a plain
 * {@code Function} from a header name to its first value, so that module needs no Spring type.
 * Injected into the application's class loader (it uses Spring's {@code HttpHeaders}).
 */
public final class SpringRequestHeaders implements Function<String, String> {
  /** The Reactor context key; the Reactor Netty client module reads the same string. */
  public static final String CONTEXT_KEY = "skein.request.headers";

  private final HttpHeaders headers;

  public SpringRequestHeaders(HttpHeaders headers) {
    this.headers = headers;
  }

  @Override
  public String apply(String name) {
    return headers.getFirst(name);
  }
}

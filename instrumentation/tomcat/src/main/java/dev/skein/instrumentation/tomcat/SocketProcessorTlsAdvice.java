package dev.skein.instrumentation.tomcat;

import dev.skein.instrumentation.tomcat.inbound.TomcatMeshTls;
import net.bytebuddy.asm.Advice;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;

/** Before {@code NioEndpoint.SocketProcessor.doRun} processes a new connection: TLS or plain text (see {@link TomcatMeshTls}). */
final class SocketProcessorTlsAdvice {
  private SocketProcessorTlsAdvice() {}

  /** @return {@code true} when the connection was closed or waits for its first byte: processing is skipped */
  @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
  @SuppressWarnings({"unchecked", "rawtypes"})
  static boolean enter(
      @Advice.FieldValue("this$0") Object endpoint,
      @Advice.FieldValue("socketWrapper") SocketWrapperBase wrapper,
      @Advice.FieldValue("event") SocketEvent event) {
    return TomcatMeshTls.processing(endpoint, wrapper, event);
  }
}

package dev.skein.instrumentation.tomcat;

import dev.skein.instrumentation.tomcat.inbound.TomcatNio2MeshTls;
import net.bytebuddy.asm.Advice;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;

/** Before {@code Nio2Endpoint.SocketProcessor.doRun} processes a new connection: TLS or plain text (see {@link TomcatNio2MeshTls}). */
final class Nio2SocketProcessorTlsAdvice {
  private Nio2SocketProcessorTlsAdvice() {}

  /** @return {@code true} when the connection waits for its first byte or was closed: processing is skipped */
  @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
  @SuppressWarnings({"unchecked", "rawtypes"})
  static boolean enter(
      @Advice.FieldValue("this$0") Object endpoint,
      @Advice.FieldValue("socketWrapper") SocketWrapperBase wrapper,
      @Advice.FieldValue("event") SocketEvent event) {
    return TomcatNio2MeshTls.processing(endpoint, wrapper, event);
  }
}

package dev.skein.instrumentation.grpc;

import dev.skein.bootstrap.AgentLog;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * The class loader check of the version range: a loader whose grpc-java is older than the API
 * the helpers use is skipped, with one debug line per loader.
 */
final class SupportedVersion {
  static final ElementMatcher<ClassLoader> MATCHER = SupportedVersion::supported;

  private static final Map<ClassLoader, Boolean> SEEN = Collections.synchronizedMap(new WeakHashMap<>());

  private SupportedVersion() {}

  private static boolean supported(ClassLoader loader) {
    if (loader == null) {
      return false;
    }
    return SEEN.computeIfAbsent(
        loader,
        l -> {
          boolean ok = l.getResource(GrpcNames.resource(GrpcNames.VERSION_MARKER)) != null;
          if (!ok) {
            AgentLog.debug("grpc instrumentation skipped in " + l + ": grpc-java older than 1.34");
          }
          return ok;
        });
  }
}

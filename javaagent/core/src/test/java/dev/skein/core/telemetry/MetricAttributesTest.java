package dev.skein.core.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.Attributes;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MetricAttributesTest {
  private final MetricAttributes server =
      new MetricAttributes(SemanticAttributes.HTTP_STATUS, method -> Attributes.of(SemanticAttributes.HTTP_METHOD, (String) method));

  @Test
  void outcomesAreTheBasePlusStatusAndErrorTypeAndSharedPerStatus() {
    MetricAttributes.Shape get = server.shape("GET");
    assertSame(get, server.shape("GET"));
    Attributes ok = get.outcome(200, null, true);
    assertEquals(Attributes.of(SemanticAttributes.HTTP_METHOD, "GET", SemanticAttributes.HTTP_STATUS, 200L), ok);
    assertSame(ok, get.outcome(200, null, true));
    assertEquals(
        Attributes.of(SemanticAttributes.HTTP_METHOD, "GET", SemanticAttributes.HTTP_STATUS, 503L, SemanticAttributes.ERROR_TYPE, "503"),
        get.outcome(503, "503", true));
    assertEquals(Attributes.of(SemanticAttributes.HTTP_METHOD, "GET", SemanticAttributes.ERROR_TYPE, "_OTHER"), get.outcome(-1, "_OTHER", true));
    // An exception's type is not implied by the status: never taken from (or put into) the cache.
    Attributes failed = get.outcome(-1, "java.io.IOException", false);
    assertEquals(Attributes.of(SemanticAttributes.HTTP_METHOD, "GET", SemanticAttributes.ERROR_TYPE, "java.io.IOException"), failed);
    assertEquals(Attributes.of(SemanticAttributes.HTTP_METHOD, "GET", SemanticAttributes.ERROR_TYPE, "_OTHER"), get.outcome(-1, "_OTHER", true));
  }

  @Test
  void pastTheBoundShapesAreBuiltPerRequest() {
    for (int i = 0; i < MetricAttributes.MAX_SHAPES; i++) {
      server.shape("M" + i);
    }
    MetricAttributes.Shape extra = server.shape("EXTRA");
    assertNotSame(extra, server.shape("EXTRA"));
    assertEquals(Attributes.of(SemanticAttributes.HTTP_METHOD, "EXTRA", SemanticAttributes.HTTP_STATUS, 200L), extra.outcome(200, null, true));
  }

  @Test
  void exportTargetsMatchHostAndPortExactly() {
    Set<String> targets = Set.of("localhost:4318", "127.0.0.1:4318");
    assertTrue(Telemetry.isExportTarget(targets, "127.0.0.1", 4318));
    assertTrue(Telemetry.isExportTarget(targets, "localhost", 4318));
    assertFalse(Telemetry.isExportTarget(targets, "127.0.0.1", 431));
    assertFalse(Telemetry.isExportTarget(targets, "127.0.0.1", 43180));
    assertFalse(Telemetry.isExportTarget(targets, "127.0.0", 4318));
    assertFalse(Telemetry.isExportTarget(targets, "localhost", 80));
  }
}

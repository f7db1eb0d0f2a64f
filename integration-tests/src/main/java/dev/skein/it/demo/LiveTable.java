package dev.skein.it.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's live table, one row per edge of the service graph, from the control plane's
 * dashboard ({@code /api/graph}: the agents' own metrics, scraped by the control plane). On a
 * terminal each frame redraws the previous one in place; otherwise frames are plain lines.
 */
final class LiveTable {
  static final String HEADER =
      String.format(Locale.ROOT, "  %-20s %7s %8s %8s %8s  %-9s  %s", "edge", "req/s", "success", "p50", "p99", "mTLS", "share per subset");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> ORDER = List.of("frontend→orders", "orders→inventory");

  private final URI graph;
  private final boolean redraw;
  private final PrintStream out;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private int lastFrameLines;
  private JsonNode last;

  LiveTable(int dashboardPort, boolean redraw, PrintStream out) {
    this.graph = URI.create("http://127.0.0.1:" + dashboardPort + "/api/graph");
    this.redraw = redraw;
    this.out = out;
  }

  /** The dashboard's current graph, or null when it does not answer. */
  JsonNode fetch() {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(graph).timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The last graph a frame showed. */
  JsonNode last() {
    return last;
  }

  void header() {
    out.println(HEADER);
    lastFrameLines = 0;
  }

  /** Prints one frame: every edge with traffic. */
  void frame() {
    JsonNode g = fetch();
    List<String> lines = new ArrayList<>();
    if (g == null) {
      lines.add("  (the dashboard does not answer)");
    } else {
      last = g;
      List<JsonNode> edges = new ArrayList<>();
      g.path("edges").forEach(edges::add);
      edges.sort((a, b) -> Integer.compare(rank(name(a)), rank(name(b))));
      for (JsonNode e : edges) {
        lines.add(row(e, g));
      }
      if (lines.isEmpty()) {
        lines.add("  (waiting for traffic)");
      }
    }
    if (redraw && lastFrameLines > 0) {
      out.print("\033[" + lastFrameLines + "F");
    }
    for (String line : lines) {
      out.println(redraw ? line + "\033[K" : line);
    }
    if (redraw) {
      // A shorter frame must not leave the end of the previous one behind.
      for (int i = lines.size(); i < lastFrameLines; i++) {
        out.println("\033[K");
      }
      lastFrameLines = Math.max(lines.size(), lastFrameLines);
    }
    out.flush();
  }

  private static int rank(String edge) {
    int i = ORDER.indexOf(edge);
    return i < 0 ? ORDER.size() : i;
  }

  private static String name(JsonNode e) {
    return e.path("source").asText() + "→" + e.path("destination").asText();
  }

  private static String row(JsonNode e, JsonNode graph) {
    return String.format(
        Locale.ROOT,
        "  %-20s %7.1f %8s %8s %8s  %-9s  %s",
        name(e),
        e.path("rps").asDouble(),
        e.path("successRate").isNumber() ? String.format(Locale.ROOT, "%.1f%%", e.path("successRate").asDouble()) : "-",
        millis(e.path("p50Ms")),
        millis(e.path("p99Ms")),
        mtls(e),
        shares(e, graph));
  }

  /** Whether the edge's requests went over mutual TLS, as its destination's servers saw them (one word). */
  private static String mtls(JsonNode e) {
    return switch (e.path("mtls").asText()) {
      case "mTLS" -> "mTLS";
      case "plaintext" -> "plain";
      case "mixed" -> String.format(Locale.ROOT, "mixed:%d%%", (int) e.path("mtlsShare").asDouble());
      default -> "-";
    };
  }

  private static String millis(JsonNode ms) {
    return ms.isNumber() ? String.format(Locale.ROOT, "%.1fms", ms.asDouble()) : "-";
  }

  /**
   * The edge's share per subset; with no subsets, the destination's inbound traffic per version
   * (measured by its servers), so that a plain round robin shows too.
   */
  private static String shares(JsonNode e, JsonNode graph) {
    StringBuilder s = new StringBuilder();
    JsonNode subsets = e.path("subsets");
    if (subsets.size() > 0 && !(subsets.size() == 1 && subsets.has("-"))) {
      for (Iterator<Map.Entry<String, JsonNode>> it = subsets.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> sub = it.next();
        s.append(String.format(Locale.ROOT, "%s %.1f%%  ", sub.getKey(), sub.getValue().asDouble()));
      }
      return s.toString().strip();
    }
    for (JsonNode node : graph.path("nodes")) {
      if (node.path("name").asText().equals(e.path("destination").asText())) {
        JsonNode inbound = node.path("inbound");
        double total = 0;
        for (JsonNode r : inbound) {
          total += r.asDouble();
        }
        if (inbound.size() < 2 || total <= 0) {
          return "-";
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = inbound.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> v = it.next();
          s.append(String.format(Locale.ROOT, "%s %.1f%%  ", v.getKey(), 100 * v.getValue().asDouble() / total));
        }
        return s.toString().strip() + " (no subsets: by version)";
      }
    }
    return "-";
  }
}

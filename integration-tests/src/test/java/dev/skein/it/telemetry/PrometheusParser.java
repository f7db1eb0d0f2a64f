package dev.skein.it.telemetry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Parses Prometheus text with the reference parser, {@code prometheus_client.parser} of the
 * Python client (Debian's {@code python3-prometheus-client}, installed by {@code .ci/run}). A
 * format error makes the parser, and so this class, fail.
 */
final class PrometheusParser {
  record Sample(String family, String type, String name, Map<String, String> labels, double value) {}

  // Prints one tab-separated line per sample: family, type, sample name, labels (k=v, ASCII
  // unit separator between pairs), value.
  private static final String SCRIPT =
      String.join(
          "\n",
          "import sys",
          "from prometheus_client.parser import text_string_to_metric_families",
          "for f in text_string_to_metric_families(sys.stdin.read()):",
          "    for s in f.samples:",
          "        labels = '\\x1f'.join(k + '=' + v for k, v in sorted(s.labels.items()))",
          "        print('\\t'.join([f.name, f.type, s.name, labels, repr(float(s.value))]))");

  private PrometheusParser() {}

  static List<Sample> parse(String text) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("/usr/bin/python3", "-c", SCRIPT).start();
    p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("prometheus_client could not parse the text: " + err);
    }
    List<Sample> samples = new ArrayList<>();
    for (String line : new String(out, StandardCharsets.UTF_8).split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      String[] f = line.split("\t", -1);
      Map<String, String> labels = new LinkedHashMap<>();
      if (!f[3].isEmpty()) {
        for (String pair : f[3].split("\u001f")) {
          int eq = pair.indexOf('=');
          labels.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
      }
      double value = f[4].equals("inf") ? Double.POSITIVE_INFINITY : f[4].equals("-inf") ? Double.NEGATIVE_INFINITY : f[4].equals("nan") ? Double.NaN : Double.parseDouble(f[4]);
      samples.add(new Sample(f[0], f[1], f[2], labels, value));
    }
    return samples;
  }
}

package dev.skein.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The demo, run non-interactively as a newcomer would run it, judged by its own output. */
class DemoIT {
  private static final Pattern ROW = Pattern.compile("\\s+frontend→orders\\s+(\\d+)\\s+([\\d.]+)%.*?([\\d.]+)%\\s+([\\d.]+)%");

  @Test
  void everyStepShowsItsEffectInTheLiveTable() throws Exception {
    Path out = Files.createTempFile("demo", ".out");
    Process demo =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.skein.it.demo.DemoMesh", "--step-seconds", "4")
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    assertThat(demo.waitFor(180, TimeUnit.SECONDS)).as("demo finished").isTrue();
    String text = Files.readString(out, StandardCharsets.UTF_8);
    System.out.println(text);
    assertThat(demo.exitValue()).isZero();

    // Each step's last row (the first may still mix the previous policy).
    assertThat(lastRow(text, "1. no policy")).satisfies(r -> assertThat(r[2]).isBetween(35.0, 65.0));
    assertThat(lastRow(text, "2. a 90/10 canary")).satisfies(r -> assertThat(r[3]).isBetween(2.0, 22.0));
    assertThat(lastRow(text, "3. header routing")).satisfies(r -> assertThat(r[3]).isBetween(12.0, 28.0));
    assertThat(text).contains("agent log: [skein]").contains("weight");
    assertThat(lastRow(text, "4. an invalid Route")).satisfies(r -> assertThat(r[3]).isBetween(12.0, 28.0));
    assertThat(lastRow(text, "5. full cut-over")).satisfies(r -> assertThat(r[3]).isEqualTo(100.0));
    assertThat(lastRow(text, "6. etcd down")).satisfies(r -> {
      assertThat(r[1]).isEqualTo(100.0);
      assertThat(r[3]).isEqualTo(100.0);
    });
    assertThat(lastRow(text, "7. etcd is back")).satisfies(r -> assertThat(r[2]).isEqualTo(100.0));
    for (String title : List.of("1.", "2.", "3.", "4.", "5.", "6.", "7.")) {
      for (double[] row : rows(text, title)) {
        assertThat(row[1]).as("success rate in step " + title).isEqualTo(100.0);
      }
    }
  }

  /** Rows of one step's table: {req/s, success %, v1 %, v2 %}. */
  private static List<double[]> rows(String text, String title) {
    int start = text.indexOf("== " + title);
    assertThat(start).as("step " + title).isNotNegative();
    int end = text.indexOf("== ", start + 3);
    String section = text.substring(start, end < 0 ? text.length() : end);
    List<double[]> rows = new ArrayList<>();
    for (String line : section.split("\n")) {
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        rows.add(new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4))});
      }
    }
    assertThat(rows).as("rows of step " + title).isNotEmpty();
    return rows;
  }

  private static double[] lastRow(String text, String title) {
    List<double[]> rows = rows(text, title);
    return rows.get(rows.size() - 1);
  }

}

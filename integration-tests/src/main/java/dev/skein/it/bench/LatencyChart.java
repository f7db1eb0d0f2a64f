package dev.skein.it.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.HdrHistogram.Histogram;

/**
 * {@code report.png}: latency by percentile, one line per scenario, one panel per request rate,
 * both axes logarithmic (the x axis spreads the tail: 50, 90, 99, 99.9, 99.99).
 *
 * <p>Drawn with the JDK's Java2D and ImageIO, headless: one simple chart does not justify a
 * charting library on this module's class path, which every JVM the tests start shares.
 */
final class LatencyChart {
  private static final double[] PERCENTILES = {50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99};
  private static final Color[] COLORS = {
    new Color(0x33, 0x33, 0x33), new Color(0x1f, 0x77, 0xb4), new Color(0x2c, 0xa0, 0x2c), new Color(0xd6, 0x27, 0x28),
    new Color(0xff, 0x7f, 0x0e), new Color(0x94, 0x67, 0xbd)
  };
  private static final int PANEL_WIDTH = 640;
  private static final int HEIGHT = 480;
  private static final int LEFT = 70;
  private static final int RIGHT = 40;
  private static final int TOP = 40;
  private static final int BOTTOM = 150;

  private LatencyChart() {}

  static void write(Path file, List<ScenarioResult> results, List<Integer> rates) throws IOException {
    System.setProperty("java.awt.headless", "true");
    BufferedImage image = new BufferedImage(PANEL_WIDTH * Math.max(1, rates.size()), HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    for (int i = 0; i < rates.size(); i++) {
      panel(g, i * PANEL_WIDTH, rates.get(i), results);
    }
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }

  private static void panel(Graphics2D g, int x0, int rate, List<ScenarioResult> results) {
    int w = PANEL_WIDTH - LEFT - RIGHT;
    int h = HEIGHT - TOP - BOTTOM;
    int left = x0 + LEFT;
    double minUs = Double.MAX_VALUE;
    double maxUs = 0;
    for (ScenarioResult r : results) {
      Histogram hist = r.openLatency.get(rate);
      if (hist != null && hist.getTotalCount() > 0) {
        minUs = Math.min(minUs, hist.getValueAtPercentile(PERCENTILES[0]) / 1000.0);
        maxUs = Math.max(maxUs, hist.getValueAtPercentile(PERCENTILES[PERCENTILES.length - 1]) / 1000.0);
      }
    }
    if (maxUs == 0) {
      return;
    }
    double lo = Math.pow(10, Math.floor(Math.log10(Math.max(1, minUs))));
    double hi = Math.pow(10, Math.ceil(Math.log10(Math.max(maxUs, lo * 10))));
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.setColor(Color.BLACK);
    g.drawString(String.format(Locale.ROOT, "Latency at %,d requests/s (open loop)", rate), left, TOP - 15);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    // y grid: decades and the 2 and 5 between them
    for (double decade = lo; decade <= hi; decade *= 10) {
      for (int m : new int[] {1, 2, 5}) {
        double v = decade * m;
        if (v > hi) {
          break;
        }
        int y = yOf(v, lo, hi, h);
        g.setColor(m == 1 ? new Color(0xcc, 0xcc, 0xcc) : new Color(0xee, 0xee, 0xee));
        g.drawLine(left, y, left + w, y);
        g.setColor(Color.DARK_GRAY);
        g.drawString(v >= 1000 ? String.format(Locale.ROOT, "%.0f ms", v / 1000) : String.format(Locale.ROOT, "%.0f µs", v), x0 + 5, y + 4);
      }
    }
    // x grid at the named percentiles
    double xMax = xValue(PERCENTILES[PERCENTILES.length - 1]);
    for (double p : new double[] {50, 90, 99, 99.9, 99.99}) {
      int x = left + (int) (w * xValue(p) / xMax);
      g.setColor(new Color(0xdd, 0xdd, 0xdd));
      g.drawLine(x, TOP, x, TOP + h);
      g.setColor(Color.DARK_GRAY);
      g.drawString("p" + (p == Math.rint(p) ? Integer.toString((int) p) : Double.toString(p)), x - 12, TOP + h + 15);
    }
    g.setColor(Color.BLACK);
    g.drawRect(left, TOP, w, h);
    int legendY = TOP + h + 40;
    for (int i = 0; i < results.size(); i++) {
      ScenarioResult r = results.get(i);
      Histogram hist = r.openLatency.get(rate);
      if (hist == null || hist.getTotalCount() == 0) {
        continue;
      }
      Color color = COLORS[i % COLORS.length];
      g.setColor(color);
      g.setStroke(new BasicStroke(2f));
      int px = -1;
      int py = -1;
      for (double p : PERCENTILES) {
        int x = left + (int) (w * xValue(p) / xMax);
        int y = yOf(Math.max(lo, hist.getValueAtPercentile(p) / 1000.0), lo, hi, h);
        if (px >= 0) {
          g.drawLine(px, py, x, y);
        }
        g.fillOval(x - 3, y - 3, 6, 6);
        px = x;
        py = y;
      }
      g.setStroke(new BasicStroke(1f));
      g.fillRect(left, legendY - 8, 14, 4);
      g.setColor(Color.BLACK);
      g.drawString(r.label, left + 20, legendY - 3);
      legendY += 16;
    }
  }

  /** log10(1 / (1 - p)): 50 → 0.3, 90 → 1, 99 → 2, 99.9 → 3. */
  private static double xValue(double percentile) {
    return Math.log10(1 / (1 - percentile / 100.0)) - Math.log10(2);
  }

  private static int yOf(double micros, double lo, double hi, int h) {
    double f = (Math.log10(micros) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
    return TOP + h - (int) (f * h);
  }
}

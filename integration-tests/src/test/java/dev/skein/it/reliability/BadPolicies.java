package dev.skein.it.reliability;

import dev.skein.it.support.Policies;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Policy documents that are invalid by construction, mutated from the good ones the tests use:
 * wrong types, values out of range, missing parts, broken YAML and JSON, invalid UTF-8, deep
 * nesting, alias bombs and huge documents. From one seeded {@link Random}, so a failure replays.
 */
final class BadPolicies {
  /** One document to put at {@code key}, and what was done to it (for failure messages). */
  record Doc(String key, byte[] value, String what) {}

  private static final String GOOD_ROUTE = Policies.split(0, 100);
  private static final String[] BAD_WEIGHTS = {"140", "-1", "abc", "1e309", "[1, 2]", "{a: 1}", "100.5", "'100'x", ".nan"};
  private static final byte[][] BAD_UTF8 = {
    {(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0x80},
  };

  private final Random random;

  BadPolicies(long seed) {
    this.random = new Random(seed);
  }

  Doc next() {
    switch (random.nextInt(12)) {
      case 0:
        String w = BAD_WEIGHTS[random.nextInt(BAD_WEIGHTS.length)];
        return route(GOOD_ROUTE.replace("weight: 100}", "weight: " + w + "}"), "weight " + w);
      case 1:
        return route(GOOD_ROUTE.replace("http:\n", "http: " + pick("5", "'x'", "{}", "true") + "\n  x:\n"), "http of the wrong type");
      case 2:
        return route(GOOD_ROUTE.replace("  host: orders\n", ""), "no host");
      case 3:
        // Cut inside a flow mapping: never balanced YAML.
        int brace = GOOD_ROUTE.lastIndexOf('{');
        int cut = brace + 1 + random.nextInt(GOOD_ROUTE.length() - brace - 3);
        return route(GOOD_ROUTE.substring(0, cut), "truncated at " + cut);
      case 4:
        byte[] bad = BAD_UTF8[random.nextInt(BAD_UTF8.length)];
        return new Doc(Policies.ROUTE_KEY, splice(GOOD_ROUTE, "subset: v2", bad), "invalid UTF-8 in a subset name");
      case 5:
        int depth = 500 + random.nextInt(5000);
        return route(GOOD_ROUTE.replace("weight: 100}", "weight: " + "[".repeat(depth) + "]".repeat(depth) + "}"), "nested " + depth + " deep");
      case 6:
        StringBuilder bomb = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (char c = 'b'; c <= 'j'; c++) {
          char p = (char) (c - 1);
          bomb.append(c).append(": &").append(c).append(" [*").append(p).append(",*").append(p).append(",*").append(p).append(",*")
              .append(p).append(",*").append(p).append(",*").append(p).append(",*").append(p).append(",*").append(p).append(",*")
              .append(p).append("]\n");
        }
        return route(GOOD_ROUTE.replace("spec:\n", bomb + "spec:\n"), "billion laughs");
      case 7:
        int n = 20_000 + random.nextInt(40_000);
        StringBuilder huge = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
          huge.append(i).append(',');
        }
        huge.append("0]");
        return route(GOOD_ROUTE.replace("weight: 100}", "weight: " + huge + "}"), "huge (" + huge.length() + " bytes)");
      case 8:
        String json = "{\"apiVersion\":\"skein.dev/v1\",\"kind\":\"Route\",\"metadata\":{\"name\":\"orders\",\"namespace\":\"default\"},"
            + "\"spec\":{\"host\":\"orders\",\"http\":[{\"route\":[{\"destination\":{\"subset\":\"v2\"},\"weight\":"
            + pick("\"x\"", "true", "-5", "1000", "[]") + "}]}]}}";
        return route(json.substring(0, random.nextBoolean() ? json.length() : json.length() - 1 - random.nextInt(10)), "JSON");
      case 9:
        return route(GOOD_ROUTE.replace("spec:", "spec: " + pick("null", "[]", "7", "'spec'") + "\nx:"), "spec of the wrong type");
      case 10:
        String dp = Policies.ORDERS_SUBSETS.replace("labels: {version: v2}", "labels: " + pick("5", "[v2]", "'v2'", "{version: [1]}"));
        return new Doc(Policies.DESTINATION_KEY, dp.getBytes(StandardCharsets.UTF_8), "DestinationPolicy labels of the wrong type");
      default:
        byte[] bytes = GOOD_ROUTE.getBytes(StandardCharsets.UTF_8);
        for (int i = 0, flips = 1 + random.nextInt(4); i < flips; i++) {
          bytes[random.nextInt(bytes.length)] = (byte) (char) pick('{', '[', ':', '\t', '&', '*', '!', '"');
        }
        // A flipped byte may still leave a valid document: make sure it is not, with an unclosed quote.
        byte[] withQuote = new byte[bytes.length + 2];
        System.arraycopy(bytes, 0, withQuote, 0, bytes.length);
        withQuote[bytes.length] = '\n';
        withQuote[bytes.length + 1] = '"';
        return new Doc(Policies.ROUTE_KEY, withQuote, "bytes flipped");
    }
  }

  private Doc route(String text, String what) {
    return new Doc(Policies.ROUTE_KEY, text.getBytes(StandardCharsets.UTF_8), what);
  }

  @SafeVarargs
  private <T> T pick(T... options) {
    return options[random.nextInt(options.length)];
  }

  private static byte[] splice(String text, String after, byte[] insert) {
    int at = text.indexOf(after) + after.length();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(text.substring(0, at).getBytes(StandardCharsets.UTF_8));
    out.writeBytes(insert);
    out.writeBytes(text.substring(at).getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  static List<String> kinds() {
    return List.of("weight", "http", "host", "truncated", "UTF-8", "nested", "laughs", "huge", "JSON", "spec", "labels", "flipped");
  }
}

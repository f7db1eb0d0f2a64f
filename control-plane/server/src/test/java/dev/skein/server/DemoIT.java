package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skein.it.support.FreePorts;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The demo ({@code bin/demo --ci}), run as a newcomer would run it and judged by its own output;
 * while it runs, the control plane's dashboard is loaded in headless Chromium: the graph shows
 * the three services and their edges, and the canary shows in the traffic shares. In step 9 it is
 * stopped as Ctrl-C in a terminal stops it, SIGINT to its whole process group, and nothing it
 * started may outlive it. It lives in this module because the demo starts the control plane from
 * {@code skein.jar}.
 */
class DemoIT {
    private static final Pattern ROW = Pattern.compile(
            "^\\s+(frontend→orders|orders→inventory)\\s+([\\d.]+)\\s+([\\d.]+)%\\s+\\S+\\s+\\S+\\s+(\\S+)\\s+(.*)$");
    private static final Pattern SHARE = Pattern.compile("(\\w+) ([\\d.]+)%");
    private static final Path TARGET = Path.of("target");

    /** One table row: requests per second, success in percent, mTLS as negotiated, share per subset or version. */
    record Row(String edge, double rps, double success, String mtls, Map<String, Double> shares) {}

    @Test
    void everyStepShowsItsEffectAndTheDashboardDrawsTheMesh() throws Exception {
        int dashboardPort = FreePorts.next();
        Path out = TARGET.resolve("demo.out");
        List<ProcessHandle> started = new ArrayList<>();
        // In a process group of its own (setsid), as a demo started from a terminal is: Ctrl-C
        // there sends SIGINT to the whole group, the demo and everything it started at once.
        Process demo = new ProcessBuilder("setsid",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dskein.cli.jar=" + System.getProperty("skein.cli.jar"),
                "-Dskein.agent.jar=" + System.getProperty("skein.agent.jar"),
                "-cp", demoClassPath(), "dev.skein.it.demo.DemoMesh",
                "--ci", "--step-seconds", "8", "--dashboard-port", Integer.toString(dashboardPort))
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        try {
            // setsid makes the group just after the process starts: wait for it, then check.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .untilAsserted(() -> assertThat(processGroup(demo.pid())).as("the demo leads a process group of its own")
                            .isEqualTo(demo.pid()));
            awaitOutput(out, demo, t -> t.contains("== 1."), Duration.ofSeconds(180));
            checkDashboard(out, demo, dashboardPort);
            awaitOutput(out, demo, t -> t.contains("== 9."), Duration.ofSeconds(240));
            started.addAll(demo.descendants().toList());
            // Six of step 9's eight frames shown: then Ctrl-C, as a terminal sends it, while the demo runs.
            awaitOutput(out, demo, t -> count(t.substring(t.indexOf("== 9.")), "orders→inventory") >= 6, Duration.ofSeconds(60));
            assertThat(new ProcessBuilder("bash", "-c", "kill -INT -- -" + demo.pid()).start().waitFor()).as("kill -INT").isZero();
            assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("demo stopped on Ctrl-C").isTrue();
        } finally {
            demo.destroy();
            if (!demo.waitFor(20, TimeUnit.SECONDS)) {
                demo.destroyForcibly();
            }
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        System.out.println(text);
        assertThat(demo.exitValue()).as("demo exit code after SIGINT").isEqualTo(130);
        assertThat(text).as("Ctrl-C came while the demo ran").doesNotContain("[demo] done");
        // Ctrl-C reached every process of the group at once; the demo's hook stopped the rest: nothing it started stays.
        assertThat(started.size()).as("etcd, the control plane, four services and the users").isGreaterThanOrEqualTo(7);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(started.stream().filter(ProcessHandle::isAlive)
                        .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList())
                        .as("processes the demo started, still running after it ended").isEmpty());

        assertThat(last(text, "1.", "frontend→orders").shares().get("v1")).as("round robin").isBetween(35.0, 65.0);
        assertThat(last(text, "2.", "frontend→orders").shares().get("v2")).as("canary share").isBetween(3.0, 20.0);
        assertThat(last(text, "3.", "frontend→orders").shares().get("v2")).as("header routing share").isBetween(12.0, 28.0);
        assertThat(last(text, "4.", "orders→inventory").success()).as("injected fault").isBetween(80.0, 97.0);
        assertThat(last(text, "4.", "frontend→orders").success()).as("fault hidden by retries").isGreaterThanOrEqualTo(99.0);
        Row open = last(text, "5.", "frontend→orders");
        assertThat(open.success()).as("breaker open: frontend fails fast").isLessThanOrEqualTo(20.0);
        assertThat(last(text, "5.", "orders→inventory").rps()).as("breaker open: orders is left alone")
                .isLessThan(0.4 * open.rps());
        // Recovering within the step; step 7's rows below show it complete.
        assertThat(last(text, "6.", "frontend→orders").success()).as("recovering").isGreaterThanOrEqualTo(80.0);
        assertThat(last(text, "7.", "frontend→orders").shares().get("v2")).as("last good Route kept").isBetween(12.0, 28.0);
        assertThat(text).contains("agent log: [skein]").contains("weight: must be 0..100, got 140")
                .containsPattern("control plane: Route/orders at revision \\d+: invalid");
        assertThat(text).contains("before: a plain-text request from outside the mesh to orders v1: answered 200")
                .contains("after: a plain-text request from outside the mesh to orders v1: refused");
        assertThat(last(text, "8.", "frontend→orders").success()).as("STRICT: mesh calls go on over mutual TLS")
                .isGreaterThanOrEqualTo(99.0);
        // As orders' and inventory's servers counted them: the mesh's calls negotiated mutual TLS
        // before STRICT too (PERMISSIVE takes it from callers holding a certificate), and after it.
        for (String step : List.of("1.", "8.")) {
            assertThat(last(text, step, "frontend→orders").mtls()).as("mTLS of frontend→orders in step " + step).isEqualTo("mTLS");
            assertThat(last(text, step, "orders→inventory").mtls()).as("mTLS of orders→inventory in step " + step).isEqualTo("mTLS");
        }
        assertThat(text).contains("inventory's agent log: [skein]").contains("authorization denied");
        // The deny shows within the step (on a busy machine the dashboard's scrapes lag a frame or two).
        assertThat(rows(text, "9.").stream().filter(r -> r.edge().equals("orders→inventory")).mapToDouble(Row::success)
                .min().orElse(100)).as("inventory denies orders").isLessThanOrEqualTo(5.0);
        for (String step : List.of("1.", "2.", "3.", "7.")) {
            // The first two frames (two rows each) of a step still show the step before in the dashboard's 3-s window.
            List<Row> rows = rows(text, step);
            for (Row row : rows.subList(Math.min(rows.size(), 4), rows.size())) {
                assertThat(row.success()).as("success in step " + step + ": " + row).isGreaterThanOrEqualTo(99.0);
            }
        }
    }

    /** The process group of a process, from /proc (field 5 of stat). */
    private static long processGroup(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** The demo's apps run on this test's class path, without the browser driver's libraries. */
    private static String demoClassPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> !p.contains("seleniumhq") && !p.contains("opentelemetry"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private void checkDashboard(Path out, Process demo, int port) throws Exception {
        ChromeDriver browser = chromium();
        try {
            browser.get("http://127.0.0.1:" + port + "/");
            poll(Duration.ofSeconds(30), "the graph shows three services and two edges", () ->
                    services(browser).containsAll(List.of("frontend", "orders", "inventory"))
                            && edge(browser, "frontend", "orders") != null && edge(browser, "orders", "inventory") != null);
            awaitOutput(out, demo, t -> t.contains("== 2."), Duration.ofSeconds(60));
            Map<String, Double> seen = new LinkedHashMap<>();
            try {
                poll(Duration.ofSeconds(40), "the canary shows in the shares of frontend→orders", () -> {
                    Map<String, Double> shares = shares(edge(browser, "frontend", "orders"));
                    seen.clear();
                    seen.putAll(shares);
                    return shares.getOrDefault("v2", 0.0) >= 3 && shares.getOrDefault("v2", 0.0) <= 20
                            && shares.getOrDefault("v1", 0.0) >= 80;
                });
            } catch (AssertionError e) {
                // What the page showed last, the page itself and what the demo's own table printed
                // (the same /api/graph): tells a page that stopped refreshing from a mesh that did not move.
                Files.write(TARGET.resolve("dashboard-failed.png"), browser.getScreenshotAs(OutputType.BYTES));
                throw new AssertionError(e.getMessage() + "; last shares on the page " + seen + "; page status: "
                        + browser.findElements(By.id("status")).stream().map(WebElement::getText).toList()
                        + "\ndemo output so far:\n" + Files.readString(out, StandardCharsets.UTF_8), e);
            }
            // The edges' mTLS as their requests negotiated it (no PeerAuthentication yet: the policy is PERMISSIVE).
            poll(Duration.ofSeconds(20), "both edges show mutual TLS under a PERMISSIVE policy", () -> Stream.of(
                    edge(browser, "frontend", "orders"), edge(browser, "orders", "inventory")).allMatch(e -> e != null
                    && "mTLS".equals(e.getAttribute("data-mtls")) && "PERMISSIVE".equals(e.getAttribute("data-mtls-policy"))));
            poll(Duration.ofSeconds(20), "the canary Route is listed as valid", () -> browser
                    .findElements(By.cssSelector("#policies tr[data-kind='Route'][data-name='orders'] td.valid")).size() == 1);
            Files.write(TARGET.resolve("dashboard.png"), browser.getScreenshotAs(OutputType.BYTES));
            assertThat(edge(browser, "frontend", "orders").getText()).contains("req/s").contains("p99").contains("v2")
                    .contains("mTLS · policy PERMISSIVE");
        } finally {
            browser.quit();
        }
    }

    private static ChromeDriver chromium() throws Exception {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,800",
                "--user-data-dir=" + Files.createTempDirectory(TARGET.toAbsolutePath(), "chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static List<String> services(ChromeDriver browser) {
        return browser.findElements(By.cssSelector("g.node")).stream().map(n -> n.getAttribute("data-service")).toList();
    }

    private static WebElement edge(ChromeDriver browser, String source, String destination) {
        List<WebElement> e = browser.findElements(By.cssSelector(
                "g.edge[data-source='" + source + "'][data-destination='" + destination + "']"));
        return e.isEmpty() ? null : e.get(0);
    }

    /** The edge's {@code data-shares}, e.g. {@code v1=90.2;v2=9.8}. */
    private static Map<String, Double> shares(WebElement edge) {
        Map<String, Double> shares = new LinkedHashMap<>();
        if (edge != null) {
            for (String pair : edge.getAttribute("data-shares").split(";")) {
                String[] kv = pair.split("=");
                if (kv.length == 2) {
                    shares.put(kv[0], Double.parseDouble(kv[1]));
                }
            }
        }
        return shares;
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void poll(Duration timeout, String what, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (org.openqa.selenium.StaleElementReferenceException e) {
                // the page redrew between two calls: look again
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("dashboard: not seen within " + timeout + ": " + what);
            }
            Thread.sleep(250);
        }
    }

    private static void awaitOutput(Path out, Process demo, Predicate<String> seen, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!seen.test(Files.readString(out, StandardCharsets.UTF_8))) {
            if (!demo.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("demo output so far:\n" + Files.readString(out, StandardCharsets.UTF_8));
            }
            Thread.sleep(250);
        }
    }

    /** The rows of one step's table. */
    private static List<Row> rows(String text, String step) {
        int start = text.indexOf("== " + step);
        assertThat(start).as("step " + step).isNotNegative();
        int end = text.indexOf("\n== ", start + 3);
        List<Row> rows = new ArrayList<>();
        for (String line : text.substring(start, end < 0 ? text.length() : end).split("\n")) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                Map<String, Double> shares = new LinkedHashMap<>();
                Matcher s = SHARE.matcher(m.group(5));
                while (s.find()) {
                    shares.put(s.group(1), Double.parseDouble(s.group(2)));
                }
                rows.add(new Row(m.group(1), Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)), m.group(4), shares));
            }
        }
        assertThat(rows).as("rows of step " + step).isNotEmpty();
        return rows;
    }

    /** The last row of one edge in one step (the first rows may still mix the previous policy). */
    private static Row last(String text, String step, String edge) {
        List<Row> rows = rows(text, step).stream().filter(r -> r.edge().equals(edge)).toList();
        assertThat(rows).as(edge + " in step " + step).isNotEmpty();
        return rows.get(rows.size() - 1);
    }
}

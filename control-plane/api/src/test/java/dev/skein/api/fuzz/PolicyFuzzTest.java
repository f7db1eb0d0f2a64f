package dev.skein.api.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.api.KeyLayout;
import dev.skein.api.ParseResult;
import dev.skein.api.Policy;
import dev.skein.api.PolicyParser;
import dev.skein.api.PolicySetValidator;
import dev.skein.api.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Feeds the parser and the validator many thousands of generated and mutated documents (see
 * {@link FuzzInputs}) and checks that they only ever return problems: no exception, no hang
 * (each call bounded in time), bounded allocation per call, problems that are one line each,
 * and no policy from a document with problems.
 *
 * <p>{@code -Dskein.fuzz.iterations=N} (default 2000, about 9 s here) for longer runs,
 * {@code -Dskein.fuzz.seed=S} to replay one; the seed is in every failure message. A failing
 * input is written to {@code target/fuzz-failures/}.
 */
class PolicyFuzzTest {
    private static final int ITERATIONS = Integer.getInteger("skein.fuzz.iterations", 2000);
    private static final long SEED = Long.getLong("skein.fuzz.seed", 20261126L);
    /** Far above what any input takes (~0.5 s for a 1 MB one on a busy machine); a hang trips it. */
    private static final long CALL_TIMEOUT_MS = 20_000;
    /** A 1 MB input allocates tens of MB while parsing; an alias bomb expanded would take gigabytes. */
    private static final long MAX_ALLOCATED_PER_CALL = 512L * 1024 * 1024;

    private static final KeyLayout LAYOUT = new KeyLayout();
    private static final ExecutorService WORKER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzz-worker");
        t.setDaemon(true);
        return t;
    });
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private long slowestNanos;
    private long mostAllocated;

    @AfterAll
    static void stopWorker() {
        WORKER.shutdownNow();
    }

    @Test
    void parserAndValidatorOnlyEverReturnProblems() throws Exception {
        FuzzInputs inputs = new FuzzInputs(new Random(SEED), seedDocuments());
        Random random = new Random(SEED ^ 0x5DEECE66DL);
        List<Policy> accepted = new ArrayList<>();
        int ok = 0;
        long start = System.nanoTime();
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] input = inputs.next();
            String key = inputs.key();
            ParseResult fromBytes = call(i, input, "parse(bytes)", () -> PolicyParser.parse("fuzz.yaml", input));
            checkResult(i, input, fromBytes);
            ParseResult fromKey = call(i, input, "parseKeyValue " + key, () -> PolicyParser.parseKeyValue(LAYOUT, key, input));
            checkResult(i, input, fromKey);
            if (i % 4 == 0) {
                // The text overload, with whatever a lenient decode makes of invalid UTF-8.
                String text = new String(input, StandardCharsets.UTF_8);
                checkResult(i, input, call(i, input, "parse(text)", () -> PolicyParser.parse("fuzz.yaml", text)));
            }
            if (fromBytes.ok()) {
                ok++;
                accepted.addAll(fromBytes.policies());
            }
            if (i % 25 == 0 && !accepted.isEmpty()) {
                validateRandomSet(i, input, accepted, random);
            }
        }
        System.out.printf(
                "fuzz: %d inputs (seed %d) in %d ms, %d valid, slowest call %d ms, most allocated by one call %d MB%n",
                ITERATIONS, SEED, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), ok,
                TimeUnit.NANOSECONDS.toMillis(slowestNanos), mostAllocated >> 20);
        // The generator must keep producing valid documents too, or the validator sees too little.
        assertThat(ok).as("valid documents among the inputs").isGreaterThan(ITERATIONS / 50);
    }

    private void validateRandomSet(int i, byte[] input, List<Policy> accepted, Random random) throws Exception {
        Map<String, Policy> bySource = new LinkedHashMap<>();
        List<Policy> list = new ArrayList<>();
        for (int n = 1 + random.nextInt(12); n > 0; n--) {
            Policy p = accepted.get(random.nextInt(accepted.size()));
            bySource.put(random.nextBoolean() ? LAYOUT.policyKey(p.ref()) : "src-" + random.nextInt(5), p);
            list.add(p);
        }
        List<Problem> a = call(i, input, "validate(map)", () -> PolicySetValidator.validate(bySource));
        List<Problem> b = call(i, input, "validate(list)", () -> PolicySetValidator.validate(list));
        for (List<Problem> problems : List.of(a, b)) {
            assertThat(problems).as("seed %d input %d", SEED, i).isNotNull()
                    .allSatisfy(p -> assertThat(p.toString()).doesNotContain("\n"));
        }
    }

    private void checkResult(int i, byte[] input, ParseResult r) throws IOException {
        String where = "seed " + SEED + " input " + i + " (saved as " + save(i, input, r != null && r.ok()) + ")";
        assertThat(r).as(where).isNotNull();
        assertThat(r.problems()).as(where).isNotNull()
                .allSatisfy(p -> assertThat(p.toString()).as(where).doesNotContain("\n").doesNotContain("\r"));
        if (!r.problems().isEmpty()) {
            assertThat(r.policies()).as("a document with problems yields no policy: " + where).isEmpty();
        }
    }

    /** One call on the worker thread: bounded in time, allocation measured, any throwable a failure. */
    private <T> T call(int i, byte[] input, String what, Callable<T> work) throws Exception {
        Future<long[]> stats;
        Object[] result = new Object[1];
        stats = WORKER.submit(() -> {
            long allocated = THREADS.getCurrentThreadAllocatedBytes();
            long t0 = System.nanoTime();
            result[0] = work.call();
            return new long[] {System.nanoTime() - t0, THREADS.getCurrentThreadAllocatedBytes() - allocated};
        });
        long[] measured;
        try {
            measured = stats.get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(what + " hung (>" + CALL_TIMEOUT_MS + " ms) on seed " + SEED + " input " + i
                    + ", saved as " + save(i, input, false));
        } catch (ExecutionException e) {
            throw new AssertionError(what + " threw on seed " + SEED + " input " + i + ", saved as " + save(i, input, false),
                    e.getCause());
        }
        slowestNanos = Math.max(slowestNanos, measured[0]);
        mostAllocated = Math.max(mostAllocated, measured[1]);
        if (measured[1] > MAX_ALLOCATED_PER_CALL) {
            throw new AssertionError(what + " allocated " + (measured[1] >> 20) + " MB on seed " + SEED + " input " + i
                    + ", saved as " + save(i, input, false));
        }
        @SuppressWarnings("unchecked")
        T t = (T) result[0];
        return t;
    }

    /** Writes a failing input for replay; returns where (nothing is written for passing inputs). */
    private static String save(int i, byte[] input, boolean passing) throws IOException {
        Path file = Path.of("target", "fuzz-failures", SEED + "-" + i + ".bin");
        if (!passing) {
            Files.createDirectories(file.getParent());
            Files.write(file, input);
        }
        return file.toString();
    }

    private static String seedDocuments() throws IOException {
        try (InputStream in = PolicyFuzzTest.class.getResourceAsStream("/all-kinds.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}

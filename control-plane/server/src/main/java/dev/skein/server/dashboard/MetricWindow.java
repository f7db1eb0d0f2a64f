package dev.skein.server.dashboard;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The last scrapes of every agent, kept for a few seconds, and what changed over the window:
 * counters become increases (rates once divided by the window), as Prometheus' {@code increase}.
 */
final class MetricWindow {
    private record Scrape(long millis, Map<String, PromSamples.Sample> series) {}

    /** The increase of every series of one agent over {@code seconds}. */
    record Delta(double seconds, List<PromSamples.Sample> increases) {}

    private final long windowMillis;
    private final Map<String, Deque<Scrape>> byAgent = new HashMap<>();

    MetricWindow(long windowMillis) {
        this.windowMillis = windowMillis;
    }

    synchronized void add(String agent, long millis, List<PromSamples.Sample> samples) {
        Map<String, PromSamples.Sample> series = new HashMap<>();
        for (PromSamples.Sample s : samples) {
            series.put(key(s), s);
        }
        Deque<Scrape> scrapes = byAgent.computeIfAbsent(agent, a -> new ArrayDeque<>());
        scrapes.addLast(new Scrape(millis, series));
        // Keep one scrape older than the window: the baseline of the increase.
        while (scrapes.size() > 2 && millis - scrapes.toArray(new Scrape[0])[1].millis >= windowMillis) {
            scrapes.removeFirst();
        }
    }

    /** Forgets agents that are gone. */
    synchronized void retain(Set<String> agents) {
        byAgent.keySet().retainAll(agents);
    }

    /** Null until an agent has two scrapes. */
    synchronized Delta delta(String agent) {
        Deque<Scrape> scrapes = byAgent.get(agent);
        if (scrapes == null || scrapes.size() < 2) {
            return null;
        }
        Scrape first = scrapes.getFirst();
        Scrape last = scrapes.getLast();
        List<PromSamples.Sample> increases = new ArrayList<>();
        for (Map.Entry<String, PromSamples.Sample> e : last.series.entrySet()) {
            PromSamples.Sample now = e.getValue();
            PromSamples.Sample before = first.series.get(e.getKey());
            double increase = before == null ? now.value() : now.value() - before.value();
            // A counter that went down was reset: count from zero.
            increases.add(new PromSamples.Sample(now.name(), now.labels(), increase < 0 ? now.value() : increase));
        }
        return new Delta((last.millis - first.millis) / 1000.0, increases);
    }

    private static String key(PromSamples.Sample s) {
        return s.name() + new TreeMap<>(s.labels());
    }
}

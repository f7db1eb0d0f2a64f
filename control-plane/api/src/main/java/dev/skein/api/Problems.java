package dev.skein.api;

import java.util.ArrayList;
import java.util.List;

/** Collects the problems of one source; binders add to it and never throw. */
final class Problems {
    private final String source;
    private final List<Problem> list = new ArrayList<>();

    Problems(String source) {
        this.source = source;
    }

    String source() {
        return source;
    }

    void add(String field, String reason) {
        list.add(new Problem(source, field, reason));
    }

    /** Used as a watermark: a binder compares it before and after to know whether its part was clean. */
    int count() {
        return list.size();
    }

    List<Problem> list() {
        return list;
    }
}

package dev.skein.server.policy;

import dev.skein.api.Policy;
import dev.skein.api.Problem;
import java.util.List;

/**
 * One document of an input file: the operator's own text (what gets stored in etcd), and what the
 * api module made of it.
 *
 * @param source   {@code file} or {@code file#n} when the file holds several documents
 * @param text     the document's YAML or JSON text
 * @param policy   the validated policy, or null when the document has problems
 * @param problems the document's own problems (cross-policy checks come later)
 */
public record PolicyDocument(String source, String text, Policy policy, List<Problem> problems) {
    public PolicyDocument {
        problems = List.copyOf(problems);
    }
}

package dev.skein.agent.spi;

import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.matcher.ElementMatchers;

/**
 * What the instrumentation modules transform: types, each with the transformer steps (advice,
 * helper injection) applied to it, in the order given. It reads like Byte Buddy's
 * {@code AgentBuilder} ({@code type(...).transform(...)}), whose matcher and transformer types it
 * takes, but the agent applies it with a transformer of its own: building an {@code AgentBuilder}
 * loads and generates hundreds of classes that an agent which only decorates methods with
 * advice never uses, all of it before the application's first instrumented class may load.
 *
 * <p>Every rule whose matcher matches a loading class is applied, as Byte Buddy's own agent
 * builder does without {@code asTerminalTransformation()}.
 */
public final class Transformations {
  /** One type matcher and its transformer steps. */
  public record Rule(AgentBuilder.RawMatcher matcher, List<AgentBuilder.Transformer> steps) {}

  private final List<Rule> rules = new ArrayList<>();

  /** Starts a rule for the types {@code type} matches, in any class loader. */
  public Transformations type(ElementMatcher<? super TypeDescription> type) {
    return type(type, ElementMatchers.any());
  }

  /** Starts a rule for the types {@code type} matches in the class loaders {@code loader} matches. */
  public Transformations type(ElementMatcher<? super TypeDescription> type, ElementMatcher<? super ClassLoader> loader) {
    return type(new AgentBuilder.RawMatcher.ForElementMatchers(type, loader));
  }

  /** Starts a rule for the types {@code matcher} matches (it sees the class loader and the class being redefined). */
  public Transformations type(AgentBuilder.RawMatcher matcher) {
    rules.add(new Rule(matcher, new ArrayList<>()));
    return this;
  }

  /** Narrows the rule started last to the types {@code matcher} also matches (a supported library version, say). */
  public Transformations and(AgentBuilder.RawMatcher matcher) {
    Rule last = last();
    AgentBuilder.RawMatcher first = last.matcher();
    rules.set(
        rules.size() - 1,
        new Rule(
            (type, loader, module, redefined, domain) ->
                first.matches(type, loader, module, redefined, domain) && matcher.matches(type, loader, module, redefined, domain),
            last.steps()));
    return this;
  }

  /** Adds a step to the rule started last. */
  public Transformations transform(AgentBuilder.Transformer step) {
    last().steps().add(step);
    return this;
  }

  private Rule last() {
    if (rules.isEmpty()) {
      throw new IllegalStateException("no type(...) to add to yet");
    }
    return rules.get(rules.size() - 1);
  }

  /** The rules so far, in the order they were started. */
  public List<Rule> rules() {
    return List.copyOf(rules);
  }
}

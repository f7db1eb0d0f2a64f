package dev.skein.agent;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.none;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.agent.spi.Transformations;
import java.io.IOException;
import java.io.InputStream;
import net.bytebuddy.agent.builder.AgentBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sample.greeter.GreetAdvice;
import sample.greeter.Greeter;

class AdviceTransformerTest {
  private static final String GREETER = Greeter.class.getName();
  private final ClassLoader loader = getClass().getClassLoader();

  @BeforeEach
  void clear() {
    GreetAdvice.SEEN.clear();
  }

  @Test
  void inlinesAdviceIntoTheMatchedMethodOnly() throws Exception {
    byte[] transformed = transformer(new Transformations().type(named(GREETER)).transform(greetAdvice())).transform(
        getClass().getModule(), loader, internalName(), null, null, original());

    assertThat(transformed).isNotNull();
    Object greeter = new ChildFirst(loader, transformed).loadClass(GREETER).getConstructor().newInstance();
    assertThat(greeter.getClass().getMethod("greet", String.class).invoke(greeter, "ada")).isEqualTo("hello ada");
    assertThat(greeter.getClass().getMethod("other").invoke(greeter)).isEqualTo("other");
    assertThat(GreetAdvice.SEEN).containsExactly("ada");
  }

  @Test
  void leavesAClassNoRuleMatches() throws Exception {
    Transformations rules = new Transformations().type(named("sample.greeter.Other")).transform(greetAdvice());
    assertThat(transformer(rules).transform(getClass().getModule(), loader, internalName(), null, null, original())).isNull();
  }

  @Test
  void leavesAClassWhoseLoaderTheRuleRejects() throws Exception {
    Transformations rules = new Transformations().type(named(GREETER), none()).transform(greetAdvice());
    assertThat(transformer(rules).transform(getClass().getModule(), loader, internalName(), null, null, original())).isNull();
  }

  @Test
  void skipsAClassItCannotTransformInsteadOfThrowing() throws Exception {
    Transformations rules =
        new Transformations()
            .type(named(GREETER))
            .transform(new AgentBuilder.Transformer.ForAdvice().include(loader).advice(named("greet"), "sample.greeter.Missing"));
    assertThat(transformer(rules).transform(getClass().getModule(), loader, internalName(), null, null, original())).isNull();
  }

  @Test
  void appliesEveryMatchingRuleInOrder() throws Exception {
    Transformations rules =
        new Transformations().type(named(GREETER)).transform(greetAdvice()).type(named(GREETER)).transform(greetAdvice());
    byte[] transformed = transformer(rules).transform(getClass().getModule(), loader, internalName(), null, null, original());

    Object greeter = new ChildFirst(loader, transformed).loadClass(GREETER).getConstructor().newInstance();
    greeter.getClass().getMethod("greet", String.class).invoke(greeter, "grace");
    assertThat(GreetAdvice.SEEN).containsExactly("grace", "grace");
  }

  private AgentBuilder.Transformer greetAdvice() {
    return new AgentBuilder.Transformer.ForAdvice().include(loader).advice(named("greet"), GreetAdvice.class.getName());
  }

  private static AdviceTransformer transformer(Transformations rules) {
    return new AdviceTransformer(rules.rules());
  }

  private static String internalName() {
    return GREETER.replace('.', '/');
  }

  private byte[] original() throws IOException {
    try (InputStream in = loader.getResourceAsStream(internalName() + ".class")) {
      return in.readAllBytes();
    }
  }

  /** Defines the transformed Greeter itself; everything else (the advice's list) from the parent. */
  private static final class ChildFirst extends ClassLoader {
    private final byte[] greeter;

    ChildFirst(ClassLoader parent, byte[] greeter) {
      super(parent);
      this.greeter = greeter;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (name.equals(GREETER)) {
        synchronized (getClassLoadingLock(name)) {
          Class<?> c = findLoadedClass(name);
          return c != null ? c : defineClass(name, greeter, 0, greeter.length);
        }
      }
      return super.loadClass(name, resolve);
    }
  }
}

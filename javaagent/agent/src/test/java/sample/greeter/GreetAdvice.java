package sample.greeter;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import net.bytebuddy.asm.Advice;

/** Records each greeted name: inlined into {@link Greeter#greet}. */
public final class GreetAdvice {
  public static final List<String> SEEN = new CopyOnWriteArrayList<>();

  private GreetAdvice() {}

  @Advice.OnMethodEnter
  static void enter(@Advice.Argument(0) String name) {
    SEEN.add(name);
  }
}

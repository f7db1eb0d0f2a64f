package sample.greeter;

/** A class for the transformer to decorate; outside dev.skein, whose classes the agent ignores. */
public class Greeter {
  public String greet(String name) {
    return "hello " + name;
  }

  public String other() {
    return "other";
  }
}

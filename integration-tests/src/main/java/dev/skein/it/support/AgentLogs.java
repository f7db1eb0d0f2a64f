package dev.skein.it.support;

/** Patterns over the agent's own log lines ({@code [skein] HH:mm:ss.SSS LEVEL message}). */
public final class AgentLogs {
  /**
   * A line the agent logged at ERROR level. Matching the bare word would also match messages
   * that merely quote one, such as gRPC's {@code HTTP/2 error code: NO_ERROR}.
   */
  public static final String ERROR_LINE = "\\[skein\\] \\S+ ERROR ";

  private AgentLogs() {}
}

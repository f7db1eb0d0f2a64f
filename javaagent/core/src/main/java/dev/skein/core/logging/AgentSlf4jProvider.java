package dev.skein.core.logging;

import dev.skein.bootstrap.AgentLog;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * Binds the agent's relocated copy of SLF4J (used by jetcd, and by Netty when present) to the
 * agent's own logger. Without a binding SLF4J prints its no-provider warning into the
 * application's output; relocation keeps this binding away from the application's own SLF4J.
 */
public final class AgentSlf4jProvider implements SLF4JServiceProvider {
  private final ILoggerFactory loggers = AgentLogger::new;
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new NOPMDCAdapter();

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggers;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {}

  /** One SLF4J logger writing through {@link AgentLog}; library debug output stays at debug. */
  private static final class AgentLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    AgentLogger(String name) {
      this.name = name.replace("dev.skein.shaded.", "");
    }

    @Override
    public boolean isTraceEnabled() {
      return AgentLog.enabled(AgentLog.Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
      return AgentLog.enabled(AgentLog.Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
      // Library info lines are agent debug lines: an operator sees Skein's own lines only.
      return AgentLog.enabled(AgentLog.Level.DEBUG);
    }

    @Override
    public boolean isWarnEnabled() {
      return AgentLog.enabled(AgentLog.Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
      return AgentLog.enabled(AgentLog.Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
      AgentLog.Level mapped =
          switch (level) {
            case ERROR -> AgentLog.Level.ERROR;
            case WARN -> AgentLog.Level.WARN;
            case INFO, DEBUG -> AgentLog.Level.DEBUG;
            case TRACE -> AgentLog.Level.TRACE;
          };
      AgentLog.log(mapped, name + ": " + MessageFormatter.basicArrayFormat(pattern, args), t);
    }
  }
}

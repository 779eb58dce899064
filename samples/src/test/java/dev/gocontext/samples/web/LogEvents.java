package dev.gocontext.samples.web;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Hooks;

/**
 * Records the WARN and ERROR events logged while it is open (through the root logger, at the
 * configured levels) and the errors dropped to Reactor's {@code onErrorDropped}; {@link #close()}
 * detaches it and resets the hook.
 *
 * <pre>{@code
 * try (LogEvents log = LogEvents.record(event -> true)) {
 *     ...
 *     assertThat(log.events()).isEmpty();
 * }
 * }</pre>
 */
final class LogEvents extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final Predicate<ILoggingEvent> counted;
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<Throwable> dropped = new CopyOnWriteArrayList<>();
    private final Logger root;

    private LogEvents(Predicate<ILoggingEvent> counted) {
        this.counted = counted;
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        this.root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        setContext(context);
        setName("log-events");
    }

    /** Starts recording the WARN and ERROR events that {@code counted} accepts. */
    static LogEvents record(Predicate<ILoggingEvent> counted) {
        LogEvents log = new LogEvents(counted);
        log.start();
        log.root.addAppender(log);
        Hooks.onErrorDropped(log.dropped::add);
        return log;
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (event.getLevel().isGreaterOrEqual(Level.WARN) && counted.test(event)) {
            events.add(event.getLevel() + " [" + event.getThreadName() + "] " + event.getLoggerName() + " "
                    + event.getFormattedMessage()
                    + (event.getThrowableProxy() == null
                            ? ""
                            : " " + event.getThrowableProxy().getClassName() + ": "
                                    + event.getThrowableProxy().getMessage()));
        }
    }

    /** The WARN and ERROR events recorded, as "LEVEL [thread] logger message exception". */
    List<String> events() {
        return List.copyOf(events);
    }

    /** The whole stack traces of {@code errors}, causes included, for a failure message. */
    static String traces(List<Throwable> errors) {
        StringWriter out = new StringWriter();
        try (PrintWriter printer = new PrintWriter(out)) {
            errors.forEach(error -> error.printStackTrace(printer));
        }
        return out.toString();
    }

    /** The errors dropped to {@code onErrorDropped}. */
    List<Throwable> dropped() {
        return List.copyOf(dropped);
    }

    @Override
    public void close() {
        Hooks.resetOnErrorDropped();
        root.detachAppender(this);
        stop();
    }
}

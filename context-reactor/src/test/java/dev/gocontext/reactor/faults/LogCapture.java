package dev.gocontext.reactor.faults;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.assertj.core.api.SoftAssertions;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Hooks;

/**
 * Counts what a test makes the libraries log above DEBUG, whatever the configured levels say, and
 * the errors dropped to Reactor's {@code onErrorDropped} hook. {@link #close()} puts everything back.
 *
 * <pre>{@code
 * try (LogCapture capture = LogCapture.begin()) {
 *     ...
 *     assertThat(capture.events()).isEmpty();
 * }
 * }</pre>
 */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    /** The loggers whose configured level is lowered to INFO while capturing. */
    private static final List<String> WATCHED =
            List.of(org.slf4j.Logger.ROOT_LOGGER_NAME, "reactor", "io.netty", "org.springframework", "dev.gocontext");

    private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
    private final List<Throwable> dropped = new CopyOnWriteArrayList<>();
    private final Map<Logger, Level> levelsBefore = new HashMap<>();
    private final Logger root;

    private LogCapture() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        setContext(context);
        setName("log-capture");
    }

    static LogCapture begin() {
        LogCapture capture = new LogCapture();
        LoggerContext context = (LoggerContext) capture.getContext();
        for (String name : WATCHED) {
            Logger logger = context.getLogger(name);
            capture.levelsBefore.put(logger, logger.getLevel());
            logger.setLevel(Level.INFO);
        }
        // the configuration may set levels below the watched ones (reactor.netty at ERROR): lower them too
        for (Logger logger : context.getLoggerList()) {
            if (logger.getLevel() != null
                    && logger.getLevel().isGreaterOrEqual(Level.WARN)
                    && !capture.levelsBefore.containsKey(logger)) {
                capture.levelsBefore.put(logger, logger.getLevel());
                logger.setLevel(Level.INFO);
            }
        }
        capture.start();
        capture.root.addAppender(capture);
        Hooks.onErrorDropped(capture.dropped::add);
        return capture;
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (event.getLevel().isGreaterOrEqual(Level.INFO)) {
            events.add(event);
        }
    }

    /** The events above DEBUG, as "LEVEL logger message exception". */
    List<String> events() {
        return eventsExcept("-");
    }

    /** The events above DEBUG of the loggers whose name does not start with {@code loggerPrefix}. */
    List<String> eventsExcept(String loggerPrefix) {
        return events.stream()
                .filter(event -> !event.getLoggerName().startsWith(loggerPrefix))
                .map(event -> event.getLevel() + " " + event.getLoggerName() + " " + event.getFormattedMessage()
                        + (event.getThrowableProxy() == null
                                ? ""
                                : " " + event.getThrowableProxy().getClassName()))
                .toList();
    }

    /** The errors dropped to {@code onErrorDropped}. */
    List<Throwable> dropped() {
        return List.copyOf(dropped);
    }

    /** Asserts, softly, that nothing was logged above DEBUG and nothing dropped; {@code what} prefixes each description. */
    void assertQuiet(SoftAssertions soft, String what) {
        soft.assertThat(events()).as("%s: logged above DEBUG", what).isEmpty();
        soft.assertThat(dropped()).as("%s: dropped errors", what).isEmpty();
    }

    @Override
    public void close() {
        Hooks.resetOnErrorDropped();
        root.detachAppender(this);
        stop();
        levelsBefore.forEach(Logger::setLevel);
    }
}

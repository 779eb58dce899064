package dev.gocontext.reactor.faults;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Netty's leak reports ({@code LEAK: ...}, logged by {@link ResourceLeakDetector} when a buffer it
 * tracks is collected unreleased), recorded for the test to fail on. The fault-injection tests run
 * with {@code -Dio.netty.leakDetection.level=paranoid}: every buffer is tracked.
 */
final class NettyLeaks extends AppenderBase<ILoggingEvent> {
    private static final NettyLeaks INSTANCE = new NettyLeaks();

    private final List<String> reports = new CopyOnWriteArrayList<>();

    private NettyLeaks() {}

    /**
     * Starts recording (once per JVM), and makes sure Netty tracks every buffer (the suite's own
     * execution sets it from the start; a test run alone with {@code -Dtest=} gets it from here on).
     */
    static synchronized NettyLeaks install() {
        if (!paranoid()) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        }
        if (!INSTANCE.isStarted()) {
            Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            INSTANCE.setContext(root.getLoggerContext());
            INSTANCE.setName("netty-leaks");
            INSTANCE.start();
            root.addAppender(INSTANCE);
        }
        return INSTANCE;
    }

    @Override
    protected void append(ILoggingEvent event) {
        String message = event.getFormattedMessage();
        if (message != null && message.contains("LEAK:")) {
            reports.add(message);
        }
    }

    /**
     * Makes Netty report what has leaked so far: a leaked buffer is reported only after it has been
     * collected, when a later allocation polls the detector's queue.
     */
    List<String> collect() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            for (int i = 0; i < 64; i++) {
                PooledByteBufAllocator.DEFAULT.buffer(16).release();
                UnpooledByteBufAllocator.DEFAULT.buffer(16).release();
                PooledByteBufAllocator.DEFAULT.directBuffer(16).release();
            }
        }
        return List.copyOf(reports);
    }

    void clear() {
        reports.clear();
    }

    /** Whether Netty tracks every buffer, as these tests need. */
    static boolean paranoid() {
        return ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.PARANOID;
    }

    /** A buffer dropped unreleased, for the self-test. */
    static void leakOne() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.directBuffer(32);
        leaked.writeInt(42);
    }
}

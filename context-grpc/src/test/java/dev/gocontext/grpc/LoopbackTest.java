package dev.gocontext.grpc;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;

/** A test that runs servers and channels: {@link #on} opens them, and they are closed after each test. */
abstract class LoopbackTest {
    private final AtomicReference<Loopback> loopback = new AtomicReference<>();

    /** The servers and channels of this test, over {@code transport}. */
    Loopback on(Loopback.Transport transport) {
        Loopback l = new Loopback(transport);
        Loopback previous = loopback.getAndSet(l);
        if (previous != null) {
            throw new IllegalStateException("one loopback per test");
        }
        return l;
    }

    @AfterEach
    void closeLoopback() throws InterruptedException {
        Loopback l = loopback.getAndSet(null);
        if (l != null) {
            l.close();
        }
    }
}

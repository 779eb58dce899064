package dev.gocontext.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Events recorded by the application under test, for a test to wait on: every event is kept, so
 * waiting for one never loses another that came first.
 */
final class Events<T> {
    private final List<T> seen = new ArrayList<>(); // guarded by this

    synchronized void add(T event) {
        seen.add(event);
        notifyAll();
    }

    /** Waits (at most 10 s) for an event that {@code wanted} accepts; fails naming {@code what}. */
    synchronized T await(String what, Predicate<? super T> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            for (T event : seen) {
                if (wanted.test(event)) {
                    return event;
                }
            }
            long left = deadline - System.nanoTime();
            assertThat(left).as("waiting for " + what + " among " + seen).isPositive();
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    synchronized void clear() {
        seen.clear();
    }
}

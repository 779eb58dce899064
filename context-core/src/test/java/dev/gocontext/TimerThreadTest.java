package dev.gocontext;

import static dev.gocontext.TestSupport.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/**
 * The shared timer thread runs no user code: not a user-written parent's {@code done()} or {@code
 * stop()} when a child's deadline fires, not another time source's {@code Registration.stop()}
 * when a deadline walks a child on that source. Each user method here records its thread and,
 * once the gate is closed, blocks like a slow method would; an unrelated deadline on the system
 * clock must still fire meanwhile. No wall-clock margin is involved: the unrelated deadline is
 * awaited as an event, and the recorded threads are checked by name.
 */
class TimerThreadTest {
    @Test
    void aDeadlineUnderAUserWrittenParentNeverCallsItsDoneOnTheTimerThread() throws Exception {
        try (UserCodeGate gate = new UserCodeGate()) {
            CancellableContext child = new GatedParent(gate, false).withTimeout(Duration.ofMillis(1));
            whenTheDeadlineFires(child, gate);
        }
    }

    @Test
    void aDeadlineUnderAParentWithItsOwnAfterDoneNeverCallsItsDoneOrStopOnTheTimerThread() throws Exception {
        try (UserCodeGate gate = new UserCodeGate()) {
            GatedParent parent = new GatedParent(gate, true);
            whenTheDeadlineFires(parent.withValue(Key.of("k"), 1).withTimeout(Duration.ofMillis(1)), gate);
            gate.open();
            TestSupport.awaitTrue(() -> parent.registered() == 0, "the child unregistered from its parent");
        }
    }

    /**
     * Closes the gate of the user code, waits for the deadline that ends {@code child} (its own or
     * its parent's), and checks that an unrelated deadline still fires and that no user code ran
     * on the timer thread.
     */
    private static void whenTheDeadlineFires(CancellableContext child, UserCodeGate gate) throws InterruptedException {
        gate.closeGate();
        assertThat(child.done().await(PATIENCE)).isTrue();
        assertThat(child.err()).isSameAs(Context.DEADLINE_EXCEEDED);

        assertAnUnrelatedDeadlineStillFires();
        assertThat(gate.ranOnTheTimerThread())
                .as("user code ran on %s", gate.callerNames())
                .isFalse();
    }

    @Test
    void aSystemDeadlineNeverStopsAnotherTimeSourcesTimerOnTheTimerThread() throws Exception {
        // The child's timer must be scheduled before its parent's deadline fires (else the
        // deriving thread stops it itself): try again with a longer timeout until it is.
        for (Duration timeout = Duration.ofMillis(1); ; timeout = timeout.multipliedBy(10)) {
            try (UserCodeGate gate = new UserCodeGate()) {
                GatedTimeSource source = new GatedTimeSource(gate);
                CancellableContext parent = Context.background().withTimeout(timeout);
                CancellableContext child = parent.withTimeSource(source).withTimeout(Duration.ofHours(1));
                if (!source.scheduled || source.stopped.isDone()) {
                    continue; // the parent was done before the child's timer started
                }
                whenTheDeadlineFires(child, gate);
                gate.open();
                TestSupport.awaitTrue(() -> source.stopped.isDone(), "the child's timer was stopped");
                return;
            }
        }
    }

    /** A deadline that has nothing to do with the blocked user code fires, as an event. */
    private static void assertAnUnrelatedDeadlineStillFires() throws InterruptedException {
        try (CancellableContext unrelated = Context.background().withTimeout(Duration.ofMillis(1))) {
            assertThat(unrelated.done().await(PATIENCE))
                    .as("an unrelated deadline fired while user code was blocked")
                    .isTrue();
        }
    }

    /**
     * A user-written parent, never done here, whose {@code done()} (and, when it has its own
     * {@code afterDone}, the {@code stop()} of its registrations) is gated user code.
     */
    static final class GatedParent implements Context {
        private final UserCodeGate gate;
        private final boolean ownAfterDone;
        private final CompletableFuture<Void> future = new CompletableFuture<>();
        private int registered; // guarded by this

        GatedParent(UserCodeGate gate, boolean ownAfterDone) {
            this.gate = gate;
            this.ownAfterDone = ownAfterDone;
        }

        synchronized int registered() {
            return registered;
        }

        @Override
        public Optional<Instant> deadline() {
            return Optional.empty();
        }

        @Override
        public Done done() {
            gate.pass();
            return new FutureDone(future, !ownAfterDone);
        }

        @Override
        public ContextException err() {
            return null;
        }

        @Override
        public <T> T value(Key<T> key) {
            return null;
        }

        @Override
        public Registration afterDone(Runnable action, Executor executor) {
            if (!ownAfterDone) {
                return Context.super.afterDone(action, executor);
            }
            synchronized (this) {
                registered++;
            }
            boolean[] stopped = {false};
            return () -> {
                gate.pass();
                synchronized (this) {
                    if (stopped[0]) {
                        return false;
                    }
                    stopped[0] = true;
                    registered--;
                    return true;
                }
            };
        }

        @Override
        public String toString() {
            return "GatedParent";
        }
    }

    /** A time source whose timers never fire by themselves and whose {@code stop()} is gated. */
    static final class GatedTimeSource implements TimeSource {
        private final UserCodeGate gate;
        final CompletableFuture<Void> stopped = new CompletableFuture<>();
        volatile boolean scheduled;

        GatedTimeSource(UserCodeGate gate) {
            this.gate = gate;
        }

        @Override
        public Instant now() {
            return TestSupport.T0;
        }

        @Override
        public Registration schedule(Runnable task, Duration delay) {
            scheduled = true;
            return () -> {
                gate.pass();
                stopped.complete(null);
                return true;
            };
        }
    }
}

package dev.gocontext;

import static dev.gocontext.TestSupport.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The executor behind the internal pools: a thread limit beyond which tasks queue, idle threads
 * that end after their keep-alive and reference no task they ran, and no task lost when one is
 * queued while the last idle thread decides to end. Each test builds its own executor with small
 * limits.
 */
class ElasticExecutorTest {
    private static final Duration LONG = Duration.ofHours(1);

    @Test
    void anIdleThreadReferencesNoTaskItRan() throws InterruptedException {
        ElasticExecutor executor = new ElasticExecutor("test-idle-", 2, LONG, LONG);
        CountDownLatch ran = new CountDownLatch(1);
        WeakReference<Object> payload = runTaskHolding(executor, ran);
        assertThat(ran.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        TestSupport.assertCollected(payload, "what the first task of an idle thread held");
        assertThat(executor.threadCount())
                .as("the control: the idle thread is still there")
                .isEqualTo(1);
    }

    private static WeakReference<Object> runTaskHolding(ElasticExecutor executor, CountDownLatch ran) {
        Object payload = new Object();
        executor.execute(() -> {
            Objects.requireNonNull(payload); // the task holds the payload until it is dropped
            ran.countDown();
        });
        return new WeakReference<>(payload);
    }

    @Test
    void tasksBeyondTheThreadLimitQueueAndRunWhenAThreadIsFree() throws InterruptedException {
        ElasticExecutor executor = new ElasticExecutor("test-limit-", 2, LONG, LONG);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(2);
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 2; i++) {
            executor.execute(() -> {
                started.countDown();
                await(release);
                ran.incrementAndGet();
            });
        }
        assertThat(started.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        for (int i = 0; i < 3; i++) {
            executor.execute(ran::incrementAndGet);
        }
        assertThat(executor.threadCount()).as("no thread beyond the limit").isEqualTo(2);
        assertThat(TestSupport.threadsNamed("test-limit-")).hasSize(2);
        assertThat(ran).as("the queued tasks wait for a free thread").hasValue(0);

        release.countDown();
        TestSupport.awaitTrue(() -> ran.get() == 5, "every task ran");
        assertThat(executor.threadCount()).isEqualTo(2);
    }

    @Test
    void idleThreadsEndAfterTheirKeepAlive() {
        ElasticExecutor executor =
                new ElasticExecutor("test-keepalive-", 2, Duration.ofMillis(1), Duration.ofMillis(1));
        executor.execute(() -> {});
        TestSupport.awaitTrue(() -> executor.threadCount() == 0, "the idle thread ended");
        TestSupport.awaitTrue(() -> TestSupport.threadsNamed("test-keepalive-").isEmpty(), "no thread left");
    }

    /**
     * The race of the last idle thread: it has decided to end (its keep-alive passed, nothing to
     * take) but not yet left the count, so a task submitted now finds the pool full and queues.
     * The thread must take it back instead of ending with the task stranded.
     */
    @Test
    void aTaskQueuedWhileTheLastIdleThreadDecidesToEndStillRuns() throws InterruptedException {
        CountDownLatch deciding = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        ElasticExecutor executor =
                new ElasticExecutor("test-retiring-", 1, Duration.ofMillis(1), Duration.ofMillis(1)) {
                    @Override
                    void retiring() {
                        if (deciding.getCount() > 0) {
                            deciding.countDown();
                            await(proceed);
                        }
                    }
                };
        executor.execute(() -> {});
        assertThat(deciding.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .as("the idle thread decides to end")
                .isTrue();

        CountDownLatch ran = new CountDownLatch(1);
        executor.execute(ran::countDown);
        assertThat(executor.threadCount())
                .as("the pool is still full: the task queued")
                .isEqualTo(1);
        proceed.countDown();
        assertThat(ran.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .as("the queued task ran")
                .isTrue();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.gocontext.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.reactor.http.RequestListener;
import dev.gocontext.reactor.http.RequestOutcome;
import dev.gocontext.reactor.http.RequestScope;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A {@link RequestListener} for tests: every scope opened, and every end as an event to wait for. */
final class Scopes implements RequestListener {
    /** One end of a request scope. */
    record Ended(RequestScope scope, RequestOutcome outcome) {}

    private final List<RequestScope> opened = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Ended> ended = new LinkedBlockingQueue<>();

    @Override
    public void opened(RequestScope scope) {
        opened.add(scope);
    }

    @Override
    public void ended(RequestScope scope, RequestOutcome outcome) {
        ended.add(new Ended(scope, outcome));
    }

    /** The scope opened for {@code path} with {@code requestId}. */
    RequestScope find(String requestId, String path) {
        return opened.stream()
                .filter(s -> s.requestId().equals(requestId) && s.path().equals(path))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no scope for " + requestId + " " + path + " in " + opened));
    }

    /** Waits (at most 10 s) until the scope of {@code requestId} at {@code path} ends; its outcome. */
    RequestOutcome awaitEnd(String requestId, String path) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            Ended next = ended.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertThat(next).as("end of " + requestId + " " + path).isNotNull();
            if (next.scope().requestId().equals(requestId)
                    && next.scope().path().equals(path)) {
                return next.outcome();
            }
        }
    }

    void clear() {
        opened.clear();
        ended.clear();
    }
}

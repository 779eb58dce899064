package dev.gocontext.spring.boot;

import dev.gocontext.reactor.http.RequestListener;
import dev.gocontext.reactor.http.RequestOutcome;
import dev.gocontext.reactor.http.RequestScope;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link RequestListener} for tests: every scope opened, and every end as an event to wait for. */
final class Scopes implements RequestListener {
    /** One end of a request scope. */
    record Ended(RequestScope scope, RequestOutcome outcome) {}

    private final List<RequestScope> opened = new CopyOnWriteArrayList<>();
    private final Events<Ended> ended = new Events<>();

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
        return ended.await(
                        "end of " + requestId + " " + path,
                        end -> end.scope().requestId().equals(requestId)
                                && end.scope().path().equals(path))
                .outcome();
    }

    void clear() {
        opened.clear();
        ended.clear();
    }
}

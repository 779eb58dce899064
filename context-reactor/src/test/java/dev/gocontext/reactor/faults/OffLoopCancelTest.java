package dev.gocontext.reactor.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.faults.ClientStacks.Stack;
import dev.gocontext.reactor.http.TestServers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;

/**
 * A call canceled from a thread other than its connection's event loop, just as its response is
 * being read there: Reactor Netty disposes a call that has no response yet by closing its
 * connection, and a close asked for off the event loop runs there later. If the response is read
 * and the connection goes back to the pool first, that close would hit the next call, which has
 * taken the connection meanwhile ("Connection prematurely closed BEFORE response"). The test holds
 * the event loop in the read of the first call's response, cancels that call from the test thread
 * (its ctx, or its subscription), lets the read go on, and expects the next call, waiting for the
 * pool's only connection, to be answered, with nothing logged above DEBUG.
 */
class OffLoopCancelTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final ResourceCheck check = new ResourceCheck();

    enum Cancel {
        CTX,
        SUBSCRIPTION
    }

    private final ReadGate gate = new ReadGate(WAIT);
    private DisposableServer server;
    private PoolProbe pool;
    private ClientStacks stacks;

    @BeforeEach
    void start() {
        server = TestServers.plain((request, response) -> response.sendString(Mono.just("ok")));
        pool = check.watch(PoolProbe.of("off-loop-cancel", 1, WAIT));
        HttpClient gated = HttpClient.create(pool.provider())
                .doOnChannelInit(
                        (observer, channel, address) -> channel.pipeline().addFirst(gate));
        stacks = new ClientStacks(gated, server.port());
    }

    @AfterEach
    void stop() {
        gate.release.countDown();
        server.disposeNow();
    }

    private Mono<String> call(Stack client, Context ctx) {
        return stacks.body(client, "/", "off-loop-cancel").contextWrite(GoContext.with(ctx));
    }

    @ParameterizedTest
    @CsvSource({"NETTY, CTX", "NETTY, SUBSCRIPTION", "WEBCLIENT, CTX", "WEBCLIENT, SUBSCRIPTION"})
    void aCallCanceledOffTheEventLoopAsItsResponseIsReadLeavesTheNextCallItsConnection(Stack client, Cancel cancel)
            throws Exception {
        try (CancellableContext warmUp = Context.background().withCancel()) {
            assertThat(call(client, warmUp).block(WAIT)).as("warm-up call").isEqualTo("ok");
        }
        try (LogCapture capture = LogCapture.begin();
                CancellableContext first = Context.background().withCancel();
                CancellableContext next = Context.background().withCancel()) {
            AtomicReference<Throwable> firstFailed = new AtomicReference<>();
            gate.arm();
            Disposable firstCall = call(client, first).subscribe(null, firstFailed::set);
            assertThat(gate.arrived.await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                    .as("the first call's response reached the client")
                    .isTrue();
            // the event loop is held in that read: the next call waits for the pool's only connection
            Mono<String> nextCall = call(client, next).cache();
            nextCall.subscribe(null, e -> {});
            await("the next call waits for the connection").atMost(WAIT).until(() -> pool.pending() == 1);

            switch (cancel) {
                case CTX -> first.cancel();
                case SUBSCRIPTION -> firstCall.dispose();
            }
            gate.release.countDown();

            assertThat(nextCall.block(WAIT)).as("the next call's answer").isEqualTo("ok");
            if (cancel == Cancel.CTX) {
                await("the first call ended").atMost(WAIT).until(() -> firstFailed.get() != null);
                assertThat(CtxErrors.isErrOf(firstFailed.get(), first))
                        .as("the first call failed with its ctx's error, not %s", firstFailed.get())
                        .isTrue();
            }
            assertThat(capture.events()).as("logged above DEBUG").isEmpty();
            assertThat(capture.dropped()).as("dropped errors").isEmpty();
        }
    }
}

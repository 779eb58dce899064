package dev.gocontext.grpc;

import static dev.gocontext.grpc.Services.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.ContextStats;
import dev.gocontext.LeakDetection;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.GoContextHttp;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.Disposable;

/**
 * A flood of calls through both interceptors (and the Reactor calls), a random share of them
 * canceled at random moments: afterwards no ctx is left active, none leaked, and (over Netty, at
 * the paranoid level) no buffer leaked. The calls are chosen by a seeded random: the seed is
 * printed, and {@code -Dgocontext.seed=N} replays it; {@code -Dgocontext.grpc.flood=N} changes the
 * number of calls.
 */
class FloodTest {
    private static final int CALLS = Integer.getInteger("gocontext.grpc.flood", 10_000);
    private static final int IN_FLIGHT = 64;
    private static final String NETTY_LEAK_LOGGER = "io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector";

    /** What a call does, and the status it must end with. */
    enum Kind {
        /** Answered, at once or a little later: OK. */
        ANSWERED(Status.Code.OK),
        /** Never answered; its ctx canceled at a random moment: CANCELLED. */
        CANCELED_LATER(Status.Code.CANCELLED),
        /** Never answered; its ctx's deadline of a few milliseconds passes: DEADLINE_EXCEEDED. */
        DEADLINE(Status.Code.DEADLINE_EXCEEDED),
        /** Its ctx canceled before the call: CANCELLED, the server never reached. */
        CANCELED_BEFORE(Status.Code.CANCELLED),
        /** A Reactor call, answered a little later: OK. */
        REACTOR_ANSWERED(Status.Code.OK),
        /** A Reactor call never answered, disposed at a random moment: CANCELLED. */
        REACTOR_DISPOSED(Status.Code.CANCELLED);

        final Status.Code expected;

        Kind(Status.Code expected) {
            this.expected = expected;
        }
    }

    private final List<LogRecord> nettyLeaks = new CopyOnWriteArrayList<>();
    private final Handler leakCapture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (String.valueOf(record.getMessage()).contains("LEAK:")) {
                nettyLeaks.add(record);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    private LeakDetection.Level savedLevel;
    private ScheduledExecutorService timers;
    private Loopback loop;

    @BeforeEach
    void setUp() {
        savedLevel = LeakDetection.level();
        LeakDetection.setLevel(LeakDetection.Level.ALL);
        Logger.getLogger(NETTY_LEAK_LOGGER).addHandler(leakCapture);
        timers = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (loop != null) {
            loop.close();
        }
        timers.shutdownNow();
        assertThat(timers.awaitTermination(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();
        Logger.getLogger(NETTY_LEAK_LOGGER).removeHandler(leakCapture);
        LeakDetection.setLevel(savedLevel);
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void callsCanceledAtRandomLeaveNoCtxBehind(Loopback.Transport transport) throws Exception {
        long seed = Long.getLong("gocontext.seed", System.nanoTime());
        System.out.printf(
                "FloodTest %s: %d calls, seed %d (replay with -Dgocontext.seed=%d)%n", transport, CALLS, seed, seed);
        Random random = new Random(seed);
        long activeBefore = ContextStats.global().active();
        long leakedBefore = ContextStats.global().leaked();
        loop = new Loopback(transport);
        Server server = loop.serve(Services.unary(this::handle, GoContextGrpc.serverInterceptor()));
        Channel channel = loop.channel(server, GoContextGrpc.clientInterceptor(loop.authority(server)));
        for (int i = 0; i < 100; i++) { // warm-up: classes loaded, connection up
            ClientCalls.blockingUnaryCall(channel, Strings.UNARY, CallOptions.DEFAULT, "now");
        }

        Map<Kind, Map<Status.Code, Integer>> outcomes = flood(channel, random);

        System.out.printf("FloodTest %s outcomes: %s%n", transport, outcomes);
        outcomes.forEach((kind, codes) -> assertThat(codes.keySet())
                .as("%s calls end with %s (seed %d)", kind, kind.expected, seed)
                .containsOnly(kind.expected));
        assertThat(outcomes.values().stream()
                        .flatMap(codes -> codes.values().stream())
                        .mapToInt(Integer::intValue)
                        .sum())
                .isEqualTo(CALLS);
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(ContextStats.global().active())
                        .as("every ctx of the flood is done (seed %d)", seed)
                        .isLessThanOrEqualTo(activeBefore));
        assertNoCtxLeaked(leakedBefore, seed);
        if (transport == Loopback.Transport.NETTY) {
            assertNoBufferLeaked(channel, seed);
        }
    }

    /** The server: answers "now" at once, "later:N" after N microseconds, "never" never. */
    private void handle(String request, StreamObserver<String> response) {
        Context ctx = GoContextGrpc.current();
        if (request.equals("now")) {
            response.onNext("ok");
            response.onCompleted();
        } else if (request.startsWith("later:")) {
            long micros = Long.parseLong(request.substring("later:".length()));
            timers.schedule(
                    () -> {
                        if (ctx.err() != null) {
                            response.onError(ctx.err()); // mapped, or dropped if the call is gone
                        } else {
                            response.onNext("ok");
                            response.onCompleted();
                        }
                    },
                    micros,
                    TimeUnit.MICROSECONDS);
        }
    }

    private Map<Kind, Map<Status.Code, Integer>> flood(Channel channel, Random random) throws InterruptedException {
        Map<Kind, Map<Status.Code, Integer>> outcomes = new ConcurrentHashMap<>();
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        CountDownLatch ended = new CountDownLatch(CALLS);
        Kind[] kinds = Kind.values();
        for (int i = 0; i < CALLS; i++) {
            Kind kind = kinds[random.nextInt(kinds.length)];
            long delayMicros = random.nextInt(2_000);
            assertThat(inFlight.tryAcquire(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                    .as("calls keep ending")
                    .isTrue();
            Consumer<Status.Code> end = code -> {
                outcomes.computeIfAbsent(kind, k -> new ConcurrentHashMap<>()).merge(code, 1, Integer::sum);
                inFlight.release();
                ended.countDown();
            };
            start(channel, i, kind, delayMicros, end);
        }
        assertThat(ended.await(2 * PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .as("every call ended")
                .isTrue();
        Map<Kind, Map<Status.Code, Integer>> sorted = new EnumMap<>(Kind.class);
        outcomes.forEach((kind, codes) -> sorted.put(kind, new TreeMap<>(codes)));
        return sorted;
    }

    private void start(Channel channel, int i, Kind kind, long delayMicros, Consumer<Status.Code> end) {
        Context base = Context.background().withValue(GoContextHttp.REQUEST_ID_KEY, "flood-" + i);
        CancellableContext ctx = kind == Kind.DEADLINE
                ? base.withTimeout(Duration.ofNanos(TimeUnit.MICROSECONDS.toNanos(1_000 + delayMicros)))
                : base.withTimeout(Duration.ofSeconds(30));
        Consumer<Status.Code> endAndRelease = code -> {
            ctx.cancel();
            end.accept(code);
        };
        String request = kind == Kind.ANSWERED || kind == Kind.REACTOR_ANSWERED ? "later:" + delayMicros : "never";
        if (kind == Kind.ANSWERED && delayMicros % 2 == 0) {
            request = "now";
        }
        if (kind == Kind.CANCELED_BEFORE) {
            ctx.cancel(new IllegalStateException("canceled before the call"));
        }
        if (kind == Kind.REACTOR_ANSWERED || kind == Kind.REACTOR_DISPOSED) {
            Disposable call = GoContextGrpc.unary(channel, Strings.UNARY, CallOptions.DEFAULT, request)
                    .contextWrite(GoContext.with(ctx))
                    .subscribe(
                            answer -> {},
                            error -> endAndRelease.accept(
                                    Status.fromThrowable(error).getCode()),
                            () -> endAndRelease.accept(Status.Code.OK));
            if (kind == Kind.REACTOR_DISPOSED) {
                timers.schedule(
                        () -> {
                            call.dispose();
                            endAndRelease.accept(Status.Code.CANCELLED);
                        },
                        delayMicros,
                        TimeUnit.MICROSECONDS);
            }
            return;
        }
        ClientCalls.asyncUnaryCall(
                channel.newCall(Strings.UNARY, CallOptions.DEFAULT.withOption(GoContextGrpc.CTX, ctx)),
                request,
                new StreamObserver<>() {
                    @Override
                    public void onNext(String value) {}

                    @Override
                    public void onError(Throwable t) {
                        endAndRelease.accept(Status.fromThrowable(t).getCode());
                    }

                    @Override
                    public void onCompleted() {
                        endAndRelease.accept(Status.Code.OK);
                    }
                });
        if (kind == Kind.CANCELED_LATER) {
            timers.schedule(
                    () -> ctx.cancel(new IllegalStateException("canceled during the call")),
                    delayMicros,
                    TimeUnit.MICROSECONDS);
        }
    }

    /**
     * Proves that the leak detector processed everything the flood left to the garbage collector:
     * one deliberate leak (the canary), created last, is counted, and nothing else is.
     */
    private static void assertNoCtxLeaked(long leakedBefore, long seed) {
        dropOneContext();
        assertThat(gcUntil(() -> ContextStats.global().leaked() > leakedBefore))
                .as("the canary leak is counted")
                .isTrue();
        assertThat(ContextStats.global().leaked() - leakedBefore)
                .as("only the canary leaked (seed %d)", seed)
                .isEqualTo(1);
    }

    @SuppressWarnings("resource") // the point: a context dropped without cancel()
    private static void dropOneContext() {
        Context.background().withCancel();
    }

    /**
     * Proves the same for Netty's buffers: after a collection, new allocations report the buffers
     * that were dropped; one dropped on purpose (the canary) is reported, and nothing else is.
     */
    private void assertNoBufferLeaked(Channel channel, long seed) {
        dropOneBuffer();
        AtomicLong rounds = new AtomicLong();
        assertThat(gcUntil(() -> {
                    ClientCalls.blockingUnaryCall(channel, Strings.UNARY, CallOptions.DEFAULT, "now");
                    PooledByteBufAllocator.DEFAULT.buffer(16).release(); // reports what the GC found
                    rounds.incrementAndGet();
                    return !nettyLeaks.isEmpty();
                }))
                .as("the canary buffer is reported")
                .isTrue();
        assertThat(nettyLeaks)
                .as("only the canary buffer leaked (seed %d)", seed)
                .hasSize(1)
                .allSatisfy(r -> assertThat(r.getMessage()).contains("dropOneBuffer"));
    }

    private static void dropOneBuffer() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.buffer(16);
        leaked.writeByte(1);
    }

    /** Collects garbage until {@code condition} holds, within {@link Services#PATIENCE}. */
    private static boolean gcUntil(BooleanSupplier condition) {
        long end = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                return false;
            }
            System.gc();
            try {
                Thread.sleep(10); // the leak detectors' own threads run meanwhile; the loop is bounded
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}

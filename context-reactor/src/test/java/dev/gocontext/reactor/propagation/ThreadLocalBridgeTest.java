package dev.gocontext.reactor.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.GoContextHttp;
import io.micrometer.context.ContextRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** With automatic context propagation, imperative code and the MDC see the pipeline's ctx. */
class ThreadLocalBridgeTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @BeforeEach
    void enable() {
        Hooks.enableAutomaticContextPropagation();
    }

    @AfterEach
    void disable() {
        Hooks.disableAutomaticContextPropagation();
    }

    @Test
    void theAccessorIsRegisteredThroughItsServiceEntry() {
        assertThat(ContextRegistry.getInstance().getThreadLocalAccessors())
                .anySatisfy(a -> assertThat(a).isInstanceOf(GoContextThreadLocalAccessor.class));
    }

    @Test
    void imperativeCodeOnOtherThreadsSeesTheCtxAndTheMdcItsRequestId() {
        // one thread each, so that "afterwards" runs on the very threads the pipeline used
        Scheduler elastic = Schedulers.newBoundedElastic(1, 16, "bridge-elastic");
        Scheduler parallel = Schedulers.newParallel("bridge-parallel", 1);
        try (CancellableContext ctx = Context.background()
                .withValue(GoContextHttp.REQUEST_ID_KEY, "req-42")
                .withTimeout(Duration.ofSeconds(5))) {
            List<String> seen = Flux.range(0, 3)
                    .publishOn(elastic)
                    .map(i -> legacyCode())
                    .publishOn(parallel)
                    .map(s -> s + "|" + legacyCode())
                    .contextWrite(GoContext.with(ctx))
                    .collectList()
                    .block(WAIT);
            assertThat(seen).containsOnly("req-42 true on bridge-elastic|req-42 true on bridge-parallel");
            // ... and nothing is left on those threads afterwards
            assertThat(Mono.fromCallable(ThreadLocalBridgeTest::legacyCode)
                            .subscribeOn(elastic)
                            .block(WAIT))
                    .isEqualTo("null false on bridge-elastic");
            assertThat(Mono.fromCallable(ThreadLocalBridgeTest::legacyCode)
                            .subscribeOn(parallel)
                            .block(WAIT))
                    .isEqualTo("null false on bridge-parallel");
        } finally {
            elastic.dispose();
            parallel.dispose();
        }
    }

    @Test
    void anUnsafeRequestIdNeverReachesTheMdc() {
        Context ctx = Context.background().withValue(GoContextHttp.REQUEST_ID_KEY, "bad\nid");
        String seen = Mono.fromCallable(() -> String.valueOf(MDC.get(GoContextThreadLocalAccessor.MDC_REQUEST_ID)))
                .subscribeOn(Schedulers.boundedElastic())
                .contextWrite(GoContext.with(ctx))
                .block(WAIT);
        assertThat(seen).isEqualTo("null");
    }

    @Test
    void withoutACtxTheThreadSeesBackground() {
        assertThat(ThreadLocalContext.current()).isSameAs(Context.background());
    }

    /** What code that knows nothing of Reactor sees, and the pool its thread belongs to. */
    private static String legacyCode() {
        Context ctx = ThreadLocalContext.current();
        String pool = Thread.currentThread().getName().replaceAll("-\\d+$", "");
        return MDC.get(GoContextThreadLocalAccessor.MDC_REQUEST_ID) + " "
                + ctx.deadline().isPresent() + " on " + pool;
    }
}

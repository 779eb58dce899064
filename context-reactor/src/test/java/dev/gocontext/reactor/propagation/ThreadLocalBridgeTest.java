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
import reactor.core.scheduler.Schedulers;

/** With automatic context propagation, imperative code and the MDC see the pipeline's ctx. */
class ThreadLocalBridgeTest {

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
        try (CancellableContext ctx = Context.background()
                .withValue(GoContextHttp.REQUEST_ID_KEY, "req-42")
                .withTimeout(Duration.ofSeconds(5))) {
            List<String> seen = Flux.range(0, 3)
                    .publishOn(Schedulers.boundedElastic())
                    .map(i -> legacyCode())
                    .publishOn(Schedulers.parallel())
                    .map(s -> s + "|" + legacyCode())
                    .contextWrite(GoContext.with(ctx))
                    .collectList()
                    .block(Duration.ofSeconds(5));
            assertThat(seen).containsOnly("req-42 true|req-42 true");
            // ... and nothing is left on the threads afterwards
            String after = Mono.fromCallable(ThreadLocalBridgeTest::legacyCode)
                    .subscribeOn(Schedulers.boundedElastic())
                    .block(Duration.ofSeconds(5));
            assertThat(after).isEqualTo("null false");
        }
    }

    @Test
    void anUnsafeRequestIdNeverReachesTheMdc() {
        Context ctx = Context.background().withValue(GoContextHttp.REQUEST_ID_KEY, "bad\nid");
        String seen = Mono.fromCallable(() -> String.valueOf(MDC.get(GoContextThreadLocalAccessor.MDC_REQUEST_ID)))
                .subscribeOn(Schedulers.boundedElastic())
                .contextWrite(GoContext.with(ctx))
                .block(Duration.ofSeconds(5));
        assertThat(seen).isEqualTo("null");
    }

    @Test
    void withoutACtxTheThreadSeesBackground() {
        assertThat(ThreadLocalContext.current()).isSameAs(Context.background());
    }

    /** What code that knows nothing of Reactor sees. */
    private static String legacyCode() {
        Context ctx = ThreadLocalContext.current();
        return MDC.get(GoContextThreadLocalAccessor.MDC_REQUEST_ID) + " "
                + (ctx.deadline().isPresent());
    }
}

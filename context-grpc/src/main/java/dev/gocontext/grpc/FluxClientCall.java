package dev.gocontext.grpc;

import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;

/**
 * One call per subscription, by the rules of {@link CallSubscription}: the source of {@link
 * GoContextGrpc#serverStreaming}, and, seen as a {@code Mono}, of {@link GoContextGrpc#unary}.
 */
final class FluxClientCall<ReqT, RespT> extends Flux<RespT> implements Scannable {
    final CallSpec<ReqT, RespT> spec;
    final boolean unary;

    FluxClientCall(CallSpec<ReqT, RespT> spec, boolean unary) {
        this.spec = spec;
        this.unary = unary;
    }

    @Override
    public void subscribe(CoreSubscriber<? super RespT> actual) {
        CallSubscription.subscribe(spec, actual, unary);
    }

    @SuppressWarnings("rawtypes") // Reactor declares scanUnsafe(Attr)
    @Override
    public @Nullable Object scanUnsafe(Attr key) {
        if (key == Attr.RUN_STYLE) return Attr.RunStyle.ASYNC;
        return null;
    }

    @Override
    public String toString() {
        return (unary ? "unary(" : "serverStreaming(") + spec + ")";
    }
}

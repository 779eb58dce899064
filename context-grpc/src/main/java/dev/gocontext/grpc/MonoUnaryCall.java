package dev.gocontext.grpc;

import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Mono;

/** A unary call per subscription: the source of {@link GoContextGrpc#unary}. See {@link CallSubscription}. */
final class MonoUnaryCall<ReqT, RespT> extends Mono<RespT> implements Scannable {
    final CallSpec<ReqT, RespT> spec;

    MonoUnaryCall(CallSpec<ReqT, RespT> spec) {
        this.spec = spec;
    }

    @Override
    public void subscribe(CoreSubscriber<? super RespT> actual) {
        CallSubscription.subscribe(spec, actual, true);
    }

    @SuppressWarnings("rawtypes") // Reactor declares scanUnsafe(Attr)
    @Override
    public @Nullable Object scanUnsafe(Attr key) {
        if (key == Attr.RUN_STYLE) return Attr.RunStyle.ASYNC;
        return null;
    }

    @Override
    public String toString() {
        return "unary(" + spec + ")";
    }
}

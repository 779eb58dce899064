package dev.gocontext.grpc;

import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;

/**
 * A server-streaming call per subscription: the source of {@link GoContextGrpc#serverStreaming}. See
 * {@link CallSubscription}.
 */
final class FluxServerStreamingCall<ReqT, RespT> extends Flux<RespT> implements Scannable {
    final CallSpec<ReqT, RespT> spec;

    FluxServerStreamingCall(CallSpec<ReqT, RespT> spec) {
        this.spec = spec;
    }

    @Override
    public void subscribe(CoreSubscriber<? super RespT> actual) {
        CallSubscription.subscribe(spec, actual, false);
    }

    @SuppressWarnings("rawtypes") // Reactor declares scanUnsafe(Attr)
    @Override
    public @Nullable Object scanUnsafe(Attr key) {
        if (key == Attr.RUN_STYLE) return Attr.RunStyle.ASYNC;
        return null;
    }

    @Override
    public String toString() {
        return "serverStreaming(" + spec + ")";
    }
}

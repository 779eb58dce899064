package dev.gocontext.reactor.faults;

import dev.gocontext.Context;
import org.springframework.web.reactive.function.client.WebClientException;

/** How a client call that its ctx ended fails: with {@code ctx.err()}, or WebClient's wrapping of it. */
final class CtxErrors {
    private CtxErrors() {}

    /** Whether {@code e} is the error of {@code ctx}, as is or as WebClient wraps what its connector and body report. */
    static boolean isErrOf(Throwable e, Context ctx) {
        Throwable err = ctx.err();
        return err != null && (e == err || (e instanceof WebClientException && e.getCause() == err));
    }
}

package dev.gocontext.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** The mapping between ctx errors and gRPC statuses, both ways, with the cause kept. */
class StatusMappingTest {
    @Test
    void aCanceledCtxIsCancelledWithItsCause() {
        CancellableContext ctx = Context.background().withCancel();
        IllegalStateException why = new IllegalStateException("shutting down");
        ctx.cancel(why);

        Status status = GoContextGrpc.statusOf(ctx);

        assertThat(status.getCode()).isEqualTo(Status.Code.CANCELLED);
        assertThat(status.getDescription()).isEqualTo("context canceled");
        assertThat(status.getCause()).isSameAs(why);
        assertThat(GoContextGrpc.errOf(status)).isSameAs(Context.CANCELED);
    }

    @Test
    void aCtxPastItsDeadlineIsDeadlineExceededWithItsCause() {
        IllegalStateException why = new IllegalStateException("quote took too long");
        CancellableContext ctx = Context.background().withTimeout(Duration.ZERO, why);

        Status status = GoContextGrpc.statusOf(ctx);

        assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(status.getDescription()).isEqualTo("context deadline exceeded");
        assertThat(status.getCause()).isSameAs(why);
        assertThat(GoContextGrpc.errOf(status)).isSameAs(Context.DEADLINE_EXCEEDED);
    }

    @Test
    void aLiveCtxHasNoStatus() {
        try (CancellableContext ctx = Context.background().withCancel()) {
            assertThatThrownBy(() -> GoContextGrpc.statusOf(ctx))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("ctx is not done");
        }
        assertThatThrownBy(() -> GoContextGrpc.statusOf((Context) null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("ctx");
    }

    @Test
    void errorsMapByTheFirstContextErrorOrStatusInTheirCauseChain() {
        assertThat(GoContextGrpc.statusOf(Context.DEADLINE_EXCEEDED).getCode())
                .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        ExecutionException wrapped = new ExecutionException(Context.CANCELED);
        Status fromWrapped = GoContextGrpc.statusOf(wrapped);
        assertThat(fromWrapped.getCode()).isEqualTo(Status.Code.CANCELLED);
        assertThat(fromWrapped.getCause()).isSameAs(wrapped);
        Status notFound = Status.NOT_FOUND.withDescription("no such quote");
        assertThat(GoContextGrpc.statusOf(new RuntimeException(notFound.asException())))
                .isSameAs(notFound);
        assertThat(GoContextGrpc.statusOf(notFound.asRuntimeException())).isSameAs(notFound);
        assertThat(GoContextGrpc.statusOf(new IllegalStateException("boom")).getCode())
                .isEqualTo(Status.Code.UNKNOWN);
    }

    @Test
    void otherStatusesStandForNoCtxError() {
        assertThat(GoContextGrpc.errOf(Status.OK)).isNull();
        assertThat(GoContextGrpc.errOf(Status.UNAVAILABLE)).isNull();
        assertThat(GoContextGrpc.errOf(Status.INTERNAL)).isNull();
    }
}

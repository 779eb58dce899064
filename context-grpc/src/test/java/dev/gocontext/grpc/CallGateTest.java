package dev.gocontext.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import io.grpc.Attributes;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The ctx's end never runs beside an operation of the application on a call that is not
 * thread-safe: a ctx canceled in the middle of a {@code sendMessage} (here, by the send itself, so
 * the order is certain) ends the call only when the send has returned; later writes are dropped.
 */
class CallGateTest {
    @Test
    void anEndAskedForDuringAnOperationRunsWhenTheLastOperationLeaves() {
        CallGate gate = new CallGate();
        assertThat(gate.enter()).isTrue();
        assertThat(gate.enter()).isTrue(); // reentrant: a callback that writes again
        assertThat(gate.requestEnd()).as("operations in flight: later").isFalse();
        assertThat(gate.enter()).as("no new operation once the end is pending").isFalse();
        assertThat(gate.exit(false)).isFalse();
        assertThat(gate.exit(false)).as("the last one out runs the end").isTrue();
        assertThat(gate.ended()).isTrue();
        assertThat(gate.requestEnd()).isFalse();
        assertThat(gate.enter()).isFalse();
    }

    @Test
    void anEndAskedForWithNothingInFlightRunsAtOnceAndOnlyOnce() {
        CallGate gate = new CallGate();
        assertThat(gate.requestEnd()).isTrue();
        assertThat(gate.requestEnd()).isFalse();
        assertThat(gate.enter()).isFalse();
    }

    @Test
    void anOperationThatEndsTheCallLeavesNothingToRun() {
        CallGate gate = new CallGate();
        assertThat(gate.enter()).isTrue();
        assertThat(gate.requestEnd()).isFalse();
        assertThat(gate.exit(true)).as("the application closed it first").isFalse();
        assertThat(gate.ended()).isTrue();
    }

    @Test
    void aClientCallIsCanceledAfterTheSendDuringWhichItsCtxEnded() {
        List<String> events = new CopyOnWriteArrayList<>();
        CancellableContext ctx = Context.background().withCancel();
        IllegalStateException why = new IllegalStateException("user gave up");
        RecordingClientCall delegate = new RecordingClientCall(events, () -> ctx.cancel(why));
        BoundClientCall<String, String> call = new BoundClientCall<>(delegate, ctx, null);
        AtomicReference<Status> closed = new AtomicReference<>();
        call.start(
                new ClientCall.Listener<>() {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        closed.set(status);
                    }
                },
                new Metadata());

        call.sendMessage("first"); // cancels the ctx from inside the send
        call.sendMessage("second");
        call.halfClose();

        assertThat(events).containsExactly("start", "send first: in", "send first: out", "cancel: context canceled");
        delegate.listener.onClose(
                Status.CANCELLED.withDescription("context canceled").withCause(why), new Metadata());
        assertThat(closed.get().getCode()).isEqualTo(Status.Code.CANCELLED);
        assertThat(closed.get().getCause()).isSameAs(why);
    }

    @Test
    void aServerCallIsClosedAfterTheSendDuringWhichItsCtxEnded() {
        List<String> events = new CopyOnWriteArrayList<>();
        CancellableContext parent = Context.background().withCancel();
        CancellableContext ctx = parent.withCancel();
        IllegalStateException why = new IllegalStateException("server shutting down");
        BoundServerCall<String, String> call =
                new BoundServerCall<>(new RecordingServerCall(events, () -> parent.cancel(why)), ctx, "id-1");
        call.watchCtx();

        call.sendHeaders(new Metadata());
        call.sendMessage("first"); // cancels the parent from inside the send
        call.sendMessage("second");
        call.close(Status.OK, new Metadata());

        assertThat(events)
                .containsExactly(
                        "headers id-1", "send first: in", "send first: out", "close CANCELLED context canceled");
        assertThat(call.isCancelled()).isTrue();
    }

    /** A client call that records what is done to it, and runs {@code duringSend} inside its first send. */
    static final class RecordingClientCall extends ClientCall<String, String> {
        final List<String> events;
        final Runnable duringSend;
        Listener<String> listener;

        RecordingClientCall(List<String> events, Runnable duringSend) {
            this.events = events;
            this.duringSend = duringSend;
        }

        @Override
        public void start(Listener<String> responseListener, Metadata headers) {
            listener = responseListener;
            events.add("start");
        }

        @Override
        public void request(int numMessages) {}

        @Override
        public void cancel(String message, Throwable cause) {
            events.add("cancel: " + message);
        }

        @Override
        public void halfClose() {
            events.add("half-close");
        }

        @Override
        public void sendMessage(String message) {
            events.add("send " + message + ": in");
            duringSend.run();
            events.add("send " + message + ": out");
        }

        @Override
        public Attributes getAttributes() {
            return Attributes.EMPTY;
        }
    }

    /** A server call that records what is done to it, and runs {@code duringSend} inside its first send. */
    static final class RecordingServerCall extends ServerCall<String, String> {
        final List<String> events;
        final Runnable duringSend;

        RecordingServerCall(List<String> events, Runnable duringSend) {
            this.events = events;
            this.duringSend = duringSend;
        }

        @Override
        public void request(int numMessages) {}

        @Override
        public void sendHeaders(Metadata headers) {
            events.add("headers " + headers.get(GoContextGrpc.REQUEST_ID));
        }

        @Override
        public void sendMessage(String message) {
            events.add("send " + message + ": in");
            duringSend.run();
            events.add("send " + message + ": out");
        }

        @Override
        public void close(Status status, Metadata trailers) {
            events.add("close " + status.getCode() + " " + status.getDescription());
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public MethodDescriptor<String, String> getMethodDescriptor() {
            return Strings.UNARY;
        }
    }
}

package dev.gocontext;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Go's {@code Canceled} and {@code DeadlineExceeded}: shared, stackless, suppression-free singletons. */
class ContextExceptionTest {
    static Stream<ContextException> errors() {
        return Stream.of(Context.CANCELED, Context.DEADLINE_EXCEEDED);
    }

    @Test
    void messagesAreGos() {
        assertThat(Context.CANCELED).hasMessage("context canceled");
        assertThat(Context.DEADLINE_EXCEEDED).hasMessage("context deadline exceeded");
    }

    @ParameterizedTest
    @MethodSource("errors")
    void stacklessEvenAfterBeingThrown(ContextException error) {
        assertThat(error.getStackTrace()).isEmpty();
        try {
            throw error;
        } catch (ContextException caught) {
            assertThat(caught).isSameAs(error);
            assertThat(caught.getStackTrace()).isEmpty();
        }
        error.fillInStackTrace();
        error.setStackTrace(new StackTraceElement[] {new StackTraceElement("X", "y", "X.java", 1)});
        assertThat(error.getStackTrace()).as("not writable").isEmpty();
    }

    @ParameterizedTest
    @MethodSource("errors")
    void suppressionIsDisabledAndThereIsNoCause(ContextException error) {
        error.addSuppressed(new IllegalStateException("ignored"));
        assertThat(error.getSuppressed()).isEmpty();
        assertThat(error.getCause()).isNull();
    }

    @Test
    void errorsAreTheSameInstanceOnEveryCallAndEveryContext() {
        CancellableContext a = Context.background().withCancel();
        CancellableContext b = Context.todo().withCancel();
        a.cancel();
        b.cancel(new Exception("cause"));
        assertThat(a.err()).isSameAs(b.err()).isSameAs(a.err()).isSameAs(Context.CANCELED);
        assertThat(Context.background().withTimeout(java.time.Duration.ZERO).err())
                .isSameAs(Context.DEADLINE_EXCEEDED);
    }

    @Test
    void deadlineExceededIsATimeout() {
        // Go: DeadlineExceeded implements Timeout() bool { return true } (TestDeadlineExceededSupportsTimeout)
        assertThat(Context.DEADLINE_EXCEEDED.isTimeout()).isTrue();
    }

    @Test
    void hierarchyIsSealedAndNotInstantiableByUsers() {
        assertThat(ContextException.class.isSealed()).isTrue();
        assertThat(ContextException.class.getPermittedSubclasses())
                .containsExactlyInAnyOrder(CanceledException.class, DeadlineExceededException.class);
        assertThat(RuntimeException.class).isAssignableFrom(ContextException.class);
        for (Class<?> type :
                new Class<?>[] {ContextException.class, CanceledException.class, DeadlineExceededException.class}) {
            assertThat(Arrays.stream(type.getDeclaredConstructors())
                            .noneMatch(c -> Modifier.isPublic(c.getModifiers())))
                    .as("%s has no public constructor", type)
                    .isTrue();
        }
        assertThat(Modifier.isFinal(CanceledException.class.getModifiers())).isTrue();
        assertThat(Modifier.isFinal(DeadlineExceededException.class.getModifiers()))
                .isTrue();
    }

    @ParameterizedTest
    @MethodSource("errors")
    void javaSerializationKeepsTheSingletons(ContextException error) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(error);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(in.readObject()).isSameAs(error);
        }
    }
}

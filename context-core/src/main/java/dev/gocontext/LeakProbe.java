package dev.gocontext;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import org.jspecify.annotations.Nullable;

/**
 * Watches one {@link TrackedHandle}: enqueued by the garbage collector once the handle is
 * unreachable. It references the node (to ask whether it is done), never the handle.
 */
final class LeakProbe extends PhantomReference<TrackedHandle> {
    final CancelNode node;

    /** Where the context was created; only at {@link LeakDetection.Level#PARANOID}. */
    final @Nullable Throwable creation;

    LeakProbe(
            TrackedHandle handle,
            CancelNode node,
            @Nullable Throwable creation,
            ReferenceQueue<? super TrackedHandle> queue) {
        super(handle, queue);
        this.node = node;
        this.creation = creation;
    }
}

package dev.gocontext.reactor.web;

import io.netty.buffer.ByteBuf;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBuffer;
import org.springframework.util.ClassUtils;

/**
 * A Netty buffer given a reference count of its own, so that one release too many ends that count
 * and takes no reference of anyone else's.
 *
 * <p>Two kinds of Netty buffer share a count with a buffer someone else holds: a slice, which
 * shares the count of the buffer it was cut from (Reactor Netty hands on slices of the connection's
 * read buffer), and a pooled buffer, whose object is recycled for the next user once released. Some
 * paths of Reactor and Spring release one {@code DataBuffer} twice when a cancel crosses another
 * signal: discard hooks that add up around a body read in a handler, and Spring's server response,
 * which releases a single-buffer body when its write fails (after Netty released it with the failed
 * message) and, on a cancel, when its write has not read the body yet (a write starting on another
 * thread can pass that check just after). Spring's release skips a buffer whose count is at zero,
 * but a shared count is not at zero: the second release takes the connection's reference to its
 * read buffer, or the reference of the response now using the recycled object, and that owner goes
 * on with freed memory. Behind a composite of one component, the first release ends the composite's
 * own count and gives back its one reference to the buffer; a second release finds the count at
 * zero and does nothing.
 *
 * <p>A buffer that is not Netty's is returned as it is; Netty's classes are loaded only if Netty is on
 * the class path.
 */
final class OwnReferenceCount {
    private static final boolean NETTY =
            ClassUtils.isPresent("io.netty.buffer.ByteBuf", OwnReferenceCount.class.getClassLoader());

    private OwnReferenceCount() {}

    /**
     * The buffer, behind a count of its own if it is Netty's. The result owns the reference the
     * caller had: release the result, not {@code buffer}.
     */
    static DataBuffer of(DataBuffer buffer) {
        return NETTY ? OnNetty.of(buffer) : buffer;
    }

    /** The only class that names Netty's types. */
    private static final class OnNetty {
        private OnNetty() {}

        static DataBuffer of(DataBuffer buffer) {
            if (!(buffer instanceof NettyDataBuffer netty)) {
                return buffer;
            }
            ByteBuf shared = netty.getNativeBuffer();
            return netty.factory().wrap(shared.alloc().compositeBuffer(1).addComponent(true, shared));
        }
    }
}

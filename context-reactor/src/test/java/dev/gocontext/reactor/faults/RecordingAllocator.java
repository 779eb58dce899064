package dev.gocontext.reactor.faults;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.channel.ChannelOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/**
 * A diagnostic allocator for the HTTP fault tests: each buffer it hands out keeps the stack of every
 * retain and release made on it (or on a slice of it), and a release or retain of a buffer already
 * freed is recorded as a fault with that whole history. Netty's pooled allocators recycle a freed
 * buffer's object at once, so a second release there lands on someone else's buffer, far from its
 * cause; here nothing is recycled, and the second release names itself.
 *
 * <p>Off by default (it records a stack per operation): {@code -Dgocontext.recordBuffers=true}
 * plugs it into the clients and servers that tests pass through {@code on}, and {@link
 * ResourceCheck} then fails a test that caused a fault, printing the history.
 *
 * <pre>{@code
 * HttpClient client = RecordingAllocator.on(HttpClient.create());
 * }</pre>
 */
final class RecordingAllocator extends AbstractByteBufAllocator {
    static final boolean ENABLED = Boolean.getBoolean("gocontext.recordBuffers");
    static final RecordingAllocator INSTANCE = new RecordingAllocator();

    /** Stack frames kept per operation. */
    private static final int DEPTH = 40;

    // histories of the buffers released or retained after they were freed, in the order found
    private static final Queue<String> FAULTS = new ConcurrentLinkedQueue<>();

    private RecordingAllocator() {
        super(true);
    }

    /** {@code client} with this allocator for its connections, when recording is on; else {@code client}. */
    static HttpClient on(HttpClient client) {
        return ENABLED ? client.option(ChannelOption.ALLOCATOR, INSTANCE) : client;
    }

    /** {@code server} with this allocator for the connections it accepts, when recording is on. */
    static HttpServer on(HttpServer server) {
        return ENABLED ? server.childOption(ChannelOption.ALLOCATOR, INSTANCE) : server;
    }

    /** The faults recorded since the last call, each with its buffer's history; clears them. */
    static List<String> takeFaults() {
        List<String> taken = new ArrayList<>();
        for (String fault; (fault = FAULTS.poll()) != null; ) {
            taken.add(fault);
        }
        return taken;
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return new RecordingBuffer(this, initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return new RecordingBuffer(this, initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    /** A buffer that keeps its history. Its slices retain and release through it. */
    private static final class RecordingBuffer extends UnpooledDirectByteBuf {
        // guarded by this
        private final List<String> history = new ArrayList<>();

        RecordingBuffer(ByteBufAllocator alloc, int initialCapacity, int maxCapacity) {
            super(alloc, initialCapacity, maxCapacity);
            record("allocated", 0);
        }

        @Override
        public ByteBuf retain() {
            record("retain", 1);
            return super.retain();
        }

        @Override
        public ByteBuf retain(int increment) {
            record("retain " + increment, 1);
            return super.retain(increment);
        }

        @Override
        public boolean release() {
            record("release", 1);
            return super.release();
        }

        @Override
        public boolean release(int decrement) {
            record("release " + decrement, decrement);
            return super.release(decrement);
        }

        /** Adds {@code operation} to the history; a fault if the count is below {@code needed}. */
        private synchronized void record(String operation, int needed) {
            StringBuilder entry = new StringBuilder()
                    .append(operation)
                    .append(" at count ")
                    .append(refCnt())
                    .append(" on ")
                    .append(Thread.currentThread().getName())
                    .append('\n');
            StackTraceElement[] stack = new Throwable().getStackTrace();
            for (int i = 2; i < Math.min(stack.length, DEPTH + 2); i++) {
                entry.append("        at ").append(stack[i]).append('\n');
            }
            history.add(entry.toString());
            if (refCnt() < needed) {
                FAULTS.add(operation + " of a freed buffer; its history:\n  " + String.join("  ", history));
            }
        }
    }
}

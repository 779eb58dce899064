package dev.gocontext;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The timer of the system time source: a binary min-heap of entries ordered by their monotonic
 * due time ({@link System#nanoTime()}), served by one daemon thread that exists only while there
 * is something to wait for. Entries are intrusive (they store their own due time and heap
 * position), so scheduling allocates nothing and removal is O(log n) from anywhere in the heap.
 */
final class SystemTimer {
    static final SystemTimer INSTANCE = new SystemTimer();

    /** How long the timer thread lingers with an empty heap before it ends. */
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private static final int MIN_CAPACITY = 16;

    /** What the heap holds: its due time and position are guarded by the timer's lock. */
    interface Entry {
        long dueNanos();

        void dueNanos(long dueNanos);

        int heapIndex();

        void heapIndex(int heapIndex);

        /** The due time passed. Called on the timer thread, without the lock. */
        void expire();
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    // All guarded by `lock`. Invariants: heap[0..size) is a min-heap on dueNanos and
    // heap[i].heapIndex() == i; every other slot is null; an entry not in the heap has index -1.
    // `thread` is non-null while a timer thread runs; it ends only with the lock held and an
    // empty heap, setting `thread` to null.
    private Entry[] heap = new Entry[MIN_CAPACITY];
    private int size;
    private @Nullable Thread thread;

    // Guarded by `lock`: while the timer thread waits, the System.nanoTime() at which it will look
    // at the heap again. schedule() wakes it only for an entry due before then, so that a burst of
    // far deadlines (a request timeout, canceled in time) costs no thread wake-ups. When the thread
    // is not waiting the value is stale, which is harmless: it reads the heap before it waits.
    private long wakeAt;

    private SystemTimer() {}

    /** Schedules {@code entry} to expire {@code delayNanos} from now. */
    void schedule(Entry entry, long delayNanos) {
        long due = System.nanoTime() + delayNanos;
        lock.lock();
        try {
            entry.dueNanos(due);
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            entry.heapIndex(size);
            heap[size] = entry;
            siftUp(size++);
            if (entry.heapIndex() == 0) {
                if (thread == null) {
                    startThread();
                } else if (due - wakeAt < 0) {
                    changed.signal();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Removes {@code entry} if it is scheduled; returns whether it was. */
    boolean unschedule(Entry entry) {
        lock.lock();
        try {
            int i = entry.heapIndex();
            if (i < 0) {
                return false;
            }
            removeAt(i);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The number of scheduled entries; for tests and diagnostics. */
    int size() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }

    private void startThread() {
        Thread t = new Thread(this::run, "gocontext-timer");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    private void run() {
        lock.lock();
        try {
            while (true) {
                if (size == 0) {
                    wakeAt = System.nanoTime() + IDLE_NANOS;
                    if (changed.awaitNanos(IDLE_NANOS) <= 0 && size == 0) {
                        thread = null;
                        return;
                    }
                    continue;
                }
                Entry first = heap[0];
                long wait = first.dueNanos() - System.nanoTime();
                if (wait > 0) {
                    wakeAt = first.dueNanos();
                    changed.awaitNanos(wait);
                    continue;
                }
                removeAt(0);
                lock.unlock();
                try {
                    first.expire();
                } catch (RuntimeException | Error e) {
                    AfterDone.report(e);
                } finally {
                    lock.lock();
                }
            }
        } catch (InterruptedException e) {
            // nobody interrupts this private thread; if someone does, hand over to a new one
            thread = null;
            if (size > 0) {
                startThread();
            }
        } finally {
            lock.unlock();
        }
    }

    private void removeAt(int i) {
        Entry removed = heap[i];
        removed.heapIndex(-1);
        int last = --size;
        Entry moved = heap[last];
        heap[last] = null;
        if (i != last) {
            heap[i] = moved;
            moved.heapIndex(i);
            siftDown(i);
            if (moved.heapIndex() == i) {
                siftUp(i);
            }
        }
        if (heap.length > MIN_CAPACITY && size < heap.length / 4) {
            heap = Arrays.copyOf(heap, heap.length / 2); // release memory after a burst
        }
    }

    private void siftUp(int i) {
        Entry e = heap[i];
        long due = e.dueNanos();
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Entry p = heap[parent];
            if (due - p.dueNanos() >= 0) {
                break;
            }
            heap[i] = p;
            p.heapIndex(i);
            i = parent;
        }
        heap[i] = e;
        e.heapIndex(i);
    }

    private void siftDown(int i) {
        Entry e = heap[i];
        long due = e.dueNanos();
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            Entry c = heap[child];
            int right = child + 1;
            if (right < size && heap[right].dueNanos() - c.dueNanos() < 0) {
                child = right;
                c = heap[child];
            }
            if (due - c.dueNanos() <= 0) {
                break;
            }
            heap[i] = c;
            c.heapIndex(i);
            i = child;
        }
        heap[i] = e;
        e.heapIndex(i);
    }
}

package dev.gocontext;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The timer of the system time source: a binary min-heap of entries ordered by their monotonic
 * due time ({@link System#nanoTime()}), served by one daemon thread that exists only while there
 * is something to wait for. Entries are intrusive (they store their own heap position), so
 * scheduling allocates nothing and removal is O(log n) from anywhere in the heap. The due times
 * live in an array beside the heap, so that sifting compares adjacent longs instead of loading
 * one entry object per level (with a million deadlines, each such load is a cache miss).
 */
final class SystemTimer {
    static final SystemTimer INSTANCE = new SystemTimer();

    /** How long the timer thread lingers with an empty heap before it ends. */
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private static final int MIN_CAPACITY = 16;

    /** What the heap holds: its position is guarded by the timer's lock. */
    interface Entry {
        int heapIndex();

        void heapIndex(int heapIndex);

        /** The due time passed. Called on the timer thread, without the lock. */
        void expire();
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    // All guarded by `lock`. Invariants: heap[0..size) is a min-heap on dues[0..size), dues[i]
    // being heap[i]'s due time, and heap[i].heapIndex() == i; every other slot of heap is null;
    // both arrays have the same length; an entry not in the heap has index -1.
    // `thread` is non-null while a timer thread runs; it ends only with the lock held and an
    // empty heap, setting `thread` to null.
    private Entry[] heap = new Entry[MIN_CAPACITY];
    private long[] dues = new long[MIN_CAPACITY];
    private int size;
    private volatile @Nullable Thread thread; // volatile too: isTimerThread() reads it without the lock

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
            if (size == heap.length) {
                resize(size * 2);
            }
            siftUp(size++, entry, due);
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

    /** Whether the calling thread is the timer thread, which must never run user code. */
    boolean isTimerThread() {
        return Thread.currentThread() == thread;
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
                long wait = dues[0] - System.nanoTime();
                if (wait > 0) {
                    // No local variable refers to an entry while this thread sleeps: the entry
                    // may be canceled meanwhile, and must not stay reachable from here.
                    wakeAt = dues[0];
                    changed.awaitNanos(wait);
                    continue;
                }
                expireFirst();
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

    /** Removes the first entry and expires it without the lock; called and returns with the lock held. */
    private void expireFirst() {
        Entry first = heap[0];
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

    private void removeAt(int i) {
        heap[i].heapIndex(-1);
        int last = --size;
        Entry moved = heap[last];
        long movedDue = dues[last];
        heap[last] = null;
        if (i != last) {
            siftDown(i, moved, movedDue);
            if (moved.heapIndex() == i) {
                siftUp(i, moved, movedDue);
            }
        }
        if (heap.length > MIN_CAPACITY && size < heap.length / 4) {
            resize(heap.length / 2); // release memory after a burst
        }
    }

    private void resize(int capacity) {
        heap = Arrays.copyOf(heap, capacity);
        dues = Arrays.copyOf(dues, capacity);
    }

    /** Places {@code e}, due at {@code due}, at slot {@code i} or above it. */
    private void siftUp(int i, Entry e, long due) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            long parentDue = dues[parent];
            if (due - parentDue >= 0) {
                break;
            }
            set(i, heap[parent], parentDue);
            i = parent;
        }
        set(i, e, due);
    }

    /** Places {@code e}, due at {@code due}, at slot {@code i} or below it. */
    private void siftDown(int i, Entry e, long due) {
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && dues[right] - dues[child] < 0) {
                child = right;
            }
            long childDue = dues[child];
            if (due - childDue <= 0) {
                break;
            }
            set(i, heap[child], childDue);
            i = child;
        }
        set(i, e, due);
    }

    private void set(int i, Entry e, long due) {
        heap[i] = e;
        dues[i] = due;
        e.heapIndex(i);
    }
}

package dev.gocontext;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The timer of the system time source: a {@link Heap} of entries ordered by their monotonic due
 * time ({@link System#nanoTime()}), served by one daemon thread that exists only while there is
 * something to wait for.
 *
 * <p>The heap's lock never parks a caller: it guards an O(log n) sift, so a thread that finds it
 * taken spins, on an event loop as anywhere else. Only the timer thread sleeps, outside the lock,
 * and a caller that schedules an earlier deadline wakes it with an unpark.
 */
final class SystemTimer {
    static final SystemTimer INSTANCE = new SystemTimer();

    /** How long the timer thread lingers with an empty heap before it ends. */
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** What the heap holds: its position is guarded by the timer's lock. */
    interface Entry {
        int heapIndex();

        void heapIndex(int heapIndex);

        /** The due time passed. Called on the timer thread, without the lock. */
        void expire();
    }

    // true while a thread holds the lock; a spin lock (see the class comment)
    private final AtomicBoolean locked = new AtomicBoolean();

    // All guarded by `locked`. `thread` is non-null while a timer thread runs (or is about to
    // start); it ends only with the lock held and an empty heap, setting `thread` to null.
    private final Heap heap = new Heap();
    private volatile @Nullable Thread thread; // volatile too: isTimerThread() reads it without the lock

    // Guarded by `locked`: while the timer thread sleeps, the System.nanoTime() at which it will
    // look at the heap again. schedule() wakes it only for an entry due before then, so that a burst
    // of far deadlines (a request timeout, canceled in time) costs no thread wake-ups. When the
    // thread is not sleeping the value is stale, which is harmless: it reads the heap before it
    // sleeps again.
    private long wakeAt;

    private SystemTimer() {}

    private void lock() {
        while (!locked.compareAndSet(false, true)) {
            // spin: the holder is one sift away from unlocking (no onSpinWait: BlockHound counts it)
        }
    }

    private void unlock() {
        locked.setRelease(false);
    }

    /** Schedules {@code entry} to expire {@code delayNanos} from now. */
    void schedule(Entry entry, long delayNanos) {
        long due = System.nanoTime() + delayNanos;
        Thread start = null;
        Thread wake = null;
        lock();
        heap.add(entry, due);
        if (entry.heapIndex() == 0) {
            if (thread == null) {
                start = new Thread(this::run, "gocontext-timer");
                start.setDaemon(true);
                thread = start;
            } else if (due - wakeAt < 0) {
                wake = thread;
            }
        }
        unlock();
        if (start != null) {
            start.start();
        } else if (wake != null) {
            LockSupport.unpark(wake);
        }
    }

    /** Removes {@code entry} if it is scheduled; returns whether it was. */
    boolean unschedule(Entry entry) {
        lock();
        boolean removed = heap.remove(entry);
        unlock();
        return removed;
    }

    /** The number of scheduled entries; for tests and diagnostics. */
    int size() {
        lock();
        int size = heap.size();
        unlock();
        return size;
    }

    /** Nanoseconds until the first entry is due (negative if overdue), or Long.MAX_VALUE if none; for tests. */
    long nanosUntilFirstDue() {
        lock();
        long left = heap.size() == 0 ? Long.MAX_VALUE : heap.firstDue() - System.nanoTime();
        unlock();
        return left;
    }

    /** Whether the calling thread is the timer thread, which must never run user code. */
    boolean isTimerThread() {
        return Thread.currentThread() == thread;
    }

    private void run() {
        long idleSince = System.nanoTime();
        lock();
        while (true) {
            long now = System.nanoTime();
            if (heap.size() == 0) {
                if (now - idleSince >= IDLE_NANOS) {
                    thread = null;
                    unlock();
                    return;
                }
                wakeAt = idleSince + IDLE_NANOS;
            } else if (heap.firstDue() - now > 0) {
                wakeAt = heap.firstDue();
            } else {
                expireFirst();
                idleSince = System.nanoTime();
                continue;
            }
            // No local variable refers to an entry while this thread sleeps: the entry may be
            // canceled meanwhile, and must not stay reachable from here.
            long sleep = wakeAt - now;
            unlock();
            LockSupport.parkNanos(this, sleep);
            Thread.interrupted(); // nobody interrupts this private thread; never let it spin
            lock();
        }
    }

    /** Removes the first entry and expires it without the lock; called and returns with the lock held. */
    private void expireFirst() {
        Entry first = heap.pollFirst();
        unlock();
        try {
            first.expire();
        } catch (RuntimeException | Error e) {
            AfterDone.report(e);
        } finally {
            lock();
        }
    }

    /**
     * A binary min-heap of entries by due time. Entries are intrusive (they store their own
     * position), so adding allocates nothing and removal is O(log n) from anywhere in the heap. The
     * due times live in an array beside the entries, so that sifting compares adjacent longs
     * instead of loading one entry object per level (with a million deadlines, each such load is a
     * cache miss). Not thread-safe: the timer guards it.
     */
    static final class Heap {
        static final int MIN_CAPACITY = 16;

        // Invariants (checkInvariants): entries[0..size) is a min-heap on dues[0..size), dues[i]
        // being entries[i]'s due time, and entries[i].heapIndex() == i; every other slot of
        // entries is null; both arrays have the same length, at least MIN_CAPACITY, and shrink by
        // half once less than a quarter is used; an entry not in the heap has index -1.
        private Entry[] entries = new Entry[MIN_CAPACITY];
        private long[] dues = new long[MIN_CAPACITY];
        private int size;

        int size() {
            return size;
        }

        int capacity() {
            return entries.length;
        }

        /** The due time of the first entry; the heap must not be empty. */
        long firstDue() {
            return dues[0];
        }

        void add(Entry entry, long due) {
            if (size == entries.length) {
                resize(size * 2);
            }
            siftUp(size++, entry, due);
        }

        /** Removes {@code entry} if it is in the heap; returns whether it was. */
        boolean remove(Entry entry) {
            int i = entry.heapIndex();
            if (i < 0) {
                return false;
            }
            removeAt(i);
            return true;
        }

        /** Removes and returns the first entry; the heap must not be empty. */
        Entry pollFirst() {
            Entry first = entries[0];
            removeAt(0);
            return first;
        }

        /** Throws if an invariant of the class comment does not hold; for tests. */
        void checkInvariants() {
            check(entries.length == dues.length && entries.length >= MIN_CAPACITY, "array lengths");
            check(entries.length == MIN_CAPACITY || size >= entries.length / 4, "not shrunk");
            for (int i = 0; i < entries.length; i++) {
                if (i >= size) {
                    check(entries[i] == null, "slot " + i + " beyond the size is not null");
                    continue;
                }
                check(entries[i].heapIndex() == i, "entry " + i + " has index " + entries[i].heapIndex());
                check(i == 0 || dues[(i - 1) >>> 1] - dues[i] <= 0, "entry " + i + " is due before its parent");
            }
        }

        private static void check(boolean condition, String what) {
            if (!condition) {
                throw new IllegalStateException("heap invariant broken: " + what);
            }
        }

        private void removeAt(int i) {
            entries[i].heapIndex(-1);
            int last = --size;
            Entry moved = entries[last];
            long movedDue = dues[last];
            entries[last] = null;
            if (i != last) {
                siftDown(i, moved, movedDue);
                if (moved.heapIndex() == i) {
                    siftUp(i, moved, movedDue);
                }
            }
            if (entries.length > MIN_CAPACITY && size < entries.length / 4) {
                resize(entries.length / 2); // release memory after a burst
            }
        }

        private void resize(int capacity) {
            entries = Arrays.copyOf(entries, capacity);
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
                set(i, entries[parent], parentDue);
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
                set(i, entries[child], childDue);
                i = child;
            }
            set(i, e, due);
        }

        private void set(int i, Entry e, long due) {
            entries[i] = e;
            dues[i] = due;
            e.heapIndex(i);
        }
    }

    /** {@link TimeSource#system()}: {@link Instant#now()} and the {@link SystemTimer}. */
    static final class SystemTimeSource implements TimeSource {
        static final SystemTimeSource INSTANCE = new SystemTimeSource();

        private SystemTimeSource() {}

        @Override
        public Instant now() {
            return Instant.now();
        }

        @Override
        public Registration schedule(Runnable task, Duration delay) {
            ScheduledTask scheduled = new ScheduledTask(Objects.requireNonNull(task, "task"));
            long nanos = Instants.saturatedNanos(Objects.requireNonNull(delay, "delay"));
            if (nanos < Instants.FOREVER_NANOS) {
                SystemTimer.INSTANCE.schedule(scheduled, Math.max(0, nanos));
            }
            return scheduled;
        }

        @Override
        public String toString() {
            return "TimeSource.system";
        }

        /** A plain task on the system timer; it runs on the default executor, not the timer thread. */
        private static final class ScheduledTask implements Entry, Registration {
            private final Runnable task;

            // guarded by the SystemTimer lock
            private int heapIndex = -1;

            ScheduledTask(Runnable task) {
                this.task = task;
            }

            @Override
            public boolean stop() {
                return SystemTimer.INSTANCE.unschedule(this);
            }

            @Override
            public void expire() {
                AfterDone.dispatch(task, AfterDone.defaultExecutor());
            }

            @Override
            public int heapIndex() {
                return heapIndex;
            }

            @Override
            public void heapIndex(int heapIndex) {
                this.heapIndex = heapIndex;
            }
        }
    }
}

package dev.gocontext;

import java.util.concurrent.locks.LockSupport;

/** A thread blocked in {@link Done#await()}. */
final class ThreadWaiter extends Waiter {
    private final Thread thread;

    /** Set once, before the thread is unparked; the waiting thread polls it. */
    volatile boolean fired;

    ThreadWaiter(Thread thread) {
        this.thread = thread;
    }

    @Override
    void fire() {
        fired = true;
        LockSupport.unpark(thread);
    }
}

package dev.gocontext;

/**
 * The handle of an action registered with {@link Context#afterDone(Runnable)}: Go's {@code stop}
 * function returned by {@code context.AfterFunc}. A listener added with {@link
 * LeakDetection#addListener} is removed by its registration's {@code stop()} the same way.
 *
 * <pre>{@code
 * Registration reg = ctx.afterDone(connection::close);
 * try {
 *     return useConnection(connection);
 * } finally {
 *     if (reg.stop()) {
 *         connection.release();   // the close never ran and never will
 *     }
 * }
 * }</pre>
 */
@FunctionalInterface
public interface Registration {
    /**
     * Keeps the action from running.
     *
     * @return {@code true} only if this call kept the action from running; {@code false} if the
     *     action has already been started (it may still be running) or was stopped before
     */
    boolean stop();
}

package dev.gocontext;

import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Run-time detection of {@link CancellableContext}s dropped without {@code cancel()}: Go vet's
 * "lostcancel" check, done by the garbage collector.
 *
 * <p>A <em>leak</em> is a cancellable context whose handle became unreachable while it was not yet
 * done and had never been canceled. Such a context stays registered with its parent (and keeps
 * its timer) until the parent is done. Leaks are counted in {@link ContextStats#leaked()} and
 * logged through {@link System.Logger} (logger {@code dev.gocontext.LeakDetection}, level {@code
 * WARNING}). A context that was closed, canceled, or became done in time is never counted.
 *
 * <pre>{@code
 * LeakDetection.setLevel(LeakDetection.Level.PARANOID);   // in tests: where was it created?
 * // or: java -Dgocontext.leakDetection=paranoid ...
 * }</pre>
 */
public final class LeakDetection {
    /** The system property that sets the initial level: {@code disabled|sampled|all|paranoid}. */
    public static final String PROPERTY = "gocontext.leakDetection";

    /** How much is tracked, from nothing to everything with creation stack traces. */
    public enum Level {
        /** Nothing is tracked; creating a context costs nothing extra. */
        DISABLED,
        /**
         * About one context in {@value LeakDetector#SAMPLE_RATE} is tracked: cheap enough for
         * production, and a steady leak still shows up in {@link ContextStats#leaked()}.
         */
        SAMPLED,
        /** Every context is tracked. */
        ALL,
        /** Every context is tracked, and each leak is logged with the stack trace of its creation. */
        PARANOID
    }

    private static volatile Level level = initialLevel();

    private LeakDetection() {}

    /**
     * Sets the level for contexts created from now on.
     *
     * @throws NullPointerException if {@code level} is null
     */
    public static void setLevel(Level level) {
        LeakDetection.level = Objects.requireNonNull(level, "level");
    }

    /** The current level; {@link Level#SAMPLED} unless set otherwise. */
    public static Level level() {
        return level;
    }

    private static Level initialLevel() {
        return parse(System.getProperty(PROPERTY));
    }

    /**
     * The level that {@code -Dgocontext.leakDetection=configured} selects: a level's name in any
     * case, blanks around it ignored; absent or blank means {@link Level#SAMPLED}; anything else
     * is reported at {@code WARNING} and means {@link Level#SAMPLED}.
     */
    static Level parse(@Nullable String configured) {
        if (configured == null || configured.isBlank()) {
            return Level.SAMPLED;
        }
        try {
            return Level.valueOf(configured.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            System.getLogger(LeakDetection.class.getName())
                    .log(
                            System.Logger.Level.WARNING,
                            "ignoring -D{0}={1}: expected disabled, sampled, all or paranoid; using sampled",
                            PROPERTY,
                            configured);
            return Level.SAMPLED;
        }
    }
}

package dev.gocontext.reactor.http;

import dev.gocontext.Context;
import dev.gocontext.Key;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP conventions of gocontext, shared by the Reactor Netty and WebFlux adapters:
 *
 * <ul>
 *   <li>{@value #REQUEST_TIMEOUT}: the caller's remaining budget in milliseconds, a positive
 *       integer. A server derives the request ctx with that timeout, clamped to its maximum; a
 *       malformed or non-positive value is answered {@code 400}. A client sends the remaining time
 *       of its ctx, never a clock time.
 *   <li>{@value #REQUEST_ID}: echoed; generated when absent; a value that is not 1 to 128 characters
 *       of {@code [A-Za-z0-9._-]} is replaced, and never logged or forwarded as is. The request ctx
 *       carries it under {@link #REQUEST_ID_KEY}.
 *   <li>a deadline exceeded while handling a request is answered {@code 504}; a client that goes
 *       away cancels the request ctx, and all work bound to it is disposed.
 * </ul>
 *
 * <pre>{@code
 * Mono<String> id = GoContext.current().map(GoContextHttp::requestId);
 * }</pre>
 */
public final class GoContextHttp {
    /** The header with the caller's remaining budget, in milliseconds. */
    public static final String REQUEST_TIMEOUT = "X-Request-Timeout";

    /** The header with the request id. */
    public static final String REQUEST_ID = "X-Request-ID";

    /**
     * gRPC's budget header ({@code 100m}, {@code 5S}: up to 8 digits and a unit), read when a
     * {@link RequestContextFactory} is built with {@code grpcTimeout(true)}.
     */
    public static final String GRPC_TIMEOUT = "grpc-timeout";

    /** Where a request ctx keeps its (safe) request id. */
    public static final Key<String> REQUEST_ID_KEY = Key.of("requestId");

    /** The longest request id accepted. */
    public static final int MAX_REQUEST_ID_LENGTH = 128;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private GoContextHttp() {}

    /**
     * What a call made under {@code ctx} fails with when it failed with {@code error}: {@link
     * Context#DEADLINE_EXCEEDED} if the ctx's deadline has passed on its clock ({@link
     * Context#timeSource()}) while the ctx is not done yet (its timer has not fired), else {@code
     * error}. Go's HTTP client returns {@code ctx.Err()} for a call whose context is done; a call
     * whose downstream ran out of the same budget (it closed the connection, or the wait for a
     * pooled connection ended) fails at the instant of the deadline, often just before the ctx's
     * timer fires, and must fail of the deadline as it would a moment later. The clients of this
     * library apply it; a ctx already done is theirs to report ({@code ctx.err()}).
     *
     * <pre>{@code
     * call.onErrorResume(e -> Mono.error(GoContextHttp.callError(ctx, e)))
     * }</pre>
     *
     * @throws NullPointerException if an argument is null
     */
    public static Throwable callError(Context ctx, Throwable error) {
        Objects.requireNonNull(error, "error");
        return error != Context.DEADLINE_EXCEEDED && deadlinePassedBeforeItsTimer(ctx)
                ? Context.DEADLINE_EXCEEDED
                : error;
    }

    /** Whether {@code ctx} is not done yet though its deadline has passed on its clock. */
    static boolean deadlinePassedBeforeItsTimer(Context ctx) {
        if (ctx.err() != null) {
            return false;
        }
        Optional<Duration> remaining = ctx.remaining();
        return remaining.isPresent()
                && (remaining.get().isNegative() || remaining.get().isZero());
    }

    /**
     * The request id of {@code ctx}, or null if it has none.
     *
     * @throws NullPointerException if {@code ctx} is null
     */
    public static @Nullable String requestId(Context ctx) {
        return ctx.value(REQUEST_ID_KEY);
    }

    /**
     * Whether {@code id} may be echoed, logged and forwarded: 1 to {@value #MAX_REQUEST_ID_LENGTH}
     * characters of {@code [A-Za-z0-9._-]}.
     */
    public static boolean isSafeRequestId(@Nullable String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_REQUEST_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '.'
                    || c == '_'
                    || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code name} is an HTTP token (RFC 9110): what a header name or a method is made of.
     */
    static boolean isToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** {@code value}, if it is an HTTP token; else an exception that names {@code what}. */
    static String requireToken(String value, String what) {
        Objects.requireNonNull(value, what);
        if (!isToken(value)) {
            throw new IllegalArgumentException(
                    what + " must be an HTTP token (letters, digits, !#$%&'*+-.^_`|~): '" + value + "'");
        }
        return value;
    }

    /** {@code d}, if it is positive; else an exception that names {@code what}. */
    static Duration requirePositive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
        return d;
    }

    /**
     * A new request id: 32 random hexadecimal digits. Uses {@link ThreadLocalRandom}, which never
     * blocks (request ids identify, they do not authenticate).
     */
    public static String newRequestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] id = new char[32];
        long high = random.nextLong();
        long low = random.nextLong();
        for (int i = 0; i < 16; i++) {
            id[i] = HEX[(int) (high >>> (60 - 4 * i)) & 0xf];
            id[16 + i] = HEX[(int) (low >>> (60 - 4 * i)) & 0xf];
        }
        return new String(id);
    }
}

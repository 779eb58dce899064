package dev.gocontext.reactor.http;

import java.util.Locale;

/**
 * Why a request's ctx ended: what a {@link RequestListener} is told, and the value of the {@code
 * outcome} tag in observations and metrics ({@link #tagValue()}).
 *
 * <pre>{@code
 * RequestListener count = new RequestListener() {
 *     public void ended(RequestScope scope, RequestOutcome outcome) {
 *         registry.counter("requests", "outcome", outcome.tagValue()).increment();
 *     }
 * };
 * }</pre>
 */
public enum RequestOutcome {
    /** The exchange completed, or failed, on its own: {@code "completed"}. */
    COMPLETED,
    /** The request's deadline passed first (the answer was a {@code 504}, if it still could be): {@code "deadline_exceeded"}. */
    DEADLINE_EXCEEDED,
    /** The server cancelled the exchange because the client went away: {@code "client_disconnected"}. */
    CLIENT_DISCONNECTED,
    /** The ctx was canceled by something else, e.g. the factory's parent at shutdown: {@code "canceled"}. */
    CANCELED;

    private final String tagValue = name().toLowerCase(Locale.ROOT);

    /** The lower-case name, e.g. {@code "deadline_exceeded"}. */
    public String tagValue() {
        return tagValue;
    }
}

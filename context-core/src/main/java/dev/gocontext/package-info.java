/**
 * Go's {@code context} package for Java: cancellation trees, deadlines, request-scoped values,
 * cancel causes and after-done callbacks.
 *
 * <p>Start from {@link dev.gocontext.Context#background()}, derive children with {@code
 * withCancel}, {@code withTimeout}, {@code withDeadline} and {@code withValue}, and release every
 * {@link dev.gocontext.CancellableContext} with try-with-resources, Java's {@code defer cancel()}:
 *
 * <pre>{@code
 * try (CancellableContext ctx = Context.background().withTimeout(Duration.ofSeconds(3))) {
 *     if (!ctx.done().await(Duration.ofSeconds(5))) {
 *         System.out.println("operation finished");
 *     } else {
 *         System.out.println("stopped early: " + ctx.err().getMessage()); // context deadline exceeded
 *     }
 * }
 * }</pre>
 *
 * <p>Every type in this package is thread-safe, and every method rejects a {@code null} argument
 * with a {@link java.lang.NullPointerException} naming it, unless its documentation says
 * otherwise.
 */
@NullMarked
package dev.gocontext;

import org.jspecify.annotations.NullMarked;

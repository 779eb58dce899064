/**
 * BlockHound support (optional dependency {@code io.projectreactor.tools:blockhound}): {@link
 * dev.gocontext.reactor.blockhound.GoContextBlockHoundIntegration} is registered as a {@code
 * ServiceLoader} entry and applied by {@code BlockHound.install()}.
 *
 * <pre>{@code
 * BlockHound.install();
 * }</pre>
 */
@NullMarked
package dev.gocontext.reactor.blockhound;

import org.jspecify.annotations.NullMarked;

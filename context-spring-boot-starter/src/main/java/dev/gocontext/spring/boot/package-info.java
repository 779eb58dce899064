/**
 * Spring Boot auto-configuration for gocontext: add {@code dev.gocontext:context-spring-boot-starter}
 * to a WebFlux application and every request runs under its own {@code Context} (deadline from
 * {@code X-Request-Timeout}, {@code X-Request-ID} echoed, {@code 504} at the deadline, canceled
 * when the client goes away); Boot-built {@code WebClient}s and Reactor Netty clients send the
 * remaining budget to the allowed hosts; the {@code gocontext.*} meters, the {@code
 * gocontext.outcome} observation key and the {@code gocontext} actuator endpoint come with it.
 *
 * <pre>{@code
 * gocontext:
 *   web:
 *     max-timeout: 10s
 *   client:
 *     allowed-hosts: orders.internal
 * }</pre>
 *
 * <p>Every bean backs off when the application declares its own of the same type; {@link
 * dev.gocontext.spring.boot.GoContextProperties} lists the properties.
 */
@NullMarked
package dev.gocontext.spring.boot;

import org.jspecify.annotations.NullMarked;

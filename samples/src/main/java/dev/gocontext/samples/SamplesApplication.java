package dev.gocontext.samples;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The sample service: Spring WebFlux on Reactor Netty, R2DBC H2 in memory, Micrometer with the
 * Prometheus registry. Every request runs under a gocontext {@code Context} created from its
 * {@code X-Request-Timeout} and {@code X-Request-ID} headers.
 */
@SpringBootApplication
public class SamplesApplication {
    /** Starts the service; {@code --server.port=N} changes the port (8080 by default). */
    public static void main(String[] args) {
        SpringApplication.run(SamplesApplication.class, args);
    }
}

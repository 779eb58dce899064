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
    /** Reactor Netty's system property for the number of threads that accept connections. */
    static final String ACCEPTOR_THREADS = "reactor.netty.ioSelectCount";

    /** Starts the service; {@code --server.port=N} changes the port (8080 by default). */
    public static void main(String[] args) {
        useADedicatedAcceptor();
        SpringApplication.run(SamplesApplication.class, args);
    }

    /**
     * Gives the server one thread of its own that accepts connections, unless {@value
     * #ACCEPTOR_THREADS} is set already. By default Reactor Netty accepts on one of the event loops
     * that also serve requests and the hops' client calls; while that loop is busy (a cold JVM under
     * a burst of calls that deadlines cancel, each canceled HTTP/1.1 hop opening a new connection),
     * the kernel's accept queue fills up and drops new connections, and a client retries only after
     * 1, then 3, then 7 seconds. Must run before Reactor Netty creates its event loops.
     */
    static void useADedicatedAcceptor() {
        if (System.getProperty(ACCEPTOR_THREADS) == null) {
            System.setProperty(ACCEPTOR_THREADS, "1");
        }
    }
}

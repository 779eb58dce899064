package dev.gocontext.spring.boot.overhead;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * A Boot WebFlux application with one trivial handler, {@code GET /hello}, to measure what the
 * starter costs per request: run it as is (the starter's auto-configurations apply) and with them
 * excluded ({@code overhead.sh plain}), and compare both with an HTTP load generator.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class OverheadApp {
    @Bean
    RouterFunction<ServerResponse> hello() {
        return RouterFunctions.route()
                .GET("/hello", request -> ServerResponse.ok().bodyValue("hello\n"))
                .build();
    }

    /** Starts the application; any Boot option ({@code --server.port=N}) applies. */
    public static void main(String[] args) {
        SpringApplication.run(OverheadApp.class, args);
    }
}

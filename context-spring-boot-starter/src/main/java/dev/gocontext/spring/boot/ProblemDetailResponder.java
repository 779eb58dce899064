package dev.gocontext.spring.boot;

import dev.gocontext.reactor.web.RequestErrorResponder;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.ResolvableType;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Writes the filter's {@code 400} and {@code 504} as RFC 9457 problem details ({@code
 * application/problem+json}) with the application's own codecs, as Spring writes its own problem
 * details: {@code type}, {@code title}, {@code status}, {@code detail}, {@code instance} (the
 * request path) and a {@code requestId} member. Without a codec that writes {@link ProblemDetail}
 * (no JSON library), it writes plain text.
 */
final class ProblemDetailResponder implements RequestErrorResponder {
    private static final ResolvableType PROBLEM = ResolvableType.forClass(ProblemDetail.class);

    private final ObjectProvider<ServerCodecConfigurer> codecs;

    // Resolved on the first error response (the codecs are configured once the context is
    // refreshed); racing threads find the same writer, so a plain volatile write is enough.
    private volatile @Nullable Writer writer;

    ProblemDetailResponder(ObjectProvider<ServerCodecConfigurer> codecs) {
        this.codecs = codecs;
    }

    @Override
    public Mono<Void> respond(ServerWebExchange exchange, HttpStatus status, String message, String requestId) {
        Writer current = writer;
        if (current == null) {
            current = Writer.find(codecs.getIfAvailable(ServerCodecConfigurer::create));
            writer = current;
        }
        return current.write(exchange, status, message, requestId);
    }

    /** The codec that writes problem details, or plain text when there is none. */
    private record Writer(@Nullable HttpMessageWriter<ProblemDetail> json) {
        @SuppressWarnings("unchecked")
        static Writer find(ServerCodecConfigurer codecs) {
            for (HttpMessageWriter<?> candidate : codecs.getWriters()) {
                if (candidate.canWrite(PROBLEM, MediaType.APPLICATION_PROBLEM_JSON)) {
                    return new Writer((HttpMessageWriter<ProblemDetail>) candidate);
                }
            }
            return new Writer(null);
        }

        Mono<Void> write(ServerWebExchange exchange, HttpStatus status, String message, String requestId) {
            HttpMessageWriter<ProblemDetail> codec = json;
            if (codec == null) {
                return RequestErrorResponder.plainText().respond(exchange, status, message, requestId);
            }
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, message);
            instanceOf(exchange).ifPresent(problem::setInstance);
            problem.setProperty("requestId", requestId);
            exchange.getResponse().setStatusCode(status);
            return codec.write(
                    Mono.just(problem), PROBLEM, MediaType.APPLICATION_PROBLEM_JSON, exchange.getResponse(), Map.of());
        }

        private static Optional<URI> instanceOf(ServerWebExchange exchange) {
            try {
                return Optional.of(URI.create(exchange.getRequest().getPath().value()));
            } catch (IllegalArgumentException e) {
                return Optional.empty(); // a raw path that is not a URI reference: no instance
            }
        }
    }
}

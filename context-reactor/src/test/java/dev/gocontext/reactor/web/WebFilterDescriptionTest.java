package dev.gocontext.reactor.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.reactor.http.RequestContextFactory;
import org.junit.jupiter.api.Test;

/**
 * {@link GoContextWebFilter#toString()}: Spring's filter chain asks every filter for it on every
 * request (the description of a checkpoint), so it is built once, not per request.
 */
class WebFilterDescriptionTest {
    @Test
    void isBuiltOnceAndNamesThePolicyAndTheOrder() {
        RequestContextFactory requests = RequestContextFactory.withDefaults();
        GoContextWebFilter filter = new GoContextWebFilter(requests, RequestErrorResponder.plainText(), 7);

        assertThat(filter.toString())
                .isSameAs(filter.toString())
                .isEqualTo("GoContextWebFilter[" + requests + ", order=7]");
    }
}

package dev.gocontext.spring.boot;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * {@link TestApplication} on a random port, configured by properties only: a 300 ms default budget
 * (short, so that "beyond the default timeout" takes well under a second), routes with their own
 * budgets or none (generous ones: a loaded machine must not turn them into 504s), propagation to
 * 127.0.0.1, the {@code gocontext} endpoint exposed (without a deadline). Test classes
 * that share it share one application.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "gocontext.web.default-timeout=300ms",
            "gocontext.web.max-timeout=60s",
            "gocontext.web.routes[0].path=/reports/**",
            "gocontext.web.routes[0].default-timeout=30s",
            "gocontext.web.routes[1].path=/open/**",
            "gocontext.web.routes[1].deadline=false",
            "gocontext.web.routes[2].path=/posts/**",
            "gocontext.web.routes[2].methods=post",
            "gocontext.web.routes[2].default-timeout=30s",
            "gocontext.web.routes[3].path=/actuator/**",
            "gocontext.web.routes[3].deadline=false",
            "gocontext.client.allowed-hosts=127.0.0.1",
            "management.endpoints.web.exposure.include=gocontext",
            "logging.level.reactor.netty=WARN"
        })
@interface StarterServerTest {}

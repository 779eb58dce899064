package dev.gocontext.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.reactor.GoContext;
import io.micrometer.context.ContextRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import reactor.core.publisher.Hooks;

/** The thread-local accessor registered and Reactor's automatic propagation on, unless told otherwise. */
class GoContextPropagationAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    GoContextAutoConfiguration.class, GoContextPropagationAutoConfiguration.class));

    private boolean wasEnabled;

    @BeforeEach
    void startWithoutAutomaticPropagation() {
        wasEnabled = Hooks.isAutomaticContextPropagationEnabled();
        Hooks.disableAutomaticContextPropagation();
    }

    @AfterEach
    void restore() {
        if (wasEnabled) {
            Hooks.enableAutomaticContextPropagation();
        } else {
            Hooks.disableAutomaticContextPropagation();
        }
    }

    @Test
    void theAccessorIsRegisteredAndAutomaticPropagationEnabled() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(Hooks.isAutomaticContextPropagationEnabled()).isTrue();
            assertThat(ContextRegistry.getInstance().getThreadLocalAccessors())
                    .anyMatch(accessor -> GoContext.CONTEXT_KEY.equals(accessor.key()));
        });
    }

    @Test
    void autoSetExplicitlyEnablesIt() {
        runner.withPropertyValues("spring.reactor.context-propagation=AUTO")
                .run(context ->
                        assertThat(Hooks.isAutomaticContextPropagationEnabled()).isTrue());
    }

    @Test
    void anApplicationThatChoseLimitedKeepsItsChoice() {
        runner.withPropertyValues("spring.reactor.context-propagation=limited")
                .run(context ->
                        assertThat(Hooks.isAutomaticContextPropagationEnabled()).isFalse());
    }

    @Test
    void withoutContextPropagationOnTheClassPathNothingChanges() {
        runner.withClassLoader(new FilteredClassLoader(ContextRegistry.class)).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(Hooks.isAutomaticContextPropagationEnabled()).isFalse();
        });
    }
}

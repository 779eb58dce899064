package dev.gocontext.spring.boot;

import dev.gocontext.LeakDetection;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * The base of gocontext's auto-configuration: binds {@link GoContextProperties} and applies {@code
 * gocontext.leak-detection} (when set) to {@link LeakDetection} at startup. The other
 * auto-configurations of this package build on it.
 *
 * <pre>{@code
 * # application.yml: find where leaked contexts are created (costly: for tests and staging)
 * gocontext:
 *   leak-detection: paranoid
 * }</pre>
 */
@AutoConfiguration
@EnableConfigurationProperties(GoContextProperties.class)
public final class GoContextAutoConfiguration {
    GoContextAutoConfiguration(GoContextProperties properties) {
        LeakDetection.Level level = properties.getLeakDetection();
        if (level != null) {
            LeakDetection.setLevel(level);
        }
    }
}

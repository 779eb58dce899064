package dev.gocontext.samples.db;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.r2dbc.spi.ConnectionFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The database beans: {@link SlowStatements} and the {@code samples.db.statements} meters. */
@Configuration(proxyBeanMethods = false)
public class DbConfiguration {
    @Bean
    SlowStatements slowStatements(ConnectionFactory connectionFactory) {
        return new SlowStatements(connectionFactory);
    }

    /**
     * {@code samples.db.statements} (function counter, tag {@code outcome} = {@code completed} /
     * {@code canceled}): statements as the database saw them end; {@code canceled} counts the
     * statements the database stopped. {@code samples.db.statements.running} (gauge).
     */
    @Bean
    MeterBinder dbStatementMeters() {
        return DbConfiguration::bindStatementMeters;
    }

    static void bindStatementMeters(MeterRegistry registry) {
        DbStatementStats stats = DbStatementStats.global();
        FunctionCounter.builder("samples.db.statements", stats, DbStatementStats::completed)
                .tag("outcome", "completed")
                .description("SLEEP_MS statements that ran to the end")
                .register(registry);
        FunctionCounter.builder("samples.db.statements", stats, DbStatementStats::canceled)
                .tag("outcome", "canceled")
                .description("SLEEP_MS statements the database stopped: canceled or timed out")
                .register(registry);
        Gauge.builder("samples.db.statements.running", stats, DbStatementStats::running)
                .description("SLEEP_MS statements running now")
                .register(registry);
    }
}

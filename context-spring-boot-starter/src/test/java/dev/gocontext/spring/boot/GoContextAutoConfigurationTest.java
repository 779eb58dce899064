package dev.gocontext.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.LeakDetection;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The properties' binding, the leak detection level, and the metadata IDEs read. */
class GoContextAutoConfigurationTest {
    private final ApplicationContextRunner runner =
            new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(GoContextAutoConfiguration.class));

    private LeakDetection.Level previousLevel = LeakDetection.Level.SAMPLED;

    @BeforeEach
    void rememberLevel() {
        previousLevel = LeakDetection.level();
    }

    @AfterEach
    void restoreLevel() {
        LeakDetection.setLevel(previousLevel);
    }

    @Test
    void leakDetectionIsSetAtStartup() {
        LeakDetection.setLevel(LeakDetection.Level.SAMPLED);
        runner.withPropertyValues("gocontext.leak-detection=paranoid")
                .run(context -> assertThat(LeakDetection.level()).isEqualTo(LeakDetection.Level.PARANOID));
    }

    @Test
    void leakDetectionUnsetLeavesTheLevelAsItIs() {
        LeakDetection.setLevel(LeakDetection.Level.ALL);
        runner.run(context -> {
            assertThat(context).hasSingleBean(GoContextProperties.class);
            assertThat(LeakDetection.level()).isEqualTo(LeakDetection.Level.ALL);
        });
    }

    @Test
    void anUnknownLeakLevelFailsNamingTheProperty() {
        runner.withPropertyValues("gocontext.leak-detection=sometimes")
                .run(context -> Failures.assertStartupFailure(context, "gocontext.leak-detection", "sometimes"));
    }

    @Test
    void theMetadataDescribesEveryPropertyWithItsDefault() throws Exception {
        JsonNode metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("generated metadata").isNotNull();
            metadata = JsonMapper.builder().build().readTree(in);
        }
        Map<String, String> defaults = new HashMap<>();
        for (JsonNode property : metadata.get("properties")) {
            JsonNode value = property.get("defaultValue");
            defaults.put(property.get("name").asString(), value == null ? null : value.asString());
            assertThat(property.get("description"))
                    .as(property.get("name") + " description")
                    .isNotNull();
        }
        assertThat(defaults)
                .containsEntry("gocontext.web.enabled", "true")
                .containsEntry("gocontext.web.default-timeout", "30s")
                .containsEntry("gocontext.web.max-timeout", "30s")
                .containsEntry("gocontext.web.streaming-deadline", "false")
                .containsEntry("gocontext.web.timeout-header", "X-Request-Timeout")
                .containsEntry("gocontext.web.request-id-header", "X-Request-ID")
                .containsEntry("gocontext.leak-detection", "sampled")
                .containsKeys("gocontext.web.routes", "gocontext.client.allowed-hosts", "gocontext.web.filter-order");
        List<String> hinted = new ArrayList<>();
        metadata.get("hints").forEach(hint -> hinted.add(hint.get("name").asString()));
        assertThat(hinted).contains("gocontext.leak-detection");
    }
}

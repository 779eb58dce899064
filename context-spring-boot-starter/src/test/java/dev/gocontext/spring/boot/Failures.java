package dev.gocontext.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import org.springframework.boot.test.context.assertj.ApplicationContextAssertProvider;

/** Checks that a context failed to start, and that the failure names the bad property. */
final class Failures {
    private Failures() {}

    /** Asserts that {@code context} failed and that its causes mention every one of {@code words}. */
    static void assertStartupFailure(ApplicationContextAssertProvider<?> context, String... words) {
        assertThat(context).hasFailed();
        String messages = messages(context.getStartupFailure());
        for (String word : words) {
            assertThat(messages).as("startup failure messages").contains(word);
        }
    }

    /** The messages of {@code failure} and of all its causes, one per line. */
    static String messages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            all.append(t.getClass().getSimpleName())
                    .append(": ")
                    .append(t.getMessage())
                    .append('\n');
        }
        return all.toString();
    }
}

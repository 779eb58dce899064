package dev.gocontext.spring.boot;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * The checks of property values that binding alone does not make: each failure is Boot's {@link
 * InvalidConfigurationPropertyValueException}, which names the property and its value, and which
 * Boot's failure analysis prints at startup.
 */
final class PropertyChecks {
    private PropertyChecks() {}

    /** {@code value} when it is positive; else a failure naming {@code property}. */
    static Duration positive(String property, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw invalid(property, value, "must be positive");
        }
        return value;
    }

    /** {@code value} when it is a valid HTTP header name (an RFC 9110 token). */
    static String headerName(String property, @Nullable String value) {
        if (value == null || value.isEmpty()) {
            throw invalid(property, String.valueOf(value), "must be an HTTP header name");
        }
        for (int i = 0; i < value.length(); i++) {
            if (!isTokenChar(value.charAt(i))) {
                throw invalid(property, value, "must be an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)");
            }
        }
        return value;
    }

    /** Whether {@code c} may appear in an RFC 9110 token (header names, methods). */
    static boolean isTokenChar(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    static InvalidConfigurationPropertyValueException invalid(String property, Object value, String reason) {
        return new InvalidConfigurationPropertyValueException(property, value, reason);
    }
}

package dev.gocontext.samples.web;

/** A query parameter that is missing its form or range; answered {@code 400} with the message. */
public final class BadParameterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadParameterException(String message) {
        super(message, null, false, false);
    }
}

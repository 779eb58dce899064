package dev.gocontext.samples.web;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Answers a {@link BadParameterException} with {@code 400} and its message as plain text. */
@RestControllerAdvice
class BadRequestAdvice {
    @ExceptionHandler(BadParameterException.class)
    ResponseEntity<String> badParameter(BadParameterException e) {
        return ResponseEntity.badRequest().contentType(MediaType.TEXT_PLAIN).body(e.getMessage() + "\n");
    }
}

package dev.gocontext.samples.db;

/**
 * What a {@code SLEEP_MS} statement reported.
 *
 * @param sessionId the H2 session that ran it
 * @param sleptMs the time the statement was asked to run, in milliseconds
 * @param elapsedMs how long the call took, connection and setup included, in milliseconds
 */
public record SleepResult(int sessionId, long sleptMs, long elapsedMs) {}

-- Run at start-up on the embedded H2 database (Boot's spring.sql.init), and by the JDBC example.
-- SLEEP_MS(ms): a statement that runs about ms milliseconds inside the database, in 5 ms steps,
-- stopping at the next step when the statement is canceled or its QUERY_TIMEOUT passes.
CREATE ALIAS IF NOT EXISTS SLEEP_MS FOR 'dev.gocontext.samples.db.H2Functions.sleepMs';
-- CANCEL_STATEMENT(sessionId): cancels the statement running in another session, as JDBC's
-- Statement.cancel() does for its own; the way an R2DBC caller reaches a running statement.
CREATE ALIAS IF NOT EXISTS CANCEL_STATEMENT FOR 'dev.gocontext.samples.db.H2Functions.cancelStatement';

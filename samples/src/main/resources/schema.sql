-- Run at start-up on the embedded H2 database (Boot's spring.sql.init), and by the JDBC example.
-- SLEEP_MS(ms): a statement that runs about ms milliseconds inside the database, in 5 ms steps,
-- stopping at the next step when the statement is canceled (JDBC Statement.cancel(), H2's
-- CANCEL_SESSION(id)) or the session's QUERY_TIMEOUT passes.
CREATE ALIAS IF NOT EXISTS SLEEP_MS FOR 'dev.gocontext.samples.db.H2Functions.sleepMs';

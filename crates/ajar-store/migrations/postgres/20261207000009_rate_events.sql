-- Rate-limited events (failed log-ins, sign-ups, comments, posts, reports, mailed links,
-- token requests) shared between the nodes serving one database, so that a limit holds
-- across them: each node writes its own events here about once a second and reads the
-- others'. Rows older than the longest window (an hour) are deleted.
-- Kept in step with ../sqlite/20261207000009_rate_events.sql.

CREATE TABLE rate_events (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    node    TEXT NOT NULL,
    action  TEXT NOT NULL,
    key     TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX rate_events_at ON rate_events (at);

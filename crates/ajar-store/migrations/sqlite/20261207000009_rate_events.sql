-- Rate-limited events (failed log-ins, sign-ups, comments, posts, reports, mailed links,
-- token requests) shared between the nodes serving one database, so that a limit holds
-- across them: each node writes its own events here about once a second and reads the
-- others'. Rows older than the longest window (an hour) are deleted.
-- Kept in step with ../postgres/20261207000009_rate_events.sql.

CREATE TABLE rate_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    node    TEXT NOT NULL,
    action  TEXT NOT NULL,
    key     TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX rate_events_at ON rate_events (at);

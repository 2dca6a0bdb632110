-- Personal access tokens: what an account's scripts, e-reader apps and API clients use instead
-- of a session cookie. Like sessions, the table keeps only the token's SHA-256; the token is
-- shown once, when it is made. 'read' tokens can only read; 'write' tokens can also change.
--
-- Kept in step with ../sqlite/20261201000001_access_tokens.sql.

CREATE TABLE access_tokens (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    -- 'read' | 'write'
    scope         TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    -- Updated at most every few minutes (see `Store::access_token`).
    last_used_at  TIMESTAMPTZ
);

CREATE INDEX access_tokens_user ON access_tokens (user_id);

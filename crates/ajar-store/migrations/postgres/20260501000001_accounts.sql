-- Accounts, posting and what readers do with a work: users and their sessions, invitations
-- and password resets; each work's visibility and comment settings; co-creators, gifts and
-- owned series; kudos, comments, bookmarks, subscriptions, reading history, mutes, blocks
-- and reports.
--
-- Kept in step with ../sqlite/20260501000001_accounts.sql.

CREATE TABLE users (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           TEXT NOT NULL,
    name_key       TEXT NOT NULL UNIQUE,
    email          TEXT NOT NULL,
    email_key      TEXT NOT NULL UNIQUE,
    -- argon2id, PHC string format.
    password_hash  TEXT NOT NULL,
    -- 'user' | 'wrangler' | 'admin'
    role           TEXT NOT NULL DEFAULT 'user',
    suspended      BOOLEAN NOT NULL DEFAULT FALSE,
    -- The last time the user opened their updates page (subscriptions).
    updates_seen_at TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL
);

-- A user's pseuds (display names); the one made at sign-up is the default.
ALTER TABLE pseuds ADD COLUMN is_default BOOLEAN NOT NULL DEFAULT FALSE;

-- Server-side sessions: the cookie holds a random token, the table its SHA-256, so a leaked
-- database does not leak live sessions. Any node can serve any request.
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Operator settings kept in the database so every node agrees ('signup_mode', ...).
CREATE TABLE site_settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

CREATE TABLE invitations (
    code        TEXT PRIMARY KEY,
    created_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    used_by     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    used_at     TIMESTAMPTZ
);

-- One-time password reset links (`ajar user reset-link NAME`); the link holds the token,
-- the table its SHA-256.
CREATE TABLE password_resets (
    token_hash  TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);

-- 'public' | 'restricted' (logged-in readers only) | 'draft' (its creators only).
ALTER TABLE works ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';
-- Hidden by an admin (after a report): only admins and its creators see it.
ALTER TABLE works ADD COLUMN hidden BOOLEAN NOT NULL DEFAULT FALSE;
-- 'anyone' | 'users' | 'moderated' | 'off'
ALTER TABLE works ADD COLUMN comment_policy TEXT NOT NULL DEFAULT 'anyone';
CREATE INDEX works_visibility ON works (visibility, hidden);

-- A co-creator who was invited but has not accepted yet is not shown as a creator.
ALTER TABLE work_creators ADD COLUMN accepted BOOLEAN NOT NULL DEFAULT TRUE;

CREATE TABLE gifts (
    work_id    BIGINT NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (work_id, user_id)
);
CREATE INDEX gifts_user ON gifts (user_id);

-- Series made by a user (imported series have no owner and are matched by title).
ALTER TABLE series ADD COLUMN owner_id BIGINT REFERENCES users (id) ON DELETE SET NULL;

-- Kudos: once per account or per guest (a hash of the guest's visitor cookie) per work.
CREATE TABLE kudos (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_id     BIGINT NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    user_id     BIGINT REFERENCES users (id) ON DELETE CASCADE,
    guest_key   TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (work_id, user_id),
    UNIQUE (work_id, guest_key)
);

CREATE TABLE comments (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_id     BIGINT NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    chapter     BIGINT NOT NULL,
    parent_id   BIGINT REFERENCES comments (id) ON DELETE CASCADE,
    user_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    pseud_id    BIGINT REFERENCES pseuds (id),
    guest_name  TEXT,
    body_html   TEXT NOT NULL,
    -- 'visible' | 'pending' (moderated, awaiting the creator) | 'deleted'
    status      TEXT NOT NULL DEFAULT 'visible',
    created_at  TIMESTAMPTZ NOT NULL,
    edited_at   TIMESTAMPTZ
);
CREATE INDEX comments_work ON comments (work_id, chapter, id);
CREATE INDEX comments_parent ON comments (parent_id);

CREATE TABLE bookmarks (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    work_id     BIGINT NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    notes_html  TEXT NOT NULL DEFAULT '',
    -- The bookmarker's own tags, comma-separated as typed.
    tags        TEXT NOT NULL DEFAULT '',
    private     BOOLEAN NOT NULL DEFAULT FALSE,
    rec         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, work_id)
);
CREATE INDEX bookmarks_work ON bookmarks (work_id);

-- kind: 'work' | 'creator' (a pseud id) | 'series' | 'tag'
CREATE TABLE subscriptions (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    target_id   BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, kind, target_id)
);

-- Reading history and "mark for later".
CREATE TABLE readings (
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    work_id       BIGINT NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    last_chapter  BIGINT NOT NULL DEFAULT 1,
    visits        BIGINT NOT NULL DEFAULT 0,
    later         BOOLEAN NOT NULL DEFAULT FALSE,
    visited_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, work_id)
);
CREATE INDEX readings_recent ON readings (user_id, visited_at);

-- Mute: their works and comments are hidden from `user_id`. Block: they cannot comment on
-- `user_id`'s works or reply to `user_id`'s comments.
CREATE TABLE user_mutes (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, target_id)
);
CREATE TABLE user_blocks (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, target_id)
);

-- entity: 'work' | 'comment'; resolution: what the admin did ('hidden', 'removed',
-- 'suspended', 'dismissed').
CREATE TABLE reports (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reporter_id  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    entity       TEXT NOT NULL,
    entity_id    BIGINT NOT NULL,
    reason       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    resolved_at  TIMESTAMPTZ,
    resolved_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    resolution   TEXT
);
CREATE INDEX reports_open ON reports (resolved_at, id);

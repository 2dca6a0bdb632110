-- Accounts, posting and what readers do with a work: users and their sessions, invitations
-- and password resets; each work's visibility and comment settings; co-creators, gifts and
-- owned series; kudos, comments, bookmarks, subscriptions, reading history, mutes, blocks
-- and reports.
--
-- Kept in step with ../postgres/20260501000001_accounts.sql.

CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
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
    updates_seen_at TEXT,
    created_at     TEXT NOT NULL
);

-- A user's pseuds (display names); the one made at sign-up is the default.
ALTER TABLE pseuds ADD COLUMN is_default BOOLEAN NOT NULL DEFAULT FALSE;

-- Server-side sessions: the cookie holds a random token, the table its SHA-256, so a leaked
-- database does not leak live sessions. Any node can serve any request.
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Operator settings kept in the database so every node agrees ('signup_mode', ...).
CREATE TABLE site_settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

CREATE TABLE invitations (
    code        TEXT PRIMARY KEY,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    used_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    used_at     TEXT
);

-- One-time password reset links (`ajar user reset-link NAME`); the link holds the token,
-- the table its SHA-256.
CREATE TABLE password_resets (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
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
    work_id    INTEGER NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (work_id, user_id)
) WITHOUT ROWID;
CREATE INDEX gifts_user ON gifts (user_id);

-- Series made by a user (imported series have no owner and are matched by title).
ALTER TABLE series ADD COLUMN owner_id INTEGER REFERENCES users (id) ON DELETE SET NULL;

-- Kudos: once per account or per guest (a hash of the guest's visitor cookie) per work.
CREATE TABLE kudos (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    work_id     INTEGER NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    user_id     INTEGER REFERENCES users (id) ON DELETE CASCADE,
    guest_key   TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (work_id, user_id),
    UNIQUE (work_id, guest_key)
);

CREATE TABLE comments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    work_id     INTEGER NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    chapter     INTEGER NOT NULL,
    parent_id   INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    pseud_id    INTEGER REFERENCES pseuds (id),
    guest_name  TEXT,
    body_html   TEXT NOT NULL,
    -- 'visible' | 'pending' (moderated, awaiting the creator) | 'deleted'
    status      TEXT NOT NULL DEFAULT 'visible',
    created_at  TEXT NOT NULL,
    edited_at   TEXT
);
CREATE INDEX comments_work ON comments (work_id, chapter, id);
CREATE INDEX comments_parent ON comments (parent_id);

CREATE TABLE bookmarks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    work_id     INTEGER NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    notes_html  TEXT NOT NULL DEFAULT '',
    -- The bookmarker's own tags, comma-separated as typed.
    tags        TEXT NOT NULL DEFAULT '',
    private     BOOLEAN NOT NULL DEFAULT FALSE,
    rec         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (user_id, work_id)
);
CREATE INDEX bookmarks_work ON bookmarks (work_id);

-- kind: 'work' | 'creator' (a pseud id) | 'series' | 'tag'
CREATE TABLE subscriptions (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    target_id   INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, kind, target_id)
) WITHOUT ROWID;

-- Reading history and "mark for later".
CREATE TABLE readings (
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    work_id       INTEGER NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    last_chapter  INTEGER NOT NULL DEFAULT 1,
    visits        INTEGER NOT NULL DEFAULT 0,
    later         BOOLEAN NOT NULL DEFAULT FALSE,
    visited_at    TEXT NOT NULL,
    PRIMARY KEY (user_id, work_id)
) WITHOUT ROWID;
CREATE INDEX readings_recent ON readings (user_id, visited_at);

-- Mute: their works and comments are hidden from `user_id`. Block: they cannot comment on
-- `user_id`'s works or reply to `user_id`'s comments.
CREATE TABLE user_mutes (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, target_id)
) WITHOUT ROWID;
CREATE TABLE user_blocks (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, target_id)
) WITHOUT ROWID;

-- entity: 'work' | 'comment'; resolution: what the admin did ('hidden', 'removed',
-- 'suspended', 'dismissed').
CREATE TABLE reports (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    reporter_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    entity       TEXT NOT NULL,
    entity_id    INTEGER NOT NULL,
    reason       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    resolved_at  TEXT,
    resolved_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    resolution   TEXT
);
CREATE INDEX reports_open ON reports (resolved_at, id);

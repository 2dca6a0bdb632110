-- Mail and the inbox.
--
-- `notifications` is each member's inbox: one row per event that concerns them (a comment
-- on their work or a reply to theirs, kudos, a new chapter or work they subscribed to, a
-- gift, a co-creator invitation, a bookmark of their work, a moderation outcome), written
-- in the same transaction as the event. `mail` is what their settings said when it was
-- written: 'now' (mailed alone), 'digest' (mailed with the day's others) or 'off';
-- `mailed_at` is set when it went into the outbox, alone or in a digest, so it goes once.
--
-- `mail_outbox` holds every mail to send, written in the same transaction as what causes
-- it (a password reset, an address to confirm, a notification turned into a mail).
-- `event_key` is unique: one event never makes two mails. A sender claims due rows for a
-- while (`lease_owner`, `lease_until`) under the store's write lock, so with several nodes
-- on one PostgreSQL each mail is sent by one of them; one that dies mid-send leaves its
-- lease to run out and another takes the mail up.
--
-- Kept in step with ../postgres/20261207000006_mail.sql.

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- comment | reply | kudos | chapter | work | gift | co_creator | bookmark | moderation
    kind        TEXT NOT NULL,
    work_id     INTEGER REFERENCES works (id) ON DELETE CASCADE,
    comment_id  INTEGER REFERENCES comments (id) ON DELETE SET NULL,
    -- Who did it, as shown (a pseud or a guest's name); NULL for the archive itself.
    actor       TEXT,
    -- The work's title (or the subject) when it happened, and an excerpt (plain text).
    title       TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    -- Where on the site it is (a path).
    link        TEXT NOT NULL,
    mail        TEXT NOT NULL,
    mailed_at   TEXT,
    read_at     TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
-- Deleting a work or a comment finds its inbox items by these.
CREATE INDEX notifications_work ON notifications (work_id);
CREATE INDEX notifications_comment ON notifications (comment_id);
CREATE INDEX notifications_to_mail ON notifications (mail, id)
    WHERE mailed_at IS NULL AND mail <> 'off';

-- How each member wants each kind of notification mailed; no row: the kind's default.
CREATE TABLE notification_prefs (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- comments | kudos | subscriptions | gifts | co_creators | bookmarks | moderation
    category  TEXT NOT NULL,
    -- now | digest | off
    mode      TEXT NOT NULL,
    PRIMARY KEY (user_id, category)
);

-- Mail goes only to a confirmed address (except the mail that confirms it, and a password
-- reset asked for by someone who typed that address). `mail_token` is in every
-- notification's one-click unsubscribe link: it can turn notification mail off, nothing else.
ALTER TABLE users ADD COLUMN email_confirmed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN mail_token TEXT;
ALTER TABLE users ADD COLUMN digest_sent_at TEXT;
CREATE UNIQUE INDEX users_mail_token ON users (mail_token);

-- Links mailed to confirm an address: a new account's, or the new one of an email change
-- (which takes effect only when confirmed). The token is kept as its SHA-256.
CREATE TABLE email_confirmations (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX email_confirmations_user ON email_confirmations (user_id);

CREATE TABLE mail_outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    event_key        TEXT NOT NULL UNIQUE,
    user_id          INTEGER REFERENCES users (id) ON DELETE SET NULL,
    to_name          TEXT NOT NULL,
    to_address       TEXT NOT NULL,
    -- reset | confirm | email_changed | notification | digest | test
    kind             TEXT NOT NULL,
    subject          TEXT NOT NULL,
    text_body        TEXT NOT NULL,
    html_body        TEXT NOT NULL,
    -- The one-click unsubscribe address (RFC 8058), for notifications and digests.
    unsubscribe      TEXT,
    created_at       TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    lease_owner      TEXT,
    lease_until      TEXT,
    sent_at          TEXT,
    -- Given up on (after the last retry, or refused for good by the server).
    failed_at        TEXT,
    last_error       TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;

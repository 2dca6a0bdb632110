-- Mail at archive scale: nothing the worker or the admin page reads every so often walks
-- every notification or every mail ever sent.
--
-- `users.digest_since`: when the oldest notification waiting for the member's digest was
-- written (set as it is written, recomputed when a digest goes out); due digests are found
-- by it rather than by grouping every waiting notification each second.
-- Kept in step with ../sqlite/20261207000008_mail_at_scale.sql.

ALTER TABLE users ADD COLUMN digest_since TIMESTAMPTZ;
CREATE INDEX users_digest_since ON users (digest_since) WHERE digest_since IS NOT NULL;
UPDATE users SET digest_since = (SELECT MIN(n.created_at) FROM notifications n
    WHERE n.user_id = users.id AND n.mail = 'digest' AND n.mailed_at IS NULL);

-- The admin page's counts and the pruning of sent mail.
CREATE INDEX mail_outbox_sent ON mail_outbox (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX mail_outbox_failed ON mail_outbox (failed_at) WHERE failed_at IS NOT NULL;

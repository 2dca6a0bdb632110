-- How far each reader is in each canon (spoiler-aware browsing): they have seen the entries
-- of a fandom's timeline up to `position` (0: none yet). A fandom with no row is not
-- filtered. `users.blur_spoilers`: show works that spoil what they have not seen with
-- their summaries hidden, rather than leaving them out. Guests keep the same in a cookie.
--
-- Kept in step with ../postgres/20261207000004_canon_progress.sql.

CREATE TABLE canon_progress (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    fandom_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    PRIMARY KEY (user_id, fandom_id)
);
ALTER TABLE users ADD COLUMN blur_spoilers BOOLEAN NOT NULL DEFAULT FALSE;

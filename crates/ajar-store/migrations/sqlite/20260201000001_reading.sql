-- What reading pages need beyond works: a fandom's media kind (for the fandoms index), and
-- the hits counted once per visitor per work per day.
--
-- Kept in step with ../postgres/20260201000001_reading.sql.

-- A fandom's media kind ("TV Shows", "Books & Literature", ...); NULL is "Uncategorized
-- Fandoms". Only fandom tags carry one; story files say nothing of it, so it is set later.
ALTER TABLE tags ADD COLUMN media TEXT;

-- One row per (work, visitor, UTC day) that was counted as a hit. `visitor` is a hash of the
-- visitor's anonymous cookie id (or of IP and user agent), never the raw value. Rows older
-- than a couple of days are pruned: they only exist to refuse a second count the same day.
CREATE TABLE work_hits (
    work_id  INTEGER NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    visitor  TEXT NOT NULL,
    day      TEXT NOT NULL,
    PRIMARY KEY (work_id, visitor, day)
) WITHOUT ROWID;
CREATE INDEX work_hits_day ON work_hits (day);

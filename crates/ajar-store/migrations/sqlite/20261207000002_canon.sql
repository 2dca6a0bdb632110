-- Canon timelines: a fandom's ordered canon entries (episodes, book chapters, films), and
-- which entries each work spoils up to or is about ("Nag Hammadi re-write"). Links read
-- from a work's own words (its spoiler line, its summary) are marked inferred until the
-- writer confirms them.
--
-- Kept in step with ../postgres/20261207000002_canon.sql.

CREATE TABLE canon_entries (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    fandom_id  INTEGER NOT NULL REFERENCES tags (id),
    -- The entry's place in its fandom's timeline, from 1.
    position   INTEGER NOT NULL,
    -- Season (or book) and episode (or chapter), when the timeline has them.
    season     INTEGER,
    number     INTEGER,
    title      TEXT NOT NULL,
    aired      DATE,
    UNIQUE (fandom_id, position)
);

-- relation: 'spoils', or what the work is about: 'rewrite', 'missing-scene',
-- 'post-episode', 'divergence'.
CREATE TABLE work_canon (
    work_id   INTEGER NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    entry_id  INTEGER NOT NULL REFERENCES canon_entries (id) ON DELETE CASCADE,
    relation  TEXT NOT NULL,
    inferred  BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (work_id, relation, entry_id)
);
CREATE INDEX work_canon_entry ON work_canon (entry_id, relation, work_id);

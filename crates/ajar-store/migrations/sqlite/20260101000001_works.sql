-- Works with their creators, tags, chapters, series and extra header fields, and the
-- `changes` feed that the search index and other nodes follow.
--
-- Kept in step with ../postgres/20260101000001_works.sql: same tables, columns and indexes.
-- Reader-facing dates (published, updated) are ISO text 'YYYY-MM-DD'; timestamps are
-- RFC 3339 text in UTC (sqlx's encoding of DateTime<Utc>). Names are matched
-- case-insensitively through *_key columns that the store fills with the Unicode lowercase
-- of the name (SQLite's lower() folds ASCII only, so the key is computed in Rust).
-- AUTOINCREMENT so that ids readers see in URLs, and `changes.seq`, are never reused.

-- A creator's name. Imported creators are pseuds without an account (user_id NULL).
CREATE TABLE pseuds (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    user_id     INTEGER,
    created_at  TEXT NOT NULL
);
CREATE INDEX pseuds_user ON pseuds (user_id) WHERE user_id IS NOT NULL;

CREATE TABLE works (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    title              TEXT NOT NULL,
    summary_html       TEXT NOT NULL DEFAULT '',
    notes_html         TEXT NOT NULL DEFAULT '',
    end_notes_html     TEXT NOT NULL DEFAULT '',
    -- ajar_core::Rating::code(); also a `rating` tag row, this copy is for fast listing.
    rating             TEXT NOT NULL,
    language           TEXT NOT NULL,
    spoilers           TEXT,
    expected_chapters  INTEGER,
    complete           BOOLEAN NOT NULL DEFAULT FALSE,
    published          TEXT NOT NULL,
    updated            TEXT NOT NULL,
    word_count         INTEGER NOT NULL DEFAULT 0,
    chapter_count      INTEGER NOT NULL DEFAULT 0,
    hits               INTEGER NOT NULL DEFAULT 0,
    kudos_count        INTEGER NOT NULL DEFAULT 0,
    comment_count      INTEGER NOT NULL DEFAULT 0,
    bookmark_count     INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT NOT NULL,
    modified_at        TEXT NOT NULL
);
CREATE INDEX works_updated ON works (updated DESC, id DESC);

CREATE TABLE work_creators (
    work_id   INTEGER NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    pseud_id  INTEGER NOT NULL REFERENCES pseuds (id),
    position  INTEGER NOT NULL,
    PRIMARY KEY (work_id, pseud_id)
) WITHOUT ROWID;
CREATE INDEX work_creators_pseud ON work_creators (pseud_id, work_id);

-- Every tag of every kind, the required ones (rating, warning, category) included, so that
-- filtering by any of them is one mechanism.
CREATE TABLE tags (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (kind, name_key)
);

-- `position` is the tag's place among all of the work's tags, in display order.
CREATE TABLE work_tags (
    work_id   INTEGER NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    tag_id    INTEGER NOT NULL REFERENCES tags (id),
    position  INTEGER NOT NULL,
    PRIMARY KEY (work_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX work_tags_tag ON work_tags (tag_id, work_id);

CREATE TABLE chapters (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    work_id         INTEGER NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL CHECK (position >= 1),
    title           TEXT,
    summary_html    TEXT NOT NULL DEFAULT '',
    notes_html      TEXT NOT NULL DEFAULT '',
    end_notes_html  TEXT NOT NULL DEFAULT '',
    body_html       TEXT NOT NULL,
    word_count      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (work_id, position)
);

-- Series are matched by title (case-insensitively) until they have owners.
CREATE TABLE series (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT NOT NULL,
    title_key   TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

-- `position` is "Part N of the series"; `ordinal` keeps the order of the work's own list.
CREATE TABLE series_works (
    series_id  INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    work_id    INTEGER NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    ordinal    INTEGER NOT NULL,
    PRIMARY KEY (series_id, work_id)
) WITHOUT ROWID;
CREATE INDEX series_works_work ON series_works (work_id);

-- Header fields of imported files that have no column of their own.
CREATE TABLE work_extra (
    work_id   INTEGER NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    key       TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (work_id, position)
) WITHOUT ROWID;

-- One row per change, appended in the transaction that made it. No foreign key: a deleted
-- entity's "delete" row must outlive it.
CREATE TABLE changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    entity     TEXT NOT NULL,
    entity_id  INTEGER NOT NULL,
    op         TEXT NOT NULL,
    at         TEXT NOT NULL
);

-- Works with their creators, tags, chapters, series and extra header fields, and the
-- `changes` feed that the search index and other nodes follow.
--
-- Kept in step with ../sqlite/20260101000001_works.sql: same tables, columns and indexes.
-- Every integer is BIGINT so that both backends decode to i64. Names are matched
-- case-insensitively through *_key columns that the store fills with the Unicode lowercase
-- of the name (computed in Rust, so both backends agree whatever the collation).

-- A creator's name. Imported creators are pseuds without an account (user_id NULL).
CREATE TABLE pseuds (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    user_id     BIGINT,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX pseuds_user ON pseuds (user_id) WHERE user_id IS NOT NULL;

CREATE TABLE works (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title              TEXT NOT NULL,
    summary_html       TEXT NOT NULL DEFAULT '',
    notes_html         TEXT NOT NULL DEFAULT '',
    end_notes_html     TEXT NOT NULL DEFAULT '',
    -- ajar_core::Rating::code(); also a `rating` tag row, this copy is for fast listing.
    rating             TEXT NOT NULL,
    language           TEXT NOT NULL,
    spoilers           TEXT,
    expected_chapters  BIGINT,
    complete           BOOLEAN NOT NULL DEFAULT FALSE,
    published          DATE NOT NULL,
    updated            DATE NOT NULL,
    word_count         BIGINT NOT NULL DEFAULT 0,
    chapter_count      BIGINT NOT NULL DEFAULT 0,
    hits               BIGINT NOT NULL DEFAULT 0,
    kudos_count        BIGINT NOT NULL DEFAULT 0,
    comment_count      BIGINT NOT NULL DEFAULT 0,
    bookmark_count     BIGINT NOT NULL DEFAULT 0,
    created_at         TIMESTAMPTZ NOT NULL,
    modified_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX works_updated ON works (updated DESC, id DESC);

CREATE TABLE work_creators (
    work_id   BIGINT NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    pseud_id  BIGINT NOT NULL REFERENCES pseuds (id),
    position  BIGINT NOT NULL,
    PRIMARY KEY (work_id, pseud_id)
);
CREATE INDEX work_creators_pseud ON work_creators (pseud_id, work_id);

-- Every tag of every kind, the required ones (rating, warning, category) included, so that
-- filtering by any of them is one mechanism.
CREATE TABLE tags (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (kind, name_key)
);

-- `position` is the tag's place among all of the work's tags, in display order.
CREATE TABLE work_tags (
    work_id   BIGINT NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    tag_id    BIGINT NOT NULL REFERENCES tags (id),
    position  BIGINT NOT NULL,
    PRIMARY KEY (work_id, tag_id)
);
CREATE INDEX work_tags_tag ON work_tags (tag_id, work_id);

CREATE TABLE chapters (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_id         BIGINT NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    position        BIGINT NOT NULL CHECK (position >= 1),
    title           TEXT,
    summary_html    TEXT NOT NULL DEFAULT '',
    notes_html      TEXT NOT NULL DEFAULT '',
    end_notes_html  TEXT NOT NULL DEFAULT '',
    body_html       TEXT NOT NULL,
    word_count      BIGINT NOT NULL DEFAULT 0,
    UNIQUE (work_id, position)
);

-- Series are matched by title (case-insensitively) until they have owners.
CREATE TABLE series (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title       TEXT NOT NULL,
    title_key   TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL
);

-- `position` is "Part N of the series"; `ordinal` keeps the order of the work's own list.
CREATE TABLE series_works (
    series_id  BIGINT NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    work_id    BIGINT NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    position   BIGINT NOT NULL,
    ordinal    BIGINT NOT NULL,
    PRIMARY KEY (series_id, work_id)
);
CREATE INDEX series_works_work ON series_works (work_id);

-- Header fields of imported files that have no column of their own.
CREATE TABLE work_extra (
    work_id   BIGINT NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    position  BIGINT NOT NULL,
    key       TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (work_id, position)
);

-- One row per change, appended in the transaction that made it. No foreign key: a deleted
-- entity's "delete" row must outlive it. Store writers hold an advisory lock for their
-- transaction, so rows commit in `seq` order and a follower reading `seq > last` never
-- skips one.
CREATE TABLE changes (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity     TEXT NOT NULL,
    entity_id  BIGINT NOT NULL,
    op         TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL
);

-- Tag wrangling: one tag for one thing, however writers spell it. A tag is canonical or not;
-- a tag that is not can be a synonym of a canonical one (`merger_id`), whose listings,
-- filters and counts then take in its works; canonical characters, relationships and
-- freeforms have parent tags (their fandoms; a relationship's characters) and canonical
-- tags can have meta tags (filtering by a meta tag takes in its sub tags). Works keep the
-- tag their writer typed: wrangling changes the graph, never a work's rows.
--
-- Kept in step with ../postgres/20261207000001_tag_wrangling.sql.

ALTER TABLE tags ADD COLUMN canonical BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE tags ADD COLUMN merger_id INTEGER REFERENCES tags (id);
ALTER TABLE tags ADD COLUMN unwrangleable BOOLEAN NOT NULL DEFAULT FALSE;

-- Ratings, warnings and categories are fixed and canonical.
UPDATE tags SET canonical = TRUE WHERE kind IN ('rating', 'warning', 'category');

CREATE INDEX tags_merger ON tags (merger_id) WHERE merger_id IS NOT NULL;
-- The wranglers' queue: tags nobody has wrangled yet, oldest first.
CREATE INDEX tags_unwrangled ON tags (created_at, id)
    WHERE NOT canonical AND merger_id IS NULL AND NOT unwrangleable;

CREATE TABLE tag_parents (
    parent_id  INTEGER NOT NULL REFERENCES tags (id),
    child_id   INTEGER NOT NULL REFERENCES tags (id),
    PRIMARY KEY (parent_id, child_id)
) WITHOUT ROWID;
CREATE INDEX tag_parents_child ON tag_parents (child_id, parent_id);

CREATE TABLE tag_meta (
    meta_id  INTEGER NOT NULL REFERENCES tags (id),
    sub_id   INTEGER NOT NULL REFERENCES tags (id),
    PRIMARY KEY (meta_id, sub_id)
) WITHOUT ROWID;
CREATE INDEX tag_meta_sub ON tag_meta (sub_id, meta_id);

-- Every wrangling change: who, when, what, and the tag's state before and after.
CREATE TABLE wrangling_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    tag_id    INTEGER NOT NULL REFERENCES tags (id),
    user_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    at        TEXT NOT NULL,
    action    TEXT NOT NULL,
    before    TEXT NOT NULL,
    after     TEXT NOT NULL
);
CREATE INDEX wrangling_log_tag ON wrangling_log (tag_id, id);
CREATE INDEX wrangling_log_user ON wrangling_log (user_id);

-- Which fandoms a wrangler looks after (their queue starts with these).
CREATE TABLE wrangler_fandoms (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    fandom_id  INTEGER NOT NULL REFERENCES tags (id),
    PRIMARY KEY (user_id, fandom_id)
) WITHOUT ROWID;
CREATE INDEX wrangler_fandoms_fandom ON wrangler_fandoms (fandom_id);

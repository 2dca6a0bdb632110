-- A reader's muted tags and saved filter, applied inside every search and tag listing they
-- see (so totals and facet counts stay right). Kept in step with
-- ../postgres/20260501000005_filters.sql.
CREATE TABLE user_filters (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- Tag names (any kind), one per line: works carrying any of them are never shown.
    muted_tags   TEXT NOT NULL DEFAULT '',
    -- The saved filter, as the search form's query string (complete, crossover, words_from,
    -- words_to, language, rating, exclude_tags): defaults for every search that does not say.
    saved_query  TEXT NOT NULL DEFAULT '',
    updated_at   TEXT NOT NULL
);

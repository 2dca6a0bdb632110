-- Story formats: an import looks works up by title to report duplicates (same title,
-- creators and text) instead of storing them twice.
CREATE INDEX works_title ON works (title);

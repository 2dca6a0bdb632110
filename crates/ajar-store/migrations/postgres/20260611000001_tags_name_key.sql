-- Tag pages and mutes look tags up by name alone, whatever their kind: without this index
-- that reads every tag (the unique index leads with the kind).
CREATE INDEX tags_name_key ON tags (name_key);

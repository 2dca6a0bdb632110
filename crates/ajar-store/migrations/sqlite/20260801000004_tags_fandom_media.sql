-- The fandom pages group every fandom by its media. Read through the tags table, that was one
-- scattered row per fandom (4,001 at a million works, most of /fandoms' 35 ms); this index
-- holds all the query needs, in order.
CREATE INDEX IF NOT EXISTS tags_fandom_media ON tags (kind, media, id);

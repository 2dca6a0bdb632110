-- The texts of works and chapters as their writers wrote them, when that was not HTML
-- (Markdown or plain text in the posting forms): the edit forms show them again as
-- written. The HTML in `works` and `chapters` stays what is shown and searched; a
-- source is used only while it still renders to that HTML.
--
-- Kept in step with the other backend's migration of the same name.

CREATE TABLE work_sources (
    work_id     INTEGER PRIMARY KEY REFERENCES works (id) ON DELETE CASCADE,
    format      TEXT NOT NULL,
    summary     TEXT NOT NULL DEFAULT '',
    notes       TEXT NOT NULL DEFAULT '',
    end_notes   TEXT NOT NULL DEFAULT ''
);

CREATE TABLE chapter_sources (
    chapter_id  INTEGER PRIMARY KEY REFERENCES chapters (id) ON DELETE CASCADE,
    format      TEXT NOT NULL,
    summary     TEXT NOT NULL DEFAULT '',
    notes       TEXT NOT NULL DEFAULT '',
    end_notes   TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT ''
);

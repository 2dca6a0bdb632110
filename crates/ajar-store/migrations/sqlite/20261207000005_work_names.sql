-- The names a work's text uses most (`ajar_core::narration`), most frequent first, joined
-- by ", ": shown on its page beside the narration. NULL until worked out (stored works get
-- it from `ajar analyze-texts` or when their text changes).
--
-- Kept in step with ../postgres/20261207000005_work_names.sql.

ALTER TABLE works ADD COLUMN names TEXT;

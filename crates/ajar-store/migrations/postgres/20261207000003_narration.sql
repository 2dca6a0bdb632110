-- What the text of a work says of its narration, worked out when the work is stored and
-- when its chapters change (`ajar_core::narration`): the grammatical person of the
-- narration ('first', 'second', 'third', 'mixed') and the share of its words in dialogue,
-- in thousandths. NULL for works stored before this (until their text changes).
--
-- Kept in step with ../sqlite/20261207000003_narration.sql.

ALTER TABLE works ADD COLUMN narration TEXT;
ALTER TABLE works ADD COLUMN dialogue_permille BIGINT;

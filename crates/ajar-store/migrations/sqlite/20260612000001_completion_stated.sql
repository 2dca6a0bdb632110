-- Whether a work's completion is known. A story file that says nothing about it is
-- imported with `completion_stated = FALSE`: neither complete nor in progress, shown as
-- "Not stated", and left out of both the "complete" and the "in progress" filters.
-- `complete` is then FALSE and means nothing. Works stored before this migration keep
-- what they meant: stated.
--
-- Kept in step with the other backend's migration of the same name.

ALTER TABLE works ADD COLUMN completion_stated BOOLEAN NOT NULL DEFAULT TRUE;

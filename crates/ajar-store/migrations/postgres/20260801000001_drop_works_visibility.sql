-- An index on a column of three values is never worth reading, and it misled SQLite's
-- planner: with statistics sampled by `PRAGMA optimize` (analysis_limit), it took
-- `works_visibility` for a selective index and read every public work to sort them for the
-- home page (a second at a million works; ten with a muted account) instead of walking
-- `works_updated` in order and stopping after a page.
DROP INDEX works_visibility;

-- A work page names the latest kudos givers. Without an index in that order, a work with
-- 20,000 kudos read and sorted all of them for each page view (about 25 ms at a million
-- works); along this one the newest 50 are the first 50 entries.
CREATE INDEX IF NOT EXISTS kudos_work_recent ON kudos (work_id, id DESC, user_id);

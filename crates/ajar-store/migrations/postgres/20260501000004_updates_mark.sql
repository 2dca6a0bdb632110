-- The updates page (subscriptions) lists works that got chapters after the reader's last
-- visit. Chapter ids only grow, so the newest chapter id at that visit marks it exactly,
-- whatever else (kudos, comments, hits) touched the works since; a time would not.
--
-- Kept in step with ../sqlite/20260501000004_updates_mark.sql.

ALTER TABLE users ADD COLUMN updates_seen_chapter BIGINT;

-- Who follows a work, creator, series or tag (for the updates page's joins).
CREATE INDEX subscriptions_target ON subscriptions (kind, target_id);
-- A user's "marked for later" list.
CREATE INDEX readings_later ON readings (user_id, later);
-- The admin's list of hidden works (few, so a partial index costs posting nothing).
CREATE INDEX works_hidden ON works (id) WHERE hidden;

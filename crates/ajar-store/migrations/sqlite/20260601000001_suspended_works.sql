-- A suspended account's works, comments and bookmarks are hidden from everyone else until
-- the suspension is lifted. `creators_suspended` marks a work whose accepted creators are
-- all suspended accounts; the store keeps it when an account is suspended or reinstated,
-- so that listings and counts test one column, as they test `hidden`.
--
-- Kept in step with the other backend's migration of the same name.

ALTER TABLE works ADD COLUMN creators_suspended BOOLEAN NOT NULL DEFAULT FALSE;

-- What a suspension recounts (one account's comments), and what a muted reader's comment
-- counts leave out.
CREATE INDEX comments_user ON comments (user_id, work_id);

-- Accounts suspended before this migration.
UPDATE works SET creators_suspended = TRUE
WHERE EXISTS (
        SELECT 1 FROM work_creators wc JOIN pseuds p ON p.id = wc.pseud_id
        JOIN users u ON u.id = p.user_id
        WHERE wc.work_id = works.id AND wc.accepted AND u.suspended)
    AND NOT EXISTS (
        SELECT 1 FROM work_creators wc JOIN pseuds p ON p.id = wc.pseud_id
        LEFT JOIN users u ON u.id = p.user_id
        WHERE wc.work_id = works.id AND wc.accepted AND (u.id IS NULL OR NOT u.suspended));
UPDATE works SET comment_count = (
        SELECT COUNT(*) FROM comments c WHERE c.work_id = works.id AND c.status = 'visible'
            AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = c.user_id AND u.suspended))
WHERE id IN (SELECT c.work_id FROM comments c JOIN users u ON u.id = c.user_id
             WHERE u.suspended);
UPDATE works SET bookmark_count = (
        SELECT COUNT(*) FROM bookmarks b WHERE b.work_id = works.id AND NOT b.private
            AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = b.user_id AND u.suspended))
WHERE id IN (SELECT b.work_id FROM bookmarks b JOIN users u ON u.id = b.user_id
             WHERE u.suspended);

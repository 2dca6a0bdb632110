-- How many accounts and how many guests left kudos on each work, kept as kudos are left.
-- A work page says both; counting them from `kudos` read every kudos of the work on each
-- view (20,000 for a popular work of the million-work benchmark; AO3's most loved works
-- have hundreds of thousands), and leaving one recounted them all inside the write lock.
-- Works nobody left kudos on have no row. Kept in step with
-- ../sqlite/20261208000001_work_kudos.sql.

CREATE TABLE work_kudos (
    work_id  BIGINT PRIMARY KEY REFERENCES works (id) ON DELETE CASCADE,
    users    BIGINT NOT NULL,
    guests   BIGINT NOT NULL
);
INSERT INTO work_kudos (work_id, users, guests)
    SELECT work_id, COUNT(user_id), COUNT(*) - COUNT(user_id) FROM kudos GROUP BY work_id;

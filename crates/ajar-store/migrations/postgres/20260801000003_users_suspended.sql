-- The admin page lists suspended accounts by name: without this it walked every account in
-- name order to find the few suspended ones (tens of milliseconds at 50,000 readers).
CREATE INDEX IF NOT EXISTS users_suspended ON users (name_key) WHERE suspended;

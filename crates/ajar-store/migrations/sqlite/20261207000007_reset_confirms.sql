-- A password reset link mailed by the archive (not one an operator printed) goes to the
-- account's address: spending it shows the reader holds that address, so it confirms it.
-- `mailed_to` is the address it was mailed to; NULL for printed links.
--
-- Kept in step with ../postgres/20261207000007_reset_confirms.sql.

ALTER TABLE password_resets ADD COLUMN mailed_to TEXT;

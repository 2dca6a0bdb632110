-- A guest leaves kudos once per work per client address (a hash of it, made by the web
-- layer), as well as once per cookie: clearing cookies must not give unlimited kudos.
--
-- Kept in step with the other backend's migration of the same name.

ALTER TABLE kudos ADD COLUMN guest_address TEXT;
CREATE UNIQUE INDEX kudos_work_guest_address ON kudos (work_id, guest_address);

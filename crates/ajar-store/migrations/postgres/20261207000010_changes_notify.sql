-- Every commit that appends to the `changes` feed announces it on the channel
-- `ajar_changes` (NOTIFY is delivered at commit, once per transaction however many rows it
-- appended), so that the nodes' search followers wake at once instead of at their next
-- look. Writes already take one lock in turn (`Pool::begin_write`), so NOTIFY's own
-- serialisation of committing transactions costs nothing more.
-- PostgreSQL only: SQLite has no other processes to tell; followers there look.

CREATE FUNCTION ajar_changes_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ajar_changes', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER changes_notify
    AFTER INSERT ON changes
    FOR EACH STATEMENT
    EXECUTE FUNCTION ajar_changes_notify();

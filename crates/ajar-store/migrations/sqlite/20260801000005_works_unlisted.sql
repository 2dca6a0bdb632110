-- A reader's history counts the works of their readings that members may list. Joined with
-- works, that read each work's row, whose listing columns sit after its summary and notes:
-- 50 ms for a reader with 10,000 readings at a million works, on every page of the history.
-- The few works members may not list (drafts, hidden, every creator suspended) are this
-- index; the count takes them off the readings instead (`Store::readings`). Its WHERE is the
-- negation of `Audience::Members.listed`, written the same way so that queries match it.
CREATE INDEX IF NOT EXISTS works_unlisted ON works (id)
    WHERE NOT (visibility IN ('public', 'restricted') AND NOT hidden AND NOT creators_suspended);

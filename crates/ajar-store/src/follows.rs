//! What a reader keeps track of: subscriptions to works, creators (pseuds), series and tags
//! with the updates page they feed, and reading history with "mark for later".
//!
//! "New since the last visit" is told by chapter ids, which only grow: a reader's mark is
//! the newest chapter id when they last opened their updates page (set at their first
//! subscription too), and a work is new to them when it has a chapter past the mark. Kudos
//! and comments touch a work's `modified_at` but add no chapter, so they are not updates.

use crate::access::Audience;
use crate::db::Sql;
use crate::works::now;
use crate::{name_key, to_u32, to_u64, Result, Store, StoreError};
use ajar_core::{PseudId, SeriesId, TagId, UserId, WorkId};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a reader can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Followed {
    Work(WorkId),
    /// A pseud: their new works.
    Creator(PseudId),
    /// A series: its new parts.
    Series(SeriesId),
    /// A tag: new works carrying a tag of its name (any kind).
    Tag(TagId),
}

impl Followed {
    /// Every kind [`Followed::from_parts`] reads.
    pub const KINDS: [&'static str; 4] = [
        Followed::Work(WorkId(0)).kind(),
        Followed::Creator(PseudId(0)).kind(),
        Followed::Series(SeriesId(0)).kind(),
        Followed::Tag(TagId(0)).kind(),
    ];

    pub const fn kind(self) -> &'static str {
        match self {
            Followed::Work(_) => "work",
            Followed::Creator(_) => "creator",
            Followed::Series(_) => "series",
            Followed::Tag(_) => "tag",
        }
    }

    pub fn target_id(self) -> i64 {
        match self {
            Followed::Work(w) => w.0,
            Followed::Creator(p) => p.0,
            Followed::Series(s) => s.0,
            Followed::Tag(t) => t.0,
        }
    }

    /// From a stored or submitted kind and id.
    pub fn from_parts(kind: &str, id: i64) -> Option<Followed> {
        Some(match kind {
            "work" => Followed::Work(WorkId(id)),
            "creator" => Followed::Creator(PseudId(id)),
            "series" => Followed::Series(SeriesId(id)),
            "tag" => Followed::Tag(TagId(id)),
            _ => return None,
        })
    }
}

/// One of a reader's subscriptions, with a name to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    pub followed: Followed,
    /// The work's or series' title, the pseud's or tag's name; `None` when it is gone or
    /// (a work) no longer listed for this reader.
    pub label: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A work with chapters past the reader's mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Update {
    pub work: WorkId,
    /// Every chapter of the work is past the mark: the work itself is new.
    pub new_work: bool,
    pub new_chapters: u32,
}

/// What a reader's updates page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdatesPage {
    /// Newest first.
    pub updates: Vec<Update>,
    /// Works with new chapters that did not fit on the page: the next visit shows them.
    pub more: u64,
    /// The chapter id the reader's mark moves to once the page is shown.
    pub through: i64,
}

/// One work in a reader's history or "later" list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reading {
    pub work: WorkId,
    pub last_chapter: u32,
    pub visits: u64,
    pub later: bool,
    pub visited_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ReadingRow {
    work_id: i64,
    last_chapter: i64,
    visits: i64,
    later: bool,
    visited_at: DateTime<Utc>,
}

impl ReadingRow {
    fn into_reading(self) -> Result<Reading> {
        Ok(Reading {
            work: WorkId(self.work_id),
            last_chapter: to_u32(self.last_chapter, "a reading's last chapter")?,
            visits: to_u64(self.visits, "a reading's visits")?,
            later: self.later,
            visited_at: self.visited_at,
        })
    }
}

/// Which works a subscription of `s` (a row of `subscriptions` for user `$1`) covers, as a
/// condition on works aliased `w`. A subscription to a tag covers its synonyms' works.
const FOLLOWED_WORK: &str = "(\
    EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = $1 AND s.kind = 'work' \
        AND s.target_id = w.id) \
    OR EXISTS (SELECT 1 FROM subscriptions s JOIN work_creators wc ON wc.pseud_id = s.target_id \
        WHERE s.user_id = $1 AND s.kind = 'creator' AND wc.work_id = w.id AND wc.accepted) \
    OR EXISTS (SELECT 1 FROM subscriptions s JOIN series_works sw ON sw.series_id = s.target_id \
        WHERE s.user_id = $1 AND s.kind = 'series' AND sw.work_id = w.id) \
    OR EXISTS (SELECT 1 FROM subscriptions s JOIN tags st ON st.id = s.target_id \
        JOIN tags t ON t.name_key = st.name_key JOIN work_tags wt ON wt.tag_id = t.id \
        WHERE s.user_id = $1 AND s.kind = 'tag' AND wt.work_id = w.id) \
    OR EXISTS (SELECT 1 FROM subscriptions s JOIN tags st ON st.id = s.target_id \
        JOIN tags c ON c.name_key = st.name_key JOIN tags t ON t.merger_id = c.id \
        JOIN work_tags wt ON wt.tag_id = t.id \
        WHERE s.user_id = $1 AND s.kind = 'tag' AND wt.work_id = w.id))";

/// The works a subscription of user `$1` covers, one row each: [`FOLLOWED_WORK`] as a
/// query of its own, read from the subscriptions outwards.
const FOLLOWED_WORKS: &str = "\
    SELECT s.target_id FROM subscriptions s WHERE s.user_id = $1 AND s.kind = 'work' \
    UNION SELECT wc.work_id FROM subscriptions s JOIN work_creators wc ON wc.pseud_id = s.target_id \
        WHERE s.user_id = $1 AND s.kind = 'creator' AND wc.accepted \
    UNION SELECT sw.work_id FROM subscriptions s JOIN series_works sw ON sw.series_id = s.target_id \
        WHERE s.user_id = $1 AND s.kind = 'series' \
    UNION SELECT wt.work_id FROM subscriptions s JOIN tags st ON st.id = s.target_id \
        JOIN tags t ON t.name_key = st.name_key JOIN work_tags wt ON wt.tag_id = t.id \
        WHERE s.user_id = $1 AND s.kind = 'tag' \
    UNION SELECT wt.work_id FROM subscriptions s JOIN tags st ON st.id = s.target_id \
        JOIN tags c ON c.name_key = st.name_key JOIN tags t ON t.merger_id = c.id \
        JOIN work_tags wt ON wt.tag_id = t.id WHERE s.user_id = $1 AND s.kind = 'tag'";

/// Up to how many chapters posted since a reader's last visit [`Store::updates`] reads
/// one by one; past it, it reads the reader's followed works instead. Reading a chapter
/// with its checks costs about as much as reading a followed work, a few microseconds.
const CHAPTERS_READ_AT_MOST: i64 = 20_000;

/// Where [`Store::updates_by`] starts reading.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdatesPlan {
    /// The chapters posted since the reader's mark, each checked against the subscriptions.
    FromChapters,
    /// The works the reader follows, each with its chapters past the mark.
    FromFollowed,
}

/// Works by someone user `$1` muted, as a condition on works aliased `w`.
const BY_MUTED: &str = "EXISTS (SELECT 1 FROM work_creators mwc \
    JOIN pseuds mp ON mp.id = mwc.pseud_id JOIN user_mutes m ON m.target_id = mp.user_id \
    WHERE mwc.work_id = w.id AND m.user_id = $1)";

/// The statement that records one visit in its reader's history.
pub(crate) fn reading_upsert(visit: &crate::hits::Visit) -> Sql<'_> {
    Sql::new(
        "INSERT INTO readings (user_id, work_id, last_chapter, visits, later, visited_at) \
         VALUES ($1, $2, $3, 1, FALSE, $4) ON CONFLICT (user_id, work_id) DO UPDATE SET \
         last_chapter = excluded.last_chapter, visits = readings.visits + 1, \
         visited_at = excluded.visited_at",
    )
    .bind(visit.user.0)
    .bind(visit.work.0)
    .bind(i64::from(visit.chapter))
    .bind(visit.at)
}

impl Store {
    /// Subscribes `user`; [`StoreError::NotFound`] when the target does not exist. A
    /// reader's first subscription starts their updates from now.
    pub async fn subscribe(&self, user: UserId, followed: Followed) -> Result<()> {
        let now = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let table = match followed {
            Followed::Work(_) => "works",
            Followed::Creator(_) => "pseuds",
            Followed::Series(_) => "series",
            Followed::Tag(_) => "tags",
        };
        let exists: Option<(i64,)> = db
            .fetch_optional(
                &Sql::new(format!("SELECT id FROM {table} WHERE id = $1"))
                    .bind(followed.target_id()),
            )
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(followed.kind()));
        }
        db.execute(
            &Sql::new(
                "UPDATE users SET updates_seen_chapter = \
                 (SELECT COALESCE(MAX(id), 0) FROM chapters), updates_seen_at = $2 \
                 WHERE id = $1 AND updates_seen_chapter IS NULL",
            )
            .bind(user.0)
            .bind(now),
        )
        .await?;
        db.execute(
            &Sql::new(
                "INSERT INTO subscriptions (user_id, kind, target_id, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, kind, target_id) DO NOTHING",
            )
            .bind(user.0)
            .bind(followed.kind())
            .bind(followed.target_id())
            .bind(now),
        )
        .await?;
        tx.commit().await
    }

    /// Ends a subscription; false when there was none.
    pub async fn unsubscribe(&self, user: UserId, followed: Followed) -> Result<bool> {
        let mut tx = self.pool.begin_write().await?;
        let n = tx
            .db()
            .execute(
                &Sql::new(
                    "DELETE FROM subscriptions WHERE user_id = $1 AND kind = $2 AND target_id = $3",
                )
                .bind(user.0)
                .bind(followed.kind())
                .bind(followed.target_id()),
            )
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    pub async fn is_subscribed(&self, user: UserId, followed: Followed) -> Result<bool> {
        let mut conn = self.pool.conn().await?;
        let row: Option<(i64,)> = conn
            .db()
            .fetch_optional(
                &Sql::new(
                    "SELECT target_id FROM subscriptions WHERE user_id = $1 AND kind = $2 AND target_id = $3",
                )
                .bind(user.0)
                .bind(followed.kind())
                .bind(followed.target_id()),
            )
            .await?;
        Ok(row.is_some())
    }

    /// A reader's subscriptions, newest first, named; works `audience` does not list are
    /// left unnamed.
    pub async fn subscriptions(
        &self,
        user: UserId,
        audience: Audience,
    ) -> Result<Vec<Subscription>> {
        let mut tx = self.pool.begin_read().await?;
        let mut db = tx.db();
        let sql = Sql::new(format!(
            "SELECT s.kind, s.target_id, s.created_at, CASE s.kind \
             WHEN 'work' THEN (SELECT w.title FROM works w WHERE w.id = s.target_id AND {}) \
             WHEN 'creator' THEN (SELECT p.name FROM pseuds p WHERE p.id = s.target_id) \
             WHEN 'series' THEN (SELECT se.title FROM series se WHERE se.id = s.target_id) \
             WHEN 'tag' THEN (SELECT t.name FROM tags t WHERE t.id = s.target_id) END \
             FROM subscriptions s WHERE s.user_id = $1 ORDER BY s.created_at DESC, s.kind",
            audience.listed("w")
        ))
        .bind(user.0);
        let rows: Vec<(String, i64, DateTime<Utc>, Option<String>)> = db.fetch_all(&sql).await?;
        tx.commit().await?;
        rows.into_iter()
            .map(|(kind, id, created_at, label)| {
                let followed = Followed::from_parts(&kind, id)
                    .ok_or_else(|| StoreError::Corrupt(format!("a subscription to a {kind:?}")))?;
                Ok(Subscription {
                    followed,
                    label,
                    created_at,
                })
            })
            .collect()
    }

    /// The first tag (any kind) named `name`, case-insensitively: what a tag subscription
    /// points at.
    pub async fn tag_id_named(&self, name: &str) -> Result<Option<TagId>> {
        let mut conn = self.pool.conn().await?;
        let row: Option<(i64,)> = conn
            .db()
            .fetch_optional(
                &Sql::new("SELECT id FROM tags WHERE name_key = $1 ORDER BY id LIMIT 1")
                    .bind(name_key(name.trim()).as_str()),
            )
            .await?;
        Ok(row.map(|(id,)| TagId(id)))
    }

    /// The oldest `limit` works `audience` lists that match a subscription of `user` and got
    /// chapters past the reader's mark (shown newest first), leaving out works by users they
    /// muted. Does not move the mark: once the page is shown, pass its `through` to
    /// [`Store::mark_updates_seen`], so that nothing the reader was not shown (a work past
    /// the page, a chapter posted meanwhile) is marked seen.
    pub async fn updates(
        &self,
        user: UserId,
        audience: Audience,
        limit: u32,
    ) -> Result<UpdatesPage> {
        self.updates_by(user, audience, limit, None).await
    }

    /// [`Store::updates`], reading from the chapters past the mark or from the works the
    /// reader follows as `plan` says (`None`: whichever has fewer rows to read). Both give
    /// the same page; tests compare them.
    #[doc(hidden)]
    pub async fn updates_by(
        &self,
        user: UserId,
        audience: Audience,
        limit: u32,
        plan: Option<UpdatesPlan>,
    ) -> Result<UpdatesPage> {
        let mut tx = self.pool.begin_read().await?;
        let mut db = tx.db();
        let row: Option<(Option<i64>, i64)> = db
            .fetch_optional(
                &Sql::new(
                    "SELECT updates_seen_chapter, (SELECT COALESCE(MAX(id), 0) FROM chapters) \
                     FROM users WHERE id = $1",
                )
                .bind(user.0),
            )
            .await?;
        let (mark, newest) = row.map_or((0, 0), |(mark, newest)| (mark.unwrap_or(0), newest));
        // Chapter ids only grow, so `newest - mark` bounds the chapters posted since the
        // reader's last visit: usually a few hundred, read one by one with a check of each
        // one's work against the subscriptions. A reader back after a long time would walk
        // millions that way; then the followed works are read instead (a few dozen for
        // works, creators and series; a big tag's works for a tag).
        let plan = plan.unwrap_or(if newest - mark <= CHAPTERS_READ_AT_MOST {
            UpdatesPlan::FromChapters
        } else {
            UpdatesPlan::FromFollowed
        });
        // Oldest first by each work's oldest new chapter, one row past the page to know
        // where the page ends; each row also carries how many works have new chapters (a
        // window over the groups, counted before the LIMIT). `CROSS JOIN` fixes SQLite's
        // join order to the one chosen here (PostgreSQL plans it as any inner join).
        let columns = "w.id, COUNT(*), MIN(c.id), MAX(c.id), \
             (SELECT MIN(c2.id) FROM chapters c2 WHERE c2.work_id = w.id), COUNT(*) OVER ()";
        let listed = audience.listed("w");
        let sql = match plan {
            UpdatesPlan::FromChapters => format!(
                "SELECT {columns} FROM chapters c CROSS JOIN works w \
                 WHERE w.id = c.work_id AND c.id > $2 AND {listed} AND {FOLLOWED_WORK} AND NOT {BY_MUTED} \
                 GROUP BY w.id ORDER BY MIN(c.id) LIMIT $3"
            ),
            UpdatesPlan::FromFollowed => format!(
                "WITH followed (work_id) AS ({FOLLOWED_WORKS}) \
                 SELECT {columns} FROM followed f CROSS JOIN works w CROSS JOIN chapters c \
                 WHERE w.id = f.work_id AND c.work_id = w.id AND c.id > $2 AND {listed} AND NOT {BY_MUTED} \
                 GROUP BY w.id ORDER BY MIN(c.id) LIMIT $3"
            ),
        };
        let sql = Sql::new(sql)
            .bind(user.0)
            .bind(mark)
            .bind(i64::from(limit) + 1);
        let mut rows: Vec<(i64, i64, i64, i64, Option<i64>, i64)> = db.fetch_all(&sql).await?;
        let works = rows.first().map_or(0, |r| r.5);
        tx.commit().await?;
        // The mark may pass every chapter shown but no chapter of a work not shown: a work
        // shown with chapters past that point comes back with them next time.
        let through = match rows.get(limit as usize) {
            Some(&(_, _, oldest_not_shown, ..)) => oldest_not_shown - 1,
            None => rows.iter().map(|r| r.3).max().unwrap_or(mark),
        };
        rows.truncate(limit as usize);
        rows.sort_by_key(|r| std::cmp::Reverse(r.3));
        let updates = rows
            .into_iter()
            .map(|(work, count, _, _, first, _)| {
                Ok(Update {
                    work: WorkId(work),
                    new_work: first.is_some_and(|f| f > mark),
                    new_chapters: to_u32(count, "a count of new chapters")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(UpdatesPage {
            more: to_u64(works, "a count of updated works")?.saturating_sub(updates.len() as u64),
            updates,
            through,
        })
    }

    /// Moves `user`'s updates mark to chapter id `through` (from the [`UpdatesPage`] they
    /// were shown; never backwards); returns when they last looked before this.
    pub async fn mark_updates_seen(
        &self,
        user: UserId,
        through: i64,
    ) -> Result<Option<DateTime<Utc>>> {
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let before: Option<(Option<DateTime<Utc>>,)> = db
            .fetch_optional(
                &Sql::new("SELECT updates_seen_at FROM users WHERE id = $1").bind(user.0),
            )
            .await?;
        db.execute(
            &Sql::new(
                "UPDATE users SET updates_seen_chapter = CASE \
                 WHEN COALESCE(updates_seen_chapter, 0) < $3 THEN $3 \
                 ELSE updates_seen_chapter END, updates_seen_at = $2 WHERE id = $1",
            )
            .bind(user.0)
            .bind(now())
            .bind(through),
        )
        .await?;
        tx.commit().await?;
        Ok(before.and_then(|(b,)| b))
    }

    // -----------------------------------------------------------------------------------
    // Reading history and "mark for later"

    /// Records that `user` opened chapter `chapter` of a work now, on its own (the server
    /// gathers visits and writes them with hits: [`Store::record_views`]).
    pub async fn record_reading(&self, user: UserId, work: WorkId, chapter: u32) -> Result<()> {
        let visit = crate::hits::Visit {
            user,
            work,
            chapter,
            at: now(),
        };
        self.record_views(&[], &[visit]).await.map(|_| ())
    }

    /// Marks a work for later (or takes it off the list).
    pub async fn set_later(&self, user: UserId, work: WorkId, later: bool) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        if later {
            db.execute(
                &Sql::new(
                    "INSERT INTO readings (user_id, work_id, last_chapter, visits, later, \
                     visited_at) VALUES ($1, $2, 1, 0, TRUE, $3) \
                     ON CONFLICT (user_id, work_id) DO UPDATE SET later = TRUE",
                )
                .bind(user.0)
                .bind(work.0)
                .bind(now()),
            )
            .await?;
        } else {
            db.execute(
                &Sql::new("UPDATE readings SET later = FALSE WHERE user_id = $1 AND work_id = $2")
                    .bind(user.0)
                    .bind(work.0),
            )
            .await?;
            // A work marked for later but never opened leaves no history behind.
            db.execute(
                &Sql::new(
                    "DELETE FROM readings WHERE user_id = $1 AND work_id = $2 AND visits = 0",
                )
                .bind(user.0)
                .bind(work.0),
            )
            .await?;
        }
        tx.commit().await
    }

    /// `user`'s reading of one work, if any.
    pub async fn reading(&self, user: UserId, work: WorkId) -> Result<Option<Reading>> {
        let mut conn = self.pool.conn().await?;
        let row: Option<ReadingRow> = conn
            .db()
            .fetch_optional(
                &Sql::new(
                    "SELECT work_id, last_chapter, visits, later, visited_at FROM readings \
                     WHERE user_id = $1 AND work_id = $2",
                )
                .bind(user.0)
                .bind(work.0),
            )
            .await?;
        row.map(ReadingRow::into_reading).transpose()
    }

    /// The plan of the history's count for a member with `user`'s readings: what a test
    /// checks to see that it reads the few unlisted works (`works_unlisted`), not every
    /// reading's work.
    pub async fn readings_count_plan(&self, user: UserId) -> Result<String> {
        let mut conn = self.pool.conn().await?;
        let sql = readings_count_sql(Audience::Members, "r.visits > 0");
        crate::listings::explain(&mut conn.db(), &sql, |q| q.bind(user.0)).await
    }

    /// A page of `user`'s history (works they opened, most recent first), or of their
    /// "later" list, with how many there are in all. Works `audience` does not list are
    /// left out. A page starts after a reading's (`visited_at`, work), or at an offset.
    pub async fn readings(
        &self,
        user: UserId,
        audience: Audience,
        later: bool,
        limit: u32,
        start: crate::PageStart<(DateTime<Utc>, WorkId)>,
    ) -> Result<(Vec<Reading>, u64)> {
        let which = if later { "r.later" } else { "r.visits > 0" };
        let mut tx = self.pool.begin_read().await?;
        let mut db = tx.db();
        let (total,): (i64,) = db
            .fetch_one(&Sql::new(readings_count_sql(audience, which)).bind(user.0))
            .await?;
        let (offset, after) = start.split();
        let keyset = if after.is_some() {
            "AND (r.visited_at < $4 OR (r.visited_at = $4 AND r.work_id < $5))"
        } else {
            ""
        };
        let mut sql = Sql::new(format!(
            "SELECT r.work_id, r.last_chapter, r.visits, r.later, r.visited_at \
                     FROM readings r JOIN works w ON w.id = r.work_id \
                     WHERE r.user_id = $1 AND {which} AND {} {keyset} \
                     ORDER BY r.visited_at DESC, r.work_id DESC LIMIT $2 OFFSET $3",
            audience.listed("w")
        ))
        .bind(user.0)
        .bind(i64::from(limit))
        .bind(crate::to_i64(offset));
        if let Some((at, work)) = after {
            sql.push(at);
            sql.push(work.0);
        }
        let rows: Vec<ReadingRow> = db.fetch_all(&sql).await?;
        tx.commit().await?;
        let readings = rows
            .into_iter()
            .map(ReadingRow::into_reading)
            .collect::<Result<Vec<_>>>()?;
        Ok((readings, to_u64(total, "a count of readings")?))
    }
}

/// How many of a user's readings (`$1`; `which` of them) are of works `audience` may list.
/// Members may list all but a few works, kept in the `works_unlisted` index: the count
/// takes those off the readings rather than reading every reading's work (whose listing
/// columns follow its summary and notes). Only members have readings; a guest's count
/// joins the works.
fn readings_count_sql(audience: Audience, which: &str) -> String {
    match audience {
        Audience::Members => format!(
            "SELECT COUNT(*) FROM readings r WHERE r.user_id = $1 AND {which} \
             AND r.work_id NOT IN (SELECT w.id FROM works w WHERE NOT {})",
            audience.listed("w")
        ),
        Audience::Public => format!(
            "SELECT COUNT(*) FROM readings r JOIN works w ON w.id = r.work_id \
             WHERE r.user_id = $1 AND {which} AND {}",
            audience.listed("w")
        ),
    }
}

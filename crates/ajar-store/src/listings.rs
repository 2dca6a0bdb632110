//! What reading pages list beyond the home page: fandoms grouped by media kind, works by any
//! tag name, by creator (pseud) and by series, and the series a work belongs to.
//!
//! Every listing of works is sorted the same stable way as the home page (updated desc, id
//! desc) and read as blurbs with [`blurbs`], three queries however many works a page shows.

use crate::access::{muted_pseud_ids, user_filters, Audience};
use crate::changes::{self, Op};
use crate::db::{Db, Sql};
use crate::works::{blurbs, now, BlurbRow, BLURB_COLUMNS};
use crate::{name_key, to_i64, to_u32, to_u64, Result, Store, StoreError, TagCount, WorkBlurb};
use ajar_core::{Media, SeriesId, TagId, TagKind, TagName, UserId, WorkId};
use serde::Serialize;

/// One media kind of the fandoms index and its fandoms, sorted by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MediaFandoms {
    pub media: Media,
    pub fandoms: Vec<TagCount>,
}

impl MediaFandoms {
    /// Fandoms grouped by their media kind, in [`Media::ALL`] order, each kind's fandoms by
    /// name (case-insensitively, then id); kinds without fandoms are left out.
    pub fn group(fandoms: impl IntoIterator<Item = (Media, TagCount)>) -> Vec<MediaFandoms> {
        let mut groups: Vec<MediaFandoms> = Media::ALL
            .into_iter()
            .map(|media| MediaFandoms {
                media,
                fandoms: Vec::new(),
            })
            .collect();
        for (media, fandom) in fandoms {
            if let Some(group) = groups.iter_mut().find(|g| g.media == media) {
                group.fandoms.push(fandom);
            }
        }
        groups.retain(|g| !g.fandoms.is_empty());
        for group in &mut groups {
            group
                .fandoms
                .sort_by_cached_key(|f| (name_key(f.name.as_str()), f.id));
        }
        groups
    }
}

/// A creator's name as the archive shows it (a pseud; accounts come later).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Creator {
    pub name: String,
    /// Works credited to this name.
    pub works: u64,
}

/// A series with its works in reading order.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub id: SeriesId,
    pub title: String,
    /// `(part, work)`, by part then id.
    pub works: Vec<(u32, WorkBlurb)>,
}

/// A series a work is part of, for links from the work page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeriesPart {
    pub id: SeriesId,
    pub title: String,
    pub position: u32,
}

/// What a reader asked not to see in listings and counts: works credited to the pseuds of
/// the people they muted, works carrying the tags they muted, and works linked to canon
/// entries they have not seen yet (spoilers). Empty for readers who muted nothing and
/// follow no canon, and then it changes no query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Muted {
    pub pseud_ids: Vec<i64>,
    pub tag_ids: Vec<i64>,
    /// Canon entry ids (see [`Store::unseen_canon`]).
    pub unseen_canon: Vec<i64>,
}

impl Muted {
    pub fn is_empty(&self) -> bool {
        self.pseud_ids.is_empty() && self.tag_ids.is_empty() && self.unseen_canon.is_empty()
    }

    /// A condition to append to a `WHERE` on the works table aliased `alias`: "" or
    /// " AND NOT EXISTS (...)". The ids are integers, written into the SQL as such.
    pub fn clause(&self, alias: &str) -> String {
        let list = |ids: &[i64]| {
            ids.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut sql = String::new();
        if !self.pseud_ids.is_empty() {
            sql.push_str(&format!(
                " AND NOT EXISTS (SELECT 1 FROM work_creators mwc WHERE mwc.work_id = {alias}.id \
                 AND mwc.pseud_id IN ({}))",
                list(&self.pseud_ids)
            ));
        }
        if !self.tag_ids.is_empty() {
            sql.push_str(&format!(
                " AND NOT EXISTS (SELECT 1 FROM work_tags mwt WHERE mwt.work_id = {alias}.id \
                 AND mwt.tag_id IN ({}))",
                list(&self.tag_ids)
            ));
        }
        if !self.unseen_canon.is_empty() {
            sql.push_str(&format!(
                " AND NOT EXISTS (SELECT 1 FROM work_canon mwk WHERE mwk.work_id = {alias}.id \
                 AND mwk.entry_id IN ({}))",
                list(&self.unseen_canon)
            ));
        }
        sql
    }
}

#[derive(sqlx::FromRow)]
struct FandomRow {
    id: i64,
    name: String,
    media: Option<String>,
    works: i64,
}

#[derive(sqlx::FromRow)]
struct NamedTagRow {
    id: i64,
    kind: String,
    name: String,
    works: i64,
}

fn tag_name(name: &str) -> Result<TagName> {
    TagName::parse(name).map_err(|e| StoreError::Corrupt(format!("tag name {name:?}: {e}")))
}

fn tag_kind(code: &str) -> Result<TagKind> {
    TagKind::from_code(code)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown tag kind {code:?}")))
}

impl Store {
    /// Files a fandom under a media kind (`Media::Uncategorized` takes it out again). Returns
    /// whether such a fandom exists. Appends a "tag" change, so followers can re-facet.
    pub async fn set_fandom_media(&self, fandom: &TagName, media: Media) -> Result<bool> {
        let stored = (media != Media::Uncategorized).then(|| media.name());
        let key = name_key(fandom.as_str());
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let sql =
            Sql::new("UPDATE tags SET media = $1 WHERE kind = $2 AND name_key = $3 RETURNING id")
                .bind(stored)
                .bind(TagKind::Fandom.code())
                .bind(key.as_str());
        let updated: Option<(i64,)> = db.fetch_optional(&sql).await?;
        if let Some((id,)) = updated {
            changes::append(&mut db, "tag", id, Op::Update, now()).await?;
        }
        tx.commit().await?;
        Ok(updated.is_some())
    }

    /// The fandoms index: every media kind in [`Media::ALL`] order with the fandoms filed
    /// under it that at least one work carries, each with its number of works. Kinds with no
    /// fandoms are left out.
    pub async fn fandoms_by_media(&self, audience: Audience) -> Result<Vec<MediaFandoms>> {
        self.fandoms_by_media_for(audience, &Muted::default()).await
    }

    /// [`Store::fandoms_by_media`] without the works `muted` leaves out (a fandom left with
    /// none is left out too).
    pub async fn fandoms_by_media_for(
        &self,
        audience: Audience,
        muted: &Muted,
    ) -> Result<Vec<MediaFandoms>> {
        let mut conn = self.read_conn().await?;
        let sql = Sql::new(format!(
            "SELECT t.id, t.name, t.media, COUNT(*) AS works FROM tags t \
             JOIN work_tags wt ON wt.tag_id = t.id JOIN works w ON w.id = wt.work_id \
             WHERE t.kind = $1 AND {}{} \
             GROUP BY t.id, t.name, t.name_key, t.media ORDER BY t.name_key, t.id",
            audience.listed("w"),
            muted.clause("w")
        ))
        .bind(TagKind::Fandom.code());
        let rows: Vec<FandomRow> = conn.db().fetch_all(&sql).await?;
        let fandoms = rows
            .into_iter()
            .map(|row| {
                let media = row
                    .media
                    .as_deref()
                    .and_then(Media::from_name)
                    .unwrap_or(Media::Uncategorized);
                let count = TagCount {
                    id: TagId(row.id),
                    kind: TagKind::Fandom,
                    name: tag_name(&row.name)?,
                    works: to_u64(row.works, "a fandom's work count")?,
                };
                Ok((media, count))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(MediaFandoms::group(fandoms))
    }

    /// The media kind of every fandom filed under one (the rest are uncategorized): one row
    /// per such fandom, read through the `tags` table's kind index, whatever the number of
    /// works. Pages that take fandom counts from the search index group them with this.
    pub async fn fandom_media(&self) -> Result<Vec<(TagId, Media)>> {
        let mut conn = self.read_conn().await?;
        let sql = Sql::new(FANDOM_MEDIA).bind(TagKind::Fandom.code());
        let rows: Vec<(i64, String)> = conn.db().fetch_all(&sql).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, media)| Some((TagId(id), Media::from_name(&media)?)))
            .collect())
    }

    /// The fandoms with the most works, most first (ties by name), at most `limit`.
    pub async fn popular_fandoms(&self, audience: Audience, limit: u32) -> Result<Vec<TagCount>> {
        self.popular_fandoms_for(audience, &Muted::default(), limit)
            .await
    }

    /// [`Store::popular_fandoms`] without the works `muted` leaves out.
    pub async fn popular_fandoms_for(
        &self,
        audience: Audience,
        muted: &Muted,
        limit: u32,
    ) -> Result<Vec<TagCount>> {
        let mut conn = self.read_conn().await?;
        let sql = Sql::new(format!(
            "SELECT t.id, t.kind, t.name, COUNT(*) AS works FROM tags t \
             JOIN work_tags wt ON wt.tag_id = t.id JOIN works w ON w.id = wt.work_id \
             WHERE t.kind = $1 AND {}{} \
             GROUP BY t.id, t.kind, t.name, t.name_key ORDER BY works DESC, t.name_key, t.id \
             LIMIT $2",
            audience.listed("w"),
            muted.clause("w")
        ))
        .bind(TagKind::Fandom.code())
        .bind(i64::from(limit));
        let rows: Vec<NamedTagRow> = conn.db().fetch_all(&sql).await?;
        rows.into_iter().map(named_tag).collect()
    }

    /// Every tag with this name (case-insensitively), whatever its kind, with its number of
    /// works; a name can be, say, both a fandom and a character. Sorted by kind.
    pub async fn tags_named(&self, audience: Audience, name: &TagName) -> Result<Vec<TagCount>> {
        self.tags_named_for(audience, &Muted::default(), name).await
    }

    /// [`Store::tags_named`], counting only the works `muted` does not leave out.
    pub async fn tags_named_for(
        &self,
        audience: Audience,
        muted: &Muted,
        name: &TagName,
    ) -> Result<Vec<TagCount>> {
        let key = name_key(name.as_str());
        let mut conn = self.read_conn().await?;
        let sql = Sql::new(tags_named_sql(audience, muted)).bind(key.as_str());
        let rows: Vec<NamedTagRow> = conn.db().fetch_all(&sql).await?;
        let mut tags = rows
            .into_iter()
            .map(named_tag)
            .collect::<Result<Vec<_>>>()?;
        tags.sort_by_key(|t| t.kind);
        Ok(tags)
    }

    /// The name a tag page shows for `name` when `audience` may know the tag: a rating,
    /// warning or category (the archive's fixed tags), or a tag on at least one work it is
    /// listed to (itself or a synonym of it). `None` otherwise, so a tag used only on drafts, hidden or restricted works
    /// answers as an unknown one does. One query that stops at the first listed work (no
    /// count), so it stays cheap on a tag with a million works.
    pub async fn listed_tag_name(
        &self,
        audience: Audience,
        name: &TagName,
    ) -> Result<Option<TagName>> {
        let key = name_key(name.as_str());
        let mut conn = self.read_conn().await?;
        let kinds = every_kind();
        let sql = Sql::new(format!(
            "SELECT t.kind, t.name FROM tags t WHERE t.kind IN ({kinds}) AND t.name_key = $1 \
             AND (t.kind IN ('rating', 'warning', 'category') OR EXISTS (SELECT 1 \
             FROM work_tags wt JOIN works w ON w.id = wt.work_id \
             WHERE wt.tag_id = t.id AND {listed}) OR EXISTS (SELECT 1 FROM tags s \
             JOIN work_tags wt ON wt.tag_id = s.id JOIN works w ON w.id = wt.work_id \
             WHERE s.merger_id = t.id AND {listed}))",
            listed = audience.listed("w")
        ))
        .bind(key.as_str());
        let rows: Vec<(String, String)> = conn.db().fetch_all(&sql).await?;
        let mut found = rows
            .into_iter()
            .map(|(kind, name)| Ok((tag_kind(&kind)?, tag_name(&name)?)))
            .collect::<Result<Vec<_>>>()?;
        found.sort_by_key(|(kind, _)| *kind);
        Ok(found.into_iter().next().map(|(_, name)| name))
    }

    /// The id and kind of every tag with this name (case-insensitively), by kind: what a tag
    /// page counts in the search index. One seek of the `(kind, name_key)` index per kind,
    /// however many works carry them.
    pub async fn tags_with_name(&self, name: &TagName) -> Result<Vec<(TagId, TagKind)>> {
        let key = name_key(name.as_str());
        let mut conn = self.read_conn().await?;
        let sql = Sql::new(format!(
            "SELECT id, kind FROM tags WHERE kind IN ({}) AND name_key = $1",
            every_kind()
        ))
        .bind(key.as_str());
        let rows: Vec<(i64, String)> = conn.db().fetch_all(&sql).await?;
        let mut tags = rows
            .into_iter()
            .map(|(id, kind)| Ok((TagId(id), tag_kind(&kind)?)))
            .collect::<Result<Vec<_>>>()?;
        tags.sort_by_key(|(_, kind)| *kind);
        Ok(tags)
    }

    /// Works carrying a tag of this name (any kind, case-insensitively), most recently
    /// updated first, with the number of such works (for paging).
    pub async fn works_tagged(
        &self,
        audience: Audience,
        name: &TagName,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<WorkBlurb>, u64)> {
        self.works_tagged_for(audience, &Muted::default(), name, limit, offset)
            .await
    }

    /// [`Store::works_tagged`] without the works `muted` leaves out, in the page and in the
    /// total.
    pub async fn works_tagged_for(
        &self,
        audience: Audience,
        muted: &Muted,
        name: &TagName,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<WorkBlurb>, u64)> {
        let key = name_key(name.as_str());
        let ids = {
            let mut conn = self.read_conn().await?;
            tag_family_ids(&mut conn.db(), &key).await?
        };
        self.works_page(audience, muted, &tagged(&ids), key.as_str(), limit, offset)
            .await
    }

    /// What `user` muted, as ids: the pseuds of the accounts they muted and the tags
    /// (of any kind) named as the tags they muted.
    pub async fn muted(&self, user: UserId) -> Result<Muted> {
        // One connection for the three reads: this runs for every listing a reader opens.
        let mut conn = self.pool.conn().await?;
        let mut db = conn.db();
        let pseud_ids = muted_pseud_ids(&mut db, user).await?;
        let names: Vec<String> = user_filters(&mut db, user)
            .await?
            .muted_tags
            .iter()
            .map(|n| name_key(n))
            .collect();
        let mut tag_ids = Vec::new();
        for chunk in names.chunks(crate::db::MAX_ARGS) {
            let mut sql = Sql::new(format!(
                "SELECT id FROM tags WHERE name_key IN ({}) ORDER BY id",
                crate::db::placeholder_list(chunk.len(), 1)
            ));
            for key in chunk {
                sql.push(key.as_str());
            }
            let rows: Vec<(i64,)> = db.fetch_all(&sql).await?;
            tag_ids.extend(rows.into_iter().map(|(id,)| id));
        }
        Ok(Muted {
            pseud_ids,
            tag_ids,
            unseen_canon: Vec::new(),
        })
    }

    /// A creator by name (case-insensitively), with their number of works.
    pub async fn creator(&self, audience: Audience, name: &str) -> Result<Option<Creator>> {
        let key = name_key(name.trim());
        let mut conn = self.read_conn().await?;
        let sql = Sql::new(creator_sql(audience)).bind(key.as_str());
        let row: Option<(String, i64)> = conn.db().fetch_optional(&sql).await?;
        row.map(|(name, works)| {
            Ok(Creator {
                name,
                works: to_u64(works, "a creator's work count")?,
            })
        })
        .transpose()
    }

    /// Works credited to a creator (case-insensitively), most recently updated first, with
    /// their number; without works linked to the `unseen` canon entries (a reader's
    /// spoilers: their mutes do not apply to the page of a creator they chose to open).
    pub async fn works_by_creator(
        &self,
        audience: Audience,
        unseen: &[i64],
        name: &str,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<WorkBlurb>, u64)> {
        let key = name_key(name.trim());
        let shown = Muted {
            unseen_canon: unseen.to_vec(),
            ..Muted::default()
        };
        self.works_page(audience, &shown, BY_CREATOR, key.as_str(), limit, offset)
            .await
    }

    /// One page of works whose ids `filter` (a SELECT of work ids taking `$1`) yields, and how
    /// many there are, read in one snapshot.
    async fn works_page(
        &self,
        audience: Audience,
        muted: &Muted,
        filter: &str,
        key: &str,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<WorkBlurb>, u64)> {
        let mut tx = self.read_tx().await?;
        let mut db = tx.db();
        let (count, page) = works_page_sql(audience, muted, filter);
        let count = Sql::new(count).bind(key);
        let (total,): (i64,) = db.fetch_one(&count).await?;
        let total = to_u64(total, "a listing's work count")?;
        let found = if total > offset {
            let sql = Sql::new(page)
                .bind(key)
                .bind(i64::from(limit))
                .bind(to_i64(offset));
            let rows: Vec<BlurbRow> = db.fetch_all(&sql).await?;
            blurbs(&mut db, rows).await?
        } else {
            Vec::new()
        };
        tx.commit().await?;
        Ok((found, total))
    }

    /// A series with its works in order (by part, then id); `None` if there is no such series.
    pub async fn series(&self, audience: Audience, id: SeriesId) -> Result<Option<Series>> {
        let mut tx = self.read_tx().await?;
        let mut db = tx.db();
        let sql = Sql::new("SELECT title FROM series WHERE id = $1").bind(id.0);
        let Some((title,)) = db.fetch_optional::<(String,)>(&sql).await? else {
            return Ok(None);
        };
        let listed = audience.listed("w");
        let sql = Sql::new(format!(
            "SELECT sw.position FROM series_works sw JOIN works w ON w.id = sw.work_id \
             WHERE sw.series_id = $1 AND {listed} ORDER BY sw.position, w.id",
        ))
        .bind(id.0);
        let positions: Vec<(i64,)> = db.fetch_all(&sql).await?;
        let sql = Sql::new(format!(
            "SELECT {BLURB_COLUMNS} FROM works w JOIN series_works sw ON sw.work_id = w.id \
             WHERE sw.series_id = $1 AND {listed} ORDER BY sw.position, w.id"
        ))
        .bind(id.0);
        let rows: Vec<BlurbRow> = db.fetch_all(&sql).await?;
        let works = blurbs(&mut db, rows).await?;
        tx.commit().await?;
        let works = positions
            .into_iter()
            .zip(works)
            .map(|((position,), blurb)| Ok((to_u32(position, "a series position")?, blurb)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(Series { id, title, works }))
    }

    /// The series a work is part of, in the work's own order.
    pub async fn work_series(&self, work: WorkId) -> Result<Vec<SeriesPart>> {
        let mut conn = self.read_conn().await?;
        let sql = Sql::new(
            "SELECT s.id, s.title, sw.position FROM series_works sw \
             JOIN series s ON s.id = sw.series_id WHERE sw.work_id = $1 ORDER BY sw.ordinal",
        )
        .bind(work.0);
        let rows: Vec<(i64, String, i64)> = conn.db().fetch_all(&sql).await?;
        rows.into_iter()
            .map(|(id, title, position)| {
                Ok(SeriesPart {
                    id: SeriesId(id),
                    title,
                    position: to_u32(position, "a series position")?,
                })
            })
            .collect()
    }
}

/// Every tag kind as an SQL list (`'rating', 'warning', ...`): naming them all in a
/// `kind IN (...)` lets a lookup by name seek the `(kind, name_key)` index.
fn every_kind() -> String {
    TagKind::ALL
        .iter()
        .map(|k| format!("'{}'", k.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The works carrying a tag named `$1` (a name key), of any kind, or a synonym or sub tag
/// of it (once each: a name can be both a fandom and a character on one work).
///
/// The family (see `wrangling::tag_family_sql`) is read first, by [`tag_family_ids`]: as a
/// table expression inside the listing, PostgreSQL guessed its size from the recursion and
/// read every row of `work_tags` to join it. `$1` (the name key the ids were found by) is
/// only checked to be there, so every listing filter takes the same one argument.
fn tagged(ids: &[i64]) -> String {
    let list = if ids.is_empty() {
        "NULL".to_owned()
    } else {
        ids.iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "SELECT DISTINCT wt.work_id FROM work_tags wt WHERE wt.tag_id IN ({list}) \
         AND CAST($1 AS TEXT) IS NOT NULL"
    )
}

/// The ids of the tags a listing of the tag named by `key` takes in.
async fn tag_family_ids(db: &mut Db<'_>, key: &str) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = db
        .fetch_all(
            &Sql::new(format!(
                "SELECT id FROM {} fam ORDER BY id",
                crate::wrangling::tag_family_sql("$1")
            ))
            .bind(key),
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The works credited to the pseud named `$1` (a name key).
const BY_CREATOR: &str = "SELECT wc.work_id FROM pseuds p \
    JOIN work_creators wc ON wc.pseud_id = p.id WHERE p.name_key = $1 AND wc.accepted";

/// The count and the page (`$2` works from `$3`) of a listing of the works `filter` yields.
/// The filter's ids drive (`CROSS JOIN`, see [`tags_named_sql`]): given `w.id IN (...)`,
/// SQLite walked every public work through the visibility index and probed the list.
fn works_page_sql(audience: Audience, muted: &Muted, filter: &str) -> (String, String) {
    let shown = format!("{}{}", audience.listed("w"), muted.clause("w"));
    let from = format!("({filter}) f CROSS JOIN works w WHERE w.id = f.work_id AND {shown}");
    (
        format!("SELECT COUNT(*) FROM {from}"),
        format!(
            "SELECT {BLURB_COLUMNS} FROM {from} ORDER BY w.updated DESC, w.id DESC \
             LIMIT $2 OFFSET $3"
        ),
    )
}

/// Every tag named `$1` (a name key) with its number of works.
///
/// The counts below read the tag's (or pseud's) rows of `work_tags` (`work_creators`) and
/// look each work up: `CROSS JOIN` keeps SQLite to that order (PostgreSQL reads it as a plain
/// join). Left free, SQLite may walk every public work through the visibility index and
/// probe for the tag, a hundred thousand steps for a tag of ten works.
fn tags_named_sql(audience: Audience, muted: &Muted) -> String {
    format!(
        "SELECT t.id, t.kind, t.name, \
         (SELECT COUNT(*) FROM work_tags wt CROSS JOIN works w \
          WHERE w.id = wt.work_id AND wt.tag_id = t.id AND {}{}) AS works \
         FROM tags t WHERE t.name_key = $1",
        audience.listed("w"),
        muted.clause("w")
    )
}

/// The pseud named `$1` (a name key) with its number of works (see [`tags_named_sql`]).
fn creator_sql(audience: Audience) -> String {
    format!(
        "SELECT p.name, (SELECT COUNT(*) FROM work_creators wc CROSS JOIN works w \
         WHERE w.id = wc.work_id AND wc.pseud_id = p.id AND wc.accepted AND {}) \
         FROM pseuds p WHERE p.name_key = $1",
        audience.listed("w")
    )
}

/// How the database runs one of the queries of tag and creator pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryPlan {
    /// What the query is for ("tag page count", ...).
    pub query: &'static str,
    /// The backend's own description: `EXPLAIN QUERY PLAN` rows on SQLite, `EXPLAIN` lines on
    /// PostgreSQL, one a line.
    pub plan: String,
}

/// Every fandom (`$1` is the fandom kind's code) with a media kind: read from the covering
/// index `tags_fandom_media`, not one scattered row of the tags table per fandom.
const FANDOM_MEDIA: &str = "SELECT id, media FROM tags WHERE kind = $1 AND media IS NOT NULL";

impl Store {
    /// The plans of the queries that read a list through one index, with the index each
    /// must read: the latest kudos givers, the suspended accounts, the fandoms' media.
    pub async fn index_plans(&self) -> Result<Vec<(QueryPlan, &'static str)>> {
        type Binder = fn(Sql) -> Sql;
        let queries: [(&'static str, &str, Binder, &'static str); 4] = [
            (
                "latest kudos givers",
                crate::kudos::LATEST_KUDOS_NAMES,
                |sql| sql.bind(1_i64).bind(50_i64),
                "kudos_work_recent",
            ),
            (
                "suspended accounts",
                crate::moderation::SUSPENDED_USERS,
                |sql| sql.bind(200_i64),
                "users_suspended",
            ),
            (
                "fandoms' media",
                FANDOM_MEDIA,
                |sql| sql.bind(TagKind::Fandom.code()),
                "tags_fandom_media",
            ),
            (
                "a work's creators' accounts",
                crate::access::WORK_ACCOUNTS,
                |sql| sql.bind(1_i64),
                "search wc using primary key (work_id=?)",
            ),
        ];
        let mut conn = self.pool.conn().await?;
        let mut db = conn.db();
        let mut plans = Vec::new();
        for (query, sql, bind, index) in queries {
            plans.push((
                QueryPlan {
                    query,
                    plan: explain(&mut db, sql, bind).await?,
                },
                index,
            ));
        }
        Ok(plans)
    }

    /// The plans of the store queries behind a tag's pages, a creator's pages and the home
    /// page's recent works, for this tag name and creator name as `audience` (and `muted`)
    /// would ask: what a test or an operator checks to see that they read the `work_tags
    /// (tag_id)`, `work_creators (pseud_id)` and `works_updated` indexes rather than every
    /// work.
    pub async fn listing_plans(
        &self,
        audience: Audience,
        muted: &Muted,
        tag: &TagName,
        creator: &str,
    ) -> Result<Vec<QueryPlan>> {
        let tag_key = name_key(tag.as_str());
        let creator_key = name_key(creator.trim());
        let ids = {
            let mut conn = self.pool.conn().await?;
            tag_family_ids(&mut conn.db(), &tag_key).await?
        };
        let (tag_count, tag_page) = works_page_sql(audience, muted, &tagged(&ids));
        let (creator_count, creator_page) = works_page_sql(audience, muted, BY_CREATOR);
        // The home page leaves out the works of muted accounts (by user, here the first).
        let muted_by = (!muted.pseud_ids.is_empty()).then_some(UserId(1));
        let queries: [(&'static str, String, Option<&str>, bool); 7] = [
            (
                "tag kinds and counts",
                tags_named_sql(audience, muted),
                Some(&tag_key),
                false,
            ),
            ("tag listing count", tag_count, Some(&tag_key), false),
            ("tag listing page", tag_page, Some(&tag_key), true),
            (
                "creator count",
                creator_sql(audience),
                Some(&creator_key),
                false,
            ),
            (
                "creator listing count",
                creator_count,
                Some(&creator_key),
                false,
            ),
            (
                "creator listing page",
                creator_page,
                Some(&creator_key),
                true,
            ),
            (
                "recent works page",
                crate::works::recent_works_sql(audience, muted_by),
                None,
                true,
            ),
        ];
        let mut conn = self.pool.conn().await?;
        let mut db = conn.db();
        let mut plans = Vec::with_capacity(queries.len());
        for (query, sql, key, paged) in queries {
            let plan = explain(&mut db, &sql, move |mut explain| {
                if let Some(key) = key {
                    explain = explain.bind(key);
                }
                if paged {
                    explain = explain.bind(20_i64).bind(0_i64);
                }
                explain
            })
            .await?;
            plans.push(QueryPlan { query, plan });
        }
        Ok(plans)
    }
}

/// How `db`'s backend would run `sql`, its arguments bound by `bind`: the rows of `EXPLAIN
/// QUERY PLAN` on SQLite, the lines of `EXPLAIN` on PostgreSQL, one a line.
pub(crate) async fn explain<'a>(
    db: &mut Db<'_>,
    sql: &str,
    bind: impl FnOnce(Sql<'a>) -> Sql<'a>,
) -> Result<String> {
    let lines: Vec<String> = match db {
        Db::Sqlite(_) => db
            .fetch_all::<(i64, i64, i64, String)>(&bind(Sql::new(format!(
                "EXPLAIN QUERY PLAN {sql}"
            ))))
            .await?
            .into_iter()
            .map(|(_, _, _, detail)| detail)
            .collect(),
        Db::Postgres(_) => db
            .fetch_all::<(String,)>(&bind(Sql::new(format!("EXPLAIN {sql}"))))
            .await?
            .into_iter()
            .map(|(line,)| line)
            .collect(),
    };
    Ok(lines.join("\n"))
}

fn named_tag(row: NamedTagRow) -> Result<TagCount> {
    Ok(TagCount {
        id: TagId(row.id),
        kind: tag_kind(&row.kind)?,
        name: tag_name(&row.name)?,
        works: to_u64(row.works, "a tag's work count")?,
    })
}

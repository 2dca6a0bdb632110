//! Works: storing one (or a batch) in a transaction, and reading them back whole, as a
//! header without chapter bodies, one chapter at a time, or as listing blurbs.
//!
//! A stored work is spread over rows (the work, its chapters, its creators' pseuds, its tags,
//! its series, its extra fields); inserting batches each kind of row into one statement, and
//! reading a page of blurbs is three queries however many works it shows.

use crate::access::Audience;
use crate::changes::{self, Op};
use crate::db::{placeholder_list, value_rows, Db, Sql, MAX_ARGS};
use crate::{
    name_key, to_i64, to_u32, to_u64, Result, Store, StoreError, StoredWork, WorkBlurb, WorkHeader,
    WorkStats,
};
use ajar_core::{
    ArchiveWarning, Category, Chapter, ExtraField, Html, Language, Rating, SeriesMembership,
    TagKind, TagName, UserId, Work, WorkId,
};
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use serde::de::IntoDeserializer;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// Most chapter text one insert statement carries; a 5,000-chapter work is sent in parts.
const MAX_BATCH_TEXT_BYTES: usize = 8 * 1024 * 1024;

impl Store {
    /// Stores a new work (validated first) with its tags, creators, chapters and series, and
    /// a `changes` row, in one transaction.
    ///
    /// Chapters are stored at positions 1, 2, 3... in the order of `work.chapters`, whatever
    /// their `position` says. `published` defaults to today (UTC) and `updated` to
    /// `published`. Creators, tags and series reuse existing rows whose name matches
    /// case-insensitively, so they read back with the first spelling stored; repeats within
    /// one work are stored once.
    #[tracing::instrument(level = "debug", skip_all, fields(title = %work.title))]
    pub async fn insert_work(&self, work: &Work) -> Result<WorkId> {
        let now = now();
        let new = NewWork::prepare(work, now.date_naive())?;
        let mut tx = self.pool.begin_write().await?;
        let id = insert(&mut tx.db(), &new, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Stores many works in one transaction, which is much faster than one at a time on
    /// SQLite (one commit, one lock). Each work succeeds or fails on its own (a failed one
    /// leaves no rows); the result for each is in input order. An `Err` outside means the
    /// batch as a whole could not be committed, and nothing was stored.
    ///
    /// The write lock is held for the whole batch: keep batches to a few hundred works so
    /// that other writers (a web server beside an import) are not kept waiting.
    #[tracing::instrument(level = "debug", skip_all, fields(works = works.len()))]
    pub async fn insert_works(&self, works: &[Work]) -> Result<Vec<Result<WorkId>>> {
        let now = now();
        let prepared: Vec<Result<NewWork<'_>>> = works
            .iter()
            .map(|w| NewWork::prepare(w, now.date_naive()))
            .collect();
        if prepared.iter().all(|p| p.is_err()) {
            return Ok(prepared
                .into_iter()
                .filter_map(Result::err)
                .map(Err)
                .collect());
        }
        let mut tx = self.pool.begin_write().await?;
        let mut results = Vec::with_capacity(prepared.len());
        for new in prepared {
            let new = match new {
                Ok(new) => new,
                Err(e) => {
                    results.push(Err(e));
                    continue;
                }
            };
            let mut db = tx.db();
            db.execute(&Sql::new("SAVEPOINT insert_work")).await?;
            match insert(&mut db, &new, now).await {
                Ok(id) => {
                    db.execute(&Sql::new("RELEASE SAVEPOINT insert_work"))
                        .await?;
                    results.push(Ok(id));
                }
                Err(e) => {
                    tracing::debug!(error = %e, title = %new.work.title, "work not stored");
                    db.execute(&Sql::new("ROLLBACK TO SAVEPOINT insert_work"))
                        .await?;
                    db.execute(&Sql::new("RELEASE SAVEPOINT insert_work"))
                        .await?;
                    results.push(Err(e));
                }
            }
        }
        tx.commit().await?;
        Ok(results)
    }

    /// A whole work, chapters and bodies included.
    pub async fn work(&self, id: WorkId) -> Result<Option<StoredWork>> {
        let mut tx = self.read_tx().await?;
        let loaded = load(&mut tx.db(), id, true).await?;
        tx.commit().await?;
        Ok(loaded.map(|l| StoredWork {
            id,
            stats: l.stats,
            created_at: l.created_at,
            modified_at: l.modified_at,
            work: l.work,
        }))
    }

    /// A work's metadata and chapter index, without chapter bodies.
    pub async fn work_header(&self, id: WorkId) -> Result<Option<WorkHeader>> {
        let mut tx = self.read_tx().await?;
        let loaded = load(&mut tx.db(), id, false).await?;
        tx.commit().await?;
        Ok(loaded.map(|l| WorkHeader {
            id,
            stats: l.stats,
            created_at: l.created_at,
            modified_at: l.modified_at,
            chapter_words: l.chapter_words,
            work: l.work,
        }))
    }

    /// One chapter, by 1-based position.
    pub async fn chapter(&self, id: WorkId, position: u32) -> Result<Option<Chapter>> {
        let mut conn = self.read_conn().await?;
        let sql = Sql::new(format!(
            "SELECT {CHAPTER_COLUMNS} FROM chapters WHERE work_id = $1 AND position = $2"
        ))
        .bind(id.0)
        .bind(i64::from(position));
        let row: Option<ChapterRow> = conn.db().fetch_optional(&sql).await?;
        row.map(|r| r.into_chapter().map(|(chapter, _)| chapter))
            .transpose()
    }

    /// Most recently updated works first (then newest id first).
    /// `muted_by`: leave out works by the accounts this user muted.
    pub async fn recent_works(
        &self,
        audience: Audience,
        muted_by: Option<UserId>,
        limit: u32,
        offset: u64,
    ) -> Result<Vec<WorkBlurb>> {
        let mut tx = self.read_tx().await?;
        let sql = Sql::new(recent_works_sql(audience, muted_by))
            .bind(i64::from(limit))
            .bind(to_i64(offset));
        let mut db = tx.db();
        let rows: Vec<BlurbRow> = db.fetch_all(&sql).await?;
        let blurbs = blurbs(&mut db, rows).await?;
        tx.commit().await?;
        Ok(blurbs)
    }

    /// Blurbs of the given works in the given order (as a search returned them), skipping
    /// ids that are not stored or that `audience` does not see (the index may lag a change
    /// of visibility by a moment). One query per table however many ids there are.
    /// One work's blurb whoever may see it: the caller has decided that the reader may (a
    /// creator's draft, a hidden work for an admin), as the work page does.
    pub async fn work_blurb(&self, id: WorkId) -> Result<Option<WorkBlurb>> {
        let mut tx = self.read_tx().await?;
        let mut db = tx.db();
        let sql = Sql::new(format!(
            "SELECT {BLURB_COLUMNS} FROM works w WHERE w.id = $1"
        ))
        .bind(id.0);
        let rows: Vec<BlurbRow> = db.fetch_all(&sql).await?;
        let found = blurbs(&mut db, rows).await?;
        tx.commit().await?;
        Ok(found.into_iter().next())
    }

    pub async fn works_by_ids(&self, audience: Audience, ids: &[WorkId]) -> Result<Vec<WorkBlurb>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.read_tx().await?;
        let mut db = tx.db();
        let mut rows: Vec<BlurbRow> = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_ARGS) {
            let mut sql = Sql::new(format!(
                "SELECT {BLURB_COLUMNS} FROM works w WHERE w.id IN ({}) AND {}",
                placeholder_list(chunk.len(), 1),
                audience.listed("w")
            ));
            for id in chunk {
                sql.push(id.0);
            }
            rows.extend(db.fetch_all::<BlurbRow>(&sql).await?);
        }
        let found = blurbs(&mut db, rows).await?;
        tx.commit().await?;
        let mut by_id: HashMap<WorkId, WorkBlurb> = found.into_iter().map(|b| (b.id, b)).collect();
        let mut out = Vec::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            // The last mention of an id takes the blurb; earlier repeats get a copy.
            let blurb = if ids[i + 1..].contains(id) {
                by_id.get(id).cloned()
            } else {
                by_id.remove(id)
            };
            out.extend(blurb);
        }
        Ok(out)
    }

    /// How many works `audience` sees in listings (without those by accounts `muted_by`
    /// muted).
    pub async fn listed_work_count(
        &self,
        audience: Audience,
        muted_by: Option<UserId>,
    ) -> Result<u64> {
        let mut conn = self.read_conn().await?;
        let sql = Sql::new(format!(
            "SELECT COUNT(*) FROM works w WHERE {}{}",
            audience.listed("w"),
            not_muted("w", muted_by)
        ));
        let (n,): (i64,) = conn.db().fetch_one(&sql).await?;
        to_u64(n, "the number of works")
    }

    /// How many works are stored, drafts and hidden works included.
    pub async fn work_count(&self) -> Result<u64> {
        let mut conn = self.pool.conn().await?;
        let (n,): (i64,) = conn
            .db()
            .fetch_one(&Sql::new("SELECT COUNT(*) FROM works"))
            .await?;
        to_u64(n, "the number of works")
    }

    /// Ids of stored works above `after`, lowest first, at most `limit`: for walking every
    /// work (rebuilding the search index) a page at a time. Start with `WorkId(0)`.
    pub async fn work_ids_after(&self, after: WorkId, limit: u32) -> Result<Vec<WorkId>> {
        let mut conn = self.pool.conn().await?;
        let sql = Sql::new("SELECT id FROM works WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after.0)
            .bind(i64::from(limit));
        let ids: Vec<(i64,)> = conn.db().fetch_all(&sql).await?;
        Ok(ids.into_iter().map(|(id,)| WorkId(id)).collect())
    }
}

/// ` AND` a condition on the works table aliased `alias`: not by an account `user` muted
/// (empty for none). The id is a number from the database, so it is written into the SQL.
/// The works `audience` lists, without those by accounts `muted_by` muted, most recently
/// updated first, `$1` of them from `$2`: read along `works_updated`, which gives them in
/// order, so a page costs its offset and not the archive.
pub(crate) fn recent_works_sql(audience: Audience, muted_by: Option<UserId>) -> String {
    format!(
        "SELECT {BLURB_COLUMNS} FROM works w WHERE {}{} \
         ORDER BY w.updated DESC, w.id DESC LIMIT $1 OFFSET $2",
        audience.listed("w"),
        not_muted("w", muted_by)
    )
}

pub(crate) fn not_muted(alias: &str, user: Option<UserId>) -> String {
    match user {
        None => String::new(),
        Some(user) => format!(
            " AND NOT EXISTS (SELECT 1 FROM work_creators mwc JOIN pseuds mp \
             ON mp.id = mwc.pseud_id JOIN user_mutes mm ON mm.target_id = mp.user_id \
             WHERE mwc.work_id = {alias}.id AND mm.user_id = {})",
            user.0
        ),
    }
}

/// Timestamps are kept to the microsecond, which both backends store exactly.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

// ---------------------------------------------------------------------------------------
// Inserting

/// A work's creators (pseud names, trimmed) in byline order, each once by name key.
pub(crate) fn work_creators(work: &Work) -> Vec<Keyed<'_>> {
    let mut seen = HashSet::new();
    work.creators
        .iter()
        .map(|c| c.trim())
        .map(|name| Keyed {
            name,
            key: name_key(name),
        })
        .filter(|c| seen.insert(c.key.clone()))
        .collect()
}

/// A name and the key it is matched by.
pub(crate) struct Keyed<'a> {
    name: &'a str,
    pub(crate) key: String,
}

/// A tag of a work as it will be stored: its kind, name, and the key it is matched by.
pub(crate) struct NewTag<'a> {
    pub(crate) kind: TagKind,
    pub(crate) name: &'a str,
    pub(crate) key: String,
}

/// A work's tags in display order — rating, warnings, categories, fandoms, relationships,
/// characters, additional tags —, each once by kind and name key. The one definition of a
/// work's tag rows: posting, editing and the corpus generator all store this list.
pub(crate) fn work_tags(work: &Work) -> Vec<NewTag<'_>> {
    let required = std::iter::once((TagKind::Rating, work.rating.name()))
        .chain(work.warnings.iter().map(|w| (TagKind::Warning, w.name())))
        .chain(
            work.categories
                .iter()
                .map(|c| (TagKind::Category, c.name())),
        );
    let free = work
        .tags_by_kind()
        .map(|(kind, name)| (kind, name.as_str()));
    let mut seen = HashSet::new();
    required
        .chain(free)
        .map(|(kind, name)| NewTag {
            kind,
            name,
            key: name_key(name),
        })
        .filter(|t| seen.insert((t.kind, t.key.clone())))
        .collect()
}

/// Writes a work's tag rows, creating the tags that are new; the work has none yet (an
/// edit deletes its old rows first).
pub(crate) async fn write_work_tags(
    db: &mut Db<'_>,
    work: i64,
    tags: &[NewTag<'_>],
    now: DateTime<Utc>,
) -> Result<()> {
    let ids = ensure_tags(db, tags, now).await?;
    let tag_ids = tags
        .iter()
        .map(|t| lookup(&ids, &tag_key(t), "tag"))
        .collect::<Result<Vec<i64>>>()?;
    insert_tag_rows(db, &[(work, &tag_ids)]).await
}

/// The `work_tags` rows of these works, each work's tag ids in display order. Integers
/// only, so written inline: thousands of rows a statement (the corpus writes a batch of
/// works at once).
pub(crate) async fn insert_tag_rows(db: &mut Db<'_>, works: &[(i64, &[i64])]) -> Result<()> {
    use std::fmt::Write as _;
    const ROWS_PER_STATEMENT: usize = 4000;
    let mut statements = Vec::new();
    let mut sql = String::new();
    let mut count = 0;
    for (work, tags) in works {
        for (i, tag) in tags.iter().enumerate() {
            sql.push_str(if count == 0 {
                "INSERT INTO work_tags (work_id, tag_id, position) VALUES "
            } else {
                ", "
            });
            let _ = write!(sql, "({work}, {tag}, {})", i + 1);
            count += 1;
            if count == ROWS_PER_STATEMENT {
                statements.push(std::mem::take(&mut sql));
                count = 0;
            }
        }
    }
    if count > 0 {
        statements.push(sql);
    }
    for sql in statements {
        db.execute(&Sql::new(sql)).await?;
    }
    Ok(())
}

/// A work ready to store: validated, derived values computed, names keyed and repeats
/// dropped.
pub(crate) struct NewWork<'a> {
    work: &'a Work,
    creators: Vec<Keyed<'a>>,
    /// Every tag in display order: rating, warnings, categories, fandoms, relationships,
    /// characters, additional tags.
    tags: Vec<NewTag<'a>>,
    chapter_words: Vec<i64>,
    words: i64,
    published: NaiveDate,
    updated: NaiveDate,
    series: Vec<(Keyed<'a>, i64)>,
    /// What the text says of its narration (person code, dialogue share in thousandths):
    /// worked out here, before the write lock is taken, as it reads every word.
    narration: (&'static str, i64, String),
}

impl<'a> NewWork<'a> {
    pub(crate) fn prepare(work: &'a Work, today: NaiveDate) -> Result<NewWork<'a>> {
        work.validate()?;
        let creators = work_creators(work);
        let tags = work_tags(work);

        let chapter_words: Vec<i64> = work.chapters.iter().map(|c| to_i64(c.words())).collect();
        let narration = crate::canon::narration_of(work.chapters.iter().map(|c| c.body.as_str()));
        let words = chapter_words.iter().sum();
        let published = work.published.unwrap_or(today);
        let updated = work.updated.unwrap_or(published);

        let mut seen = HashSet::new();
        let series = work
            .series
            .iter()
            .map(|s| (s.title.trim(), s.position))
            .filter(|(title, _)| !title.is_empty())
            .map(|(title, position)| {
                (
                    Keyed {
                        name: title,
                        key: name_key(title),
                    },
                    i64::from(position),
                )
            })
            .filter(|(s, _)| seen.insert(s.key.clone()))
            .collect();

        Ok(NewWork {
            work,
            creators,
            tags,
            chapter_words,
            words,
            published,
            updated,
            series,
            narration,
        })
    }
}

/// Writes every row of a new work and its `changes` row, inside the caller's transaction.
pub(crate) async fn insert(
    db: &mut Db<'_>,
    new: &NewWork<'_>,
    now: DateTime<Utc>,
) -> Result<WorkId> {
    let work = new.work;
    let pseuds = ensure_pseuds(db, &new.creators, now).await?;

    let sql = Sql::new(
        "INSERT INTO works (title, summary_html, notes_html, end_notes_html, rating, language, \
         spoilers, expected_chapters, complete, completion_stated, published, updated, \
         word_count, chapter_count, created_at, modified_at, narration, dialogue_permille, names) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19) RETURNING id",
    )
    .bind(work.title.as_str())
    .bind(work.summary.as_str())
    .bind(work.notes.as_str())
    .bind(work.end_notes.as_str())
    .bind(work.rating.code())
    .bind(work.language.code())
    .bind(work.spoilers.as_deref())
    .bind(work.expected_chapters.map(i64::from))
    .bind(work.complete == Some(true))
    .bind(work.complete.is_some())
    .bind(new.published)
    .bind(new.updated)
    .bind(new.words)
    .bind(to_i64(work.chapters.len() as u64))
    .bind(now)
    .bind(now)
    .bind(new.narration.0)
    .bind(new.narration.1)
    .bind(new.narration.2.as_str());
    let (id,): (i64,) = db.fetch_one(&sql).await?;

    let creator_ids = new
        .creators
        .iter()
        .map(|c| lookup(&pseuds, &c.key, "pseud"))
        .collect::<Result<Vec<i64>>>()?;
    insert_rows(
        db,
        "INSERT INTO work_creators (work_id, pseud_id, position)",
        3,
        &creator_ids,
        |q, i, pseud| {
            q.push(id);
            q.push(*pseud);
            q.push(i as i64 + 1);
        },
    )
    .await?;

    write_work_tags(db, id, &new.tags, now).await?;

    insert_chapters(db, id, &work.chapters, &new.chapter_words).await?;
    crate::canon::link_new_work(db, id, work).await?;

    for (ordinal, (series, position)) in new.series.iter().enumerate() {
        let series_id = ensure_series(db, series, now).await?;
        let sql = Sql::new(
            "INSERT INTO series_works (series_id, work_id, position, ordinal) VALUES ($1, $2, $3, $4)",
        )
        .bind(series_id)
        .bind(id)
        .bind(*position)
        .bind(ordinal as i64 + 1);
        db.execute(&sql).await?;
    }

    insert_rows(
        db,
        "INSERT INTO work_extra (work_id, position, key, value)",
        4,
        &work.extra,
        |q, i, field| {
            q.push(id);
            q.push(i as i64 + 1);
            q.push(field.key.as_str());
            q.push(field.value.as_str());
        },
    )
    .await?;

    changes::append(db, "work", id, Op::Insert, now).await?;
    Ok(WorkId(id))
}

fn lookup<K>(ids: &HashMap<K, i64>, key: &K, what: &str) -> Result<i64>
where
    K: std::hash::Hash + Eq + std::fmt::Debug,
{
    ids.get(key).copied().ok_or_else(|| {
        StoreError::Corrupt(format!("the {what} {key:?} was stored but cannot be found"))
    })
}

/// Statements inserting one row per item, as few as the argument limit allows:
/// `{head} VALUES (...), (...) {tail}`. `row` pushes an item's `columns` arguments, given
/// the item's index in `items`.
fn batches<'a, T>(
    head: &str,
    tail: &str,
    columns: usize,
    items: &'a [T],
    row: impl Fn(&mut Sql<'a>, usize, &'a T),
) -> Vec<Sql<'a>> {
    let per_statement = MAX_ARGS / columns;
    let mut out = Vec::with_capacity(items.len().div_ceil(per_statement));
    for (n, chunk) in items.chunks(per_statement).enumerate() {
        let mut sql = Sql::new(format!(
            "{head} VALUES {} {tail}",
            value_rows(chunk.len(), columns, 1)
        ));
        for (i, item) in chunk.iter().enumerate() {
            row(&mut sql, n * per_statement + i, item);
        }
        out.push(sql);
    }
    out
}

async fn insert_rows<'a, T>(
    db: &mut Db<'_>,
    head: &str,
    columns: usize,
    items: &'a [T],
    row: impl Fn(&mut Sql<'a>, usize, &'a T),
) -> Result<()> {
    for sql in batches(head, "", columns, items, row) {
        db.execute(&sql).await?;
    }
    Ok(())
}

/// Chapters go in statements of at most [`MAX_ARGS`] arguments and about
/// [`MAX_BATCH_TEXT_BYTES`] of text.
async fn insert_chapters(
    db: &mut Db<'_>,
    work_id: i64,
    chapters: &[Chapter],
    words: &[i64],
) -> Result<()> {
    const COLUMNS: usize = 8;
    let mut start = 0;
    while start < chapters.len() {
        let mut end = start;
        let mut bytes = 0;
        while end < chapters.len()
            && end - start < MAX_ARGS / COLUMNS
            && (end == start || bytes < MAX_BATCH_TEXT_BYTES)
        {
            let c = &chapters[end];
            bytes += c.body.as_str().len()
                + c.notes.as_str().len()
                + c.end_notes.as_str().len()
                + c.summary.as_str().len();
            end += 1;
        }
        let mut sql = Sql::new(format!(
            "INSERT INTO chapters (work_id, position, title, summary_html, notes_html, \
             end_notes_html, body_html, word_count) VALUES {}",
            value_rows(end - start, COLUMNS, 1)
        ));
        for (i, chapter) in chapters[start..end].iter().enumerate() {
            sql.push(work_id);
            sql.push((start + i) as i64 + 1);
            sql.push(chapter.title.as_deref());
            sql.push(chapter.summary.as_str());
            sql.push(chapter.notes.as_str());
            sql.push(chapter.end_notes.as_str());
            sql.push(chapter.body.as_str());
            sql.push(words.get(start + i).copied().unwrap_or(0));
        }
        db.execute(&sql).await?;
        start = end;
    }
    Ok(())
}

// Creators and tags: in a bulk import most already exist, so they are looked up first (one
// statement) and only the new ones inserted (one more). An insert that finds a row another
// writer committed meanwhile (PostgreSQL) returns nothing for it; a last lookup finds those.

/// Ids of the pseuds with these names by name key, creating those that are new.
pub(crate) async fn ensure_pseuds(
    db: &mut Db<'_>,
    creators: &[Keyed<'_>],
    now: DateTime<Utc>,
) -> Result<HashMap<String, i64>> {
    let mut ids = find_pseuds(db, creators.iter()).await?;
    let missing: Vec<&Keyed<'_>> = creators
        .iter()
        .filter(|c| !ids.contains_key(&c.key))
        .collect();
    if missing.is_empty() {
        return Ok(ids);
    }
    let statements = batches(
        "INSERT INTO pseuds (name, name_key, created_at)",
        "ON CONFLICT (name_key) DO NOTHING RETURNING id, name_key",
        3,
        &missing,
        |q, _, c| {
            q.push(c.name);
            q.push(c.key.as_str());
            q.push(now);
        },
    );
    for sql in statements {
        let rows: Vec<(i64, String)> = db.fetch_all(&sql).await?;
        ids.extend(rows.into_iter().map(|(id, key)| (key, id)));
    }
    if missing.iter().any(|c| !ids.contains_key(&c.key)) {
        let raced = missing.into_iter().filter(|c| !ids.contains_key(&c.key));
        let found = find_pseuds(db, raced).await?;
        ids.extend(found);
    }
    Ok(ids)
}

async fn find_pseuds<'k>(
    db: &mut Db<'_>,
    creators: impl Iterator<Item = &'k Keyed<'k>>,
) -> Result<HashMap<String, i64>> {
    let keys: Vec<&str> = creators.map(|c| c.key.as_str()).collect();
    let mut ids = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(MAX_ARGS) {
        let mut sql = Sql::new(format!(
            "SELECT id, name_key FROM pseuds WHERE name_key IN ({})",
            placeholder_list(chunk.len(), 1)
        ));
        for key in chunk {
            sql.push(*key);
        }
        let rows: Vec<(i64, String)> = db.fetch_all(&sql).await?;
        ids.extend(rows.into_iter().map(|(id, key)| (key, id)));
    }
    Ok(ids)
}

pub(crate) type TagKey = (&'static str, String);

pub(crate) fn tag_key(tag: &NewTag<'_>) -> TagKey {
    (tag.kind.code(), tag.key.clone())
}

/// Ids of these tags by (kind code, name key), creating those that are new.
pub(crate) async fn ensure_tags(
    db: &mut Db<'_>,
    tags: &[NewTag<'_>],
    now: DateTime<Utc>,
) -> Result<HashMap<TagKey, i64>> {
    let mut ids = find_tags(db, tags.iter()).await?;
    let missing: Vec<&NewTag<'_>> = tags
        .iter()
        .filter(|t| !ids.contains_key(&tag_key(t)))
        .collect();
    if missing.is_empty() {
        return Ok(ids);
    }
    let statements = batches(
        "INSERT INTO tags (kind, name, name_key, created_at)",
        "ON CONFLICT (kind, name_key) DO NOTHING RETURNING id, kind, name_key",
        4,
        &missing,
        |q, _, t| {
            q.push(t.kind.code());
            q.push(t.name);
            q.push(t.key.as_str());
            q.push(now);
        },
    );
    for sql in statements {
        let rows: Vec<(i64, String, String)> = db.fetch_all(&sql).await?;
        ids.extend(tag_ids(rows));
    }
    if missing.iter().any(|t| !ids.contains_key(&tag_key(t))) {
        let raced = missing
            .into_iter()
            .filter(|t| !ids.contains_key(&tag_key(t)));
        let found = find_tags(db, raced).await?;
        ids.extend(found);
    }
    Ok(ids)
}

async fn find_tags<'k>(
    db: &mut Db<'_>,
    tags: impl Iterator<Item = &'k NewTag<'k>>,
) -> Result<HashMap<TagKey, i64>> {
    let tags: Vec<&NewTag<'_>> = tags.collect();
    let mut ids = HashMap::with_capacity(tags.len());
    for chunk in tags.chunks(MAX_ARGS / 2) {
        let mut sql = Sql::new(format!(
            "SELECT id, kind, name_key FROM tags WHERE (kind, name_key) IN (VALUES {})",
            value_rows(chunk.len(), 2, 1)
        ));
        for t in chunk {
            sql.push(t.kind.code());
            sql.push(t.key.as_str());
        }
        let rows: Vec<(i64, String, String)> = db.fetch_all(&sql).await?;
        ids.extend(tag_ids(rows));
    }
    Ok(ids)
}

fn tag_ids(rows: Vec<(i64, String, String)>) -> impl Iterator<Item = (TagKey, i64)> {
    rows.into_iter()
        .filter_map(|(id, kind, key)| TagKind::from_code(&kind).map(|k| ((k.code(), key), id)))
}

async fn ensure_series(db: &mut Db<'_>, series: &Keyed<'_>, now: DateTime<Utc>) -> Result<i64> {
    let insert = Sql::new(
        "INSERT INTO series (title, title_key, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (title_key) DO NOTHING",
    )
    .bind(series.name)
    .bind(series.key.as_str())
    .bind(now);
    db.execute(&insert).await?;
    let select = Sql::new("SELECT id FROM series WHERE title_key = $1").bind(series.key.as_str());
    let (id,): (i64,) = db.fetch_one(&select).await?;
    Ok(id)
}

// ---------------------------------------------------------------------------------------
// Reading

// `complete` means nothing unless `completion_stated`: these lists read the two as one
// `Option<bool>` named `complete` (`None`: not stated).
const WORK_COLUMNS: &str = "w.id, w.title, w.summary_html, w.notes_html, w.end_notes_html, \
    w.rating, w.language, w.spoilers, w.expected_chapters, \
    CASE WHEN w.completion_stated THEN w.complete END AS complete, w.published, w.updated, \
    w.word_count, w.chapter_count, w.hits, w.kudos_count, w.comment_count, w.bookmark_count, \
    w.created_at, w.modified_at";

/// The SELECT list of [`BlurbRow`], for listing queries here and in other modules.
pub(crate) const BLURB_COLUMNS: &str = "w.id, w.title, w.summary_html, w.rating, w.language, \
    w.expected_chapters, CASE WHEN w.completion_stated THEN w.complete END AS complete, \
    w.updated, w.word_count, w.chapter_count, w.hits, w.kudos_count, w.comment_count, \
    w.bookmark_count, w.published, w.created_at, w.modified_at";

const CHAPTER_COLUMNS: &str =
    "position, title, summary_html, notes_html, end_notes_html, body_html, word_count";

/// The same, with an empty body: for a work's header and chapter index.
const CHAPTER_INDEX_COLUMNS: &str =
    "position, title, summary_html, notes_html, end_notes_html, '' AS body_html, word_count";

#[derive(sqlx::FromRow)]
struct WorkRow {
    id: i64,
    title: String,
    summary_html: String,
    notes_html: String,
    end_notes_html: String,
    rating: String,
    language: String,
    spoilers: Option<String>,
    expected_chapters: Option<i64>,
    complete: Option<bool>,
    published: NaiveDate,
    updated: NaiveDate,
    word_count: i64,
    chapter_count: i64,
    hits: i64,
    kudos_count: i64,
    comment_count: i64,
    bookmark_count: i64,
    created_at: DateTime<Utc>,
    modified_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct BlurbRow {
    id: i64,
    title: String,
    summary_html: String,
    rating: String,
    language: String,
    expected_chapters: Option<i64>,
    complete: Option<bool>,
    updated: NaiveDate,
    word_count: i64,
    chapter_count: i64,
    hits: i64,
    kudos_count: i64,
    comment_count: i64,
    bookmark_count: i64,
    published: NaiveDate,
    created_at: DateTime<Utc>,
    modified_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ChapterRow {
    position: i64,
    title: Option<String>,
    summary_html: String,
    notes_html: String,
    end_notes_html: String,
    body_html: String,
    word_count: i64,
}

impl ChapterRow {
    fn into_chapter(self) -> Result<(Chapter, u64)> {
        let chapter = Chapter {
            position: to_u32(self.position, "a chapter's position")?,
            title: self.title,
            summary: stored_html(self.summary_html),
            notes: stored_html(self.notes_html),
            end_notes: stored_html(self.end_notes_html),
            body: stored_html(self.body_html),
        };
        Ok((chapter, to_u64(self.word_count, "a chapter's word count")?))
    }
}

struct Loaded {
    work: Work,
    chapter_words: Vec<u64>,
    stats: WorkStats,
    created_at: DateTime<Utc>,
    modified_at: DateTime<Utc>,
}

/// HTML read back from the database, which only ever stores sanitized HTML.
fn stored_html(html: String) -> Html {
    Html::from_stored(html)
}

/// A language code as stored, kept exactly (not re-parsed, which could map it).
fn stored_language(code: String) -> Result<Language> {
    let de: serde::de::value::StringDeserializer<serde::de::value::Error> =
        code.into_deserializer();
    Language::deserialize(de).map_err(|e| StoreError::Corrupt(format!("language code: {e}")))
}

fn stored_rating(code: &str) -> Result<Rating> {
    Rating::from_code(code)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown rating code {code:?}")))
}

fn stored_tag_name(name: &str) -> Result<TagName> {
    TagName::parse(name).map_err(|e| StoreError::Corrupt(format!("tag name {name:?}: {e}")))
}

fn stats(
    words: i64,
    chapters: i64,
    hits: i64,
    kudos: i64,
    comments: i64,
    bookmarks: i64,
) -> Result<WorkStats> {
    Ok(WorkStats {
        words: to_u64(words, "a work's word count")?,
        chapters: to_u32(chapters, "a work's chapter count")?,
        hits: to_u64(hits, "a work's hits")?,
        kudos: to_u64(kudos, "a work's kudos")?,
        comments: to_u64(comments, "a work's comment count")?,
        bookmarks: to_u64(bookmarks, "a work's bookmark count")?,
    })
}

/// A work's tags sorted into their kinds, in stored order.
#[derive(Default)]
struct TagLists {
    warnings: Vec<ArchiveWarning>,
    categories: Vec<Category>,
    fandoms: Vec<TagName>,
    relationships: Vec<TagName>,
    characters: Vec<TagName>,
    tags: Vec<TagName>,
}

impl TagLists {
    fn push(&mut self, kind: &str, name: &str) -> Result<()> {
        match TagKind::from_code(kind) {
            // The rating is read from `works.rating`; its tag row is for filtering.
            Some(TagKind::Rating) => {}
            Some(TagKind::Warning) => {
                match ArchiveWarning::ALL
                    .into_iter()
                    .find(|w| w.name().eq_ignore_ascii_case(name))
                {
                    Some(w) => self.warnings.push(w),
                    None => tracing::warn!(name, "a warning tag that is not an archive warning"),
                }
            }
            Some(TagKind::Category) => {
                match Category::ALL
                    .into_iter()
                    .find(|c| c.name().eq_ignore_ascii_case(name))
                {
                    Some(c) => self.categories.push(c),
                    None => tracing::warn!(name, "a category tag that is not a category"),
                }
            }
            Some(TagKind::Fandom) => self.fandoms.push(stored_tag_name(name)?),
            Some(TagKind::Relationship) => self.relationships.push(stored_tag_name(name)?),
            Some(TagKind::Character) => self.characters.push(stored_tag_name(name)?),
            Some(TagKind::Freeform) => self.tags.push(stored_tag_name(name)?),
            None => tracing::warn!(kind, name, "a tag of an unknown kind"),
        }
        Ok(())
    }
}

/// Everything stored about one work, in one read transaction.
async fn load(db: &mut Db<'_>, id: WorkId, bodies: bool) -> Result<Option<Loaded>> {
    let sql = Sql::new(format!(
        "SELECT {WORK_COLUMNS} FROM works w WHERE w.id = $1"
    ))
    .bind(id.0);
    let Some(row) = db.fetch_optional::<WorkRow>(&sql).await? else {
        return Ok(None);
    };

    let sql = Sql::new(
        "SELECT p.name FROM work_creators wc JOIN pseuds p ON p.id = wc.pseud_id \
         WHERE wc.work_id = $1 AND wc.accepted ORDER BY wc.position",
    )
    .bind(row.id);
    let creators: Vec<(String,)> = db.fetch_all(&sql).await?;

    let sql = Sql::new(
        "SELECT t.kind, t.name FROM work_tags wt JOIN tags t ON t.id = wt.tag_id \
         WHERE wt.work_id = $1 ORDER BY wt.position",
    )
    .bind(row.id);
    let mut tags = TagLists::default();
    for (kind, name) in db.fetch_all::<(String, String)>(&sql).await? {
        tags.push(&kind, &name)?;
    }

    let columns = if bodies {
        CHAPTER_COLUMNS
    } else {
        CHAPTER_INDEX_COLUMNS
    };
    let sql = Sql::new(format!(
        "SELECT {columns} FROM chapters WHERE work_id = $1 ORDER BY position"
    ))
    .bind(row.id);
    let mut chapters = Vec::new();
    let mut chapter_words = Vec::new();
    for chapter in db.fetch_all::<ChapterRow>(&sql).await? {
        let (chapter, words) = chapter.into_chapter()?;
        chapters.push(chapter);
        chapter_words.push(words);
    }

    let sql = Sql::new(
        "SELECT s.title, sw.position FROM series_works sw JOIN series s ON s.id = sw.series_id \
         WHERE sw.work_id = $1 ORDER BY sw.ordinal",
    )
    .bind(row.id);
    let series = db
        .fetch_all::<(String, i64)>(&sql)
        .await?
        .into_iter()
        .map(|(title, position)| {
            Ok(SeriesMembership {
                title,
                position: to_u32(position, "a series position")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let sql = Sql::new("SELECT key, value FROM work_extra WHERE work_id = $1 ORDER BY position")
        .bind(row.id);
    let extra = db
        .fetch_all::<(String, String)>(&sql)
        .await?
        .into_iter()
        .map(|(key, value)| ExtraField { key, value })
        .collect();

    let stats = stats(
        row.word_count,
        row.chapter_count,
        row.hits,
        row.kudos_count,
        row.comment_count,
        row.bookmark_count,
    )?;
    let work = Work {
        title: row.title,
        creators: creators.into_iter().map(|(name,)| name).collect(),
        summary: stored_html(row.summary_html),
        notes: stored_html(row.notes_html),
        end_notes: stored_html(row.end_notes_html),
        fandoms: tags.fandoms,
        rating: stored_rating(&row.rating)?,
        warnings: tags.warnings,
        categories: tags.categories,
        relationships: tags.relationships,
        characters: tags.characters,
        tags: tags.tags,
        language: stored_language(row.language)?,
        spoilers: row.spoilers,
        series,
        chapters,
        expected_chapters: row
            .expected_chapters
            .map(|n| to_u32(n, "expected chapters"))
            .transpose()?,
        complete: row.complete,
        published: Some(row.published),
        updated: Some(row.updated),
        extra,
    };
    Ok(Some(Loaded {
        work,
        chapter_words,
        stats,
        created_at: row.created_at,
        modified_at: row.modified_at,
    }))
}

/// Blurbs for these work rows, in their order: one query for the creators of all of them
/// and one for their tags.
pub(crate) async fn blurbs(db: &mut Db<'_>, rows: Vec<BlurbRow>) -> Result<Vec<WorkBlurb>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut creators: HashMap<i64, Vec<String>> = HashMap::with_capacity(ids.len());
    let mut tags: HashMap<i64, TagLists> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(MAX_ARGS) {
        let list = placeholder_list(chunk.len(), 1);
        let mut sql = Sql::new(format!(
            "SELECT wc.work_id, p.name FROM work_creators wc JOIN pseuds p ON p.id = wc.pseud_id \
             WHERE wc.work_id IN ({list}) AND wc.accepted ORDER BY wc.work_id, wc.position"
        ));
        for id in chunk {
            sql.push(*id);
        }
        for (work_id, name) in db.fetch_all::<(i64, String)>(&sql).await? {
            creators.entry(work_id).or_default().push(name);
        }

        // One row per work, its tags folded in as `kind US name RS kind US name…` (a tag name
        // holds no control characters): a row per tag would be fifteen rows per work, and
        // SQLite's driver hands each row across threads on its own.
        let unit = db.character(0x1f);
        let folded = db.joined(&format!("t.kind || {unit} || t.name"), 0x1e, "wt.position");
        let mut sql = Sql::new(format!(
            "SELECT wt.work_id, {folded} FROM work_tags wt JOIN tags t ON t.id = wt.tag_id \
             WHERE wt.work_id IN ({list}) GROUP BY wt.work_id"
        ));
        for id in chunk {
            sql.push(*id);
        }
        for (work_id, folded) in db.fetch_all::<(i64, String)>(&sql).await? {
            let lists = tags.entry(work_id).or_default();
            for tag in folded.split('\u{1e}') {
                let Some((kind, name)) = tag.split_once('\u{1f}') else {
                    return Err(StoreError::Corrupt(format!(
                        "work {work_id} has a tag row that is not a kind and a name"
                    )));
                };
                lists.push(kind, name)?;
            }
        }
    }

    rows.into_iter()
        .map(|row| {
            let t = tags.remove(&row.id).unwrap_or_default();
            Ok(WorkBlurb {
                id: WorkId(row.id),
                title: row.title,
                creators: creators.remove(&row.id).unwrap_or_default(),
                fandoms: t.fandoms,
                rating: stored_rating(&row.rating)?,
                warnings: t.warnings,
                categories: t.categories,
                relationships: t.relationships,
                characters: t.characters,
                tags: t.tags,
                summary: stored_html(row.summary_html),
                language: stored_language(row.language)?,
                complete: row.complete,
                expected_chapters: row
                    .expected_chapters
                    .map(|n| to_u32(n, "expected chapters"))
                    .transpose()?,
                updated: Some(row.updated),
                published: Some(row.published),
                created_at: row.created_at,
                modified_at: row.modified_at,
                stats: stats(
                    row.word_count,
                    row.chapter_count,
                    row.hits,
                    row.kudos_count,
                    row.comment_count,
                    row.bookmark_count,
                )?,
                spoils: None,
            })
        })
        .collect()
}

//! The bulk path for synthetic archives (`ajar gen-corpus`): thousands of works per
//! transaction, multi-row inserts, and tag and pseud ids cached in memory across batches, so
//! that a million works take minutes, not hours. Works arrive already valid (the generator
//! makes them so) and with their counters (words, hits, kudos...) set, which the ordinary
//! insert path leaves at zero. Each work still gets its `changes` row.

use crate::db::{value_rows, Sql, Tx, MAX_ARGS};
use crate::works::{
    ensure_pseuds, ensure_tags, insert_tag_rows, now, tag_key, work_creators, work_tags, TagKey,
};
use crate::{name_key, to_i64, Result, Store, StoreError, WorkStats};
use ajar_core::{Work, WorkId};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// A generated work with the counters it shows.
#[derive(Debug, Clone)]
pub struct CorpusWork {
    /// Its tags, creators and chapters; `published` and `updated` must be set.
    pub work: Work,
    /// `words` and `chapters` are what listings show (words may be a nominal count larger
    /// than the stored text, see `ajar gen-corpus --help`).
    pub stats: WorkStats,
    /// Nominal words per chapter, one per chapter.
    pub chapter_words: Vec<u64>,
}

/// Tag and pseud ids seen so far, kept across batches.
#[derive(Debug, Default)]
pub struct CorpusWriter {
    tags: HashMap<TagKey, i64>,
    pseuds: HashMap<String, i64>,
}

impl Store {
    /// A writer for [`Store::write_corpus_batch`].
    pub fn corpus_writer(&self) -> CorpusWriter {
        CorpusWriter::default()
    }

    /// Stores a batch of generated works in one transaction; returns their ids in order.
    pub async fn write_corpus_batch(
        &self,
        writer: &mut CorpusWriter,
        works: &[CorpusWork],
    ) -> Result<Vec<WorkId>> {
        if works.is_empty() {
            return Ok(Vec::new());
        }
        let now = now();
        let postgres = self.backend() == crate::Backend::Postgres;
        let mut tx = self.pool.begin_write().await?;
        let result = write_batch(&mut tx, writer, works, now, postgres).await;
        match result {
            Ok(ids) => {
                tx.commit().await?;
                Ok(ids)
            }
            Err(e) => {
                // Ids cached during a rolled-back batch may not exist.
                *writer = CorpusWriter::default();
                Err(e)
            }
        }
    }
}

async fn write_batch(
    tx: &mut Tx,
    writer: &mut CorpusWriter,
    works: &[CorpusWork],
    now: DateTime<Utc>,
    postgres: bool,
) -> Result<Vec<WorkId>> {
    let mut db = tx.db();
    // Ids and counts per work, resolved before any work row is written.
    let mut creator_ids: Vec<Vec<i64>> = Vec::with_capacity(works.len());
    let mut tag_ids: Vec<Vec<i64>> = Vec::with_capacity(works.len());
    for cw in works {
        let creators = work_creators(&cw.work);
        let keys: Vec<String> = creators.iter().map(|c| c.key.clone()).collect();
        let missing: Vec<_> = creators
            .into_iter()
            .filter(|c| !writer.pseuds.contains_key(&c.key))
            .collect();
        if !missing.is_empty() {
            writer
                .pseuds
                .extend(ensure_pseuds(&mut db, &missing, now).await?);
        }
        creator_ids.push(stored_ids(&writer.pseuds, &keys, "pseud")?);
        let tags = work_tags(&cw.work);
        let keys: Vec<TagKey> = tags.iter().map(tag_key).collect();
        let missing: Vec<_> = tags
            .into_iter()
            .zip(&keys)
            .filter(|(_, key)| !writer.tags.contains_key(*key))
            .map(|(tag, _)| tag)
            .collect();
        if !missing.is_empty() {
            writer
                .tags
                .extend(ensure_tags(&mut db, &missing, now).await?);
        }
        tag_ids.push(stored_ids(&writer.tags, &keys, "tag")?);
    }

    let (max,): (i64,) = db
        .fetch_one(&Sql::new("SELECT COALESCE(MAX(id), 0) FROM works"))
        .await?;
    let ids: Vec<i64> = (1..=works.len() as i64).map(|i| max + i).collect();

    // Works: 21 columns a row.
    let overriding = if postgres {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    let per = MAX_ARGS / 21;
    for (chunk_no, chunk) in works.chunks(per).enumerate() {
        let mut sql = Sql::new(format!(
            "INSERT INTO works (id, title, summary_html, notes_html, end_notes_html, rating, \
             language, spoilers, expected_chapters, complete, completion_stated, published, \
             updated, word_count, chapter_count, hits, kudos_count, comment_count, \
             bookmark_count, created_at, modified_at){overriding} VALUES {}",
            value_rows(chunk.len(), 21, 1)
        ));
        for (i, cw) in chunk.iter().enumerate() {
            let w = &cw.work;
            let published = w
                .published
                .ok_or_else(|| StoreError::Corrupt("a corpus work has no date".into()))?;
            sql.push(ids[chunk_no * per + i]);
            sql.push(w.title.as_str());
            sql.push(w.summary.as_str());
            sql.push(w.notes.as_str());
            sql.push(w.end_notes.as_str());
            sql.push(w.rating.code());
            sql.push(w.language.code());
            sql.push(w.spoilers.as_deref());
            sql.push(w.expected_chapters.map(i64::from));
            sql.push(w.complete == Some(true));
            sql.push(w.complete.is_some());
            sql.push(published);
            sql.push(w.updated.unwrap_or(published));
            sql.push(to_i64(cw.stats.words));
            sql.push(i64::from(cw.stats.chapters));
            sql.push(to_i64(cw.stats.hits));
            sql.push(to_i64(cw.stats.kudos));
            sql.push(to_i64(cw.stats.comments));
            sql.push(to_i64(cw.stats.bookmarks));
            sql.push(now);
            sql.push(now);
        }
        db.execute(&sql).await?;
    }

    // Creators and tags: integers only, written inline, thousands of rows a statement.
    let mut rows = Vec::new();
    for (work, pseuds) in ids.iter().zip(&creator_ids) {
        for (pos, pseud) in pseuds.iter().enumerate() {
            rows.push(format!("({work}, {pseud}, {})", pos + 1));
        }
    }
    insert_inline(
        tx,
        "INSERT INTO work_creators (work_id, pseud_id, position) VALUES ",
        &rows,
    )
    .await?;
    let rows: Vec<(i64, &[i64])> = ids
        .iter()
        .zip(&tag_ids)
        .map(|(work, tags)| (*work, tags.as_slice()))
        .collect();
    insert_tag_rows(&mut tx.db(), &rows).await?;

    // Chapters: 5 columns a row.
    let mut db = tx.db();
    let chapters: Vec<(i64, usize, &ajar_core::Chapter, u64)> =
        ids.iter()
            .zip(works)
            .flat_map(|(id, cw)| {
                cw.work.chapters.iter().enumerate().map(move |(i, c)| {
                    (*id, i + 1, c, cw.chapter_words.get(i).copied().unwrap_or(0))
                })
            })
            .collect();
    for chunk in chapters.chunks(MAX_ARGS / 5) {
        let mut sql = Sql::new(format!(
            "INSERT INTO chapters (work_id, position, title, body_html, word_count) VALUES {}",
            value_rows(chunk.len(), 5, 1)
        ));
        for (work, position, chapter, words) in chunk {
            sql.push(*work);
            sql.push(*position as i64);
            sql.push(chapter.title.as_deref());
            sql.push(chapter.body.as_str());
            sql.push(to_i64(*words));
        }
        db.execute(&sql).await?;
    }

    let (Some(first), Some(last)) = (ids.first(), ids.last()) else {
        return Ok(Vec::new());
    };
    db.execute(
        &Sql::new(
            "INSERT INTO changes (entity, entity_id, op, at) \
             SELECT 'work', id, 'insert', $1 FROM works WHERE id BETWEEN $2 AND $3 ORDER BY id",
        )
        .bind(now)
        .bind(*first)
        .bind(*last),
    )
    .await?;
    if postgres {
        db.execute(
            &Sql::new("SELECT setval(pg_get_serial_sequence('works', 'id'), $1)").bind(*last),
        )
        .await?;
    }
    Ok(ids.into_iter().map(WorkId).collect())
}

/// Runs `head` followed by `rows` (literal integer tuples) in statements of a few thousand.
async fn insert_inline(tx: &mut Tx, head: &str, rows: &[String]) -> Result<()> {
    for chunk in rows.chunks(4000) {
        let sql = Sql::new(format!("{head}{}", chunk.join(", ")));
        tx.db().execute(&sql).await?;
    }
    Ok(())
}

/// The ids of these keys, which the batch has just stored or found.
fn stored_ids<K>(ids: &HashMap<K, i64>, keys: &[K], what: &str) -> Result<Vec<i64>>
where
    K: std::hash::Hash + Eq + std::fmt::Debug,
{
    keys.iter()
        .map(|key| {
            ids.get(key).copied().ok_or_else(|| {
                StoreError::Corrupt(format!("the {what} {key:?} was stored but cannot be found"))
            })
        })
        .collect()
}

/// A generated reader: an account with a default pseud, and what it did on the archive.
/// Works are named by id; the store turns "the creator of" and "the fandom of" a work into
/// subscriptions to that pseud and that tag. The works' own counters (kudos, comments,
/// bookmarks) stay the nominal ones the corpus gave them.
#[derive(Debug, Clone, Default)]
pub struct CorpusReader {
    pub name: String,
    pub kudos: Vec<WorkId>,
    /// Work and the bookmark's tags (comma-separated).
    pub bookmarks: Vec<(WorkId, String)>,
    /// Work and the comment's body (already clean HTML).
    pub comments: Vec<(WorkId, String)>,
    pub subscribed_works: Vec<WorkId>,
    pub subscribed_creators_of: Vec<WorkId>,
    pub subscribed_fandoms_of: Vec<WorkId>,
    /// Reading history, oldest first.
    pub history: Vec<WorkId>,
}

impl Store {
    /// How many accounts there are (generated readers are numbered after them).
    pub async fn user_count(&self) -> Result<u64> {
        let mut conn = self.pool.conn().await?;
        let (n,): (i64,) = conn
            .db()
            .fetch_one(&Sql::new("SELECT COUNT(*) FROM users"))
            .await?;
        crate::to_u64(n, "the number of accounts")
    }

    /// Stores a batch of generated readers in one transaction. Their accounts cannot log in
    /// (no password); benchmarks make their own accounts for that.
    pub async fn write_corpus_readers(&self, readers: &[CorpusReader]) -> Result<()> {
        if readers.is_empty() {
            return Ok(());
        }
        let now = now();
        let postgres = self.backend() == crate::Backend::Postgres;
        let overriding = if postgres {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        };
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let (max_user, max_pseud): (i64, i64) = db
            .fetch_one(&Sql::new(
                "SELECT (SELECT COALESCE(MAX(id), 0) FROM users), \
                 (SELECT COALESCE(MAX(id), 0) FROM pseuds)",
            ))
            .await?;
        let keys: Vec<(String, String)> = readers
            .iter()
            .map(|r| {
                let key = name_key(&r.name);
                let email = format!("{key}@corpus.invalid");
                (key, email)
            })
            .collect();
        let per = MAX_ARGS / 7;
        for (chunk_no, chunk) in readers.chunks(per).enumerate() {
            let first = chunk_no * per;
            let mut users = Sql::new(format!(
                "INSERT INTO users (id, name, name_key, email, email_key, password_hash, \
                 created_at){overriding} VALUES {}",
                value_rows(chunk.len(), 7, 1)
            ));
            let mut pseuds = Sql::new(format!(
                "INSERT INTO pseuds (id, name, name_key, user_id, is_default, created_at)\
                 {overriding} VALUES {}",
                value_rows(chunk.len(), 6, 1)
            ));
            for (i, reader) in chunk.iter().enumerate() {
                let n = first + i;
                let (user, pseud) = (max_user + n as i64 + 1, max_pseud + n as i64 + 1);
                let (key, email) = &keys[n];
                users.push(user);
                users.push(reader.name.as_str());
                users.push(key.as_str());
                users.push(email.as_str());
                users.push(email.as_str());
                // Not a PHC string: no password verifies against it.
                users.push("!");
                users.push(now);
                pseuds.push(pseud);
                pseuds.push(reader.name.as_str());
                pseuds.push(key.as_str());
                pseuds.push(user);
                pseuds.push(true);
                pseuds.push(now);
            }
            db.execute(&users).await?;
            db.execute(&pseuds).await?;
        }
        let ids = |i: usize| (max_user + i as i64 + 1, max_pseud + i as i64 + 1);
        let mut kudos = Vec::new();
        let mut subscriptions = Vec::new();
        let mut history = Vec::new();
        for (i, reader) in readers.iter().enumerate() {
            let (user, _) = ids(i);
            kudos.extend(
                reader
                    .kudos
                    .iter()
                    .map(|w| format!("({}, {user}, $1)", w.0)),
            );
            subscriptions.extend(
                reader
                    .subscribed_works
                    .iter()
                    .map(|w| format!("SELECT {user}, 'work', {}, $1", w.0)),
            );
            subscriptions.extend(reader.subscribed_creators_of.iter().map(|w| {
                format!(
                    "SELECT {user}, 'creator', pseud_id, $1 FROM work_creators \
                     WHERE work_id = {} AND position = 1",
                    w.0
                )
            }));
            subscriptions.extend(reader.subscribed_fandoms_of.iter().map(|w| {
                format!(
                    "SELECT {user}, 'tag', MIN(wt.tag_id), $1 FROM work_tags wt \
                     JOIN tags t ON t.id = wt.tag_id WHERE wt.work_id = {} AND t.kind = 'fandom' \
                     HAVING MIN(wt.tag_id) IS NOT NULL",
                    w.0
                )
            }));
            history.extend(
                reader
                    .history
                    .iter()
                    .map(|w| format!("({user}, {}, 1, 1, $1)", w.0)),
            );
        }
        let conflict = " ON CONFLICT DO NOTHING";
        for chunk in kudos.chunks(2000) {
            let sql = format!(
                "INSERT INTO kudos (work_id, user_id, created_at) VALUES {}{conflict}",
                chunk.join(", ")
            );
            db.execute(&Sql::new(sql).bind(now)).await?;
        }
        // The kept counts of the works given kudos, from their rows (a reader's kudos on a
        // work already given one is not a second).
        let mut kudosed: Vec<i64> = readers
            .iter()
            .flat_map(|r| r.kudos.iter().map(|w| w.0))
            .collect();
        kudosed.sort_unstable();
        kudosed.dedup();
        for chunk in kudosed.chunks(2000) {
            let ids = chunk.iter().map(i64::to_string).collect::<Vec<_>>();
            let sql = format!(
                "INSERT INTO work_kudos (work_id, users, guests) \
                 SELECT work_id, COUNT(user_id), COUNT(*) - COUNT(user_id) FROM kudos \
                 WHERE work_id IN ({}) GROUP BY work_id \
                 ON CONFLICT (work_id) DO UPDATE SET users = excluded.users, \
                 guests = excluded.guests",
                ids.join(", ")
            );
            db.execute(&Sql::new(sql)).await?;
        }
        for chunk in subscriptions.chunks(200) {
            let sql = format!(
                "INSERT INTO subscriptions (user_id, kind, target_id, created_at) \
                 SELECT * FROM ({}) s WHERE TRUE{conflict}",
                chunk.join(" UNION ALL ")
            );
            db.execute(&Sql::new(sql).bind(now)).await?;
        }
        // As a reader's first subscription does: their updates start from now.
        db.execute(
            &Sql::new(
                "UPDATE users SET updates_seen_chapter = \
                 (SELECT COALESCE(MAX(id), 0) FROM chapters), updates_seen_at = $1 \
                 WHERE id > $2 AND id <= $3 AND updates_seen_chapter IS NULL",
            )
            .bind(now)
            .bind(max_user)
            .bind(max_user + readers.len() as i64),
        )
        .await?;
        for chunk in history.chunks(2000) {
            let sql = format!(
                "INSERT INTO readings (user_id, work_id, last_chapter, visits, visited_at) \
                 VALUES {}{conflict}",
                chunk.join(", ")
            );
            db.execute(&Sql::new(sql).bind(now)).await?;
        }
        // Bookmarks and comments carry text: bound, 4 and 5 arguments a row.
        let bookmarks: Vec<(i64, &WorkId, &str)> = readers
            .iter()
            .enumerate()
            .flat_map(|(i, r)| {
                r.bookmarks
                    .iter()
                    .map(move |(w, t)| (ids(i).0, w, t.as_str()))
            })
            .collect();
        for chunk in bookmarks.chunks(MAX_ARGS / 5) {
            let mut sql = Sql::new(format!(
                "INSERT INTO bookmarks (user_id, work_id, tags, created_at, updated_at) VALUES {}\
                 {conflict}",
                value_rows(chunk.len(), 5, 1)
            ));
            for (user, work, tags) in chunk {
                sql.push(*user);
                sql.push(work.0);
                sql.push(*tags);
                sql.push(now);
                sql.push(now);
            }
            db.execute(&sql).await?;
        }
        let comments: Vec<((i64, i64), &WorkId, &str)> = readers
            .iter()
            .enumerate()
            .flat_map(|(i, r)| r.comments.iter().map(move |(w, b)| (ids(i), w, b.as_str())))
            .collect();
        for chunk in comments.chunks(MAX_ARGS / 6) {
            let mut sql = Sql::new(format!(
                "INSERT INTO comments (work_id, chapter, user_id, pseud_id, body_html, created_at) \
                 VALUES {}",
                value_rows(chunk.len(), 6, 1)
            ));
            for ((user, pseud), work, body) in chunk {
                sql.push(work.0);
                sql.push(1i64);
                sql.push(*user);
                sql.push(*pseud);
                sql.push(*body);
                sql.push(now);
            }
            db.execute(&sql).await?;
        }
        if postgres {
            let (last_user, last_pseud) = ids(readers.len() - 1);
            db.execute(
                &Sql::new(
                    "SELECT setval(pg_get_serial_sequence('users', 'id'), $1), \
                     setval(pg_get_serial_sequence('pseuds', 'id'), $2)",
                )
                .bind(last_user)
                .bind(last_pseud),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Groups works into series as writers do: every creator with at least `min_works`
    /// works as first creator gets one series of up to `max_works` of them, in posting
    /// order. Returns how many series were made. The works get `changes` rows, so a
    /// running index picks the series up.
    pub async fn write_corpus_series(&self, min_works: usize, max_works: usize) -> Result<u64> {
        let now = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let rows: Vec<(i64, String, i64)> = db
            .fetch_all(&Sql::new(
                "SELECT wc.pseud_id, p.name, wc.work_id FROM work_creators wc \
                 JOIN pseuds p ON p.id = wc.pseud_id \
                 WHERE wc.position = 1 AND NOT EXISTS \
                 (SELECT 1 FROM series_works sw WHERE sw.work_id = wc.work_id) \
                 ORDER BY wc.pseud_id, wc.work_id",
            ))
            .await?;
        let mut groups: Vec<(String, Vec<i64>)> = Vec::new();
        let mut current: Option<(i64, String, Vec<i64>)> = None;
        for (pseud, name, work) in rows {
            match &mut current {
                Some((p, _, works)) if *p == pseud => {
                    if works.len() < max_works {
                        works.push(work);
                    }
                }
                _ => {
                    if let Some((_, name, works)) = current.take() {
                        groups.push((name, works));
                    }
                    current = Some((pseud, name, vec![work]));
                }
            }
        }
        groups.extend(current.map(|(_, name, works)| (name, works)));
        groups.retain(|(_, works)| works.len() >= min_works.max(1));
        let mut made = 0u64;
        for (name, works) in &groups {
            let title = format!("The {name} Cycle");
            let key = name_key(&title);
            let id: Option<(i64,)> = db
                .fetch_optional(
                    &Sql::new(
                        "INSERT INTO series (title, title_key, created_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (title_key) DO NOTHING RETURNING id",
                    )
                    .bind(title.as_str())
                    .bind(key.as_str())
                    .bind(now),
                )
                .await?;
            let Some((series,)) = id else { continue };
            let rows: Vec<String> = works
                .iter()
                .enumerate()
                .map(|(i, w)| format!("({series}, {w}, {}, 1)", i + 1))
                .collect();
            db.execute(&Sql::new(format!(
                "INSERT INTO series_works (series_id, work_id, position, ordinal) VALUES {}",
                rows.join(", ")
            )))
            .await?;
            db.execute(
                &Sql::new(
                    "INSERT INTO changes (entity, entity_id, op, at) \
                     SELECT 'work', work_id, 'update', $1 FROM series_works \
                     WHERE series_id = $2 ORDER BY work_id",
                )
                .bind(now)
                .bind(series),
            )
            .await?;
            made += 1;
        }
        tx.commit().await?;
        Ok(made)
    }
}

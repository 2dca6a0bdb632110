//! The bulk path for synthetic archives (`ajar gen-corpus`): thousands of works per
//! transaction, multi-row inserts, and tag and pseud ids cached in memory across batches, so
//! that a million works take minutes, not hours. Works arrive already valid (the generator
//! makes them so) and with their counters (words, hits, kudos...) set, which the ordinary
//! insert path leaves at zero. Each work still gets its `changes` row.

use crate::db::{value_rows, Db, Sql, Tx, MAX_ARGS};
use crate::works::now;
use crate::{name_key, to_i64, Result, Store, StoreError, WorkStats};
use ajar_core::{TagKind, Work, WorkId};
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
    tags: HashMap<(&'static str, String), i64>,
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
        let mut ids = Vec::with_capacity(cw.work.creators.len());
        for name in &cw.work.creators {
            let id = pseud_id(&mut db, writer, name, now).await?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        creator_ids.push(ids);
        let w = &cw.work;
        let required = std::iter::once((TagKind::Rating, w.rating.name()))
            .chain(w.warnings.iter().map(|x| (TagKind::Warning, x.name())))
            .chain(w.categories.iter().map(|x| (TagKind::Category, x.name())));
        let free = w.tags_by_kind().map(|(k, n)| (k, n.as_str()));
        let mut ids = Vec::new();
        for (kind, name) in required.chain(free) {
            let id = tag_id(&mut db, writer, kind, name, now).await?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        tag_ids.push(ids);
    }

    let (max,): (i64,) = db
        .fetch_one(&Sql::new("SELECT COALESCE(MAX(id), 0) FROM works"))
        .await?;
    let ids: Vec<i64> = (1..=works.len() as i64).map(|i| max + i).collect();

    // Works: 20 columns a row.
    let overriding = if postgres {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    let per = MAX_ARGS / 20;
    for (chunk_no, chunk) in works.chunks(per).enumerate() {
        let mut sql = Sql::new(format!(
            "INSERT INTO works (id, title, summary_html, notes_html, end_notes_html, rating, \
             language, spoilers, expected_chapters, complete, published, updated, word_count, \
             chapter_count, hits, kudos_count, comment_count, bookmark_count, created_at, \
             modified_at){overriding} VALUES {}",
            value_rows(chunk.len(), 20, 1)
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
            sql.push(w.complete);
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
    rows.clear();
    for (work, tags) in ids.iter().zip(&tag_ids) {
        for (pos, tag) in tags.iter().enumerate() {
            rows.push(format!("({work}, {tag}, {})", pos + 1));
        }
    }
    insert_inline(
        tx,
        "INSERT INTO work_tags (work_id, tag_id, position) VALUES ",
        &rows,
    )
    .await?;

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

async fn pseud_id(
    db: &mut Db<'_>,
    writer: &mut CorpusWriter,
    name: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let key = name_key(name.trim());
    if let Some(id) = writer.pseuds.get(&key) {
        return Ok(*id);
    }
    db.execute(
        &Sql::new(
            "INSERT INTO pseuds (name, name_key, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name_key) DO NOTHING",
        )
        .bind(name.trim())
        .bind(key.as_str())
        .bind(now),
    )
    .await?;
    let (id,): (i64,) = db
        .fetch_one(&Sql::new("SELECT id FROM pseuds WHERE name_key = $1").bind(key.as_str()))
        .await?;
    writer.pseuds.insert(key, id);
    Ok(id)
}

async fn tag_id(
    db: &mut Db<'_>,
    writer: &mut CorpusWriter,
    kind: TagKind,
    name: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let key = (kind.code(), name_key(name));
    if let Some(id) = writer.tags.get(&key) {
        return Ok(*id);
    }
    db.execute(
        &Sql::new(
            "INSERT INTO tags (kind, name, name_key, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (kind, name_key) DO NOTHING",
        )
        .bind(kind.code())
        .bind(name)
        .bind(key.1.as_str())
        .bind(now),
    )
    .await?;
    let (id,): (i64,) = db
        .fetch_one(
            &Sql::new("SELECT id FROM tags WHERE kind = $1 AND name_key = $2")
                .bind(kind.code())
                .bind(key.1.as_str()),
        )
        .await?;
    writer.tags.insert(key, id);
    Ok(id)
}

//! What the search index reads from the store: works hydrated in bulk for indexing (one query
//! per table per batch, never one per work), tag names by id for facet labels, chapter text
//! for highlighted snippets, and the same filters as the index done in plain SQL, which the
//! search tests check facet counts against and the search benchmark uses as its baseline.
//!
//! Drafts and works hidden by an admin are never handed to the index: a changed work that
//! becomes one is simply absent from [`Store::index_works`], which the follower takes as
//! "remove it". Restricted works are indexed with a flag, since logged-in readers see them.

use crate::db::{placeholder_list, Db, Sql, MAX_ARGS};
use crate::{name_key, to_i64, to_u64, Audience, Result, Store, StoreError};
use ajar_core::{html_to_text, TagId, TagKind, WorkId};
use chrono::NaiveDate;
use std::collections::HashMap;

/// A work as the search index sees it: every field it indexes, flat.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexWork {
    pub id: WorkId,
    pub title: String,
    /// (pseud id, name) in credit order.
    pub creators: Vec<(i64, String)>,
    /// Plain text of the summary.
    pub summary: String,
    /// Plain text of the notes at the start and the end.
    pub notes: String,
    /// `ajar_core::Rating::code()`.
    pub rating: String,
    pub language: String,
    /// `None`: not stated; such a work is neither complete nor in progress to filters.
    pub complete: Option<bool>,
    /// Only logged-in readers may find it (`visibility = 'restricted'`).
    pub restricted: bool,
    pub published: NaiveDate,
    pub updated: NaiveDate,
    pub words: u64,
    pub chapters: u64,
    pub hits: u64,
    pub kudos: u64,
    pub comments: u64,
    pub bookmarks: u64,
    /// Every tag's id, the rating, warnings and categories included (names and kinds are
    /// looked up once, with [`Store::all_tags`] / [`Store::tags_by_ids`], not per work).
    pub tag_ids: Vec<TagId>,
    /// The plain text of every chapter, when asked for.
    pub text: Option<String>,
    /// What its text says of the narration (`ajar_core::narration::Person::code`) and the
    /// share of its words in dialogue in thousandths, once worked out.
    pub narration: Option<String>,
    pub dialogue_permille: Option<i64>,
    /// The canon entries it is linked to (spoils, or is about: either gives it away), by
    /// id, for spoiler-aware browsing.
    pub canon: Vec<i64>,
}

/// A tag with its id and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexTag {
    pub id: TagId,
    pub kind: TagKind,
    pub name: String,
}

#[derive(sqlx::FromRow)]
struct IndexRow {
    id: i64,
    title: String,
    summary_html: String,
    notes_html: String,
    end_notes_html: String,
    rating: String,
    language: String,
    complete: Option<bool>,
    visibility: String,
    published: NaiveDate,
    updated: NaiveDate,
    word_count: i64,
    chapter_count: i64,
    hits: i64,
    kudos_count: i64,
    comment_count: i64,
    bookmark_count: i64,
    /// `[[pseud id, name], ...]` in credit order, as JSON.
    creators: Option<String>,
    /// Tag ids joined by commas.
    tag_ids: Option<String>,
    narration: Option<String>,
    dialogue_permille: Option<i64>,
    /// Linked canon entry ids joined by commas.
    canon: Option<String>,
    /// Every chapter's HTML in order, joined by line breaks (when the text is asked for).
    bodies: Option<String>,
}

const INDEX_COLUMNS: &str = "w.id, w.title, w.summary_html, w.notes_html, w.end_notes_html, \
    w.rating, w.language, CASE WHEN w.completion_stated THEN w.complete END AS complete, \
    w.visibility, w.published, w.updated, w.word_count, w.chapter_count, w.hits, \
    w.kudos_count, w.comment_count, w.bookmark_count, w.narration, w.dialogue_permille";

/// The works' columns with their creators, tags and (when `with_text`) chapters folded in,
/// one row per work. A row per creator, tag and chapter would be a dozen rows per work, and
/// SQLite's driver hands each row across threads on its own: at a million works, that
/// hand-over was a tenth of an index rebuild.
fn index_select(db: &Db<'_>, with_text: bool) -> String {
    let (creators, tags, canon) = match db {
        Db::Sqlite(_) => (
            "json_group_array(json_array(p.id, p.name) ORDER BY wc.position)",
            "group_concat(wt.tag_id, ',')",
            "group_concat(DISTINCT k.entry_id)",
        ),
        Db::Postgres(_) => (
            "json_agg(json_build_array(p.id, p.name) ORDER BY wc.position)::text",
            "string_agg(wt.tag_id::text, ',')",
            "string_agg(DISTINCT k.entry_id::text, ',')",
        ),
    };
    let bodies = if with_text {
        let bodies = db.joined("c.body_html", b'\n', "c.position");
        format!("(SELECT {bodies} FROM chapters c WHERE c.work_id = w.id)")
    } else {
        "NULL".to_owned()
    };
    format!(
        "SELECT {INDEX_COLUMNS}, \
         (SELECT {creators} FROM work_creators wc JOIN pseuds p ON p.id = wc.pseud_id \
          WHERE wc.work_id = w.id AND wc.accepted) AS creators, \
         (SELECT {tags} FROM work_tags wt WHERE wt.work_id = w.id) AS tag_ids, \
         (SELECT {canon} FROM work_canon k WHERE k.work_id = w.id) AS canon, \
         {bodies} AS bodies FROM works w"
    )
}

/// The works the index holds: posted (not drafts), not hidden by an admin, and not by
/// suspended accounts alone.
const INDEXED: &str = "w.visibility <> 'draft' AND NOT w.hidden AND NOT w.creators_suspended";

impl Store {
    /// The indexed works (not drafts, not hidden) with ids in `from..to`, lowest id first,
    /// hydrated for indexing: ranges let several readers rebuild the index side by side.
    pub async fn index_works_in(
        &self,
        from: WorkId,
        to: WorkId,
        with_text: bool,
    ) -> Result<Vec<IndexWork>> {
        // One statement: it reads one state of the database without a transaction around it.
        let mut conn = self.pool.conn().await?;
        let mut db = conn.db();
        let sql = Sql::new(format!(
            "{} WHERE w.id >= $1 AND w.id < $2 AND {INDEXED} ORDER BY w.id",
            index_select(&db, with_text)
        ))
        .bind(from.0)
        .bind(to.0);
        let rows: Vec<IndexRow> = db.fetch_all(&sql).await?;
        rows.into_iter().map(|r| index_work(r, with_text)).collect()
    }

    /// The highest work id stored (0 when there is none).
    pub async fn last_work_id(&self) -> Result<WorkId> {
        let mut conn = self.pool.conn().await?;
        let (id,): (i64,) = conn
            .db()
            .fetch_one(&Sql::new("SELECT COALESCE(MAX(id), 0) FROM works"))
            .await?;
        Ok(WorkId(id))
    }

    /// These works hydrated for indexing, in id order; ids that are not stored (deleted
    /// works), drafts and hidden works are left out.
    pub async fn index_works(&self, ids: &[WorkId], with_text: bool) -> Result<Vec<IndexWork>> {
        let mut tx = self.pool.begin_read().await?;
        let mut db = tx.db();
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_ARGS) {
            let mut sql = Sql::new(format!(
                "{} WHERE w.id IN ({}) AND {INDEXED} ORDER BY w.id",
                index_select(&db, with_text),
                placeholder_list(chunk.len(), 1)
            ));
            for id in chunk {
                sql.push(id.0);
            }
            let rows: Vec<IndexRow> = db.fetch_all(&sql).await?;
            for row in rows {
                out.push(index_work(row, with_text)?);
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Tags by id (for labelling facet counts); ids not stored are left out.
    pub async fn tags_by_ids(&self, ids: &[TagId]) -> Result<Vec<IndexTag>> {
        let mut conn = self.pool.conn().await?;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_ARGS) {
            let mut sql = Sql::new(format!(
                "SELECT id, kind, name FROM tags WHERE id IN ({})",
                placeholder_list(chunk.len(), 1)
            ));
            for id in chunk {
                sql.push(id.0);
            }
            let rows: Vec<(i64, String, String)> = conn.db().fetch_all(&sql).await?;
            out.extend(rows.into_iter().filter_map(|(id, kind, name)| {
                TagKind::from_code(&kind).map(|kind| IndexTag {
                    id: TagId(id),
                    kind,
                    name,
                })
            }));
        }
        Ok(out)
    }

    /// Every stored tag (the search index keeps them in memory to label facet counts).
    pub async fn all_tags(&self) -> Result<Vec<IndexTag>> {
        let mut conn = self.pool.conn().await?;
        let rows: Vec<(i64, String, String)> = conn
            .db()
            .fetch_all(&Sql::new("SELECT id, kind, name FROM tags ORDER BY id"))
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, kind, name)| {
                TagKind::from_code(&kind).map(|kind| IndexTag {
                    id: TagId(id),
                    kind,
                    name,
                })
            })
            .collect())
    }

    /// The id of a tag by kind and name (case-insensitively), if stored.
    pub async fn tag_id(&self, kind: TagKind, name: &str) -> Result<Option<TagId>> {
        let mut conn = self.pool.conn().await?;
        let key = name_key(name.trim());
        let sql = Sql::new("SELECT id FROM tags WHERE kind = $1 AND name_key = $2")
            .bind(kind.code())
            .bind(key.as_str());
        let row: Option<(i64,)> = conn.db().fetch_optional(&sql).await?;
        Ok(row.map(|(id,)| TagId(id)))
    }

    /// The plain text of every chapter of these works, chapters joined by blank lines (for
    /// highlighted snippets of the few works a results page shows).
    pub async fn work_texts(&self, ids: &[WorkId]) -> Result<HashMap<WorkId, String>> {
        let mut conn = self.pool.conn().await?;
        let mut out: HashMap<WorkId, String> = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_ARGS) {
            let mut sql = Sql::new(format!(
                "SELECT work_id, body_html FROM chapters WHERE work_id IN ({}) \
                 ORDER BY work_id, position",
                placeholder_list(chunk.len(), 1)
            ));
            for id in chunk {
                sql.push(id.0);
            }
            let rows: Vec<(i64, String)> = conn.db().fetch_all(&sql).await?;
            for (work_id, body) in rows {
                let text = out.entry(WorkId(work_id)).or_default();
                if !text.is_empty() {
                    text.push_str("\n\n");
                }
                text.push_str(&html_to_text(&body));
            }
        }
        Ok(out)
    }

    /// The works matching `filter`, done with SQL alone: the count, one page of ids in the
    /// filter's order, and (when asked) how many matching works carry each tag.
    pub async fn filter_works_sql(&self, filter: &SqlWorkFilter) -> Result<SqlWorkResults> {
        let mut conn = self.pool.conn().await?;
        let mut db = conn.db();
        let (condition, args) = filter.condition();
        let (total,): (i64,) = db
            .fetch_one(&bind(
                &args,
                format!("SELECT COUNT(*) FROM works w WHERE {condition}"),
            ))
            .await?;
        let (column, descending) = filter.sort.column();
        let direction = if descending { "DESC" } else { "ASC" };
        let rows: Vec<(i64,)> = db
            .fetch_all(&bind(
                &args,
                format!(
                    "SELECT w.id FROM works w WHERE {condition} \
                 ORDER BY {column} {direction}, w.id {direction} LIMIT {} OFFSET {}",
                    filter.limit, filter.offset
                ),
            ))
            .await?;
        let facets = if filter.facets {
            let rows: Vec<(i64, i64)> = db
                .fetch_all(&bind(
                    &args,
                    format!(
                        "SELECT COALESCE(t.merger_id, t.id), COUNT(DISTINCT wt.work_id) \
                     FROM work_tags wt JOIN tags t ON t.id = wt.tag_id \
                     WHERE wt.work_id IN (SELECT w.id FROM works w WHERE {condition}) \
                     GROUP BY COALESCE(t.merger_id, t.id)"
                    ),
                ))
                .await?;
            rows.into_iter()
                .map(|(id, n)| Ok((TagId(id), to_u64(n, "a facet count")?)))
                .collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        Ok(SqlWorkResults {
            total: to_u64(total, "a count of works")?,
            ids: rows.into_iter().map(|(id,)| WorkId(id)).collect(),
            facets,
        })
    }
}

/// `text` with `args` bound in order.
fn bind(args: &[SqlArg], text: String) -> Sql<'_> {
    let mut sql = Sql::new(text);
    for arg in args {
        match arg {
            SqlArg::Int(v) => sql.push(*v),
            SqlArg::Text(v) => sql.push(v.as_str()),
            SqlArg::Date(v) => sql.push(*v),
        }
    }
    sql
}

/// Filters for [`Store::filter_works_sql`], by tag id (the kind of a tag needs no saying).
#[derive(Debug, Clone, Default)]
pub struct SqlWorkFilter {
    /// Works carry all of these.
    pub include_tags: Vec<TagId>,
    /// Works carry none of these.
    pub exclude_tags: Vec<TagId>,
    /// Works by any of these pseuds (empty: anyone's).
    pub include_creators: Vec<i64>,
    /// Works by none of these pseuds.
    pub exclude_creators: Vec<i64>,
    /// Works carrying a tag of each of these names (any kind, names compared as the archive
    /// compares them), and none of those.
    pub include_tag_names: Vec<String>,
    pub exclude_tag_names: Vec<String>,
    /// Works by no pseud of these names (muted creators).
    pub exclude_creator_names: Vec<String>,
    /// Works linked to none of these canon entries (what the reader has not seen yet).
    pub unseen_canon: Vec<i64>,
    /// Every one of these archive warnings, by name.
    pub warnings: Vec<String>,
    /// Any of these categories, by name (empty: any).
    pub categories: Vec<String>,
    /// Restricted works count too (a logged-in reader); drafts and hidden works never do.
    pub include_restricted: bool,
    /// Any of these rating codes (empty: any rating).
    pub ratings: Vec<String>,
    pub complete: Option<bool>,
    /// `Some(true)`: two or more fandoms; `Some(false)`: exactly one.
    pub crossover: Option<bool>,
    pub words_min: Option<u64>,
    pub words_max: Option<u64>,
    pub language: Option<String>,
    pub updated_from: Option<NaiveDate>,
    pub updated_to: Option<NaiveDate>,
    pub published_from: Option<NaiveDate>,
    pub published_to: Option<NaiveDate>,
    pub sort: SqlSort,
    pub limit: u32,
    pub offset: u64,
    /// Count tags over the matching works too.
    pub facets: bool,
}

/// Orders for [`SqlWorkFilter`], all descending but title.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SqlSort {
    #[default]
    Updated,
    Published,
    Kudos,
    Hits,
    Bookmarks,
    Comments,
    Words,
    /// The share of dialogue (works not read yet as none).
    Dialogue,
    Title,
}

impl SqlSort {
    fn column(self) -> (&'static str, bool) {
        match self {
            SqlSort::Updated => ("w.updated", true),
            SqlSort::Published => ("w.published", true),
            SqlSort::Kudos => ("w.kudos_count", true),
            SqlSort::Hits => ("w.hits", true),
            SqlSort::Bookmarks => ("w.bookmark_count", true),
            SqlSort::Comments => ("w.comment_count", true),
            SqlSort::Words => ("w.word_count", true),
            SqlSort::Dialogue => ("COALESCE(w.dialogue_permille, 0)", true),
            SqlSort::Title => ("w.title", false),
        }
    }
}

/// What [`Store::filter_works_sql`] found.
#[derive(Debug, Clone, Default)]
pub struct SqlWorkResults {
    pub total: u64,
    pub ids: Vec<WorkId>,
    /// Every tag carried by a matching work, with how many of them carry it (no order).
    pub facets: Vec<(TagId, u64)>,
}

enum SqlArg {
    Int(i64),
    Text(String),
    Date(NaiveDate),
}

impl SqlWorkFilter {
    /// The WHERE condition on `works w` and its arguments, `$1` onwards.
    fn condition(&self) -> (String, Vec<SqlArg>) {
        let audience = if self.include_restricted {
            Audience::Members
        } else {
            Audience::Public
        };
        let mut parts: Vec<String> = vec![audience.listed("w")];
        let mut args: Vec<SqlArg> = Vec::new();
        let arg = |args: &mut Vec<SqlArg>, value: SqlArg| {
            args.push(value);
            format!("${}", args.len())
        };
        if !self.include_creators.is_empty() {
            let list: Vec<String> = self
                .include_creators
                .iter()
                .map(|p| arg(&mut args, SqlArg::Int(*p)))
                .collect();
            parts.push(format!(
                "EXISTS (SELECT 1 FROM work_creators x WHERE x.work_id = w.id AND x.accepted \
                 AND x.pseud_id IN ({}))",
                list.join(", ")
            ));
        }
        // A tag filter takes in the tag's synonyms and sub tags (see `TagGraph::expand`).
        let with_id = |p: &str| {
            format!(
                "EXISTS (SELECT 1 FROM work_tags x WHERE x.work_id = w.id AND x.tag_id IN {})",
                crate::wrangling::tag_id_family_sql(p)
            )
        };
        for tag in &self.include_tags {
            let p = arg(&mut args, SqlArg::Int(tag.0));
            parts.push(with_id(&p));
        }
        for tag in &self.exclude_tags {
            let p = arg(&mut args, SqlArg::Int(tag.0));
            parts.push(format!("NOT {}", with_id(&p)));
        }
        let named = |kind: &str, p: &str| {
            format!(
                "EXISTS (SELECT 1 FROM work_tags x JOIN tags t ON t.id = x.tag_id \
                 WHERE x.work_id = w.id AND {kind}t.name_key = {p})"
            )
        };
        let with_name = |p: &str| {
            format!(
                "EXISTS (SELECT 1 FROM work_tags x WHERE x.work_id = w.id AND x.tag_id IN {})",
                crate::wrangling::tag_family_sql(p)
            )
        };
        for name in &self.include_tag_names {
            let p = arg(&mut args, SqlArg::Text(crate::name_key(name)));
            parts.push(with_name(&p));
        }
        for name in &self.exclude_tag_names {
            let p = arg(&mut args, SqlArg::Text(crate::name_key(name)));
            parts.push(format!("NOT {}", with_name(&p)));
        }
        for name in &self.warnings {
            let p = arg(&mut args, SqlArg::Text(crate::name_key(name)));
            parts.push(named("t.kind = 'warning' AND ", &p));
        }
        if !self.categories.is_empty() {
            let any: Vec<String> = self
                .categories
                .iter()
                .map(|name| {
                    let p = arg(&mut args, SqlArg::Text(crate::name_key(name)));
                    named("t.kind = 'category' AND ", &p)
                })
                .collect();
            parts.push(format!("({})", any.join(" OR ")));
        }
        for name in &self.exclude_creator_names {
            let p = arg(&mut args, SqlArg::Text(crate::name_key(name)));
            parts.push(format!(
                "NOT EXISTS (SELECT 1 FROM work_creators x JOIN pseuds p ON p.id = x.pseud_id \
                 WHERE x.work_id = w.id AND x.accepted AND p.name_key = {p})"
            ));
        }
        for pseud in &self.exclude_creators {
            let p = arg(&mut args, SqlArg::Int(*pseud));
            parts.push(format!(
                "NOT EXISTS (SELECT 1 FROM work_creators x WHERE x.work_id = w.id AND x.accepted \
                 AND x.pseud_id = {p})"
            ));
        }
        if !self.unseen_canon.is_empty() {
            let list: Vec<String> = self
                .unseen_canon
                .iter()
                .map(|e| arg(&mut args, SqlArg::Int(*e)))
                .collect();
            parts.push(format!(
                "NOT EXISTS (SELECT 1 FROM work_canon x WHERE x.work_id = w.id \
                 AND x.entry_id IN ({}))",
                list.join(", ")
            ));
        }
        if !self.ratings.is_empty() {
            let list: Vec<String> = self
                .ratings
                .iter()
                .map(|r| arg(&mut args, SqlArg::Text(r.clone())))
                .collect();
            parts.push(format!("w.rating IN ({})", list.join(", ")));
        }
        if let Some(complete) = self.complete {
            // A work whose completion is not stated is in neither list.
            parts.push(if complete {
                "w.complete AND w.completion_stated".to_owned()
            } else {
                "NOT w.complete AND w.completion_stated".to_owned()
            });
        }
        if let Some(crossover) = self.crossover {
            let op = if crossover { ">" } else { "=" };
            parts.push(format!(
                "(SELECT COUNT(*) FROM work_tags x JOIN tags t ON t.id = x.tag_id \
                 WHERE x.work_id = w.id AND t.kind = 'fandom') {op} 1"
            ));
        }
        if let Some(min) = self.words_min {
            let p = arg(&mut args, SqlArg::Int(to_i64(min)));
            parts.push(format!("w.word_count >= {p}"));
        }
        if let Some(max) = self.words_max {
            let p = arg(&mut args, SqlArg::Int(to_i64(max)));
            parts.push(format!("w.word_count <= {p}"));
        }
        if let Some(language) = &self.language {
            let p = arg(&mut args, SqlArg::Text(language.clone()));
            parts.push(format!("w.language = {p}"));
        }
        if let Some(from) = self.updated_from {
            let p = arg(&mut args, SqlArg::Date(from));
            parts.push(format!("w.updated >= {p}"));
        }
        if let Some(to) = self.updated_to {
            let p = arg(&mut args, SqlArg::Date(to));
            parts.push(format!("w.updated <= {p}"));
        }
        if let Some(from) = self.published_from {
            let p = arg(&mut args, SqlArg::Date(from));
            parts.push(format!("w.published >= {p}"));
        }
        if let Some(to) = self.published_to {
            let p = arg(&mut args, SqlArg::Date(to));
            parts.push(format!("w.published <= {p}"));
        }
        (parts.join(" AND "), args)
    }
}

/// A work row as the index takes it.
fn index_work(r: IndexRow, with_text: bool) -> Result<IndexWork> {
    let mut notes = html_to_text(&r.notes_html);
    if !r.end_notes_html.is_empty() {
        notes.push_str("\n\n");
        notes.push_str(&html_to_text(&r.end_notes_html));
    }
    let creators: Vec<(i64, String)> = match r.creators.as_deref() {
        Some(json) => serde_json::from_str::<Vec<(i64, String)>>(json)
            .map_err(|e| StoreError::Corrupt(format!("the creators of work {}: {e}", r.id)))?,
        None => Vec::new(),
    };
    let ids = |list: Option<&str>| -> Vec<i64> {
        list.unwrap_or("")
            .split(',')
            .filter_map(|id| id.trim().parse::<i64>().ok())
            .collect()
    };
    let tag_ids = ids(r.tag_ids.as_deref()).into_iter().map(TagId).collect();
    let canon = ids(r.canon.as_deref());
    Ok(IndexWork {
        id: WorkId(r.id),
        creators,
        tag_ids,
        text: with_text.then(|| html_to_text(r.bodies.as_deref().unwrap_or(""))),
        title: r.title,
        summary: html_to_text(&r.summary_html),
        notes,
        rating: r.rating,
        language: r.language,
        complete: r.complete,
        restricted: r.visibility == "restricted",
        published: r.published,
        updated: r.updated,
        words: to_u64(r.word_count, "a work's word count")?,
        chapters: to_u64(r.chapter_count, "a work's chapter count")?,
        hits: to_u64(r.hits, "a work's hits")?,
        kudos: to_u64(r.kudos_count, "a work's kudos")?,
        comments: to_u64(r.comment_count, "a work's comment count")?,
        bookmarks: to_u64(r.bookmark_count, "a work's bookmark count")?,
        narration: r.narration,
        dialogue_permille: r.dialogue_permille,
        canon,
    })
}

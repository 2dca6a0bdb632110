//! Canon timelines: each fandom's ordered entries, imported from a CSV file, and the links
//! between works and entries (what a work spoils up to, what it is about). Links are read
//! from a work's own words when it is stored (`ajar_core::canon`), and again for a
//! fandom's works when its timeline is imported; they stay marked inferred until the writer
//! confirms them.

use crate::db::{Db, Sql};
use crate::works::{ensure_tags, now, NewTag};
use crate::{name_key, to_u32, to_u64, Result, Store, StoreError};
use ajar_core::canon::{about, named_entry, relation_label, Entry, SPOILS};
use ajar_core::{html_to_text, TagId, TagKind, TagName, UserId, Work, WorkId};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

/// A canon entry as pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CanonEntry {
    pub id: i64,
    pub fandom_id: TagId,
    pub fandom: TagName,
    pub position: u32,
    pub season: Option<u32>,
    pub number: Option<u32>,
    pub title: String,
    pub aired: Option<NaiveDate>,
}

impl CanonEntry {
    /// "4×13" for an episode, "#7" for an entry known by its order alone.
    pub fn label(&self) -> String {
        match (self.season, self.number) {
            (Some(s), Some(n)) => format!("{s}×{n}"),
            _ => format!("#{}", self.position),
        }
    }

    /// How pages name it: "Gilmore Girls 4×13, “Nag Hammadi Is Where They Found the Gnostic
    /// Gospels”".
    pub fn name(&self) -> String {
        format!("{} {}, “{}”", self.fandom, self.label(), self.title)
    }
}

/// An entry to store, as a timeline file gives it.
#[derive(Debug, Clone)]
pub struct NewCanonEntry<'a> {
    pub fandom: &'a TagName,
    pub position: u32,
    pub season: Option<u32>,
    pub number: Option<u32>,
    pub title: &'a str,
    pub aired: Option<NaiveDate>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonImport {
    pub fandoms: usize,
    pub entries: usize,
    /// Works linked to an entry of these timelines (new links and kept ones).
    pub works_linked: u64,
}

/// A link from a work to an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CanonLink {
    pub entry: CanonEntry,
    /// "spoils", or what the work is about: "rewrite", "missing-scene", "post-episode",
    /// "divergence".
    pub relation: String,
    /// Read from the work's words, not yet confirmed by its writer.
    pub inferred: bool,
}

/// An entry of a timeline with how many works spoil it and are about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEntry {
    pub entry: CanonEntry,
    pub spoiling: u64,
    pub about: u64,
}

/// How far a reader is in the canons they follow, and how works that spoil the rest are
/// shown to them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CanonProgress {
    /// `(fandom, seen up to this position)` (0: none of it yet), by fandom id. A fandom not
    /// named here is not filtered.
    pub seen: Vec<(TagId, u32)>,
    /// Show works that spoil the rest with their summaries hidden, rather than leave them
    /// out.
    pub blur: bool,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    fandom_id: i64,
    fandom: String,
    position: i64,
    season: Option<i64>,
    number: Option<i64>,
    title: String,
    aired: Option<NaiveDate>,
}

const ENTRY_COLUMNS: &str =
    "e.id, e.fandom_id, t.name AS fandom, e.position, e.season, e.number, e.title, e.aired";

impl EntryRow {
    fn into_entry(self) -> Result<CanonEntry> {
        let small = |v: Option<i64>, what| v.map(|v| to_u32(v, what)).transpose();
        Ok(CanonEntry {
            id: self.id,
            fandom_id: TagId(self.fandom_id),
            fandom: TagName::parse(&self.fandom)
                .map_err(|e| StoreError::Corrupt(format!("fandom {:?}: {e}", self.fandom)))?,
            position: to_u32(self.position, "a canon position")?,
            season: small(self.season, "a season")?,
            number: small(self.number, "an episode number")?,
            title: self.title,
            aired: self.aired,
        })
    }
}

/// One canon entry by id.
async fn entry_by_id(db: &mut Db<'_>, id: i64) -> Result<Option<CanonEntry>> {
    let sql = Sql::new(format!(
        "SELECT {ENTRY_COLUMNS} FROM canon_entries e JOIN tags t ON t.id = e.fandom_id \
         WHERE e.id = $1"
    ))
    .bind(id);
    let row: Option<EntryRow> = db.fetch_optional(&sql).await?;
    row.map(EntryRow::into_entry).transpose()
}

/// The entries a work's words may name: its fandoms' timelines, or every timeline when it
/// names no fandom (an entry then links only when it is the one entry, of all timelines,
/// that its words name).
async fn candidates(db: &mut Db<'_>, fandoms: &[i64]) -> Result<Vec<Candidate>> {
    let sql = if fandoms.is_empty() {
        Sql::new("SELECT id, fandom_id, season, number, title FROM canon_entries")
    } else {
        let mut sql = Sql::new(format!(
            "SELECT id, fandom_id, season, number, title FROM canon_entries \
             WHERE fandom_id IN ({})",
            crate::db::placeholder_list(fandoms.len(), 1)
        ));
        for f in fandoms {
            sql.push(*f);
        }
        sql
    };
    db.fetch_all(&sql).await
}

/// Candidate entries as the matcher takes them: id, fandom, season, number, title.
type Candidate = (i64, i64, Option<i64>, Option<i64>, String);

/// Whether a freeform tag speaks of spoilers ("Spoilers for Season 3", "4x13 spoilers"):
/// such tags are read as spoiler lines when the work's own line names nothing.
fn is_spoiler_tag(name: &str) -> bool {
    name.to_lowercase().contains("spoiler")
}

/// A work's freeform tags that speak of spoilers.
fn spoiler_tags(work: &Work) -> Vec<&str> {
    work.tags
        .iter()
        .map(|t| t.as_str())
        .filter(|t| is_spoiler_tag(t))
        .collect()
}

/// The links a work's spoiler line (else its spoiler tags: the latest entry they name) and
/// summary (HTML) name among `rows`: (entry, relation).
fn links_of(
    spoilers: Option<&str>,
    spoiler_tags: &[&str],
    summary_html: &str,
    rows: &[Candidate],
) -> Vec<(i64, &'static str)> {
    if rows.is_empty() {
        return Vec::new();
    }
    let small = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
    let entries: Vec<Entry<'_>> = rows
        .iter()
        .map(|(id, fandom, season, number, title)| Entry {
            id: *id,
            fandom: *fandom,
            season: small(*season),
            number: small(*number),
            title,
        })
        .collect();
    let mut links: Vec<(i64, &'static str)> = Vec::new();
    let from_tags = || {
        spoiler_tags
            .iter()
            .filter_map(|t| named_entry(t, &entries))
            .filter_map(|id| entries.iter().find(|e| e.id == id))
            .max_by_key(|e| (e.season, e.number, e.id))
            .map(|e| e.id)
    };
    if let Some(entry) = spoilers
        .and_then(|s| named_entry(s, &entries))
        .or_else(from_tags)
    {
        links.push((entry, SPOILS));
    }
    if !summary_html.trim().is_empty() {
        if let Some((entry, kind)) = about(&html_to_text(summary_html), &entries) {
            links.push((entry, kind.code()));
            // A re-write of an episode spoils it too, whatever the spoiler line says.
            if !links.iter().any(|(_, r)| *r == SPOILS) {
                links.push((entry, SPOILS));
            }
        }
    }
    links
}

/// Replaces work `id`'s inferred links with `links` (confirmed ones stay).
async fn write_links(
    db: &mut Db<'_>,
    id: i64,
    links: &[(i64, &str)],
    had_inferred: bool,
) -> Result<()> {
    if had_inferred {
        db.execute(&Sql::new("DELETE FROM work_canon WHERE work_id = $1 AND inferred").bind(id))
            .await?;
    }
    for (entry, relation) in links {
        db.execute(
            &Sql::new(
                "INSERT INTO work_canon (work_id, entry_id, relation, inferred) \
                 VALUES ($1, $2, $3, TRUE) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(*entry)
            .bind(*relation),
        )
        .await?;
    }
    Ok(())
}

/// Stores a link as its writer's word (not inferred), or marks one read before as theirs.
async fn confirm_link(db: &mut Db<'_>, work: WorkId, entry: i64, relation: &str) -> Result<()> {
    db.execute(
        &Sql::new(
            "INSERT INTO work_canon (work_id, entry_id, relation, inferred) \
             VALUES ($1, $2, $3, FALSE) ON CONFLICT (work_id, relation, entry_id) \
             DO UPDATE SET inferred = FALSE",
        )
        .bind(work.0)
        .bind(entry)
        .bind(relation),
    )
    .await?;
    Ok(())
}

/// Names a work's page shows at most.
const SHOWN_NAMES: usize = 6;

/// What chapters' bodies (HTML) say of the narration: the person's code, the dialogue share
/// in thousandths, and the names used most, joined by ", " (the minor ones of a short
/// work occur once: Luke and Kyle in the founding story).
pub(crate) fn narration_of<'b>(
    bodies: impl Iterator<Item = &'b str>,
) -> (&'static str, i64, String) {
    let n = ajar_core::narration::analyze_chapters(bodies);
    let permille = (n.dialogue_share.clamp(0.0, 1.0) * 1000.0).round() as i64;
    let names: Vec<&str> = n
        .names
        .iter()
        .take(SHOWN_NAMES)
        .map(|(name, _)| name.as_str())
        .collect();
    (n.person.code(), permille, names.join(", "))
}

/// What work `id`'s stored chapters say of its narration, stored again (after one changed).
pub(crate) async fn restore_narration(db: &mut Db<'_>, id: i64) -> Result<()> {
    let bodies: Vec<(String,)> = db
        .fetch_all(
            &Sql::new("SELECT body_html FROM chapters WHERE work_id = $1 ORDER BY position")
                .bind(id),
        )
        .await?;
    let (person, permille, names) = narration_of(bodies.iter().map(|(b,)| b.as_str()));
    db.execute(
        &Sql::new(
            "UPDATE works SET narration = $1, dialogue_permille = $2, names = $3 WHERE id = $4",
        )
        .bind(person)
        .bind(permille)
        .bind(names.as_str())
        .bind(id),
    )
    .await?;
    Ok(())
}

/// Links a work being stored or edited to the entries its spoiler line (or spoiler tags)
/// and summary name among its fandoms' timelines, replacing the links inferred before
/// (confirmed ones stay).
pub(crate) async fn link_new_work(db: &mut Db<'_>, id: i64, work: &Work) -> Result<()> {
    let fandoms: Vec<i64> = db
        .fetch_all::<(i64,)>(
            &Sql::new(
                "SELECT wt.tag_id FROM work_tags wt JOIN tags t ON t.id = wt.tag_id \
                 WHERE wt.work_id = $1 AND t.kind = 'fandom'",
            )
            .bind(id),
        )
        .await?
        .into_iter()
        .map(|(f,)| f)
        .collect();
    let rows = candidates(db, &fandoms).await?;
    let links = links_of(
        work.spoilers.as_deref(),
        &spoiler_tags(work),
        work.summary.as_str(),
        &rows,
    );
    write_links(db, id, &links, true).await
}

impl Store {
    /// Stores timelines (each fandom's entries by position: an entry at a position already
    /// there is updated, entries past the file's last position are removed), creating
    /// fandom tags that are new, and links every work of those fandoms (and works that name
    /// no fandom) to the entries their words name, calling `progress(done, of)` as it reads
    /// them. One transaction: a failure stores nothing.
    pub async fn import_canon(
        &self,
        entries: &[NewCanonEntry<'_>],
        progress: impl Fn(u64, u64),
    ) -> Result<CanonImport> {
        if entries.is_empty() {
            return Ok(CanonImport {
                fandoms: 0,
                entries: 0,
                works_linked: 0,
            });
        }
        let at = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let tags: Vec<NewTag<'_>> = entries
            .iter()
            .map(|e| NewTag {
                kind: TagKind::Fandom,
                name: e.fandom.as_str(),
                key: name_key(e.fandom.as_str()),
            })
            .collect();
        let ids = ensure_tags(&mut db, &tags, at).await?;
        let mut last: HashMap<i64, i64> = HashMap::new();
        for e in entries {
            let fandom = *ids
                .get(&(TagKind::Fandom.code(), name_key(e.fandom.as_str())))
                .ok_or_else(|| StoreError::Corrupt("a fandom tag was not made".to_owned()))?;
            let position = i64::from(e.position);
            let slot = last.entry(fandom).or_insert(0);
            *slot = (*slot).max(position);
            db.execute(
                &Sql::new(
                    "INSERT INTO canon_entries (fandom_id, position, season, number, title, aired) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (fandom_id, position) DO UPDATE \
                     SET season = excluded.season, number = excluded.number, \
                     title = excluded.title, aired = excluded.aired",
                )
                .bind(fandom)
                .bind(position)
                .bind(e.season.map(i64::from))
                .bind(e.number.map(i64::from))
                .bind(e.title)
                .bind(e.aired),
            )
            .await?;
        }
        for (fandom, end) in &last {
            db.execute(
                &Sql::new("DELETE FROM canon_entries WHERE fandom_id = $1 AND position > $2")
                    .bind(*fandom)
                    .bind(*end),
            )
            .await?;
        }
        // The works these timelines may name: their fandoms', and those with no fandom. Their
        // fandoms are read in one query and the candidate entries once per set of fandoms;
        // a work is written to only when its links change.
        let fandom_ids: Vec<i64> = last.keys().copied().collect();
        let list = crate::db::placeholder_list(fandom_ids.len(), 1);
        let bind_all = |mut sql: Sql<'static>| {
            for f in &fandom_ids {
                sql.push(*f);
            }
            sql
        };
        let works: Vec<(i64, Option<String>, String)> = db
            .fetch_all(&bind_all(Sql::new(format!(
                "SELECT w.id, w.spoilers, w.summary_html FROM works w \
                 WHERE (w.spoilers IS NOT NULL OR w.summary_html <> '' OR EXISTS (SELECT 1 \
                 FROM work_tags st JOIN tags t ON t.id = st.tag_id WHERE st.work_id = w.id \
                 AND t.kind = 'freeform' AND t.name_key LIKE '%spoiler%')) AND (EXISTS (SELECT 1 \
                 FROM work_tags wt WHERE wt.work_id = w.id AND wt.tag_id IN ({list})) OR NOT EXISTS \
                 (SELECT 1 FROM work_tags wt JOIN tags t ON t.id = wt.tag_id \
                 WHERE wt.work_id = w.id AND t.kind = 'fandom')) ORDER BY w.id"
            ))))
            .await?;
        let pairs: Vec<(i64, i64)> = db
            .fetch_all(&bind_all(Sql::new(format!(
                "SELECT wt.work_id, wt.tag_id FROM work_tags wt JOIN tags t ON t.id = wt.tag_id \
                 WHERE t.kind = 'fandom' AND wt.work_id IN \
                 (SELECT f.work_id FROM work_tags f WHERE f.tag_id IN ({list}))"
            ))))
            .await?;
        // Freeform tags that speak of spoilers, by work (few tags, read by name first).
        let tagged: Vec<(i64, String)> = db
            .fetch_all(&Sql::new(
                "SELECT wt.work_id, t.name FROM tags t JOIN work_tags wt ON wt.tag_id = t.id \
                 WHERE t.kind = 'freeform' AND t.name_key LIKE '%spoiler%'",
            ))
            .await?;
        let mut spoiler_tags_of: HashMap<i64, Vec<String>> = HashMap::new();
        for (work, name) in tagged {
            spoiler_tags_of.entry(work).or_default().push(name);
        }
        let mut fandoms_of: HashMap<i64, Vec<i64>> = HashMap::new();
        for (work, fandom) in pairs {
            fandoms_of.entry(work).or_default().push(fandom);
        }
        // The links read before, by work: a work whose links come out the same is not
        // written to (nor indexed again).
        let mut inferred: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
        for (work, entry, relation) in db
            .fetch_all::<(i64, i64, String)>(&Sql::new(
                "SELECT work_id, entry_id, relation FROM work_canon WHERE inferred",
            ))
            .await?
        {
            inferred.entry(work).or_default().push((entry, relation));
        }
        let mut cached: HashMap<Vec<i64>, Vec<Candidate>> = HashMap::new();
        let mut works_linked = 0u64;
        let total = works.len() as u64;
        for (done, (id, spoilers, summary)) in works.into_iter().enumerate() {
            let mut fandoms = fandoms_of.remove(&id).unwrap_or_default();
            fandoms.sort_unstable();
            if !cached.contains_key(&fandoms) {
                let rows = candidates(&mut db, &fandoms).await?;
                cached.insert(fandoms.clone(), rows);
            }
            let rows = cached.get(&fandoms).map(Vec::as_slice).unwrap_or_default();
            let tags: Vec<&str> = spoiler_tags_of
                .get(&id)
                .map(|t| t.iter().map(String::as_str).collect())
                .unwrap_or_default();
            let links = links_of(spoilers.as_deref(), &tags, &summary, rows);
            let mut before = inferred.remove(&id).unwrap_or_default();
            before.sort();
            let mut now_read: Vec<(i64, String)> =
                links.iter().map(|(e, r)| (*e, (*r).to_owned())).collect();
            now_read.sort();
            now_read.dedup();
            if before != now_read {
                write_links(&mut db, id, &links, !before.is_empty()).await?;
                crate::changes::append(&mut db, "work", id, crate::changes::Op::Update, at).await?;
            }
            works_linked += u64::from(!links.is_empty());
            progress(done as u64 + 1, total);
        }
        tx.commit().await?;
        Ok(CanonImport {
            fandoms: last.len(),
            entries: entries.len(),
            works_linked,
        })
    }

    /// A fandom's timeline, in order, with how many works spoil and are about each entry;
    /// empty when it has none.
    pub async fn canon_timeline(&self, fandom: &TagName) -> Result<Vec<TimelineEntry>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            entry: EntryRow,
            spoiling: i64,
            about: i64,
        }
        let key = name_key(fandom.as_str());
        let sql = Sql::new(format!(
            "SELECT {ENTRY_COLUMNS}, \
             (SELECT COUNT(*) FROM work_canon c WHERE c.entry_id = e.id AND c.relation = 'spoils') \
             AS spoiling, \
             (SELECT COUNT(*) FROM work_canon c WHERE c.entry_id = e.id AND c.relation <> 'spoils') \
             AS about \
             FROM canon_entries e JOIN tags t ON t.id = e.fandom_id \
             WHERE t.kind = 'fandom' AND t.name_key = $1 ORDER BY e.position"
        ))
        .bind(key.as_str());
        let mut conn = self.read_conn().await?;
        let rows: Vec<Row> = conn.db().fetch_all(&sql).await?;
        rows.into_iter()
            .map(|r| {
                Ok(TimelineEntry {
                    entry: r.entry.into_entry()?,
                    spoiling: to_u64(r.spoiling, "a count of works")?,
                    about: to_u64(r.about, "a count of works")?,
                })
            })
            .collect()
    }

    /// One canon entry, if there is one with this id.
    pub async fn canon_entry(&self, id: i64) -> Result<Option<CanonEntry>> {
        let mut conn = self.read_conn().await?;
        entry_by_id(&mut conn.db(), id).await
    }

    /// The works linked to entry `id` by `relation` ("spoils", or `None` for what works are
    /// about), newest first, at most `limit` ids (listings check who may see them).
    pub async fn canon_entry_works(
        &self,
        id: i64,
        spoiling: bool,
        limit: u32,
    ) -> Result<Vec<WorkId>> {
        let sql = Sql::new(format!(
            "SELECT c.work_id FROM work_canon c WHERE c.entry_id = $1 AND c.relation {} 'spoils' \
             GROUP BY c.work_id ORDER BY c.work_id DESC LIMIT $2",
            if spoiling { "=" } else { "<>" }
        ))
        .bind(id)
        .bind(i64::from(limit));
        let mut conn = self.read_conn().await?;
        let rows: Vec<(i64,)> = conn.db().fetch_all(&sql).await?;
        Ok(rows.into_iter().map(|(w,)| WorkId(w)).collect())
    }

    /// A work's links to canon entries, in timeline order.
    pub async fn work_canon(&self, work: WorkId) -> Result<Vec<CanonLink>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            entry: EntryRow,
            relation: String,
            inferred: bool,
        }
        let sql = Sql::new(format!(
            "SELECT {ENTRY_COLUMNS}, c.relation, c.inferred FROM work_canon c \
             JOIN canon_entries e ON e.id = c.entry_id JOIN tags t ON t.id = e.fandom_id \
             WHERE c.work_id = $1 ORDER BY t.name_key, e.position, c.relation"
        ))
        .bind(work.0);
        let mut conn = self.read_conn().await?;
        let rows: Vec<Row> = conn.db().fetch_all(&sql).await?;
        rows.into_iter()
            .map(|r| {
                Ok(CanonLink {
                    entry: r.entry.into_entry()?,
                    relation: r.relation,
                    inferred: r.inferred,
                })
            })
            .collect()
    }

    /// The writer's word on a link read from their work: `confirm` keeps it (no longer
    /// inferred, kept when the work is edited), or else it is removed. Returns whether there
    /// was such a link.
    pub async fn settle_canon_link(
        &self,
        work: WorkId,
        entry: i64,
        relation: &str,
        confirm: bool,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let sql = if confirm {
            Sql::new(
                "UPDATE work_canon SET inferred = FALSE \
                 WHERE work_id = $1 AND entry_id = $2 AND relation = $3",
            )
        } else {
            Sql::new(
                "DELETE FROM work_canon WHERE work_id = $1 AND entry_id = $2 AND relation = $3",
            )
        };
        let n = db
            .execute(&sql.bind(work.0).bind(entry).bind(relation))
            .await?;
        if n > 0 {
            crate::changes::append(&mut db, "work", work.0, crate::changes::Op::Update, now())
                .await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    /// The writer's own link from their work to a canon entry (`relation`: "spoils",
    /// "rewrite", "missing-scene", "post-episode" or "divergence"), confirmed. Returns
    /// false, changing nothing, when there is no such entry or relation.
    pub async fn add_canon_link(&self, work: WorkId, entry: i64, relation: &str) -> Result<bool> {
        if relation_label(relation).is_none() {
            return Ok(false);
        }
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let known: Option<(i64,)> = db
            .fetch_optional(&Sql::new("SELECT id FROM canon_entries WHERE id = $1").bind(entry))
            .await?;
        if known.is_none() {
            return Ok(false);
        }
        confirm_link(&mut db, work, entry, relation).await?;
        crate::changes::append(&mut db, "work", work.0, crate::changes::Op::Update, now()).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The links a work's words would make if it were stored now (its spoiler line and
    /// summary against its fandoms' timelines, or every timeline when it names no fandom),
    /// for a writer to see before posting: `(entry, relation)`, nothing written.
    pub async fn read_canon_links(&self, work: &Work) -> Result<Vec<(CanonEntry, &'static str)>> {
        let mut conn = self.pool.conn().await?;
        let mut db = conn.db();
        let keys: Vec<String> = work
            .fandoms
            .iter()
            .map(|f| name_key(f.as_str()))
            .take(crate::db::MAX_ARGS)
            .collect();
        let fandoms: Vec<i64> = if keys.is_empty() {
            Vec::new()
        } else {
            let mut sql = Sql::new(format!(
                "SELECT id FROM tags WHERE kind = 'fandom' AND name_key IN ({})",
                crate::db::placeholder_list(keys.len(), 1)
            ));
            for key in &keys {
                sql.push(key.as_str());
            }
            let rows: Vec<(i64,)> = db.fetch_all(&sql).await?;
            rows.into_iter().map(|(id,)| id).collect()
        };
        // A work whose fandoms have no timeline names none of the others' entries.
        if !keys.is_empty() && fandoms.is_empty() {
            return Ok(Vec::new());
        }
        let rows = candidates(&mut db, &fandoms).await?;
        let spoiler_tags = spoiler_tags(work);
        let links = links_of(
            work.spoilers.as_deref(),
            &spoiler_tags,
            work.summary.as_str(),
            &rows,
        );
        let mut out = Vec::with_capacity(links.len());
        for (entry, relation) in links {
            if let Some(entry) = entry_by_id(&mut db, entry).await? {
                out.push((entry, relation));
            }
        }
        Ok(out)
    }

    /// Many confirmed links at once, in one transaction (a timeline's editor, a bulk
    /// import, a benchmark): `(work, entry, relation)`. A relation not known, or an entry or
    /// work not stored, fails the whole batch and stores nothing. Returns the links stored.
    pub async fn link_canon(&self, links: &[(WorkId, i64, &str)]) -> Result<u64> {
        if let Some((_, _, bad)) = links.iter().find(|(_, _, r)| relation_label(r).is_none()) {
            return Err(StoreError::Conflict(format!(
                "{bad:?} is not a link to canon"
            )));
        }
        let at = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let mut last = None;
        for (work, entry, relation) in links {
            confirm_link(&mut db, *work, *entry, relation).await?;
            if last != Some(work.0) {
                crate::changes::append(&mut db, "work", work.0, crate::changes::Op::Update, at)
                    .await?;
                last = Some(work.0);
            }
        }
        tx.commit().await?;
        Ok(links.len() as u64)
    }

    /// What a work's text says of its narration: the person ("first", "second", "third",
    /// "mixed"), the share of its words in dialogue, and the names it uses most (joined by
    /// ", "; empty when none or not worked out); `None` when not worked out yet.
    pub async fn work_narration(&self, work: WorkId) -> Result<Option<(String, f64, String)>> {
        let mut conn = self.read_conn().await?;
        let row: Option<(Option<String>, Option<i64>, Option<String>)> = conn
            .db()
            .fetch_optional(
                &Sql::new("SELECT narration, dialogue_permille, names FROM works WHERE id = $1")
                    .bind(work.0),
            )
            .await?;
        Ok(match row {
            Some((Some(person), Some(permille), names)) => {
                Some((person, permille as f64 / 1000.0, names.unwrap_or_default()))
            }
            _ => None,
        })
    }

    /// Works out narration, dialogue and names for stored works that have none yet (works
    /// stored before ajar read them), `batch` works a transaction, calling
    /// `progress(done, of)`. Returns how many works it did.
    pub async fn analyze_texts(&self, batch: usize, progress: impl Fn(u64, u64)) -> Result<u64> {
        let total: (i64,) = {
            let mut conn = self.pool.conn().await?;
            conn.db()
                .fetch_one(&Sql::new(
                    "SELECT COUNT(*) FROM works WHERE narration IS NULL OR names IS NULL",
                ))
                .await?
        };
        let total = to_u64(total.0, "a count of works")?;
        let mut done = 0u64;
        let mut after = 0i64;
        loop {
            let mut tx = self.pool.begin_write().await?;
            let mut db = tx.db();
            let ids: Vec<(i64,)> = db
                .fetch_all(
                    &Sql::new(
                        "SELECT id FROM works WHERE id > $1 AND (narration IS NULL OR names IS NULL) \
                         ORDER BY id LIMIT $2",
                    )
                    .bind(after)
                    .bind(batch.max(1) as i64),
                )
                .await?;
            let Some(&(last,)) = ids.last() else {
                break;
            };
            for (id,) in &ids {
                restore_narration(&mut db, *id).await?;
                crate::changes::append(&mut db, "work", *id, crate::changes::Op::Update, now())
                    .await?;
            }
            tx.commit().await?;
            after = last;
            done += ids.len() as u64;
            progress(done.min(total), total);
        }
        Ok(done)
    }

    /// The fandoms that have a timeline, with how many entries each, by name.
    pub async fn canon_fandoms(&self) -> Result<Vec<(TagId, TagName, u64)>> {
        let mut conn = self.read_conn().await?;
        let rows: Vec<(i64, String, i64)> = conn
            .db()
            .fetch_all(&Sql::new(
                "SELECT t.id, t.name, COUNT(*) FROM canon_entries e JOIN tags t ON t.id = e.fandom_id \
                 GROUP BY t.id, t.name, t.name_key ORDER BY t.name_key",
            ))
            .await?;
        rows.into_iter()
            .map(|(id, name, n)| {
                Ok((
                    TagId(id),
                    TagName::parse(&name)
                        .map_err(|e| StoreError::Corrupt(format!("fandom {name:?}: {e}")))?,
                    to_u64(n, "a count of entries")?,
                ))
            })
            .collect()
    }
}

/// Reader progress (spoiler-aware browsing).
impl Store {
    /// How far `user` is in each canon they follow, and whether they blur spoilers.
    pub async fn canon_progress(&self, user: UserId) -> Result<CanonProgress> {
        // One read per listing a logged-in reader opens: the account with its progress rows.
        let mut conn = self.pool.conn().await?;
        let rows: Vec<(bool, Option<i64>, Option<i64>)> = conn
            .db()
            .fetch_all(
                &Sql::new(
                    "SELECT u.blur_spoilers, p.fandom_id, p.position FROM users u \
                     LEFT JOIN canon_progress p ON p.user_id = u.id WHERE u.id = $1 \
                     ORDER BY p.fandom_id",
                )
                .bind(user.0),
            )
            .await?;
        let mut progress = CanonProgress {
            blur: rows.first().is_some_and(|(blur, _, _)| *blur),
            seen: Vec::with_capacity(rows.len()),
        };
        for (_, fandom, position) in rows {
            if let (Some(fandom), Some(position)) = (fandom, position) {
                progress
                    .seen
                    .push((TagId(fandom), to_u32(position, "a canon position")?));
            }
        }
        Ok(progress)
    }

    /// Sets how far `user` is in `fandom`'s canon (`None`: they no longer follow it, and
    /// nothing of it is hidden from them).
    pub async fn set_canon_progress(
        &self,
        user: UserId,
        fandom: TagId,
        seen: Option<u32>,
    ) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        db.execute(
            &Sql::new("DELETE FROM canon_progress WHERE user_id = $1 AND fandom_id = $2")
                .bind(user.0)
                .bind(fandom.0),
        )
        .await?;
        if let Some(position) = seen {
            db.execute(
                &Sql::new(
                    "INSERT INTO canon_progress (user_id, fandom_id, position) VALUES ($1, $2, $3)",
                )
                .bind(user.0)
                .bind(fandom.0)
                .bind(i64::from(position)),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether `user` sees works that spoil what they have not seen blurred (or not at all).
    pub async fn set_spoiler_blur(&self, user: UserId, blur: bool) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        tx.db()
            .execute(
                &Sql::new("UPDATE users SET blur_spoilers = $1 WHERE id = $2")
                    .bind(blur)
                    .bind(user.0),
            )
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The canon entries past each `(fandom, seen up to)`: what such a reader has not seen.
    /// Fandoms without a timeline give none.
    pub async fn unseen_canon(&self, seen: &[(TagId, u32)]) -> Result<Vec<i64>> {
        if seen.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.pool.conn().await?;
        let mut db = conn.db();
        let mut out = Vec::new();
        for chunk in seen.chunks(crate::db::MAX_ARGS / 2) {
            let any: Vec<String> = (0..chunk.len())
                .map(|i| format!("(fandom_id = ${} AND position > ${})", 2 * i + 1, 2 * i + 2))
                .collect();
            let mut sql = Sql::new(format!(
                "SELECT id FROM canon_entries WHERE {} ORDER BY id",
                any.join(" OR ")
            ));
            for (fandom, position) in chunk {
                sql.push(fandom.0);
                sql.push(i64::from(*position));
            }
            let rows: Vec<(i64,)> = db.fetch_all(&sql).await?;
            out.extend(rows.into_iter().map(|(id,)| id));
        }
        Ok(out)
    }

    /// Of `works`, those linked to any of the `unseen` entries, each with the first such
    /// entry in timeline order (what a spoiler warning names).
    pub async fn spoiled_by(
        &self,
        works: &[WorkId],
        unseen: &[i64],
    ) -> Result<HashMap<WorkId, CanonEntry>> {
        let mut out = HashMap::new();
        if works.is_empty() || unseen.is_empty() {
            return Ok(out);
        }
        #[derive(sqlx::FromRow)]
        struct Row {
            work_id: i64,
            #[sqlx(flatten)]
            entry: EntryRow,
        }
        let mut conn = self.pool.conn().await?;
        let mut db = conn.db();
        // The page's works are few; the unseen entries may be many: they are matched here.
        let unseen: std::collections::HashSet<i64> = unseen.iter().copied().collect();
        for chunk in works.chunks(crate::db::MAX_ARGS) {
            let mut sql = Sql::new(format!(
                "SELECT c.work_id, {ENTRY_COLUMNS} FROM work_canon c \
                 JOIN canon_entries e ON e.id = c.entry_id JOIN tags t ON t.id = e.fandom_id \
                 WHERE c.work_id IN ({}) ORDER BY c.work_id, t.name_key, e.position",
                crate::db::placeholder_list(chunk.len(), 1)
            ));
            for w in chunk {
                sql.push(w.0);
            }
            let rows: Vec<Row> = db.fetch_all(&sql).await?;
            for row in rows {
                if unseen.contains(&row.entry.id) && !out.contains_key(&WorkId(row.work_id)) {
                    out.insert(WorkId(row.work_id), row.entry.into_entry()?);
                }
            }
        }
        Ok(out)
    }

    /// A fandom that has a timeline, by tag id, with its number of entries; `None` when it
    /// has none.
    pub async fn canon_fandom(&self, fandom: TagId) -> Result<Option<(TagName, u32)>> {
        let mut conn = self.pool.conn().await?;
        let row: Option<(String, i64)> = conn
            .db()
            .fetch_optional(
                &Sql::new(
                    "SELECT t.name, COUNT(*) FROM canon_entries e JOIN tags t ON t.id = e.fandom_id \
                     WHERE e.fandom_id = $1 GROUP BY t.id, t.name",
                )
                .bind(fandom.0),
            )
            .await?;
        row.map(|(name, n)| {
            Ok((
                TagName::parse(&name)
                    .map_err(|e| StoreError::Corrupt(format!("fandom {name:?}: {e}")))?,
                to_u32(n, "a count of entries")?,
            ))
        })
        .transpose()
    }

    /// The entries of the timelines of a work's fandoms, in order: what its writer may link
    /// it to.
    pub async fn canon_entries_for_work(&self, work: WorkId) -> Result<Vec<CanonEntry>> {
        let sql = Sql::new(format!(
            "SELECT {ENTRY_COLUMNS} FROM canon_entries e JOIN tags t ON t.id = e.fandom_id \
             WHERE e.fandom_id IN (SELECT wt.tag_id FROM work_tags wt WHERE wt.work_id = $1) \
             ORDER BY t.name_key, e.position"
        ))
        .bind(work.0);
        let mut conn = self.pool.conn().await?;
        let rows: Vec<EntryRow> = conn.db().fetch_all(&sql).await?;
        rows.into_iter().map(EntryRow::into_entry).collect()
    }

    /// The entries of the timelines of these fandoms (by tag id), in order, for pickers.
    pub async fn canon_entries_of(&self, fandoms: &[TagId]) -> Result<Vec<(TagId, CanonEntry)>> {
        if fandoms.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(format!(
            "SELECT {ENTRY_COLUMNS} FROM canon_entries e \
             JOIN tags t ON t.id = e.fandom_id WHERE e.fandom_id IN ({}) \
             ORDER BY t.name_key, e.position",
            crate::db::placeholder_list(fandoms.len().min(crate::db::MAX_ARGS), 1)
        ));
        for f in fandoms.iter().take(crate::db::MAX_ARGS) {
            sql.push(f.0);
        }
        let mut conn = self.pool.conn().await?;
        let rows: Vec<EntryRow> = conn.db().fetch_all(&sql).await?;
        rows.into_iter()
            .map(|r| Ok((TagId(r.fandom_id), r.into_entry()?)))
            .collect()
    }
}

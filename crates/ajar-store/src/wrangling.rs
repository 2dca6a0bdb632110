//! Tag wrangling: making tags canonical, folding synonyms into them, giving them parents and
//! meta tags, and the history of every such change. Works keep the tags their writers
//! typed; wrangling changes only the graph between tags, so no work row is rewritten, and
//! one `tag` row of the `changes` feed tells followers (the search index) to re-read it.

use crate::changes::{self, Op};
use crate::db::{Db, Sql};
use crate::works::now;
use crate::{name_key, to_i64, to_u64, Result, Store, StoreError};
use ajar_core::{TagGraph, TagId, TagKind, TagName, UserId};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A tag by id, kind and name: what links between tags show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagRef {
    pub id: TagId,
    pub kind: TagKind,
    pub name: TagName,
}

/// A tag with everything wrangling has said of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagState {
    pub tag: TagRef,
    pub canonical: bool,
    pub unwrangleable: bool,
    /// The canonical tag this one is a synonym of.
    pub merger: Option<TagRef>,
    pub synonyms: Vec<TagRef>,
    /// Its fandoms (and a relationship's characters).
    pub parents: Vec<TagRef>,
    /// The tags it is a parent of.
    pub children: Vec<TagRef>,
    pub metas: Vec<TagRef>,
    pub subs: Vec<TagRef>,
    pub created_at: DateTime<Utc>,
}

impl TagState {
    /// Whether a wrangler has said anything of the tag yet.
    pub fn wrangled(&self) -> bool {
        self.canonical || self.unwrangleable || self.merger.is_some()
    }

    /// The tag's standing in a few words: "canonical", "synonym of X", ...
    pub fn status(&self) -> String {
        if let Some(m) = &self.merger {
            format!("synonym of {}", m.name)
        } else if self.canonical {
            "canonical".to_owned()
        } else if self.unwrangleable {
            "unwrangleable".to_owned()
        } else {
            "not wrangled yet".to_owned()
        }
    }

    /// One line for the history: the status with parents and meta tags.
    fn summary(&self) -> String {
        let names = |list: &[TagRef]| {
            list.iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = format!("{} ({})", self.tag.name, self.status());
        if !self.parents.is_empty() {
            out.push_str("; parents: ");
            out.push_str(&names(&self.parents));
        }
        if !self.metas.is_empty() {
            out.push_str("; meta tags: ");
            out.push_str(&names(&self.metas));
        }
        out
    }
}

/// One thing a wrangler does to a tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wrangle {
    /// Make the tag canonical (or take that back, when nothing hangs on it).
    Canonical(bool),
    /// Mark the tag as one that cannot be wrangled (or take that back).
    Unwrangleable(bool),
    /// Make the tag a synonym of a canonical tag of its kind. A canonical tag made a synonym
    /// is merged: its synonyms, parents, children, meta and sub tags move to the target.
    SynonymOf(TagId),
    /// The tag is no longer a synonym.
    NoSynonym,
    AddParent(TagId),
    RemoveParent(TagId),
    AddMeta(TagId),
    RemoveMeta(TagId),
    /// Rename a canonical tag; its works keep it.
    Rename(TagName),
}

impl Wrangle {
    fn code(&self) -> &'static str {
        match self {
            Wrangle::Canonical(true) => "canonical",
            Wrangle::Canonical(false) => "not canonical",
            Wrangle::Unwrangleable(true) => "unwrangleable",
            Wrangle::Unwrangleable(false) => "wrangleable",
            Wrangle::SynonymOf(_) => "synonym",
            Wrangle::NoSynonym => "no synonym",
            Wrangle::AddParent(_) => "add parent",
            Wrangle::RemoveParent(_) => "remove parent",
            Wrangle::AddMeta(_) => "add meta tag",
            Wrangle::RemoveMeta(_) => "remove meta tag",
            Wrangle::Rename(_) => "rename",
        }
    }
}

/// One change in the wrangling history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WrangleRecord {
    pub tag: TagRef,
    /// The wrangler's account name (`None` once the account is gone).
    pub user: Option<String>,
    pub at: DateTime<Utc>,
    pub action: String,
    pub before: String,
    pub after: String,
}

/// A tag waiting in the wranglers' queue, with how many works carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueuedTag {
    pub tag: TagRef,
    pub works: u64,
    pub created_at: DateTime<Utc>,
}

/// Which tags are waiting to be wrangled, as a condition on `tags t`.
const UNWRANGLED: &str = "NOT t.canonical AND t.merger_id IS NULL AND NOT t.unwrangleable";

/// The ids of every tag a listing of the tag named by the name key in `param` takes in (see
/// `TagGraph::expand`): the tags of that name, the canonical tags they are synonyms of,
/// and from there every synonym and sub tag at any depth. A table expression.
pub(crate) fn tag_family_sql(param: &str) -> String {
    family_of(&format!("name_key = {param}"))
}

/// [`tag_family_sql`] for the tag whose id is in `param`.
pub(crate) fn tag_id_family_sql(param: &str) -> String {
    family_of(&format!("id = {param}"))
}

/// The family of the tags `start` (a condition on `tags`) picks.
fn family_of(start: &str) -> String {
    format!(
        "(WITH RECURSIVE fam(id) AS (\
         SELECT id FROM tags WHERE {start} \
         UNION SELECT COALESCE(merger_id, id) FROM tags WHERE {start} \
         UNION SELECT e.child FROM fam JOIN (\
           SELECT id AS child, merger_id AS parent FROM tags WHERE merger_id IS NOT NULL \
           UNION ALL SELECT sub_id, meta_id FROM tag_meta) e ON e.parent = fam.id) \
         SELECT id FROM fam)"
    )
}

/// Up to how many works a fandom's queue is read from its works' tags (see
/// `Store::unwrangled_tags`).
const FANDOM_WORKS_READ: u64 = 20_000;

/// Kinds wrangling leaves alone.
fn fixed(kind: TagKind) -> bool {
    matches!(kind, TagKind::Rating | TagKind::Warning | TagKind::Category)
}

fn refuse<T>(message: impl Into<String>) -> Result<T> {
    Err(StoreError::Conflict(message.into()))
}

#[derive(sqlx::FromRow)]
struct RefRow {
    id: i64,
    kind: String,
    name: String,
}

impl RefRow {
    fn into_ref(self) -> Result<TagRef> {
        Ok(TagRef {
            id: TagId(self.id),
            kind: TagKind::from_code(&self.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown tag kind {:?}", self.kind)))?,
            name: TagName::parse(&self.name)
                .map_err(|e| StoreError::Corrupt(format!("tag name {:?}: {e}", self.name)))?,
        })
    }
}

fn refs(rows: Vec<RefRow>) -> Result<Vec<TagRef>> {
    rows.into_iter().map(RefRow::into_ref).collect()
}

#[derive(sqlx::FromRow)]
struct StateRow {
    id: i64,
    kind: String,
    name: String,
    canonical: bool,
    unwrangleable: bool,
    merger_id: Option<i64>,
    created_at: DateTime<Utc>,
}

async fn list(db: &mut Db<'_>, sql: &'static str, id: TagId) -> Result<Vec<TagRef>> {
    refs(db.fetch_all(&Sql::new(sql).bind(id.0)).await?)
}

/// The tags linked to tag `id` by rows of `table` (`tag_parents`, `tag_meta`) naming it
/// in column `this`: the tags in column `other`, by kind and name.
async fn linked(
    db: &mut Db<'_>,
    table: &str,
    this: &str,
    other: &str,
    id: TagId,
) -> Result<Vec<TagRef>> {
    let sql = Sql::new(format!(
        "SELECT t.id, t.kind, t.name FROM {table} l JOIN tags t ON t.id = l.{other} \
         WHERE l.{this} = $1 ORDER BY t.kind, t.name_key, t.id"
    ))
    .bind(id.0);
    refs(db.fetch_all(&sql).await?)
}

/// The state of tag `id`, read inside the caller's transaction.
async fn state_of(db: &mut Db<'_>, id: TagId) -> Result<Option<TagState>> {
    let row: Option<StateRow> = db
        .fetch_optional(
            &Sql::new(
                "SELECT id, kind, name, canonical, unwrangleable, merger_id, created_at \
                 FROM tags WHERE id = $1",
            )
            .bind(id.0),
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    let tag = RefRow {
        id: row.id,
        kind: row.kind,
        name: row.name,
    }
    .into_ref()?;
    let merger = match row.merger_id {
        Some(m) => list(
            db,
            "SELECT id, kind, name FROM tags WHERE id = $1",
            TagId(m),
        )
        .await?
        .into_iter()
        .next(),
        None => None,
    };
    Ok(Some(TagState {
        tag,
        canonical: row.canonical,
        unwrangleable: row.unwrangleable,
        merger,
        synonyms: list(
            db,
            "SELECT id, kind, name FROM tags WHERE merger_id = $1 ORDER BY name_key, id",
            id,
        )
        .await?,
        parents: linked(db, "tag_parents", "child_id", "parent_id", id).await?,
        children: linked(db, "tag_parents", "parent_id", "child_id", id).await?,
        metas: linked(db, "tag_meta", "sub_id", "meta_id", id).await?,
        subs: linked(db, "tag_meta", "meta_id", "sub_id", id).await?,
        created_at: row.created_at,
    }))
}

/// The graph of synonyms and meta tags, read inside the caller's transaction.
async fn graph_in(db: &mut Db<'_>) -> Result<TagGraph> {
    let mergers: Vec<(i64, i64)> = db
        .fetch_all(&Sql::new(
            "SELECT id, merger_id FROM tags WHERE merger_id IS NOT NULL",
        ))
        .await?;
    let metas: Vec<(i64, i64)> = db
        .fetch_all(&Sql::new("SELECT meta_id, sub_id FROM tag_meta"))
        .await?;
    Ok(TagGraph::new(
        mergers.into_iter().map(|(s, c)| (TagId(s), TagId(c))),
        metas.into_iter().map(|(m, s)| (TagId(m), TagId(s))),
    ))
}

/// Moves every row of `table` naming `from` in `column` to name `into` (rows `into` already
/// has are dropped).
async fn move_links(
    db: &mut Db<'_>,
    table: &str,
    column: &str,
    other: &str,
    from: TagId,
    into: TagId,
) -> Result<()> {
    db.execute(
        &Sql::new(format!(
            "INSERT INTO {table} ({column}, {other}) SELECT $1, {other} FROM {table} \
             WHERE {column} = $2 AND {other} <> $1 ON CONFLICT DO NOTHING"
        ))
        .bind(into.0)
        .bind(from.0),
    )
    .await?;
    db.execute(&Sql::new(format!("DELETE FROM {table} WHERE {column} = $1")).bind(from.0))
        .await?;
    Ok(())
}

impl Store {
    /// The tag named `name` (case-insensitively) of the first kind that has one, in
    /// [`TagKind::ALL`] order, with its wrangling state.
    pub async fn tag_state(&self, name: &TagName) -> Result<Option<TagState>> {
        let key = name_key(name.as_str());
        let mut tx = self.pool.begin_read().await?;
        let mut db = tx.db();
        let rows: Vec<(i64, String)> = db
            .fetch_all(
                &Sql::new("SELECT id, kind FROM tags WHERE name_key = $1").bind(key.as_str()),
            )
            .await?;
        let first = rows
            .into_iter()
            .filter_map(|(id, kind)| Some((TagKind::from_code(&kind)?, id)))
            .min();
        let state = match first {
            Some((_, id)) => state_of(&mut db, TagId(id)).await?,
            None => None,
        };
        tx.commit().await?;
        Ok(state)
    }

    /// The canonical tag's name when the tag named `name` (of the first kind that has one,
    /// as [`Store::tag_state`] picks it) is a synonym: one indexed read, for the redirect
    /// every view of a tag's pages checks first.
    pub async fn canonical_name_of(&self, name: &TagName) -> Result<Option<TagName>> {
        let key = name_key(name.as_str());
        let mut conn = self.pool.conn().await?;
        let rows: Vec<(String, Option<String>)> = conn
            .db()
            .fetch_all(
                &Sql::new(
                    "SELECT t.kind, c.name FROM tags t LEFT JOIN tags c ON c.id = t.merger_id \
                     WHERE t.name_key = $1",
                )
                .bind(key.as_str()),
            )
            .await?;
        let first = rows
            .into_iter()
            .filter_map(|(kind, canonical)| Some((TagKind::from_code(&kind)?, canonical)))
            .min_by_key(|(kind, _)| *kind);
        first
            .and_then(|(_, canonical)| canonical)
            .map(|n| {
                TagName::parse(&n).map_err(|e| StoreError::Corrupt(format!("tag name {n:?}: {e}")))
            })
            .transpose()
    }

    /// The state of the tag with this id.
    pub async fn tag_state_by_id(&self, id: TagId) -> Result<Option<TagState>> {
        let mut tx = self.pool.begin_read().await?;
        let state = state_of(&mut tx.db(), id).await?;
        tx.commit().await?;
        Ok(state)
    }

    /// The canonical tag of `kind` named `name` (case-insensitively), if there is one.
    pub async fn canonical_tag(&self, kind: TagKind, name: &str) -> Result<Option<TagRef>> {
        let mut conn = self.pool.conn().await?;
        let row: Option<RefRow> = conn
            .db()
            .fetch_optional(
                &Sql::new(
                    "SELECT id, kind, name FROM tags WHERE kind = $1 AND name_key = $2 \
                     AND canonical",
                )
                .bind(kind.code())
                .bind(name_key(name).as_str()),
            )
            .await?;
        row.map(RefRow::into_ref).transpose()
    }

    /// Every canonical tag of `kind` (for suggestions and autocomplete), by name.
    pub async fn canonical_tags(&self, kind: TagKind) -> Result<Vec<TagRef>> {
        let mut conn = self.pool.conn().await?;
        let rows: Vec<RefRow> = conn
            .db()
            .fetch_all(
                &Sql::new(
                    "SELECT id, kind, name FROM tags WHERE kind = $1 AND canonical \
                     ORDER BY name_key, id",
                )
                .bind(kind.code()),
            )
            .await?;
        refs(rows)
    }

    /// Every canonical tag of `kind` with its parent fandoms (the suggester's input).
    pub async fn canonical_tags_with_fandoms(
        &self,
        kind: TagKind,
    ) -> Result<Vec<(TagRef, Vec<TagId>)>> {
        let mut tx = self.pool.begin_read().await?;
        let mut db = tx.db();
        let rows: Vec<RefRow> = db
            .fetch_all(
                &Sql::new(
                    "SELECT id, kind, name FROM tags WHERE kind = $1 AND canonical \
                     ORDER BY name_key, id",
                )
                .bind(kind.code()),
            )
            .await?;
        let parents: Vec<(i64, i64)> = db
            .fetch_all(
                &Sql::new(
                    "SELECT p.child_id, p.parent_id FROM tag_parents p \
                     JOIN tags c ON c.id = p.child_id JOIN tags f ON f.id = p.parent_id \
                     WHERE c.kind = $1 AND f.kind = 'fandom'",
                )
                .bind(kind.code()),
            )
            .await?;
        tx.commit().await?;
        let mut by_child: std::collections::HashMap<i64, Vec<TagId>> =
            std::collections::HashMap::new();
        for (child, parent) in parents {
            by_child.entry(child).or_default().push(TagId(parent));
        }
        rows.into_iter()
            .map(|r| {
                let fandoms = by_child.remove(&r.id).unwrap_or_default();
                Ok((r.into_ref()?, fandoms))
            })
            .collect()
    }

    /// How many works carry tag `id` itself (drafts and hidden works too: what wranglers
    /// weigh).
    pub async fn tag_use_count(&self, id: TagId) -> Result<u64> {
        let mut conn = self.pool.conn().await?;
        let (n,): (i64,) = conn
            .db()
            .fetch_one(&Sql::new("SELECT COUNT(*) FROM work_tags WHERE tag_id = $1").bind(id.0))
            .await?;
        to_u64(n, "a tag's work count")
    }

    /// The graph of synonyms and meta tags (what filters by tag take in).
    pub async fn tag_graph(&self) -> Result<TagGraph> {
        let mut tx = self.pool.begin_read().await?;
        let graph = graph_in(&mut tx.db()).await?;
        tx.commit().await?;
        Ok(graph)
    }

    /// Does `change` to tag `id` as `wrangler`, whole or not at all, with a line in the
    /// history; returns the tag's new state. A change that breaks a rule of the model (a
    /// synonym of a tag that is not canonical, a rating made a synonym, a loop of meta
    /// tags...) is refused with a [`StoreError::Conflict`] that says why, and changes nothing.
    pub async fn wrangle(&self, wrangler: UserId, id: TagId, change: &Wrangle) -> Result<TagState> {
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let before = state_of(&mut db, id)
            .await?
            .ok_or(StoreError::NotFound("tag"))?;
        if fixed(before.tag.kind) {
            return refuse("Ratings, warnings and categories are fixed; they cannot be wrangled.");
        }
        let at = now();
        let mut touched = vec![id];
        match change {
            Wrangle::Canonical(true) => {
                if let Some(m) = &before.merger {
                    return refuse(format!(
                        "\"{}\" is a synonym of \"{}\"; take that back before making it canonical.",
                        before.tag.name, m.name
                    ));
                }
                db.execute(
                    &Sql::new(
                        "UPDATE tags SET canonical = TRUE, unwrangleable = FALSE WHERE id = $1",
                    )
                    .bind(id.0),
                )
                .await?;
            }
            Wrangle::Canonical(false) => {
                if !before.synonyms.is_empty()
                    || !before.subs.is_empty()
                    || !before.metas.is_empty()
                    || !before.children.is_empty()
                    || !before.parents.is_empty()
                {
                    return refuse(format!(
                        "\"{}\" has synonyms, parents, children, meta or sub tags; remove them \
                         first, or make it a synonym of another tag to merge it.",
                        before.tag.name
                    ));
                }
                db.execute(&Sql::new("UPDATE tags SET canonical = FALSE WHERE id = $1").bind(id.0))
                    .await?;
            }
            Wrangle::Unwrangleable(yes) => {
                if *yes && (before.canonical || before.merger.is_some()) {
                    return refuse(format!(
                        "\"{}\" is already wrangled ({}).",
                        before.tag.name,
                        before.status()
                    ));
                }
                db.execute(
                    &Sql::new("UPDATE tags SET unwrangleable = $1 WHERE id = $2")
                        .bind(*yes)
                        .bind(id.0),
                )
                .await?;
            }
            Wrangle::SynonymOf(target) => {
                let into = state_of(&mut db, *target)
                    .await?
                    .ok_or(StoreError::NotFound("tag"))?;
                if into.tag.id == id {
                    return refuse("A tag cannot be a synonym of itself.");
                }
                if into.tag.kind != before.tag.kind {
                    return refuse(format!(
                        "\"{}\" is a {} and \"{}\" a {}; a synonym is of the same kind.",
                        before.tag.name,
                        before.tag.kind.label(),
                        into.tag.name,
                        into.tag.kind.label()
                    ));
                }
                if !into.canonical {
                    return refuse(format!(
                        "\"{}\" is not canonical; make it canonical first.",
                        into.tag.name
                    ));
                }
                if before.canonical {
                    // A merge: everything hanging on this tag moves to the target.
                    db.execute(
                        &Sql::new("UPDATE tags SET merger_id = $1 WHERE merger_id = $2")
                            .bind(target.0)
                            .bind(id.0),
                    )
                    .await?;
                    move_links(&mut db, "tag_parents", "child_id", "parent_id", id, *target)
                        .await?;
                    move_links(&mut db, "tag_parents", "parent_id", "child_id", id, *target)
                        .await?;
                    move_links(&mut db, "tag_meta", "sub_id", "meta_id", id, *target).await?;
                    move_links(&mut db, "tag_meta", "meta_id", "sub_id", id, *target).await?;
                }
                db.execute(
                    &Sql::new(
                        "UPDATE tags SET merger_id = $1, canonical = FALSE, unwrangleable = FALSE \
                         WHERE id = $2",
                    )
                    .bind(target.0)
                    .bind(id.0),
                )
                .await?;
                touched.push(*target);
            }
            Wrangle::NoSynonym => {
                db.execute(&Sql::new("UPDATE tags SET merger_id = NULL WHERE id = $1").bind(id.0))
                    .await?;
            }
            Wrangle::AddParent(parent) => {
                let p = state_of(&mut db, *parent)
                    .await?
                    .ok_or(StoreError::NotFound("tag"))?;
                let fits = match before.tag.kind {
                    TagKind::Character | TagKind::Freeform => p.tag.kind == TagKind::Fandom,
                    TagKind::Relationship => {
                        matches!(p.tag.kind, TagKind::Fandom | TagKind::Character)
                    }
                    _ => false,
                };
                if !fits {
                    return refuse(format!(
                        "A {} cannot have a {} as a parent (characters and freeforms have \
                         fandoms; relationships have fandoms and characters).",
                        before.tag.kind.label(),
                        p.tag.kind.label()
                    ));
                }
                if !before.canonical || !p.canonical {
                    return refuse(
                        "Only canonical tags have parents, and only canonical tags are parents.",
                    );
                }
                db.execute(
                    &Sql::new(
                        "INSERT INTO tag_parents (parent_id, child_id) VALUES ($1, $2) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(parent.0)
                    .bind(id.0),
                )
                .await?;
            }
            Wrangle::RemoveParent(parent) => {
                db.execute(
                    &Sql::new("DELETE FROM tag_parents WHERE parent_id = $1 AND child_id = $2")
                        .bind(parent.0)
                        .bind(id.0),
                )
                .await?;
            }
            Wrangle::AddMeta(meta) => {
                let m = state_of(&mut db, *meta)
                    .await?
                    .ok_or(StoreError::NotFound("tag"))?;
                if m.tag.kind != before.tag.kind || !m.canonical || !before.canonical {
                    return refuse("A meta tag and its sub tags are canonical tags of one kind.");
                }
                // The meta tag must not be the tag or under it already: that would be a loop.
                let graph = graph_in(&mut db).await?;
                if graph.expand(&[id]).contains(meta) {
                    return refuse(format!(
                        "\"{}\" is \"{}\" or one of its sub tags; that would be a loop.",
                        m.tag.name, before.tag.name
                    ));
                }
                db.execute(
                    &Sql::new(
                        "INSERT INTO tag_meta (meta_id, sub_id) VALUES ($1, $2) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(meta.0)
                    .bind(id.0),
                )
                .await?;
                touched.push(*meta);
            }
            Wrangle::RemoveMeta(meta) => {
                db.execute(
                    &Sql::new("DELETE FROM tag_meta WHERE meta_id = $1 AND sub_id = $2")
                        .bind(meta.0)
                        .bind(id.0),
                )
                .await?;
                touched.push(*meta);
            }
            Wrangle::Rename(name) => {
                if !before.canonical {
                    return refuse(
                        "Only canonical tags are renamed; make other spellings synonyms.",
                    );
                }
                let key = name_key(name.as_str());
                let taken: Option<(i64,)> = db
                    .fetch_optional(
                        &Sql::new(
                            "SELECT id FROM tags WHERE kind = $1 AND name_key = $2 AND id <> $3",
                        )
                        .bind(before.tag.kind.code())
                        .bind(key.as_str())
                        .bind(id.0),
                    )
                    .await?;
                if taken.is_some() {
                    return refuse(format!(
                        "There is already a {} called \"{}\"; make this tag its synonym to merge them.",
                        before.tag.kind.label(),
                        name
                    ));
                }
                db.execute(
                    &Sql::new("UPDATE tags SET name = $1, name_key = $2 WHERE id = $3")
                        .bind(name.as_str())
                        .bind(key.as_str())
                        .bind(id.0),
                )
                .await?;
            }
        }
        let after = state_of(&mut db, id)
            .await?
            .ok_or(StoreError::NotFound("tag"))?;
        db.execute(
            &Sql::new(
                "INSERT INTO wrangling_log (tag_id, user_id, at, action, before, after) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id.0)
            .bind(wrangler.0)
            .bind(at)
            .bind(change.code())
            .bind(before.summary().as_str())
            .bind(after.summary().as_str()),
        )
        .await?;
        touched.sort();
        touched.dedup();
        for tag in touched {
            changes::append(&mut db, "tag", tag.0, Op::Update, at).await?;
        }
        tx.commit().await?;
        Ok(after)
    }

    /// The wrangling history of tag `id` (`None`: of every tag), newest first, at most
    /// `limit`.
    pub async fn wrangling_history(
        &self,
        id: Option<TagId>,
        limit: u32,
    ) -> Result<Vec<WrangleRecord>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            tag: RefRow,
            user_name: Option<String>,
            at: DateTime<Utc>,
            action: String,
            before: String,
            after: String,
        }
        let sql =
            Sql::new(format!(
            "SELECT t.id, t.kind, t.name, u.name AS user_name, l.at, l.action, l.before, l.after \
             FROM wrangling_log l JOIN tags t ON t.id = l.tag_id \
             LEFT JOIN users u ON u.id = l.user_id {} ORDER BY l.id DESC LIMIT $1",
            if id.is_some() { "WHERE l.tag_id = $2" } else { "" }
        ))
            .bind(i64::from(limit));
        let sql = match id {
            Some(id) => sql.bind(id.0),
            None => sql,
        };
        let mut conn = self.pool.conn().await?;
        let rows: Vec<Row> = conn.db().fetch_all(&sql).await?;
        rows.into_iter()
            .map(|r| {
                Ok(WrangleRecord {
                    tag: r.tag.into_ref()?,
                    user: r.user_name,
                    at: r.at,
                    action: r.action,
                    before: r.before,
                    after: r.after,
                })
            })
            .collect()
    }

    /// Tags nobody has wrangled yet, oldest first, with how many works carry each: those on
    /// works of `fandom` when given (the fandom's own queue), else every one. At most `limit`
    /// from `offset`.
    pub async fn unwrangled_tags(
        &self,
        fandom: Option<TagId>,
        limit: u32,
        offset: u64,
    ) -> Result<Vec<QueuedTag>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            tag: RefRow,
            created_at: DateTime<Utc>,
            works: i64,
        }
        // A big fandom's tags are found from the queue's side (the oldest unwrangled tags,
        // each checked for a work of the fandom, found at once for a common tag); a small
        // fandom's from its works (checking every unwrangled tag took 2.5 s for a fandom of
        // two works at a million works).
        let fandom_works = match fandom {
            Some(f) => self.tag_use_count(f).await?,
            None => 0,
        };
        let in_fandom = match fandom {
            None => "",
            Some(_) if fandom_works <= FANDOM_WORKS_READ => {
                "AND t.kind <> 'fandom' AND t.id IN (SELECT a.tag_id FROM work_tags f \
                 JOIN work_tags a ON a.work_id = f.work_id WHERE f.tag_id = $3)"
            }
            Some(_) => {
                "AND t.kind <> 'fandom' AND EXISTS (SELECT 1 FROM work_tags a \
                 JOIN work_tags f ON f.work_id = a.work_id WHERE a.tag_id = t.id AND f.tag_id = $3)"
            }
        };
        let sql = Sql::new(format!(
            "SELECT t.id, t.kind, t.name, t.created_at, \
             (SELECT COUNT(*) FROM work_tags wt WHERE wt.tag_id = t.id) AS works \
             FROM tags t WHERE {UNWRANGLED} {in_fandom} \
             ORDER BY t.created_at, t.id LIMIT $1 OFFSET $2"
        ))
        .bind(i64::from(limit))
        .bind(to_i64(offset));
        let sql = match fandom {
            Some(f) => sql.bind(f.0),
            None => sql,
        };
        let mut conn = self.pool.conn().await?;
        let rows: Vec<Row> = conn.db().fetch_all(&sql).await?;
        rows.into_iter()
            .map(|r| {
                Ok(QueuedTag {
                    tag: r.tag.into_ref()?,
                    works: to_u64(r.works, "a tag's work count")?,
                    created_at: r.created_at,
                })
            })
            .collect()
    }

    /// The canonical tags that most often share works with tag `id`, of `kind`, with how many
    /// works they share: what a tag is likely to be, when its spelling says nothing.
    /// Reads at most `sample` of the tag's works.
    pub async fn co_occurring_canonical(
        &self,
        id: TagId,
        kind: TagKind,
        sample: u32,
        limit: u32,
    ) -> Result<Vec<(TagRef, u64)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            tag: RefRow,
            shared: i64,
        }
        let sql = Sql::new(
            "SELECT t.id, t.kind, t.name, COUNT(*) AS shared FROM \
             (SELECT work_id FROM work_tags WHERE tag_id = $1 LIMIT $2) w \
             JOIN work_tags o ON o.work_id = w.work_id JOIN tags t ON t.id = o.tag_id \
             WHERE t.kind = $3 AND t.canonical AND t.id <> $1 \
             GROUP BY t.id, t.kind, t.name ORDER BY shared DESC, t.id LIMIT $4",
        )
        .bind(id.0)
        .bind(i64::from(sample))
        .bind(kind.code())
        .bind(i64::from(limit));
        let mut conn = self.pool.conn().await?;
        let rows: Vec<Row> = conn.db().fetch_all(&sql).await?;
        rows.into_iter()
            .map(|r| {
                Ok((
                    r.tag.into_ref()?,
                    to_u64(r.shared, "a count of shared works")?,
                ))
            })
            .collect()
    }

    /// Assigns (or, with `assigned` false, unassigns) wrangler `user` to `fandom`.
    pub async fn assign_wrangler(&self, user: UserId, fandom: TagId, assigned: bool) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let sql = if assigned {
            Sql::new(
                "INSERT INTO wrangler_fandoms (user_id, fandom_id) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
        } else {
            Sql::new("DELETE FROM wrangler_fandoms WHERE user_id = $1 AND fandom_id = $2")
        };
        db.execute(&sql.bind(user.0).bind(fandom.0)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The fandoms wrangler `user` is assigned to, by name.
    pub async fn wrangler_fandoms(&self, user: UserId) -> Result<Vec<TagRef>> {
        let mut conn = self.pool.conn().await?;
        let rows: Vec<RefRow> = conn
            .db()
            .fetch_all(
                &Sql::new(
                    "SELECT t.id, t.kind, t.name FROM wrangler_fandoms w \
                     JOIN tags t ON t.id = w.fandom_id WHERE w.user_id = $1 ORDER BY t.name_key",
                )
                .bind(user.0),
            )
            .await?;
        refs(rows)
    }
}

//! Tag wrangling as wranglers and admins do it, from the wrangling pages, the API and mass
//! actions alike: the queue of unwrangled tags with a suggestion for each, one change to
//! one tag, a change to many, and the history. Every function that changes or shows
//! wrangling work asks [`require_wrangler`] first; what a tag is (canonical, its synonyms,
//! parents, meta and sub tags) is public, as on its page.

use crate::auth::Ctx;
use crate::{AppState, Error};
use ajar_core::suggest::{CanonicalTag, Suggester};
use ajar_core::{Role, TagId, TagKind, TagName, UserId};
use ajar_store::{QueuedTag, StoreError, TagRef, TagState, Wrangle, WrangleRecord};
use std::collections::HashMap;

/// Tags a queue page shows.
pub(crate) const QUEUE_PAGE: u32 = 50;
/// The most tags one mass action changes.
pub(crate) const MAX_MASS: usize = 200;
/// Works read per tag to find the canonical tags it shares works with.
const CO_OCCURRENCE_SAMPLE: u32 = 500;

/// Whether the viewer may wrangle (wranglers and admins).
pub(crate) fn may_wrangle(ctx: &Ctx) -> bool {
    ctx.viewer
        .account()
        .is_some_and(|a| matches!(a.role, Role::Wrangler | Role::Admin))
}

/// The viewer's account when it may wrangle; 403 otherwise (guests are told to log in).
pub(crate) fn require_wrangler(ctx: &Ctx) -> Result<UserId, Error> {
    let account = ctx.require_user()?;
    if matches!(account.role, Role::Wrangler | Role::Admin) {
        Ok(account.id)
    } else {
        Err(Error::Forbidden(
            "Only tag wranglers and admins can wrangle tags.".to_owned(),
        ))
    }
}

/// What a tag is, for anyone: not found when no tag has the name.
pub(crate) async fn tag_state(state: &AppState, name: &TagName) -> Result<TagState, Error> {
    state.store.tag_state(name).await?.ok_or(Error::NotFound)
}

/// The canonical tag's name when the tag named `name` is a synonym (its pages send readers
/// there), else `None`.
pub(crate) async fn canonical_name(
    state: &AppState,
    name: &TagName,
) -> Result<Option<TagName>, Error> {
    Ok(state.store.canonical_name_of(name).await?)
}

/// One change, as a form or the API names it: the action and, for actions about another
/// tag, that tag's name.
#[derive(Debug, Clone)]
pub(crate) struct WrangleRequest {
    pub(crate) action: String,
    pub(crate) target: String,
}

/// Every action's name, as forms and the API send it.
pub(crate) const ACTIONS: [&str; 13] = [
    "canonical",
    "not-canonical",
    "unwrangleable",
    "wrangleable",
    "synonym",
    "no-synonym",
    "add-parent",
    "remove-parent",
    "add-meta",
    "remove-meta",
    "add-sub",
    "remove-sub",
    "rename",
];

/// The id of the tag of a kind in `kinds` (first found in that order) named `name`.
async fn named(
    state: &AppState,
    name: &str,
    kinds: &[TagKind],
    what: &str,
) -> Result<TagId, Error> {
    let parsed = TagName::parse(name.trim())
        .map_err(|_| Error::Invalid(vec![format!("Name the {what}.")]))?;
    for kind in kinds {
        if let Some(id) = state.store.tag_id(*kind, parsed.as_str()).await? {
            return Ok(id);
        }
    }
    Err(Error::Invalid(vec![format!(
        "There is no {} called \"{}\" to use as the {what}.",
        kinds
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join(" or "),
        parsed
    )]))
}

/// The change a request asks of `tag`, with the other tag it names looked up, and the tag it
/// is made to: `tag` itself, or for a sub tag added or removed, that sub tag (whose meta tag
/// `tag` becomes, or stops being).
async fn change_of(
    state: &AppState,
    tag: &TagState,
    request: &WrangleRequest,
) -> Result<(TagId, Wrangle), Error> {
    let kind = tag.tag.kind;
    let parent_kinds: &[TagKind] = if kind == TagKind::Relationship {
        &[TagKind::Fandom, TagKind::Character]
    } else {
        &[TagKind::Fandom]
    };
    match request.action.as_str() {
        "add-sub" => {
            let sub = named(state, &request.target, &[kind], "sub tag").await?;
            return Ok((sub, Wrangle::AddMeta(tag.tag.id)));
        }
        "remove-sub" => {
            let sub = named(state, &request.target, &[kind], "sub tag").await?;
            return Ok((sub, Wrangle::RemoveMeta(tag.tag.id)));
        }
        _ => {}
    }
    let change = match request.action.as_str() {
        "canonical" => Wrangle::Canonical(true),
        "not-canonical" => Wrangle::Canonical(false),
        "unwrangleable" => Wrangle::Unwrangleable(true),
        "wrangleable" => Wrangle::Unwrangleable(false),
        "synonym" => {
            Wrangle::SynonymOf(named(state, &request.target, &[kind], "canonical tag").await?)
        }
        "no-synonym" => Wrangle::NoSynonym,
        "add-parent" => {
            Wrangle::AddParent(named(state, &request.target, parent_kinds, "parent").await?)
        }
        "remove-parent" => {
            Wrangle::RemoveParent(named(state, &request.target, parent_kinds, "parent").await?)
        }
        "add-meta" => Wrangle::AddMeta(named(state, &request.target, &[kind], "meta tag").await?),
        "remove-meta" => {
            Wrangle::RemoveMeta(named(state, &request.target, &[kind], "meta tag").await?)
        }
        "rename" => Wrangle::Rename(
            TagName::parse(request.target.trim())
                .map_err(|e| Error::Invalid(vec![format!("The new name cannot be used: {e}.")]))?,
        ),
        other => {
            return Err(Error::Invalid(vec![format!(
                "\"{other}\" is not a wrangling action; use one of: {}.",
                ACTIONS.join(", ")
            )]))
        }
    };
    Ok((tag.tag.id, change))
}

fn refused(e: StoreError) -> Error {
    match e {
        StoreError::NotFound(_) => Error::NotFound,
        other => super::refusal(other),
    }
}

/// Does one change to the tag named `name` as the viewer (a wrangler); answers its new
/// state. Refused changes (a rule of the model broken, an unknown target) change nothing.
pub(crate) async fn wrangle(
    state: &AppState,
    ctx: &Ctx,
    name: &TagName,
    request: &WrangleRequest,
) -> Result<TagState, Error> {
    let wrangler = require_wrangler(ctx)?;
    let tag = tag_state(state, name).await?;
    let (target, change) = change_of(state, &tag, request).await?;
    let after = state
        .store
        .wrangle(wrangler, target, &change)
        .await
        .map_err(refused)?;
    if let Some(search) = state.search.get() {
        search.notify_changed();
    }
    if target == tag.tag.id {
        return Ok(after);
    }
    state
        .store
        .tag_state_by_id(tag.tag.id)
        .await?
        .ok_or(Error::NotFound)
}

/// What a mass action did: the tags changed, and each refusal with its tag.
pub(crate) struct MassOutcome {
    pub(crate) changed: Vec<String>,
    pub(crate) refused: Vec<String>,
}

/// Does one change to each of the tags named in `names` (one per line), each in its own
/// transaction: a tag whose change is refused is reported and the rest go on.
pub(crate) async fn wrangle_many(
    state: &AppState,
    ctx: &Ctx,
    names: &str,
    request: &WrangleRequest,
) -> Result<MassOutcome, Error> {
    require_wrangler(ctx)?;
    let names: Vec<&str> = names
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if names.is_empty() {
        return Err(Error::Invalid(vec![
            "List the tags to change, one per line.".to_owned(),
        ]));
    }
    if names.len() > MAX_MASS {
        return Err(Error::Invalid(vec![format!(
            "At most {MAX_MASS} tags at once."
        )]));
    }
    let mut outcome = MassOutcome {
        changed: Vec::new(),
        refused: Vec::new(),
    };
    for line in names {
        let result = match TagName::parse(line) {
            Ok(name) => wrangle(state, ctx, &name, request).await.map(|_| ()),
            Err(e) => Err(Error::Invalid(vec![format!("{e}")])),
        };
        match result {
            Ok(()) => outcome.changed.push(line.to_owned()),
            Err(Error::NotFound) => outcome
                .refused
                .push(format!("{line}: there is no such tag.")),
            Err(Error::Invalid(why)) => outcome.refused.push(format!("{line}: {}", why.join(" "))),
            Err(other) => return Err(other),
        }
    }
    Ok(outcome)
}

/// The wrangling history of the tag named `name` (wranglers only), newest first.
pub(crate) async fn history(
    state: &AppState,
    ctx: &Ctx,
    name: &TagName,
    limit: u32,
) -> Result<Vec<WrangleRecord>, Error> {
    require_wrangler(ctx)?;
    let tag = tag_state(state, name).await?;
    Ok(state
        .store
        .wrangling_history(Some(tag.tag.id), limit)
        .await?)
}

/// A suggested canonical tag for a queued tag, and why.
#[derive(Debug, Clone)]
pub(crate) struct Suggested {
    pub(crate) tag: TagRef,
    pub(crate) why: String,
}

/// A queued tag with its suggestion.
pub(crate) struct QueueEntry {
    pub(crate) queued: QueuedTag,
    pub(crate) suggestion: Option<Suggested>,
}

/// A page of the wranglers' queue.
pub(crate) struct Queue {
    /// The fandom whose queue this is (`None`: every unwrangled tag).
    pub(crate) fandom: Option<TagRef>,
    /// The fandoms the wrangler is assigned to.
    pub(crate) assigned: Vec<TagRef>,
    pub(crate) entries: Vec<QueueEntry>,
    pub(crate) page: u64,
    pub(crate) more: bool,
}

/// Canonical tags of the kinds suggestions are made for, indexed once per queue page, and
/// the same tags by id (to show what a suggestion names).
async fn suggester(state: &AppState) -> Result<(Suggester, HashMap<TagId, TagRef>), Error> {
    let mut tags = Vec::new();
    let mut names = HashMap::new();
    for kind in [
        TagKind::Fandom,
        TagKind::Character,
        TagKind::Relationship,
        TagKind::Freeform,
    ] {
        for (tag, fandoms) in state.store.canonical_tags_with_fandoms(kind).await? {
            tags.push(CanonicalTag {
                id: tag.id,
                kind: tag.kind,
                name: tag.name.as_str().to_owned(),
                fandoms,
            });
            names.insert(tag.id, tag);
        }
    }
    Ok((Suggester::new(tags), names))
}

/// The likely canonical tag of `tag`: by spelling and people (see `ajar_core::suggest`),
/// else the canonical tag of its kind that most of its works carry too.
async fn suggestion_for(
    state: &AppState,
    suggester: &Suggester,
    names: &HashMap<TagId, TagRef>,
    queued: &QueuedTag,
    fandom: Option<ajar_core::TagId>,
) -> Result<Option<Suggested>, Error> {
    let tag = &queued.tag;
    if let Some(s) = suggester.suggest(tag.kind, tag.name.as_str(), fandom) {
        if let Some(t) = names.get(&s.id) {
            return Ok(Some(Suggested {
                tag: t.clone(),
                why: s.reason.describe().to_owned(),
            }));
        }
    }
    if queued.works < 2 || tag.kind == TagKind::Fandom {
        return Ok(None);
    }
    let shared = state
        .store
        .co_occurring_canonical(tag.id, tag.kind, CO_OCCURRENCE_SAMPLE, 1)
        .await?;
    let sampled = queued.works.min(u64::from(CO_OCCURRENCE_SAMPLE));
    Ok(shared
        .into_iter()
        .next()
        .filter(|(_, n)| n * 2 > sampled)
        .map(|(t, n)| Suggested {
            tag: t,
            why: format!("used together on {n} of its {sampled} works"),
        }))
}

/// The `page`th page (from 1) of the queue: of `fandom` when named, else of the whole
/// archive, oldest first, each tag with how many works carry it and a suggestion.
pub(crate) async fn queue(
    state: &AppState,
    ctx: &Ctx,
    fandom: Option<&TagName>,
    page: u64,
) -> Result<Queue, Error> {
    let wrangler = require_wrangler(ctx)?;
    let fandom = match fandom {
        Some(name) => Some(
            state
                .store
                .tag_state(name)
                .await?
                .filter(|s| s.tag.kind == TagKind::Fandom)
                .map(|s| s.tag)
                .ok_or(Error::NotFound)?,
        ),
        None => None,
    };
    let page = page.max(1);
    let offset = (page - 1).saturating_mul(u64::from(QUEUE_PAGE));
    let mut queued = state
        .store
        .unwrangled_tags(fandom.as_ref().map(|f| f.id), QUEUE_PAGE + 1, offset)
        .await?;
    let more = queued.len() > QUEUE_PAGE as usize;
    queued.truncate(QUEUE_PAGE as usize);
    let (suggester, names) = suggester(state).await?;
    let mut entries = Vec::with_capacity(queued.len());
    for q in queued {
        let suggestion =
            suggestion_for(state, &suggester, &names, &q, fandom.as_ref().map(|f| f.id)).await?;
        entries.push(QueueEntry {
            queued: q,
            suggestion,
        });
    }
    Ok(Queue {
        fandom,
        assigned: state.store.wrangler_fandoms(wrangler).await?,
        entries,
        page,
        more,
    })
}

/// The suggestion for one tag (its edit page), in the fandom its works mostly have.
pub(crate) async fn suggestion(
    state: &AppState,
    ctx: &Ctx,
    tag: &TagState,
) -> Result<Option<Suggested>, Error> {
    require_wrangler(ctx)?;
    if tag.wrangled() {
        return Ok(None);
    }
    let fandom = state
        .store
        .co_occurring_canonical(tag.tag.id, TagKind::Fandom, CO_OCCURRENCE_SAMPLE, 1)
        .await?
        .into_iter()
        .next()
        .map(|(f, _)| f.id);
    let works = state.store.tag_use_count(tag.tag.id).await?;
    let (suggester, names) = suggester(state).await?;
    let queued = QueuedTag {
        tag: tag.tag.clone(),
        works,
        created_at: tag.created_at,
    };
    suggestion_for(state, &suggester, &names, &queued, fandom).await
}

/// Assigns the viewer (a wrangler) to the fandom named `name`, or takes them off it.
pub(crate) async fn assign(
    state: &AppState,
    ctx: &Ctx,
    name: &TagName,
    assigned: bool,
) -> Result<(), Error> {
    let wrangler = require_wrangler(ctx)?;
    let fandom = state
        .store
        .tag_state(name)
        .await?
        .filter(|s| s.tag.kind == TagKind::Fandom)
        .ok_or(Error::NotFound)?;
    state
        .store
        .assign_wrangler(wrangler, fandom.tag.id, assigned)
        .await?;
    Ok(())
}

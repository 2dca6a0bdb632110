//! Posting, editing and deleting works.

use super::refusal;
use crate::access::OwnedWork;
use crate::auth::Ctx;
use crate::posting::form::WorkForm;
use crate::ratelimit::Action;
use crate::{AppState, Error};
use ajar_core::{Account, PseudId, Visibility, Work, WorkId};
use ajar_store::WorkEdit;

/// A new work, as its poster typed it.
pub(crate) struct NewWork {
    pub(crate) form: WorkForm,
    /// Kept as a draft (seen only by its creators) whatever the form's visibility says.
    pub(crate) draft: bool,
}

/// A new work that passed every check: the work, and the poster's pseuds it goes under.
pub(crate) struct CheckedWork {
    pub(crate) work: Work,
    pub(crate) pseuds: Vec<ajar_store::Pseud>,
}

/// The names in a comma-separated field.
pub(crate) fn names(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What is wrong with a form's gift and co-creator names, checked before anything is saved.
async fn check_people(
    state: &AppState,
    account: &Account,
    form: &WorkForm,
) -> Result<Vec<String>, Error> {
    let mut errors = Vec::new();
    // A name is quoted back at most this long: a refusal never echoes a huge field.
    let quoted = |name: &str| crate::views::excerpt(name, 60);
    for name in names(&form.gifts) {
        if state.store.user_by_name(&name).await?.is_none() {
            let name = quoted(&name);
            errors.push(format!("Gift to: there is no user named “{name}”."));
        }
    }
    for name in names(&form.co_creators) {
        let found = state.store.pseud_by_name(&name).await?;
        let name = quoted(&name);
        match found {
            Some(p) if p.user_id == Some(account.id) => errors.push(format!(
                "Co-creators: “{name}” is one of your own pseuds; choose it as a creator instead."
            )),
            Some(p) if p.user_id.is_some() => {}
            _ => errors.push(format!(
                "Co-creators: there is no account with the pseud “{name}”."
            )),
        }
    }
    Ok(errors)
}

/// Checks a new work without saving it (what a preview shows): every field, the creators
/// (the poster's own pseuds), gift and co-creator names. `Error::Invalid` lists every
/// problem at once.
pub(crate) async fn check_new(
    state: &AppState,
    ctx: &Ctx,
    form: &WorkForm,
) -> Result<CheckedWork, Error> {
    let account = ctx.require_user()?;
    let pseuds: Vec<ajar_store::Pseud> = state
        .store
        .pseuds_of(account.id)
        .await?
        .into_iter()
        .filter(|p| form.pseuds.contains(&p.id.0))
        .collect();
    let (work, mut errors) = match form.to_work(true) {
        Ok(work) => (Some(work), Vec::new()),
        Err(errors) => (None, errors),
    };
    if pseuds.is_empty() {
        errors.insert(0, "Creator: choose at least one of your pseuds.".to_owned());
    }
    errors.extend(check_people(state, account, form).await?);
    match work {
        Some(work) if errors.is_empty() => Ok(CheckedWork { work, pseuds }),
        _ => Err(Error::Invalid(errors)),
    }
}

/// Posts a new work (or saves it as a draft), with its chapters, tags, series, gifts and
/// co-creator invitations in one transaction, then keeps its texts as written.
/// Rate-limited per account.
pub(crate) async fn post(state: &AppState, ctx: &Ctx, new: &NewWork) -> Result<WorkId, Error> {
    let account = ctx.require_user()?;
    let checked = check_new(state, ctx, &new.form).await?;
    state.limits.check(Action::Post, &ctx.actor_key())?;
    let form = &new.form;
    let visibility = if new.draft {
        Visibility::Draft
    } else {
        form.visibility()
    };
    let pseud_ids: Vec<PseudId> = checked.pseuds.iter().map(|p| p.id).collect();
    let id = state
        .store
        .post_work_for(
            account.id,
            &pseud_ids,
            &checked.work,
            visibility,
            form.comment_policy(),
            &names(&form.gifts),
            &names(&form.co_creators),
        )
        .await
        .map_err(refusal)?;
    state.limits.record(Action::Post, &ctx.actor_key());
    keep_sources(state, id, form).await?;
    Ok(id)
}

/// Keeps a new work's texts as written (Markdown, plain text), for its edit forms.
async fn keep_sources(state: &AppState, id: WorkId, form: &WorkForm) -> Result<(), Error> {
    if let Some(source) = form.source() {
        state.store.set_work_source(id, Some(&source)).await?;
    }
    if let Some(source) = form.first_chapter_source() {
        state.store.set_chapter_source(id, 1, Some(&source)).await?;
    }
    let first_later = 2 + form.more_chapters.len();
    for (i, later) in form.later_chapters.iter().enumerate() {
        if let (Some(source), Ok(position)) = (later.source(), u32::try_from(first_later + i)) {
            state
                .store
                .set_chapter_source(id, position, Some(&source))
                .await?;
        }
    }
    Ok(())
}

/// A change to a work's metadata and notes (not its chapters).
pub(crate) struct WorkChange {
    pub(crate) form: WorkForm,
    /// Posts the work if it is a draft (the edit form's "Post" button); a draft otherwise
    /// stays one.
    pub(crate) post_draft: bool,
}

/// Checks a work's new metadata without saving it.
pub(crate) fn check_change(form: &WorkForm) -> Result<Work, Error> {
    form.to_work(false).map_err(Error::Invalid)
}

/// Saves a change to a work's metadata, by one of its creators (or an admin), in one
/// transaction: a refused part (a co-creator or gift name that is no one's, a series that
/// is not theirs) leaves the work as it was.
pub(crate) async fn edit(
    state: &AppState,
    ctx: &Ctx,
    work: &OwnedWork,
    change: &WorkChange,
) -> Result<(), Error> {
    let (id, access) = (work.id(), work);
    let account = ctx.require_user()?;
    let form = &change.form;
    let work = check_change(form)?;
    let people = check_people(state, account, form).await?;
    if !people.is_empty() {
        return Err(Error::Invalid(people));
    }
    let visibility = match (access.visibility, change.post_draft) {
        (Visibility::Draft, true) => form.visibility(),
        (Visibility::Draft, false) => Visibility::Draft,
        _ => form.visibility(),
    };
    let gifts = names(&form.gifts);
    let co_creators = names(&form.co_creators);
    let edit = WorkEdit {
        work: &work,
        gifts: &gifts,
        co_creators: &co_creators,
        comment_policy: form.comment_policy(),
        visibility,
    };
    state
        .store
        .edit_work(id, account.id, &edit)
        .await
        .map_err(refusal)?;
    state
        .store
        .set_work_source(id, form.source().as_ref())
        .await?;
    Ok(())
}

/// Posts a draft (public unless `visibility` says registered users only); a posted work
/// is left as it is.
pub(crate) async fn post_draft(
    state: &AppState,
    work: &OwnedWork,
    visibility: Visibility,
) -> Result<(), Error> {
    let (id, access) = (work.id(), work);
    let visibility = Some(visibility)
        .filter(|v| *v != Visibility::Draft)
        .unwrap_or(Visibility::Public);
    if access.visibility == Visibility::Draft {
        state.store.set_visibility(id, visibility).await?;
    }
    Ok(())
}

/// Deletes a work with its chapters, comments, kudos and bookmarks; answers its title.
pub(crate) async fn delete(state: &AppState, work: &OwnedWork) -> Result<String, Error> {
    let id = work.id();
    let header = state.store.work_header(id).await?.ok_or(Error::NotFound)?;
    state.store.delete_work(id).await?;
    Ok(header.work.title)
}

/// Accepts (or declines) an invitation to be credited as a co-creator of a work.
pub(crate) async fn answer_invitation(
    state: &AppState,
    ctx: &Ctx,
    work: WorkId,
    accept: bool,
) -> Result<(), Error> {
    let account = ctx.require_user()?;
    state
        .store
        .answer_co_creator_invitation(account.id, work, accept)
        .await?;
    Ok(())
}

/// The work invitations waiting for the account's answer.
pub(crate) async fn invitations(
    state: &AppState,
    ctx: &Ctx,
) -> Result<Vec<ajar_store::CoCreatorInvitation>, Error> {
    let account = ctx.require_user()?;
    Ok(state.store.co_creator_invitations(account.id).await?)
}

/// A series the viewer owns (or any, for an admin), with its parts.
pub(crate) async fn own_series(
    state: &AppState,
    ctx: &Ctx,
    id: ajar_core::SeriesId,
) -> Result<ajar_store::OwnedSeries, Error> {
    let account = ctx.require_user()?;
    let series = state.store.owned_series(id).await?.ok_or(Error::NotFound)?;
    if series.owner != Some(account.id) && !ctx.viewer.is_admin() {
        return Err(Error::Forbidden(
            "Only the series' owner can order its parts.".to_owned(),
        ));
    }
    Ok(series)
}

/// Gives each work of a series its part number (`parts`: work and part, each work of the
/// series once, each number once from 1).
pub(crate) async fn order_series(
    state: &AppState,
    ctx: &Ctx,
    id: ajar_core::SeriesId,
    parts: &[(WorkId, u32)],
) -> Result<(), Error> {
    own_series(state, ctx, id).await?;
    state
        .store
        .set_series_parts(id, parts)
        .await
        .map_err(refusal)
}

/// A name the text of a work uses often, and the canonical character it most likely is in
/// the work's fandoms (when tag wrangling knows one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NamedInText {
    pub(crate) name: String,
    pub(crate) uses: u32,
    pub(crate) canonical: Option<String>,
}

/// The names `work`'s text uses most that its character tags do not already hold, offered
/// to its writer as character tags: matched against the canonical characters of its
/// fandoms (`ajar_core::suggest`, short names included: "Jess" is "Jess Mariano" in Gilmore
/// Girls when she is the only Jess there).
pub(crate) async fn names_in_text(
    state: &AppState,
    work: &Work,
) -> Result<Vec<NamedInText>, Error> {
    use ajar_core::suggest::{normalize, CanonicalTag, Suggester};
    let names =
        ajar_core::narration::analyze_chapters(work.chapters.iter().map(|c| c.body.as_str())).names;
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut fandoms = Vec::new();
    for f in &work.fandoms {
        if let Some(tag) = state
            .store
            .canonical_tag(ajar_core::TagKind::Fandom, f.as_str())
            .await?
        {
            fandoms.push(tag.id);
        }
    }
    let suggester = Suggester::new(
        state
            .store
            .canonical_tags_with_fandoms(ajar_core::TagKind::Character)
            .await?
            .into_iter()
            .map(|(t, f)| CanonicalTag {
                id: t.id,
                kind: t.kind,
                name: t.name.as_str().to_owned(),
                fandoms: f,
            })
            .collect(),
    );
    let canonical_names: std::collections::HashMap<ajar_core::TagId, String> = state
        .store
        .canonical_tags(ajar_core::TagKind::Character)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name.as_str().to_owned()))
        .collect();
    // Words of the characters already tagged: "Rory" is in "Rory Gilmore".
    let tagged: Vec<String> = work
        .characters
        .iter()
        .flat_map(|c| {
            normalize(c.as_str())
                .split(' ')
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    Ok(names
        .into_iter()
        .filter(|(name, _)| !tagged.contains(&normalize(name)))
        .map(|(name, uses)| {
            let canonical = fandoms
                .iter()
                .map(|f| Some(*f))
                .chain(fandoms.is_empty().then_some(None))
                .find_map(|f| suggester.suggest(ajar_core::TagKind::Character, &name, f))
                .and_then(|s| canonical_names.get(&s.id).cloned());
            NamedInText {
                name,
                uses,
                canonical,
            }
        })
        .collect())
}

/// A canon link a work's words make, as the posting preview shows it.
pub(crate) struct CanonInText {
    /// "spoils up to", "a re-write of"...
    pub(crate) what: &'static str,
    /// "Gilmore Girls 4×13, “Nag Hammadi…”".
    pub(crate) entry: String,
    /// The entry's fandom, when the work is not tagged with it (offered once per fandom).
    pub(crate) add_fandom: Option<String>,
}

/// The canon entries a work's spoiler note and summary name, as storing it would link
/// them: for the writer to see before posting, and to add the fandom a spoiler note names
/// when they left it out.
pub(crate) async fn canon_in_text(
    state: &AppState,
    work: &Work,
) -> Result<Vec<CanonInText>, Error> {
    let mut offered: Vec<String> = Vec::new();
    Ok(state
        .store
        .read_canon_links(work)
        .await?
        .into_iter()
        .map(|(entry, relation)| {
            let tagged = work.fandoms.iter().any(|f| f.eq_ignore_case(&entry.fandom));
            let fandom = entry.fandom.to_string();
            let add_fandom = (!tagged && !offered.contains(&fandom)).then(|| {
                offered.push(fandom.clone());
                fandom
            });
            CanonInText {
                what: ajar_core::canon::relation_label(relation).unwrap_or("linked to"),
                entry: entry.name(),
                add_fandom,
            }
        })
        .collect())
}

/// For a work that names no fandom: the fandoms whose timelines its spoiler note and
/// summary name (each with the entry named), to offer to the writer. Never a guess between
/// two: a note that could name entries of two timelines names none.
pub(crate) async fn fandoms_named(
    state: &AppState,
    work: &Work,
) -> Result<Vec<(String, String)>, Error> {
    if !work.fandoms.is_empty() {
        return Ok(Vec::new());
    }
    Ok(canon_in_text(state, work)
        .await?
        .into_iter()
        .filter_map(|c| c.add_fandom.map(|fandom| (fandom, c.entry)))
        .collect())
}

//! Writing events into inboxes: [`notify`] and the helpers each kind of event uses, called
//! inside the transaction of the event itself.

use super::{MailMode, NoticeKind};
use crate::db::{placeholder_list, Arg, Db, Sql, MAX_ARGS};
use crate::Result;
use chrono::{DateTime, Utc};

/// An event to write into inboxes (see [`notify`]).
pub(crate) struct Event<'a> {
    pub(crate) kind: NoticeKind,
    pub(crate) work: Option<i64>,
    pub(crate) comment: Option<i64>,
    pub(crate) actor: Option<&'a str>,
    /// The account that did it, which is never told of its own doing.
    pub(crate) actor_user: Option<i64>,
    pub(crate) title: &'a str,
    pub(crate) detail: &'a str,
    pub(crate) link: String,
}

/// The longest excerpt an inbox item keeps, in characters.
const DETAIL_CHARS: usize = 400;

/// The first [`DETAIL_CHARS`] characters of `text`, whitespace runs made single spaces.
pub(crate) fn excerpt(text: &str) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if chars + len + 1 > DETAIL_CHARS {
            out.push('…');
            break;
        }
        if chars > 0 {
            out.push(' ');
            chars += 1;
        }
        out.push_str(word);
        chars += len;
    }
    out
}

/// Writes `event` into the inbox of each user `recipients` selects (SQL giving user ids,
/// its placeholders numbered from `$12`, bound from `args`), but not the one who did it.
/// Each row records how that user's settings want it mailed; an address not yet confirmed
/// is not mailed. Returns how many inboxes it reached.
pub(crate) async fn notify(
    db: &mut Db<'_>,
    at: DateTime<Utc>,
    event: &Event<'_>,
    recipients: &str,
    args: &[Arg<'_>],
) -> Result<u64> {
    let category = event.kind.category();
    let mut sql = Sql::new(format!(
        "INSERT INTO notifications (user_id, kind, work_id, comment_id, actor, title, detail, \
         link, mail, created_at) \
         SELECT u.id, $1, $2, $3, $4, $5, $6, $7, \
         CASE WHEN u.email_confirmed THEN COALESCE((SELECT p.mode FROM notification_prefs p \
         WHERE p.user_id = u.id AND p.category = $8), $9) ELSE 'off' END, $10 \
         FROM users u WHERE u.id <> COALESCE($11, 0) AND NOT u.suspended \
         AND u.id IN ({recipients}) RETURNING user_id, mail"
    ))
    .bind(event.kind.code())
    .bind(event.work)
    .bind(event.comment)
    .bind(event.actor)
    .bind(event.title)
    .bind(event.detail)
    .bind(event.link.as_str())
    .bind(category.code())
    .bind(category.default_mode().code())
    .bind(at)
    .bind(event.actor_user);
    for arg in args {
        sql.push(*arg);
    }
    let written: Vec<(i64, String)> = db.fetch_all(&sql).await?;
    // Those whose digest this starts are due a day from now (see `digests_due`).
    let digest: Vec<i64> = written
        .iter()
        .filter(|(_, mail)| mail == MailMode::Digest.code())
        .map(|(user, _)| *user)
        .collect();
    for chunk in digest.chunks(MAX_ARGS - 1) {
        let mut sql = Sql::new(format!(
            "UPDATE users SET digest_since = $1 WHERE digest_since IS NULL AND id IN ({})",
            placeholder_list(chunk.len(), 2)
        ))
        .bind(at);
        for user in chunk {
            sql.push(*user);
        }
        db.execute(&sql).await?;
    }
    Ok(written.len() as u64)
}

/// Sets when a member's oldest notification still waiting for their digest was written
/// (`NULL`: none waits), after a digest went out or such notifications were deleted.
pub(super) async fn reset_digest_since(db: &mut Db<'_>, user: i64) -> Result<()> {
    db.execute(
        &Sql::new(
            "UPDATE users SET digest_since = (SELECT MIN(n.created_at) FROM notifications n \
             WHERE n.user_id = $1 AND n.mail = 'digest' AND n.mailed_at IS NULL) WHERE id = $1",
        )
        .bind(user),
    )
    .await?;
    Ok(())
}

/// The SQL (for [`notify`]) selecting the accounts behind a work's creators: `$12` the work.
pub(crate) const WORK_CREATOR_USERS: &str = "SELECT p.user_id FROM work_creators wc \
     JOIN pseuds p ON p.id = wc.pseud_id WHERE wc.work_id = $12 AND wc.accepted";

/// A work's title, for the inbox items an event on it makes.
pub(crate) async fn work_title(db: &mut Db<'_>, work: i64) -> Result<String> {
    let row: Option<(String,)> = db
        .fetch_optional(&Sql::new("SELECT title FROM works WHERE id = $1").bind(work))
        .await?;
    Ok(row.map(|(t,)| t).unwrap_or_default())
}

/// A work's byline (its creators' pseuds, in order), for what subscribers are told.
async fn byline(db: &mut Db<'_>, work: i64) -> Result<String> {
    Ok(crate::posting::accepted_creator_names(db, work)
        .await?
        .join(", "))
}

/// Tells subscribers that a posted work is new (`chapter` `None`: subscribers of its
/// creators, series and tags) or has a new chapter (those of the work, its creators and
/// series), inside the posting transaction. Drafts tell no one; the caller checks.
pub(crate) async fn notify_subscribers(
    db: &mut Db<'_>,
    at: DateTime<Utc>,
    work: i64,
    chapter: Option<u32>,
) -> Result<u64> {
    let title = work_title(db, work).await?;
    let actor = byline(db, work).await?;
    let owner: Option<(Option<i64>,)> = db
        .fetch_optional(
            &Sql::new(
                "SELECT p.user_id FROM work_creators wc JOIN pseuds p ON p.id = wc.pseud_id \
                 WHERE wc.work_id = $1 AND wc.accepted ORDER BY wc.position LIMIT 1",
            )
            .bind(work),
        )
        .await?;
    let creators =
        "s.kind = 'creator' AND s.target_id IN (SELECT wc.pseud_id FROM work_creators wc \
         WHERE wc.work_id = $12 AND wc.accepted)";
    let series = "s.kind = 'series' AND s.target_id IN (SELECT sw.series_id FROM series_works sw \
         WHERE sw.work_id = $12)";
    let (kind, link, followed, detail) = match chapter {
        Some(n) => (
            NoticeKind::Chapter,
            format!("/works/{work}/chapters/{n}"),
            format!("(s.kind = 'work' AND s.target_id = $12) OR ({creators}) OR ({series})"),
            format!("Chapter {n}"),
        ),
        None => (
            NoticeKind::Work,
            format!("/works/{work}"),
            format!(
                "({creators}) OR ({series}) OR (s.kind = 'tag' AND s.target_id IN \
                 (SELECT st.id FROM tags st JOIN tags t ON t.name_key = st.name_key \
                 JOIN work_tags wt ON wt.tag_id = t.id WHERE wt.work_id = $12 \
                 UNION SELECT st.id FROM tags st JOIN tags c ON c.name_key = st.name_key \
                 JOIN tags t ON t.merger_id = c.id JOIN work_tags wt ON wt.tag_id = t.id \
                 WHERE wt.work_id = $12))"
            ),
            String::new(),
        ),
    };
    let event = Event {
        kind,
        work: Some(work),
        comment: None,
        actor: Some(&actor),
        actor_user: owner.and_then(|(u,)| u),
        title: &title,
        detail: &detail,
        link,
    };
    // A co-creator is not told of their own work; a restricted or hidden work's
    // subscribers are accounts, who may read it.
    notify(
        db,
        at,
        &event,
        &format!(
            "SELECT s.user_id FROM subscriptions s WHERE ({followed}) \
             AND s.user_id NOT IN ({WORK_CREATOR_USERS})"
        ),
        &[Arg::Int(work)],
    )
    .await
}

/// Tells the accounts `users` that a work was given to them (posted works only).
pub(crate) async fn notify_gift(
    db: &mut Db<'_>,
    at: DateTime<Utc>,
    work: i64,
    users: &[i64],
) -> Result<u64> {
    if users.is_empty() {
        return Ok(0);
    }
    let title = work_title(db, work).await?;
    let actor = byline(db, work).await?;
    let event = Event {
        kind: NoticeKind::Gift,
        work: Some(work),
        comment: None,
        actor: Some(&actor),
        actor_user: None,
        title: &title,
        detail: "",
        link: format!("/works/{work}"),
    };
    let args: Vec<Arg<'_>> = users.iter().map(|u| Arg::Int(*u)).collect();
    notify(db, at, &event, &placeholder_list(users.len(), 12), &args).await
}

/// Whether a work is posted (not a draft): only then are subscribers and gift receivers told.
pub(crate) async fn is_posted(db: &mut Db<'_>, work: i64) -> Result<bool> {
    let row: Option<(String,)> = db
        .fetch_optional(&Sql::new("SELECT visibility FROM works WHERE id = $1").bind(work))
        .await?;
    Ok(row.is_some_and(|(v,)| v != "draft"))
}

/// Tells a work's creators of something `actor_user` (an account, or a guest: `None`) did
/// to it: kudos, a bookmark.
pub(crate) async fn notify_creators(
    db: &mut Db<'_>,
    at: DateTime<Utc>,
    kind: NoticeKind,
    work: i64,
    actor_user: Option<i64>,
) -> Result<()> {
    let name: Option<(String,)> = match actor_user {
        Some(u) => {
            db.fetch_optional(&Sql::new("SELECT name FROM users WHERE id = $1").bind(u))
                .await?
        }
        None => None,
    };
    let title = work_title(db, work).await?;
    let event = Event {
        kind,
        work: Some(work),
        comment: None,
        actor: name.as_ref().map(|(n,)| n.as_str()),
        actor_user,
        title: &title,
        detail: "",
        link: format!("/works/{work}"),
    };
    notify(db, at, &event, WORK_CREATOR_USERS, &[Arg::Int(work)]).await?;
    Ok(())
}

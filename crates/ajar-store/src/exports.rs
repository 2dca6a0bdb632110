//! What the story-file formats need from the store: finding a work that is already in the
//! archive, so that an import reports a file as "duplicate of work N" instead of storing
//! the same work twice.
//!
//! A duplicate has the same title, the same creators and the same text. The title narrows
//! the search to a handful of rows (indexed, see `migrations/*/20260401000001_formats.sql`);
//! each candidate is then compared by [`work_fingerprint`], which ignores markup and white
//! space, so the same story imported once from a `.txt` and once from an `.epub` is found.

use crate::db::Sql;
use crate::{Result, Store};
use ajar_core::{Work, WorkId};

/// How many works with the same title are compared before giving up (a title like
/// "Untitled" may be shared by hundreds of different works).
const MAX_CANDIDATES: i64 = 50;

impl Store {
    /// A stored work with the same title, creators and text as `work`, if there is one.
    #[tracing::instrument(level = "debug", skip_all, fields(title = %work.title))]
    pub async fn find_duplicate(&self, work: &Work) -> Result<Option<WorkId>> {
        let sql = Sql::new(format!(
            "SELECT id FROM works WHERE title = $1 ORDER BY id LIMIT {MAX_CANDIDATES}"
        ))
        .bind(work.title.trim());
        let candidates: Vec<(i64,)> = {
            let mut conn = self.pool.conn().await?;
            conn.db().fetch_all(&sql).await?
        };
        if candidates.is_empty() {
            return Ok(None);
        }
        let wanted = work_fingerprint(work);
        for (id,) in candidates {
            let id = WorkId(id);
            if let Some(stored) = self.work(id).await? {
                if work_fingerprint(&stored.work) == wanted {
                    return Ok(Some(id));
                }
            }
        }
        Ok(None)
    }
}

/// A 64-bit fingerprint of what makes two works the same work: the title and creators
/// (case and spacing ignored) and the text of every chapter (markup and spacing ignored).
pub fn work_fingerprint(work: &Work) -> u64 {
    let mut hash = Fnv::default();
    hash.words(&work.title.to_lowercase());
    hash.byte(0);
    for creator in &work.creators {
        hash.words(&creator.to_lowercase());
        hash.byte(1);
    }
    hash.byte(0);
    for chapter in &work.chapters {
        hash.words(&chapter.body.to_text());
        hash.byte(2);
    }
    hash.0
}

/// FNV-1a: stable across builds and platforms, unlike `std`'s hasher.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn byte(&mut self, b: u8) {
        self.0 ^= u64::from(b);
        self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
    }

    /// The words of `text`, each followed by a space.
    fn words(&mut self, text: &str) {
        for word in text.split_whitespace() {
            for b in word.bytes() {
                self.byte(b);
            }
            self.byte(b' ');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ajar_core::{Chapter, Html};

    fn work(title: &str, body: &str) -> Work {
        Work {
            title: title.into(),
            creators: vec!["Ann".into()],
            chapters: vec![Chapter {
                body: Html::sanitize(body),
                ..Chapter::default()
            }],
            ..Work::default()
        }
    }

    #[test]
    fn fingerprints_ignore_markup_and_spacing_but_not_words() {
        let a = work("Lanterns", "<p>It snowed.</p><p>The end.</p>");
        let b = work("lanterns ", "<p>It  <em>snowed</em>.</p>\n<p>The end.</p>");
        let c = work("Lanterns", "<p>It rained.</p><p>The end.</p>");
        assert_eq!(work_fingerprint(&a), work_fingerprint(&b));
        assert_ne!(work_fingerprint(&a), work_fingerprint(&c));
        let mut d = a.clone();
        d.creators = vec!["Bob".into()];
        assert_ne!(work_fingerprint(&a), work_fingerprint(&d));
    }
}

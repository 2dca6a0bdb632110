//! The texts of works and chapters as their writers wrote them (Markdown, plain text), for
//! the edit forms. What the archive shows is the sanitized HTML in `works` and `chapters`;
//! a source is kept beside it, and the web layer uses it only while it still renders to
//! that HTML, so a text changed some other way (an import, an HTML edit) is never shown
//! as a stale source.

use crate::db::Sql;
use crate::{Result, Store};
use ajar_core::WorkId;
use serde::Serialize;

/// Text areas as written, in `format` (the posting form's code: "markdown", "plain").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TextSource {
    pub format: String,
    pub summary: String,
    pub notes: String,
    pub end_notes: String,
    /// A chapter's text; empty for a work's own texts.
    pub body: String,
}

impl Store {
    /// Keeps (or, with `None`, forgets) how a work's summary and notes were written.
    pub async fn set_work_source(&self, work: WorkId, source: Option<&TextSource>) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        db.execute(&Sql::new("DELETE FROM work_sources WHERE work_id = $1").bind(work.0))
            .await?;
        if let Some(s) = source {
            db.execute(
                &Sql::new(
                    "INSERT INTO work_sources (work_id, format, summary, notes, end_notes) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(work.0)
                .bind(s.format.as_str())
                .bind(s.summary.as_str())
                .bind(s.notes.as_str())
                .bind(s.end_notes.as_str()),
            )
            .await?;
        }
        tx.commit().await
    }

    /// How a work's summary and notes were written, if not in HTML.
    pub async fn work_source(&self, work: WorkId) -> Result<Option<TextSource>> {
        let mut conn = self.read_conn().await?;
        let row: Option<(String, String, String, String)> = conn
            .db()
            .fetch_optional(
                &Sql::new(
                    "SELECT format, summary, notes, end_notes FROM work_sources \
                     WHERE work_id = $1",
                )
                .bind(work.0),
            )
            .await?;
        Ok(row.map(|(format, summary, notes, end_notes)| TextSource {
            format,
            summary,
            notes,
            end_notes,
            body: String::new(),
        }))
    }

    /// Keeps (or forgets) how the chapter at `position` of a work was written.
    pub async fn set_chapter_source(
        &self,
        work: WorkId,
        position: u32,
        source: Option<&TextSource>,
    ) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        db.execute(
            &Sql::new(
                "DELETE FROM chapter_sources WHERE chapter_id IN \
                 (SELECT id FROM chapters WHERE work_id = $1 AND position = $2)",
            )
            .bind(work.0)
            .bind(i64::from(position)),
        )
        .await?;
        if let Some(s) = source {
            db.execute(
                &Sql::new(
                    "INSERT INTO chapter_sources \
                     (chapter_id, format, summary, notes, end_notes, body) \
                     SELECT id, $3, $4, $5, $6, $7 FROM chapters \
                     WHERE work_id = $1 AND position = $2",
                )
                .bind(work.0)
                .bind(i64::from(position))
                .bind(s.format.as_str())
                .bind(s.summary.as_str())
                .bind(s.notes.as_str())
                .bind(s.end_notes.as_str())
                .bind(s.body.as_str()),
            )
            .await?;
        }
        tx.commit().await
    }

    /// How the chapter at `position` of a work was written, if not in HTML.
    pub async fn chapter_source(&self, work: WorkId, position: u32) -> Result<Option<TextSource>> {
        let mut conn = self.read_conn().await?;
        let row: Option<(String, String, String, String, String)> = conn
            .db()
            .fetch_optional(
                &Sql::new(
                    "SELECT s.format, s.summary, s.notes, s.end_notes, s.body \
                     FROM chapter_sources s JOIN chapters c ON c.id = s.chapter_id \
                     WHERE c.work_id = $1 AND c.position = $2",
                )
                .bind(work.0)
                .bind(i64::from(position)),
            )
            .await?;
        Ok(
            row.map(|(format, summary, notes, end_notes, body)| TextSource {
                format,
                summary,
                notes,
                end_notes,
                body,
            }),
        )
    }
}

//! Downloads: a work as a file (EPUB, HTML, text, Markdown) for a reader who may see it,
//! from the export cache when it holds this version, else written (off the async threads)
//! and kept. The site's download links and the OPDS catalog's acquisition links both come
//! here.

use crate::auth::Ctx;
use crate::downloads::{ExportCache, File, Key};
use crate::{AppState, Error, SITE_NAME};
use ajar_core::WorkId;
use ajar_formats::{write_work, ExportContext, ExportFormat};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// A work's file, and what its response says of it.
pub(crate) struct Download {
    pub(crate) file: Arc<File>,
    /// The version written (`Last-Modified`).
    pub(crate) modified: DateTime<Utc>,
    /// Public and shown: shared caches may keep it.
    pub(crate) public: bool,
}

/// The work as a file in `format`, when the viewer may see it.
pub(crate) async fn export(
    state: &AppState,
    ctx: &Ctx,
    cache: &ExportCache,
    id: WorkId,
    format: ExportFormat,
) -> Result<Download, Error> {
    let access = crate::access::visible_work(state, ctx, id).await?;
    // Only a public, shown work may sit in shared caches.
    let public = access.visibility == ajar_core::Visibility::Public
        && !access.hidden
        && !access.creators_suspended;
    // The header is cheap and names the version; bodies are loaded only on a cache miss.
    let header = state.store.work_header(id).await?.ok_or(Error::NotFound)?;
    let key = Key {
        id: id.0,
        format,
        modified: header.modified_at,
    };
    if let Some(file) = cache.get(&key) {
        return Ok(Download {
            file,
            modified: header.modified_at,
            public,
        });
    }
    let stored = state.store.work(id).await?.ok_or(Error::NotFound)?;
    let export = ExportContext {
        work_id: Some(id.0),
        archive_name: SITE_NAME.to_owned(),
        archive_url: None,
        modified: stored.modified_at,
    };
    let key = Key {
        modified: stored.modified_at,
        ..key
    };
    let work = stored.work;
    // Writing a long EPUB is CPU work: off the async threads.
    let written = tokio::task::spawn_blocking(move || {
        write_work(&work, format, &export).map(|bytes| (work.title, bytes))
    })
    .await;
    let (title, bytes) = match written {
        Ok(Ok(written)) => written,
        Ok(Err(cause)) => return Err(not_written(id, format, &cause)),
        Err(cause) => return Err(not_written(id, format, &cause)),
    };
    let file = Arc::new(File::new(format.file_name(&title), bytes));
    cache.put(key, file.clone());
    Ok(Download {
        file,
        modified: header.modified_at,
        public,
    })
}

/// A file that could not be written: the cause goes to the log, the reader gets a 500.
fn not_written(id: WorkId, format: ExportFormat, cause: &dyn std::fmt::Display) -> Error {
    Error::Internal(format!(
        "the {format} download of work {id} could not be written: {cause}"
    ))
}

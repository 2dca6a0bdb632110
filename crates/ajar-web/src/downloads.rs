//! Downloads: `/works/{id}/download.epub` (and `.html`, `.txt`, `.md`), the files the work
//! page's "Download" links point to, named after the work's title.
//!
//! Writing an EPUB costs a few milliseconds for a long work, and readers download the same
//! popular works again and again, so generated files are kept in memory, keyed by work id,
//! format and the work's `modified_at`: an edited work has a new `modified_at`, so a stale
//! file is never served, and it ages out of the cache like any other.

use crate::{AppState, Error};
use ajar_core::WorkId;
use ajar_formats::ExportFormat;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, LAST_MODIFIED};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use chrono::{DateTime, Utc};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub(crate) fn router() -> Router<AppState> {
    let cache = ExportCache::new(CACHE_BYTES);
    ExportFormat::ALL
        .into_iter()
        .fold(Router::new(), |router, format| {
            let path = format!("/works/{{id}}/download.{}", format.extension());
            let handler = get(
                move |state: State<AppState>,
                      ctx: crate::auth::Ctx,
                      cache: Extension<ExportCache>,
                      id: Path<String>| { download(state, ctx, cache, id, format) },
            );
            // The OPDS catalog's acquisition link: the same file, for a reader app that
            // sends a personal access token (see `opds`).
            let router = match format {
                ExportFormat::Epub => {
                    router.route("/opds/works/{id}/download.epub", handler.clone())
                }
                _ => router,
            };
            router.route(&path, handler)
        })
        .layer(Extension(cache))
}

/// Memory the cache may hold: a few hundred typical works.
const CACHE_BYTES: usize = 64 * 1024 * 1024;

async fn download(
    State(state): State<AppState>,
    ctx: crate::auth::Ctx,
    Extension(cache): Extension<ExportCache>,
    Path(id): Path<String>,
    format: ExportFormat,
) -> Result<Response, Error> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::NotFound);
    }
    let id = WorkId(id.parse().map_err(|_| Error::NotFound)?);
    let download = crate::service::downloads::export(&state, &ctx, &cache, id, format).await?;
    Ok(response(
        &download.file,
        format,
        download.modified,
        download.public,
    ))
}

fn response(file: &File, format: ExportFormat, modified: DateTime<Utc>, public: bool) -> Response {
    let mut response = file.bytes.clone().into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(format.mime_type()));
    if let Ok(value) = HeaderValue::from_str(&content_disposition(&file.name)) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    if let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(modified.into())) {
        headers.insert(LAST_MODIFIED, value);
    }
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static(if public {
            "public, max-age=300"
        } else {
            "private, no-cache"
        }),
    );
    response
}

/// What RFC 5987 leaves unencoded in `filename*`: letters, digits and `!#$&+-.^_`|~`.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment; filename="All That's Left.epub"`, with `filename*=UTF-8''...` as well when
/// the name is not plain ASCII (older clients get the ASCII name with `_` for the rest).
pub(crate) fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| match c {
            '"' | '\\' => '_',
            c if c.is_ascii() && !c.is_ascii_control() => c,
            _ => '_',
        })
        .collect();
    if ascii == name {
        format!("attachment; filename=\"{ascii}\"")
    } else {
        format!(
            "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
            utf8_percent_encode(name, ATTR_CHAR)
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub(crate) id: i64,
    pub(crate) format: ExportFormat,
    pub(crate) modified: DateTime<Utc>,
}

pub(crate) struct File {
    pub(crate) name: String,
    pub(crate) bytes: Bytes,
}

impl File {
    /// A file of exactly `bytes`: the writers' buffers start with room to spare (an EPUB's
    /// is at least 16 KB), which `Bytes::from` would keep, so a cache counting 4 KB files held
    /// five times its size (a million-work archive's EPUB route put 180 MB on the heap of a
    /// cache of 64 MB).
    pub(crate) fn new(name: String, mut bytes: Vec<u8>) -> File {
        bytes.shrink_to_fit();
        File {
            name,
            bytes: Bytes::from(bytes),
        }
    }
}

/// Generated files, least recently used out first once `capacity` bytes are held.
#[derive(Clone)]
pub(crate) struct ExportCache {
    inner: Arc<Mutex<CacheInner>>,
}

struct CacheInner {
    capacity: usize,
    held: usize,
    tick: u64,
    files: HashMap<Key, (u64, Arc<File>)>,
}

impl ExportCache {
    fn new(capacity: usize) -> ExportCache {
        ExportCache {
            inner: Arc::new(Mutex::new(CacheInner {
                capacity,
                held: 0,
                tick: 0,
                files: HashMap::new(),
            })),
        }
    }

    pub(crate) fn get(&self, key: &Key) -> Option<Arc<File>> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.tick += 1;
        let tick = inner.tick;
        let entry = inner.files.get_mut(key)?;
        entry.0 = tick;
        Some(entry.1.clone())
    }

    pub(crate) fn put(&self, key: Key, file: Arc<File>) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let size = file.bytes.len();
        if size > inner.capacity / 4 {
            return;
        }
        // Older versions of the same work in the same format are of no more use.
        let stale: Vec<Key> = inner
            .files
            .keys()
            .filter(|k| k.id == key.id && k.format == key.format && k.modified != key.modified)
            .copied()
            .collect();
        for k in stale {
            if let Some((_, f)) = inner.files.remove(&k) {
                inner.held -= f.bytes.len();
            }
        }
        while inner.held + size > inner.capacity {
            let Some(oldest) = inner
                .files
                .iter()
                .min_by_key(|(_, (t, _))| *t)
                .map(|(k, _)| *k)
            else {
                break;
            };
            if let Some((_, f)) = inner.files.remove(&oldest) {
                inner.held -= f.bytes.len();
            }
        }
        inner.tick += 1;
        let tick = inner.tick;
        if let Some((_, old)) = inner.files.insert(key, (tick, file)) {
            inner.held -= old.bytes.len();
        }
        inner.held += size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_quoted_and_encoded() {
        assert_eq!(
            content_disposition("All That's Left.epub"),
            "attachment; filename=\"All That's Left.epub\""
        );
        assert_eq!(
            content_disposition("Café “Noir”.txt"),
            "attachment; filename=\"Caf_ _Noir_.txt\"; filename*=UTF-8''Caf%C3%A9%20%E2%80%9CNoir%E2%80%9D.txt"
        );
    }

    #[test]
    fn a_file_holds_no_more_than_its_bytes() {
        let mut written = Vec::with_capacity(20_000);
        written.extend_from_slice(&[7; 4_000]);
        let file = File::new("x.epub".into(), written);
        assert_eq!(file.bytes.len(), 4_000);
        let held = file
            .bytes
            .try_into_mut()
            .map(|bytes| bytes.capacity())
            .unwrap_or(usize::MAX);
        assert_eq!(held, 4_000);
    }

    #[test]
    fn the_cache_keeps_the_latest_version_within_its_size() {
        let cache = ExportCache::new(80);
        let file = |n: usize| {
            Arc::new(File {
                name: "x".into(),
                bytes: Bytes::from(vec![0; n]),
            })
        };
        let key = |id, secs| Key {
            id,
            format: ExportFormat::Txt,
            modified: DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_default(),
        };
        cache.put(key(1, 1), file(20));
        assert!(cache.get(&key(1, 1)).is_some());
        cache.put(key(1, 2), file(20));
        assert!(
            cache.get(&key(1, 1)).is_none(),
            "an edited work's old file is dropped"
        );
        cache.put(key(2, 1), file(20));
        cache.put(key(3, 1), file(20));
        cache.get(&key(1, 2));
        cache.put(key(4, 1), file(20));
        cache.put(key(5, 1), file(20));
        assert!(cache.get(&key(1, 2)).is_some(), "recently used stays");
        assert!(cache.get(&key(2, 1)).is_none(), "least recently used goes");
        assert!(cache.inner.lock().unwrap().held <= 80);
    }
}

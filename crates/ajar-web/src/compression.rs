//! Compressed responses: pages are text, and most browsers ask for brotli or gzip, so a
//! listing of 80 KB goes out as 10 KB. `ajar serve` is often run with no proxy in front to do
//! this for it.
//!
//! Two paths. A page from the page cache ([`crate::cache`]) is compressed once per rendering
//! and the compressed bytes are kept beside the plain ones ([`Rendered::encoded`]), so a hot
//! page is copied, not recompressed, per request: [`precompressed`], the outermost layer,
//! swaps them in. Anything else is compressed as it streams out by tower-http's
//! [`CompressionLayer`], just inside it, which leaves alone what is already compressed
//! (EPUB, images), what is tiny, and kept pages. That includes guest pages with a form: each
//! guest's copy carries their own CSRF token (see `auth`), so it is no longer the kept page.
//!
//! A compressed response's strong ETag is made weak: the bytes differ from the plain copy's,
//! the page is the same (and `If-None-Match` compares weakly, so revalidation still works).

use crate::cache::Rendered;
use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, ETAG, VARY};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, Version};
use axum::middleware::Next;
use axum::response::Response;
use std::io::Write;
use std::sync::Arc;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel, DefaultPredicate};

/// Bodies smaller than this go out as they are: the encoding's own overhead and the work of
/// compressing outweigh the bytes saved (a redirect, a 304, a tiny JSON answer).
pub(crate) const MIN_BYTES: u16 = 256;

/// Quality for responses compressed as they stream (brotli 4 compresses like gzip 6, at gzip's
/// speed; brotli's default of 11 takes tens of milliseconds for one listing).
const STREAM_QUALITY: i32 = 4;

/// gzip level and brotli quality for cached pages: compressed once, served many times.
const GZIP_LEVEL: u32 = 6;
const BROTLI_QUALITY: u32 = 5;

/// The layer that compresses everything the page cache did not.
pub(crate) fn layer() -> CompressionLayer<impl Predicate> {
    let predicate = DefaultPredicate::new()
        .and(SizeAbove::new(MIN_BYTES))
        // Zip containers and archives are compressed already.
        .and(NotForContentType::const_new("application/epub+zip"))
        .and(NotForContentType::const_new("application/zip"))
        .and(NotForContentType::const_new("application/gzip"))
        .and(NotForContentType::const_new("font/woff2"))
        // Kept pages have kept compressed copies: `precompressed`, outside, sends those.
        .and(
            |_: StatusCode, _: Version, _: &HeaderMap, extensions: &Extensions| {
                extensions.get::<CachedBody>().is_none()
            },
        );
    CompressionLayer::new()
        .no_deflate()
        .no_zstd()
        .quality(CompressionLevel::Precise(STREAM_QUALITY))
        .compress_when(predicate)
}

/// A content coding ajar sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
        }
    }

    /// `body` in this coding.
    pub(crate) fn encode(self, body: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Encoding::Gzip => {
                let mut out = flate2::write::GzEncoder::new(
                    Vec::with_capacity(body.len() / 4),
                    flate2::Compression::new(GZIP_LEVEL),
                );
                out.write_all(body)?;
                out.finish()
            }
            Encoding::Brotli => {
                let mut out = Vec::with_capacity(body.len() / 4);
                {
                    let mut writer =
                        brotli::CompressorWriter::new(&mut out, 16 * 1024, BROTLI_QUALITY, 22);
                    writer.write_all(body)?;
                    writer.flush()?;
                }
                Ok(out)
            }
        }
    }
}

/// The coding the client prefers of those ajar sends, from its `Accept-Encoding` (brotli on a
/// tie; `q=0` refuses; `*` stands for any coding not named). `None`: send the body as it is.
pub(crate) fn preferred(headers: &HeaderMap) -> Option<Encoding> {
    let mut best: Option<(u16, Encoding)> = None;
    let mut star: Option<u16> = None;
    let mut named = (None, None);
    for value in headers.get_all(ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let q = parts
                .find_map(|p| {
                    let (key, value) = p.split_once('=')?;
                    key.trim().eq_ignore_ascii_case("q").then(|| quality(value))
                })
                .unwrap_or(Some(1000));
            let Some(q) = q else { continue };
            if name.eq_ignore_ascii_case("br") {
                named.0 = Some(q);
            } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
                named.1 = Some(q);
            } else if name == "*" {
                star = Some(q);
            }
        }
    }
    for (q, encoding) in [(named.0, Encoding::Brotli), (named.1, Encoding::Gzip)] {
        let q = q.or(star).unwrap_or(0);
        if q > 0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, encoding));
        }
    }
    best.map(|(_, e)| e)
}

/// A q-value ("1", "0.5", "0.001") in thousandths; `None` when it is not one.
fn quality(value: &str) -> Option<u16> {
    let value = value.trim();
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let fraction: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(fraction),
        "1" if fraction == 0 => Some(1000),
        _ => None,
    }
}

/// Marks a response whose body is a cached page, so that [`precompressed`] can send its kept
/// compressed form.
#[derive(Clone)]
pub(crate) struct CachedBody(pub(crate) Arc<Rendered>);

/// The layer for cached pages: swaps in the page's compressed bytes (compressing them on the
/// first request that asks for that coding) and says that the answer depends on
/// `Accept-Encoding`; and weakens the ETag of whatever went out compressed.
pub(crate) async fn precompressed(request: Request, next: Next) -> Response {
    let encoding = preferred(request.headers());
    let mut response = next.run(request).await;
    if let Some(CachedBody(page)) = response.extensions_mut().remove::<CachedBody>() {
        response
            .headers_mut()
            .append(VARY, HeaderValue::from_static("Accept-Encoding"));
        let send = encoding.filter(|_| {
            response.status() == StatusCode::OK
                && !response.headers().contains_key(CONTENT_ENCODING)
                && page.body.len() >= usize::from(MIN_BYTES)
        });
        if let Some((encoding, bytes)) = send.and_then(|e| Some((e, page.encoded(e)?))) {
            let headers = response.headers_mut();
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static(encoding.name()));
            headers.remove(CONTENT_LENGTH);
            *response.body_mut() = Body::from(bytes);
        }
    }
    if response.headers().contains_key(CONTENT_ENCODING) {
        weaken_etag(response.headers_mut());
    }
    response
}

fn weaken_etag(headers: &mut HeaderMap) {
    if let Some(weak) = headers
        .get(ETAG)
        .and_then(|tag| tag.to_str().ok())
        .filter(|tag| !tag.starts_with("W/"))
        .and_then(|tag| HeaderValue::from_str(&format!("W/{tag}")).ok())
    {
        headers.insert(ETAG, weak);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn the_client_chooses_the_coding() {
        assert_eq!(preferred(&HeaderMap::new()), None);
        assert_eq!(preferred(&accepting("gzip")), Some(Encoding::Gzip));
        assert_eq!(
            preferred(&accepting("gzip, deflate, br, zstd")),
            Some(Encoding::Brotli)
        );
        assert_eq!(
            preferred(&accepting("br;q=0.5, gzip;q=0.8")),
            Some(Encoding::Gzip)
        );
        assert_eq!(preferred(&accepting("br;q=0, gzip;q=0")), None);
        assert_eq!(preferred(&accepting("identity")), None);
        assert_eq!(preferred(&accepting("*")), Some(Encoding::Brotli));
        assert_eq!(preferred(&accepting("*;q=0, gzip")), Some(Encoding::Gzip));
        assert_eq!(preferred(&accepting("gzip;q=2")), None);
        assert_eq!(
            preferred(&accepting("gzip;q=abc, br")),
            Some(Encoding::Brotli)
        );
    }
}

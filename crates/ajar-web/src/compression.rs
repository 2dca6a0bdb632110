//! Compressed responses: pages are text, and most browsers ask for brotli or gzip, so a
//! listing of 80 KB goes out as 10 KB. `ajar serve` is often run with no proxy in front to do
//! this for it.
//!
//! Two paths. A page from the page cache ([`crate::cache`]) is compressed once per rendering
//! and the compressed bytes are kept beside the plain ones ([`Rendered::encoded`]), so a hot
//! page is copied, not recompressed, per request: [`precompressed`], the outermost layer,
//! swaps them in. Anything else is compressed as it streams out by tower-http's
//! [`CompressionLayer`], just inside it, which leaves alone what is already compressed
//! (EPUB, images), what is tiny, and kept pages.
//!
//! A guest's copy of a kept page with a form differs from the kept page in one thing, their
//! CSRF token (see `auth`). For a client that takes gzip, it is made from the page deflated
//! once around its token fields ([`GzipAround`]), with the guest's field put between the
//! stretches, so it is not compressed again either; such a page goes out in gzip even to a
//! client that prefers brotli. A client that takes brotli only, and a logged-in reader's copy
//! (their header links, a notice), are compressed as they stream out.
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

/// A page deflated once around the places where each guest's copy differs (its CSRF fields),
/// so that any guest's gzip copy is made by copying, not by compressing the page again.
///
/// Each stretch between two fields is deflated on its own, by a compressor that has seen
/// nothing before it, and ends on a sync flush (byte-aligned, not the last block); a guest's
/// copy puts their field between the stretches as a stored block and gives the whole the
/// CRC-32 of what it unpacks to, combined from the stretches' own. A stretch never refers back
/// into what came before it, so whatever stands between them unpacks as itself.
pub(crate) struct GzipAround {
    /// Each stretch's deflate blocks and the CRC-32 (with length) of its plain bytes.
    stretches: Vec<(Vec<u8>, crc32fast::Hasher)>,
    /// The plain length of all stretches together.
    plain: usize,
}

/// A gzip member's header: deflate, no name or time, level unknown, OS unknown.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

impl GzipAround {
    /// `page` deflated around each occurrence of `field`.
    pub(crate) fn new(page: &[u8], field: &[u8]) -> std::io::Result<GzipAround> {
        let finder = memchr::memmem::Finder::new(field);
        let mut plain_stretches = Vec::new();
        let mut rest = page;
        while let Some(at) = finder.find(rest) {
            plain_stretches.push(&rest[..at]);
            rest = &rest[at + field.len()..];
        }
        plain_stretches.push(rest);
        let last = plain_stretches.len() - 1;
        let stretches = plain_stretches
            .iter()
            .enumerate()
            .map(|(i, stretch)| {
                let flush = if i == last {
                    flate2::FlushCompress::Finish
                } else {
                    flate2::FlushCompress::Sync
                };
                let mut crc = crc32fast::Hasher::new();
                crc.update(stretch);
                Ok((deflate(stretch, flush)?, crc))
            })
            .collect::<std::io::Result<_>>()?;
        Ok(GzipAround {
            stretches,
            plain: page.len() - (plain_stretches.len() - 1) * field.len(),
        })
    }

    /// The page, gzipped, with `filled` where each field was.
    pub(crate) fn with(&self, filled: &[u8]) -> Vec<u8> {
        // A stored block holds at most 65,535 bytes; a field is a hundred or so.
        let chunks: Vec<&[u8]> = filled.chunks(usize::from(u16::MAX)).collect();
        let fields = self.stretches.len() - 1;
        let deflated: usize = self.stretches.iter().map(|(d, _)| d.len()).sum();
        let mut out =
            Vec::with_capacity(GZIP_HEADER.len() + deflated + fields * (filled.len() + 8) + 8);
        out.extend_from_slice(&GZIP_HEADER);
        let mut field_crc = crc32fast::Hasher::new();
        field_crc.update(filled);
        let mut crc = crc32fast::Hasher::new();
        for (i, (stretch, stretch_crc)) in self.stretches.iter().enumerate() {
            out.extend_from_slice(stretch);
            crc.combine(stretch_crc);
            if i == fields {
                break;
            }
            for chunk in &chunks {
                // Not the last block, stored (BTYPE 00), then LEN and its complement.
                let len = chunk.len() as u16;
                out.push(0);
                out.extend_from_slice(&len.to_le_bytes());
                out.extend_from_slice(&(!len).to_le_bytes());
                out.extend_from_slice(chunk);
            }
            crc.combine(&field_crc);
        }
        let size = self.plain + fields * filled.len();
        out.extend_from_slice(&crc.finalize().to_le_bytes());
        // ISIZE is the length modulo 2^32.
        out.extend_from_slice(&(size as u32).to_le_bytes());
        out
    }
}

/// `plain` as raw deflate blocks from a fresh compressor, ended by `flush`.
fn deflate(plain: &[u8], flush: flate2::FlushCompress) -> std::io::Result<Vec<u8>> {
    let mut compressor = flate2::Compress::new(flate2::Compression::new(GZIP_LEVEL), false);
    let mut out = Vec::with_capacity(plain.len() / 3 + 64);
    loop {
        let read = compressor.total_in() as usize;
        out.reserve(plain.len().saturating_sub(read) / 3 + 64);
        let status = compressor
            .compress_vec(&plain[read..], &mut out, flush)
            .map_err(std::io::Error::other)?;
        let done = match flush {
            flate2::FlushCompress::Finish => status == flate2::Status::StreamEnd,
            // A flush is through when the compressor stopped short of the room it had.
            _ => compressor.total_in() as usize == plain.len() && out.len() < out.capacity(),
        };
        if done {
            return Ok(out);
        }
    }
}

/// The coding the client prefers of those ajar sends, from its `Accept-Encoding` (brotli on a
/// tie; `q=0` refuses; `*` stands for any coding not named). `None`: send the body as it is.
pub(crate) fn preferred(headers: &HeaderMap) -> Option<Encoding> {
    let mut best: Option<(u16, Encoding)> = None;
    for (q, encoding) in qualities(headers) {
        if q > 0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, encoding));
        }
    }
    best.map(|(_, e)| e)
}

/// Whether the client takes `encoding` at all (from its `Accept-Encoding`, as [`preferred`]).
pub(crate) fn accepts(headers: &HeaderMap, encoding: Encoding) -> bool {
    qualities(headers)
        .into_iter()
        .any(|(q, e)| e == encoding && q > 0)
}

/// Each coding ajar sends with the client's quality for it, in thousandths (0: refused or
/// not named), brotli first.
fn qualities(headers: &HeaderMap) -> [(u16, Encoding); 2] {
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
    [
        (named.0.or(star).unwrap_or(0), Encoding::Brotli),
        (named.1.or(star).unwrap_or(0), Encoding::Gzip),
    ]
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

/// Marks a kept page filled for a guest: the body is the page with this field, carrying the
/// guest's CSRF token, in place of each placeholder field; [`precompressed`] makes its gzip
/// copy from the page's kept stretches ([`GzipAround`]) rather than compressing it again.
#[derive(Clone)]
pub(crate) struct GuestField(pub(crate) String);

/// The layer for cached pages: swaps in the page's compressed bytes (compressing them on the
/// first request that asks for that coding) and says that the answer depends on
/// `Accept-Encoding`; and weakens the ETag of whatever went out compressed.
pub(crate) async fn precompressed(request: Request, next: Next) -> Response {
    let encoding = preferred(request.headers());
    let gzip = accepts(request.headers(), Encoding::Gzip);
    let mut response = next.run(request).await;
    if let Some(CachedBody(page)) = response.extensions_mut().remove::<CachedBody>() {
        let guest = response.extensions_mut().remove::<GuestField>();
        response
            .headers_mut()
            .append(VARY, HeaderValue::from_static("Accept-Encoding"));
        let fits = response.status() == StatusCode::OK
            && !response.headers().contains_key(CONTENT_ENCODING)
            && page.body.len() >= usize::from(MIN_BYTES);
        let send = match guest {
            // A guest's copy (their token in its forms): gzip made around their field, or the
            // filled page as it is; never the kept forms, which hold the placeholder.
            Some(GuestField(field)) => (fits && gzip)
                .then(|| page.gzip_with_field(&field))
                .flatten()
                .map(|bytes| (Encoding::Gzip, bytes)),
            None => encoding
                .filter(|_| fits)
                .and_then(|e| Some((e, page.encoded(e)?))),
        };
        if let Some((encoding, bytes)) = send {
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
    use proptest::prelude::*;
    use std::io::Read;

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut plain)
            .unwrap();
        plain
    }

    const FIELD: &[u8] = br#"<input type="hidden" name="csrf_token" value="placeholder">"#;

    /// The simple way: `page` with each [`FIELD`] replaced by `filled`.
    fn by_hand(page: &[u8], filled: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut rest = page;
        while let Some(at) = memchr::memmem::find(rest, FIELD) {
            out.extend_from_slice(&rest[..at]);
            out.extend_from_slice(filled);
            rest = &rest[at + FIELD.len()..];
        }
        out.extend_from_slice(rest);
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// The fast path beside the simple one: a guest's gzip copy made around the fields
        /// unpacks to the page with their field put in by hand, wherever the fields fall (at
        /// the start, at the end, side by side, none) and however long the field.
        #[test]
        fn a_copy_made_around_the_fields_is_the_filled_page_gzipped(
            pieces in proptest::collection::vec(
                prop_oneof![
                    // Text like a page's, which repeats and so refers back.
                    "(<p class=\"x\">[a-z ]{0,40}</p>\n){0,30}",
                    // Bytes that hardly compress.
                    "[\\x00-\\u{ff}]{0,200}",
                ],
                1..6,
            ),
            big in 0..3usize,
            token in "[A-Za-z0-9_-]{0,60}",
        ) {
            let mut page = Vec::new();
            for (i, piece) in pieces.iter().enumerate() {
                if i > 0 {
                    page.extend_from_slice(FIELD);
                }
                page.extend_from_slice(piece.as_bytes());
                if i == 0 {
                    // Long stretches, past a deflate block and the 32 KiB window.
                    page.extend_from_slice("<li>a repeated line</li>\n".repeat(big * 4000).as_bytes());
                }
            }
            let filled = format!(r#"<input type="hidden" name="csrf_token" value="{token}">"#);
            let around = GzipAround::new(&page, FIELD).unwrap();
            prop_assert_eq!(gunzip(&around.with(filled.as_bytes())), by_hand(&page, filled.as_bytes()));
        }
    }

    #[test]
    fn a_field_past_a_stored_block_is_split_and_still_read() {
        let page = [&b"before "[..], FIELD, b" between ", FIELD, b" after"].concat();
        let around = GzipAround::new(&page, FIELD).unwrap();
        let long = vec![b'x'; 70_000];
        let expected = [&b"before "[..], &long, b" between ", &long, b" after"].concat();
        assert_eq!(gunzip(&around.with(&long)), expected);
        // The page itself (no fields) is plain gzip.
        let none = GzipAround::new(b"no forms here", FIELD).unwrap();
        assert_eq!(gunzip(&none.with(b"ignored")), b"no forms here");
    }

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

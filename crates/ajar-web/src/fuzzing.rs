//! What the fuzz targets in `fuzz/` reach inside the web layer (feature `fuzzing`, off in every
//! build the archive ships): the decoding of a form body a stranger sends, run the way the
//! posting handlers and the CSRF check run it, without a server around it.

use crate::posting::form::{ChapterForm, Fields, WorkForm};
use ajar_core::Work;
use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue};
use futures_util::FutureExt;

/// What one form body decoded to.
#[derive(Debug)]
pub struct DecodedForm {
    /// The `csrf_token` the CSRF check read, if any.
    pub csrf_token: Option<String>,
    /// The fields, or `None` when the body was refused as unreadable.
    pub fields: Option<Vec<(String, String)>>,
    /// The uploaded story file's name, if one was sent.
    pub file_name: Option<String>,
    /// The work the work form made of the fields, when it made one.
    pub work: Option<Work>,
}

/// Decodes `body` as sent with `content_type`, as the CSRF check and the posting handlers do:
/// the token, the fields, a story file read into the form, the work and a chapter.
pub fn decode_form(content_type: &str, body: &[u8]) -> DecodedForm {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(CONTENT_TYPE, value);
    }
    let body = Bytes::copy_from_slice(body);
    // The body is in memory, so neither future ever waits.
    let csrf_token = crate::auth::form_token(&headers, body.clone(), true)
        .now_or_never()
        .flatten();
    let mut decoded = DecodedForm {
        csrf_token,
        fields: None,
        file_name: None,
        work: None,
    };
    let Some(Ok(fields)) = Fields::read(&headers, body).now_or_never() else {
        return decoded;
    };
    let mut form = WorkForm::from_fields(&fields);
    if let Some(file) = &fields.file {
        if let Ok(work) = ajar_formats::read_story_file(&file.name, &file.bytes) {
            form.fill_from(&work);
        }
        decoded.file_name = Some(file.name.clone());
    }
    decoded.work = form.to_work(true).ok();
    let _ = ChapterForm::from_fields(&fields).to_chapter(1);
    decoded.fields = Some(fields.pairs().to_vec());
    decoded
}

/// One field of a URL-encoded body, as the CSRF check reads it.
pub fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    crate::auth::form_urlencoded_field(body, name)
}

/// A URL-encoded body as the form extractor passes it on, with what XML cannot hold taken
/// out of every field.
pub fn clean_urlencoded(body: &[u8]) -> Vec<u8> {
    crate::forms::clean_fields(Bytes::copy_from_slice(body)).to_vec()
}

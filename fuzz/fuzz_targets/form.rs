//! Form decoding: a body sent as URL-encoded or multipart (the first line of the input is the
//! `Content-Type`) is decoded as the CSRF check and the posting handlers decode it. No input
//! panics; a URL-encoded body's token is the first `csrf_token` field either way; no field
//! value holds a character XML cannot hold, and the form extractor's cleaning changes nothing
//! else; a work the form makes exports to well-formed, script-free HTML and EPUB.
#![no_main]

use libfuzzer_sys::fuzz_target;

fn xml(text: &str) -> String {
    ajar_core::xml_text(text).into_owned()
}

fuzz_target!(|data: &[u8]| {
    let (content_type, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (String::from_utf8_lossy(&data[..at]), &data[at + 1..]),
        None => (String::from_utf8_lossy(data), &[][..]),
    };
    let decoded = ajar_web::fuzzing::decode_form(&content_type, body);
    // A Content-Type that is not visible ASCII cannot be read: the CSRF check then finds no
    // token and refuses the request, whatever the form would have read.
    let readable = content_type
        .bytes()
        .all(|b| (b' '..0x7f).contains(&b) || b == b'\t');
    if readable && content_type.starts_with("application/x-www-form-urlencoded") {
        let field = ajar_web::fuzzing::form_urlencoded_field(body, "csrf_token");
        assert_eq!(decoded.csrf_token, field);
        // The posting form reads the same field, less what XML cannot hold.
        let fields = decoded.fields.as_deref().unwrap_or_default();
        let first = fields
            .iter()
            .find(|(k, _)| k == "csrf_token")
            .map(|(_, v)| v.as_str());
        let expected = field.as_deref().map(ajar_core::xml_text);
        assert_eq!(
            first,
            expected.as_deref(),
            "the form and the CSRF check disagree"
        );
        // Every other form: the same fields, less what XML cannot hold.
        let cleaned = ajar_web::fuzzing::clean_urlencoded(body);
        let before: Vec<(String, String)> = form_urlencoded::parse(body)
            .map(|(k, v)| (xml(&k), xml(&v)))
            .collect();
        let after: Vec<(String, String)> = form_urlencoded::parse(&cleaned)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(before, after, "cleaning changed more than the characters");
    }
    for (_, value) in decoded.fields.as_deref().unwrap_or_default() {
        assert!(
            value.chars().all(ajar_core::is_xml_char),
            "{value:?} reached a form"
        );
    }
    if let Some(work) = &decoded.work {
        ajar_fuzz::check_export(work, ajar_fuzz::Depth::Full);
    }
});

//! Tag names in URLs, the way AO3 writes them: `/tags/Rory Gilmore*s*Jess Mariano/works`.
//!
//! A tag name may hold characters that mean something in a URL path. AO3 replaces five of
//! them with star escapes readers have learnt to recognise (`/` → `*s*`, `&` → `*a*`, `.` →
//! `*d*`, `?` → `*q*`, `#` → `*h*`), and percent-encodes the rest. Decoding undoes both.

use ajar_core::TagName;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

const STAR_ESCAPES: [(char, &str); 5] = [
    ('/', "*s*"),
    ('&', "*a*"),
    ('.', "*d*"),
    ('?', "*q*"),
    ('#', "*h*"),
];

/// Left as they are in a path segment: letters, digits, and these.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'!');

/// The path segment naming a tag.
pub(crate) fn encode(name: &str) -> String {
    let mut starred = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        match STAR_ESCAPES.iter().find(|(plain, _)| *plain == c) {
            Some((_, escape)) => starred.push_str(escape),
            None => starred.push(c),
        }
    }
    utf8_percent_encode(&starred, SEGMENT).to_string()
}

/// The tag a (percent-decoded) path segment names, if it names a valid one.
pub(crate) fn decode(segment: &str) -> Option<TagName> {
    let mut name = segment.to_owned();
    for (plain, escape) in STAR_ESCAPES {
        name = name.replace(escape, plain.encode_utf8(&mut [0; 4]));
    }
    TagName::parse(&name).ok()
}

/// `/tags/NAME`: the tag's own page.
pub(crate) fn tag_href(name: &str) -> String {
    format!("/tags/{}", encode(name))
}

/// `/tags/NAME/canon`: a fandom's canon timeline.
pub(crate) fn canon_href(name: &str) -> String {
    format!("/tags/{}/canon", encode(name))
}

/// `/tags/NAME/works`: the works that carry it.
pub(crate) fn tag_works_href(name: &str) -> String {
    format!("/tags/{}/works", encode(name))
}

/// `/users/NAME`: a creator's page (pseud names carry no star escapes).
pub(crate) fn user_href(name: &str) -> String {
    format!("/users/{}", utf8_percent_encode(name, SEGMENT))
}

/// `/users/NAME/works`: a creator's works.
pub(crate) fn user_works_href(name: &str) -> String {
    format!("{}/works", user_href(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_url_characters_round_trip() {
        let name = "Rory/Jess & Co. - Why? #1 (ünïcode) 50%";
        let segment = encode(name);
        assert_eq!(
            segment,
            "Rory*s*Jess%20*a*%20Co*d*%20-%20Why*q*%20*h*1%20(%C3%BCn%C3%AFcode)%2050%25"
        );
        let decoded = percent_encoding::percent_decode_str(&segment)
            .decode_utf8()
            .expect("UTF-8");
        assert_eq!(decode(&decoded).expect("a tag").as_str(), name);
        assert_eq!(tag_works_href("F/F"), "/tags/F*s*F/works");
        assert_eq!(user_href("a b"), "/users/a%20b");
    }

    #[test]
    fn segments_that_are_no_tag_decode_to_nothing() {
        assert!(decode("").is_none());
        assert!(decode("   ").is_none());
        assert!(decode("a,b").is_none());
    }
}

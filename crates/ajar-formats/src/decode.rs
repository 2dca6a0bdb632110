//! Bytes to text. Story files come from twenty years of editors: UTF-8 with or without a
//! byte order mark, UTF-16 from Windows Notepad, Windows-1252 from old Word exports, with
//! CRLF, LF or (classic Mac) CR line endings. This module turns all of them into one
//! string with `\n` line endings, or refuses bytes that are not text at all.

use crate::FormatErrorKind;
use std::borrow::Cow;

/// Decodes a story file to text with `\n` line endings and without control characters
/// (other than tabs), or says why it is not text.
///
/// - A byte order mark decides: UTF-8, UTF-16 LE or UTF-16 BE.
/// - Otherwise valid UTF-8 is UTF-8, and so is a file that is mostly UTF-8 with a few bad
///   bytes (they become U+FFFD); anything else is Windows-1252, which maps every byte.
/// - NUL bytes, or many control characters, mean binary data (an image, a zip): `NotText`.
pub(crate) fn decode(bytes: &[u8]) -> Result<String, FormatErrorKind> {
    let text: Cow<'_, str> = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        String::from_utf8_lossy(rest)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        encoding_rs::UTF_16LE.decode_without_bom_handling(rest).0
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        encoding_rs::UTF_16BE.decode_without_bom_handling(rest).0
    } else if bytes.contains(&0) {
        return Err(FormatErrorKind::NotText);
    } else {
        match std::str::from_utf8(bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) if mostly_utf8(bytes) => String::from_utf8_lossy(bytes),
            Err(_) => {
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(bytes)
                    .0
            }
        }
    };
    clean(text)
}

/// True if the valid multi-byte UTF-8 characters outnumber the invalid sequences: a UTF-8
/// file with a few damaged bytes, not a Windows-1252 file (whose `“` `”` `…` are invalid).
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            invalid += 1;
        }
    }
    valid > invalid
}

/// Normalizes line endings and drops control characters; refuses binary data.
///
/// Two passes over the bytes, both skipping 64-byte blocks with nothing to do (nearly all
/// of a text), so that a clean file costs about as much as a `memchr`.
fn clean(text: Cow<'_, str>) -> Result<String, FormatErrorKind> {
    let bytes = text.as_bytes();
    if bytes.contains(&0) {
        return Err(FormatErrorKind::NotText);
    }
    let mut controls = 0usize;
    let mut first = None;
    for (block_index, block) in bytes.chunks(BLOCK).enumerate() {
        if !may_need_cleaning(block) {
            continue;
        }
        for i in block_index * BLOCK..block_index * BLOCK + block.len() {
            if let Some(special) = special_at(bytes, i) {
                first.get_or_insert(i);
                controls += usize::from(special.control);
            }
        }
    }
    // A stray DOS end-of-file mark or form feed is fine; one character in fifty is not text.
    if controls > 8 && controls * 50 > text.chars().count() {
        return Err(FormatErrorKind::NotText);
    }
    let Some(first) = first else {
        return Ok(text.into_owned());
    };
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut i) = (0, first);
    while i < bytes.len() {
        if i % BLOCK == 0
            && bytes
                .get(i..i + BLOCK)
                .is_some_and(|b| !may_need_cleaning(b))
        {
            i += BLOCK;
            continue;
        }
        match special_at(bytes, i) {
            // `i` is at an ASCII byte or a UTF-8 lead byte, so both cuts are char boundaries.
            Some(special) => {
                out.push_str(&text[copied..i]);
                out.push_str(special.replacement);
                i += special.len;
                copied = i;
            }
            None => i += 1,
        }
    }
    out.push_str(&text[copied..]);
    Ok(out)
}

const BLOCK: usize = 64;

/// Whether a block has a byte that may start something `clean` changes. Written without
/// short-circuits so that the compiler vectorizes it.
fn may_need_cleaning(block: &[u8]) -> bool {
    block.iter().fold(false, |found, &b| {
        found
            | ((b < 0x20) & (b != b'\n') & (b != b'\t'))
            | (b == 0x7F)
            | (b == 0xC2)
            | (b == 0xE2)
            | (b == 0xEF)
    })
}

/// A character that `clean` replaces: what it becomes, how many bytes it has, and whether
/// it counts as a control character (a sign of binary data).
struct Special {
    replacement: &'static str,
    len: usize,
    control: bool,
}

fn special_at(bytes: &[u8], i: usize) -> Option<Special> {
    let special = |replacement, len, control| {
        Some(Special {
            replacement,
            len,
            control,
        })
    };
    let next = |k: usize| bytes.get(i + k).copied();
    match bytes.get(i).copied()? {
        b'\r' if next(1) == Some(b'\n') => special("\n", 2, false),
        b'\r' => special("\n", 1, false),
        b'\n' | b'\t' => None,
        // Form feed: a page break, so a line break.
        0x0C => special("\n", 1, true),
        0x01..=0x1F | 0x7F => special("", 1, true),
        // C1 controls (U+0080..U+009F), as UTF-8.
        0xC2 if matches!(next(1), Some(0x80..=0x9F)) => special("", 2, true),
        // U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR.
        0xE2 if next(1) == Some(0x80) && next(2) == Some(0xA8) => special("\n", 3, false),
        0xE2 if next(1) == Some(0x80) && next(2) == Some(0xA9) => special("\n\n", 3, false),
        // U+FEFF, a byte order mark left inside by concatenated files.
        0xEF if next(1) == Some(0xBB) && next(2) == Some(0xBF) => special("", 3, false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
        let mut out = if little_endian {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for unit in text.encode_utf16() {
            let b = if little_endian {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            };
            out.extend_from_slice(&b);
        }
        out
    }

    #[test]
    fn encodings_are_recognised() {
        assert_eq!(
            decode(b"\xEF\xBB\xBFTitle: \xE2\x80\x9Cx\xE2\x80\x9D").as_deref(),
            Ok("Title: “x”")
        );
        assert_eq!(
            decode(&utf16("Title: “é”\r\n", true)).as_deref(),
            Ok("Title: “é”\n")
        );
        assert_eq!(
            decode(&utf16("Title: “é”\r\n", false)).as_deref(),
            Ok("Title: “é”\n")
        );
        assert_eq!(
            decode(b"\x93So\x85 this is it?\x94 caf\xE9").as_deref(),
            Ok("“So… this is it?” café")
        );
    }

    #[test]
    fn mostly_utf8_files_keep_their_characters() {
        let bytes = b"\xE2\x80\x9CHi\xE2\x80\x9D, caf\xC3\xA9 \xFF end";
        assert_eq!(decode(bytes).as_deref(), Ok("“Hi”, café \u{FFFD} end"));
    }

    #[test]
    fn line_endings_and_controls_are_normalized() {
        assert_eq!(decode(b"a\r\nb\rc\n\x1a").as_deref(), Ok("a\nb\nc\n"));
        assert_eq!(
            decode("a\u{2029}b\u{FEFF}".as_bytes()).as_deref(),
            Ok("a\n\nb")
        );
        assert_eq!(decode(b"tab\there").as_deref(), Ok("tab\there"));
        // Across the 64-byte blocks the scan skips.
        let long = format!(
            "{}\r\n{}\u{2028}{}\r",
            "a".repeat(63),
            "b".repeat(64),
            "c".repeat(70)
        );
        let expected = format!(
            "{}\n{}\n{}\n",
            "a".repeat(63),
            "b".repeat(64),
            "c".repeat(70)
        );
        assert_eq!(decode(long.as_bytes()), Ok(expected));
    }

    #[test]
    fn binary_data_is_refused() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10";
        assert_eq!(decode(png), Err(FormatErrorKind::NotText));
        assert_eq!(
            decode(b"PK\x03\x04\x14\0\0\0"),
            Err(FormatErrorKind::NotText)
        );
        let noise: Vec<u8> = (0u8..200)
            .map(|i| if i % 3 == 0 { 0x01 + i % 20 } else { b'a' })
            .collect();
        assert_eq!(decode(&noise), Err(FormatErrorKind::NotText));
        // UTF-32 read as UTF-16 is full of NULs.
        assert_eq!(
            decode(b"\xFF\xFE\0\0T\0\0\0"),
            Err(FormatErrorKind::NotText)
        );
    }
}

//! Zip containers: `.zip` files of story files, and the zip inside every EPUB.
//!
//! Nothing in a zip is trusted. Entry names with `..`, a leading `/` or `\`, or a drive
//! letter are refused; the number of entries, each entry's size and the total unpacked
//! size are capped, and sizes are counted as bytes come out of the decompressor, not taken
//! from the (forgeable) headers, so a zip bomb stops at the cap.

use crate::{read_story_file, FormatError, FormatErrorKind};
use ajar_core::Work;
use std::io::{Cursor, Read};
use zip::ZipArchive;

/// At most this many entries in one zip.
pub const MAX_ENTRIES: usize = 20_000;
/// At most this much unpacked data from one zip.
pub const MAX_UNPACKED_BYTES: u64 = 1024 * 1024 * 1024;

/// File name endings of story files, in folders and zips.
pub const STORY_EXTENSIONS: &[&str] = &[
    "txt", "text", "md", "markdown", "html", "htm", "xhtml", "epub", "docx",
];

/// Names (before the extension, any case) of the files that come with a collection rather
/// than being part of it: a folder or zip of stories often has a `README.md` or a
/// `LICENSE.txt`, which are not works.
const NOT_STORIES: &[&str] = &[
    "readme",
    "read me",
    "read_me",
    "read-me",
    "license",
    "licence",
    "copying",
    "changelog",
    "changes",
    "contributing",
    "authors",
];

/// Whether a file, in a folder or zip of stories, is one by its name: it ends in a
/// story-file extension and is not a read-me, licence or change log (see [`NOT_STORIES`]).
pub fn is_story_file_name(name: &str) -> bool {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    file.rsplit_once('.').is_some_and(|(stem, ext)| {
        STORY_EXTENSIONS.iter().any(|s| s.eq_ignore_ascii_case(ext))
            && !NOT_STORIES.iter().any(|n| n.eq_ignore_ascii_case(stem))
    })
}

/// An open zip and what has been unpacked from it so far.
pub(crate) struct Zip<'a> {
    archive: ZipArchive<Cursor<&'a [u8]>>,
    unpacked: u64,
    kind: &'static str,
}

impl<'a> Zip<'a> {
    pub(crate) fn open(bytes: &'a [u8], kind: &'static str) -> Result<Zip<'a>, FormatErrorKind> {
        let archive = ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| FormatErrorKind::BadArchive(kind, e.to_string()))?;
        if archive.len() > MAX_ENTRIES {
            return Err(FormatErrorKind::TooManyEntries(MAX_ENTRIES));
        }
        Ok(Zip {
            archive,
            unpacked: 0,
            kind,
        })
    }

    /// Entry names in the zip's order.
    pub(crate) fn names(&self) -> Vec<String> {
        self.archive.file_names().map(str::to_owned).collect()
    }

    /// Reads one entry, refusing unsafe names and counting its size against the caps.
    pub(crate) fn read(&mut self, name: &str) -> Result<Vec<u8>, FormatErrorKind> {
        check_path(name)?;
        let entry = self
            .archive
            .by_name(name)
            .map_err(|_| FormatErrorKind::MissingEntry(name.to_owned()))?;
        let limit = (crate::MAX_FILE_BYTES as u64).min(MAX_UNPACKED_BYTES - self.unpacked);
        let mut out = Vec::with_capacity(entry.size().min(limit) as usize);
        entry
            .take(limit + 1)
            .read_to_end(&mut out)
            .map_err(|e| FormatErrorKind::BadArchive(self.kind, format!("{name}: {e}")))?;
        if out.len() as u64 > limit {
            return Err(if limit < crate::MAX_FILE_BYTES as u64 {
                FormatErrorKind::ArchiveTooLarge
            } else {
                FormatErrorKind::TooLarge
            });
        }
        self.unpacked += out.len() as u64;
        Ok(out)
    }
}

/// Refuses entry names that could point outside the archive.
pub(crate) fn check_path(name: &str) -> Result<(), FormatErrorKind> {
    let unsafe_path = name.starts_with(['/', '\\'])
        || name.contains('\0')
        || name.split(['/', '\\']).any(|part| part == "..")
        || name.as_bytes().get(1) == Some(&b':');
    if unsafe_path {
        return Err(FormatErrorKind::UnsafePath(name.to_owned()));
    }
    Ok(())
}

/// What [`read_zip`] read: each story file's name (`ZIP/ENTRY`) and its work or error.
pub type ZipEntries = Vec<(String, Result<Work, FormatError>)>;

/// Reads every story file in a `.zip` (by extension; folders, hidden files and
/// `__MACOSX` left out). Each entry gets its own result, named `ZIP/ENTRY`; an unsafe or
/// oversized entry is an error for that entry. A zip that cannot be opened at all is an
/// error for the whole file.
pub fn read_zip(name: &str, bytes: &[u8]) -> Result<ZipEntries, FormatError> {
    let mut zip = Zip::open(bytes, "zip").map_err(|kind| FormatError::new(name, None, kind))?;
    let mut out = Vec::new();
    for entry in zip.names() {
        let hidden = entry
            .split(['/', '\\'])
            .any(|part| part.starts_with('.') && part != ".." || part == "__MACOSX");
        if entry.ends_with('/') || hidden || !is_story_file_name(&entry) {
            continue;
        }
        let label = format!("{name}/{entry}");
        let result = zip
            .read(&entry)
            .map_err(|kind| FormatError::new(&label, None, kind))
            .and_then(|bytes| read_story_file(&label, &bytes));
        let fatal = matches!(
            &result,
            Err(FormatError {
                kind: FormatErrorKind::ArchiveTooLarge,
                ..
            })
        );
        out.push((label, result));
        if fatal {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn story_files_are_known_by_their_names() {
        for name in [
            "story.txt",
            "a/b/Chapter 1.HTML",
            "draft.docx",
            "Tale.md",
            "x.epub",
        ] {
            assert!(is_story_file_name(name), "{name}");
        }
        for name in [
            "README.md",
            "stories/readme.txt",
            "LICENSE.txt",
            "CHANGELOG.md",
            "cover.jpg",
            "notes",
            "readme.md.bak",
        ] {
            assert!(!is_story_file_name(name), "{name}");
        }
        // Only the whole name before the extension: a story may be about a read-me.
        assert!(is_story_file_name("The Readme.txt"));
    }

    #[test]
    fn unsafe_paths_are_refused() {
        for bad in [
            "../evil.txt",
            "a/../../b.txt",
            "/etc/passwd",
            "\\x.txt",
            "C:/x.txt",
            "a\\..\\b",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
        for good in ["a.txt", "dir/b.md", "x..y.txt"] {
            assert!(check_path(good).is_ok(), "{good}");
        }
    }
}

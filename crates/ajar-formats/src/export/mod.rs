//! Works out as files: EPUB 3, single-file HTML, plain text and Markdown.
//!
//! Every writer is a pure function of the work and an [`ExportContext`] (who is exporting,
//! and when), and every file it writes reads back through [`read_story_file`](crate::read_story_file)
//! as the same work: the HTML and EPUB carry AO3's download preface (the `dl.tags` list,
//! summary and notes blockquotes, a `div.meta.group` per chapter), plain text is the seed
//! story format, Markdown has a YAML front matter with the same fields.

mod epub;
mod markdown;
mod page;
mod text;

use ajar_core::Work;
use chrono::{DateTime, Utc};

/// The file formats the archive writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    Epub,
    Html,
    Txt,
    Md,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 4] = [
        ExportFormat::Epub,
        ExportFormat::Html,
        ExportFormat::Txt,
        ExportFormat::Md,
    ];

    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Epub => "epub",
            ExportFormat::Html => "html",
            ExportFormat::Txt => "txt",
            ExportFormat::Md => "md",
        }
    }

    /// The `Content-Type` of the file.
    pub fn mime_type(self) -> &'static str {
        match self {
            ExportFormat::Epub => "application/epub+zip",
            ExportFormat::Html => "text/html; charset=utf-8",
            ExportFormat::Txt => "text/plain; charset=utf-8",
            ExportFormat::Md => "text/markdown; charset=utf-8",
        }
    }

    /// Reads `epub`, `html`, `txt`, `md` (any case, a leading dot allowed).
    pub fn from_extension(ext: &str) -> Option<ExportFormat> {
        let ext = ext.trim_start_matches('.');
        ExportFormat::ALL
            .into_iter()
            .find(|f| f.extension().eq_ignore_ascii_case(ext))
            .or_else(|| {
                matches!(ext.to_ascii_lowercase().as_str(), "text")
                    .then_some(ExportFormat::Txt)
                    .or_else(|| {
                        matches!(ext.to_ascii_lowercase().as_str(), "markdown")
                            .then_some(ExportFormat::Md)
                    })
            })
    }

    /// A file name for a work with this title: `All That's Left.epub`. Characters that
    /// file systems refuse (`/ \ : * ? " < > |` and control characters) become spaces.
    pub fn file_name(self, title: &str) -> String {
        let cleaned: String = title
            .chars()
            .map(|c| {
                if c.is_control()
                    || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
                {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        let mut stem = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
        stem = stem.trim_matches('.').trim().to_owned();
        if stem.chars().count() > 120 {
            stem = stem
                .chars()
                .take(120)
                .collect::<String>()
                .trim_end()
                .to_owned();
        }
        if stem.is_empty() {
            stem = "work".to_owned();
        }
        format!("{stem}.{}", self.extension())
    }
}

impl std::fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.extension())
    }
}

/// What a file says about where it came from, beyond the work itself.
#[derive(Debug, Clone)]
pub struct ExportContext {
    /// The work's id in the archive (`None` for a work not stored).
    pub work_id: Option<i64>,
    /// The archive's name, e.g. "ajar".
    pub archive_name: String,
    /// The archive's public address without a trailing slash, e.g. `https://fics.example`.
    pub archive_url: Option<String>,
    /// When the work last changed: the EPUB's `dcterms:modified`.
    pub modified: DateTime<Utc>,
}

impl ExportContext {
    /// The work's page, where one can be named.
    pub fn work_url(&self) -> Option<String> {
        match (&self.archive_url, self.work_id) {
            (Some(base), Some(id)) => Some(format!("{}/works/{id}", base.trim_end_matches('/'))),
            _ => None,
        }
    }

    /// A stable unique identifier for the work: its address on the archive when the
    /// archive's address is known, else `urn:ajar:work:ID`.
    pub fn identifier(&self, work: &Work) -> String {
        match (self.work_url(), self.work_id) {
            (Some(url), _) => url,
            (None, Some(id)) => format!("urn:ajar:work:{id}"),
            (None, None) => format!("urn:ajar:title:{}", fnv_hex(&work.title)),
        }
    }
}

impl Default for ExportContext {
    fn default() -> Self {
        ExportContext {
            work_id: None,
            archive_name: "ajar".to_owned(),
            archive_url: None,
            modified: DateTime::<Utc>::UNIX_EPOCH,
        }
    }
}

/// Why a work could not be written (only the EPUB's zip writer can fail).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("could not write the EPUB container: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("could not write the EPUB container: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes a work in a format.
pub fn write_work(
    work: &Work,
    format: ExportFormat,
    ctx: &ExportContext,
) -> Result<Vec<u8>, ExportError> {
    Ok(match format {
        ExportFormat::Epub => epub::write(work, ctx)?,
        ExportFormat::Html => page::document(work, ctx).into_bytes(),
        ExportFormat::Txt => text::write(work).into_bytes(),
        ExportFormat::Md => markdown::write(work).into_bytes(),
    })
}

fn fnv_hex(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_come_from_titles() {
        assert_eq!(
            ExportFormat::Epub.file_name("All That's Left"),
            "All That's Left.epub"
        );
        assert_eq!(ExportFormat::Txt.file_name("a/b: c?"), "a b c.txt");
        assert_eq!(ExportFormat::Md.file_name(" .. "), "work.md");
        assert_eq!(
            ExportFormat::from_extension(".EPUB"),
            Some(ExportFormat::Epub)
        );
        assert_eq!(ExportFormat::from_extension("pdf"), None);
    }
}

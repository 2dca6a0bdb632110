//! Why a story file was refused. Every error names the file, and the line where one is to
//! blame, so that an archivist importing a folder of old stories can find and fix it.

use ajar_core::ValidationError;
use std::fmt;

/// A story file that could not be read, e.g.
/// `stories/x.txt: line 3: the header has no usable title (...)`.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {}{kind}", LinePrefix(*line))]
pub struct FormatError {
    /// The file as the caller named it (a path or a file name).
    pub file: String,
    /// 1-based line of the file that the error is about, where there is one.
    pub line: Option<usize>,
    pub kind: FormatErrorKind,
}

/// What is wrong with a refused story file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatErrorKind {
    #[error("the file is not text (it looks binary)")]
    NotText,
    #[error("the file is empty")]
    Empty,
    #[error(
        "the header has no usable title (start the file with a line like \"Title: My Story\")"
    )]
    NoTitle,
    #[error("there is no story text after the header")]
    NoText,
    #[error("the work is not valid: {0}")]
    Invalid(ValidationError),
    #[error("the file is larger than {} MiB", crate::MAX_FILE_BYTES / (1024 * 1024))]
    TooLarge,
    #[error("the front matter cannot be read: {0}")]
    FrontMatter(String),
    #[error("the file is not a readable {0} archive: {1}")]
    BadArchive(&'static str, String),
    #[error("the archive holds an entry with an unsafe path ({0:?}); nothing was read from it")]
    UnsafePath(String),
    #[error("the EPUB names a file it does not contain: {0}")]
    MissingEntry(String),
    #[error("the EPUB has no {0}")]
    BadEpub(&'static str),
    #[error("the archive holds more than {0} entries")]
    TooManyEntries(usize),
    #[error("the archive unpacks to more than {} MiB", crate::archive::MAX_UNPACKED_BYTES / (1024 * 1024))]
    ArchiveTooLarge,
    #[error("a .zip file holds many works; import it as a folder (ajar import FILE.zip)")]
    ZipOfWorks,
    /// A document of a word processor or a PDF, named ("a PDF document (.pdf)"): the
    /// message says what to save it as.
    #[error("this is {0}, which the archive cannot read; save it as .docx, .txt, .html or .md and use that file instead")]
    OtherFormat(&'static str),
    /// A format the archive recognises but cannot read yet (named, e.g. "EPUB").
    #[error("{0} files cannot be read yet; save the work as plain text (.txt) to import it")]
    Unsupported(&'static str),
}

impl FormatError {
    pub fn new(file: &str, line: Option<usize>, kind: FormatErrorKind) -> FormatError {
        FormatError {
            file: file.to_owned(),
            line,
            kind,
        }
    }
}

/// `line 3: ` before the message, or nothing.
struct LinePrefix(Option<usize>);

impl fmt::Display for LinePrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(line) => write!(f, "line {line}: "),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_and_the_line() {
        let e = FormatError::new("stories/x.txt", Some(3), FormatErrorKind::NoTitle);
        assert!(
            e.to_string()
                .starts_with("stories/x.txt: line 3: the header has no usable title"),
            "{e}"
        );
        let e = FormatError::new("x.txt", None, FormatErrorKind::NotText);
        assert_eq!(
            e.to_string(),
            "x.txt: the file is not text (it looks binary)"
        );
        let e = FormatError::new("big.txt", None, FormatErrorKind::TooLarge);
        assert_eq!(e.to_string(), "big.txt: the file is larger than 50 MiB");
    }
}

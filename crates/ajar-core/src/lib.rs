//! ajar's domain: what an archive of fan works holds, in the archive's own words.
//!
//! Everything here is pure (no I/O, no async) so that the story-file reader, the store,
//! the search index and the web layer all agree on one meaning of "a work". Types are
//! valid by construction: a [`TagName`] or a [`Rating`] is parsed once at the edge and
//! never re-checked inside.

mod account;
pub mod canon;
mod graph;
mod html;
mod ids;
mod language;
mod media;
pub mod narration;
mod ratings;
pub mod suggest;
mod tags;
mod text;
mod work;

pub use account::{
    validate_email, validate_password, validate_pseud_name, validate_user_name, Account,
    AccountError, CommentPolicy, Role, SignupMode, Viewer, Visibility,
};
pub use graph::TagGraph;
pub use html::{
    escape_html, html_to_text, is_safe_url, is_xml_char, plain_text_to_html, sanitize_html,
    xml_text, Html,
};
pub use ids::{ChapterId, CommentId, PseudId, SeriesId, TagId, UserId, WorkId};
pub use language::Language;
pub use media::Media;
pub use ratings::{ArchiveWarning, Category, Rating};
pub use tags::{TagKind, TagName, TagNameError};
pub use text::{reading_minutes, word_count, NUMBER_TENS, NUMBER_UNITS};
pub use work::{completion_name, Chapter, ExtraField, SeriesMembership, ValidationError, Work};

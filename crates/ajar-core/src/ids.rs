//! Typed ids, so a work id can never be passed where a chapter id is meant.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse::<i64>().map($name)
            }
        }
    };
}

id_type!(
    /// A work's id: `/works/{id}`.
    WorkId
);
id_type!(
    /// A chapter's id (its position within the work is separate).
    ChapterId
);
id_type!(
    /// A tag's id.
    TagId
);
id_type!(
    /// A series' id.
    SeriesId
);
id_type!(
    /// An account's id.
    UserId
);
id_type!(
    /// A pseud's id: one of an account's display names, or an imported creator's name.
    PseudId
);
id_type!(
    /// A comment's id.
    CommentId
);

//! Media kinds: how the fandoms index groups fandoms ("TV Shows", "Books & Literature", ...),
//! as AO3 readers know them. A fandom that no one has filed yet is "Uncategorized Fandoms".

use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of canon a fandom belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Media {
    AnimeManga,
    BooksLiterature,
    CartoonsComics,
    Celebrities,
    Movies,
    Music,
    OtherMedia,
    Theater,
    TvShows,
    VideoGames,
    /// Not filed under any kind yet (the default: story files do not say).
    Uncategorized,
}

impl Media {
    /// Every kind in the order the fandoms index lists them (AO3's, alphabetical, with
    /// uncategorized fandoms last).
    pub const ALL: [Media; 11] = [
        Media::AnimeManga,
        Media::BooksLiterature,
        Media::CartoonsComics,
        Media::Celebrities,
        Media::Movies,
        Media::Music,
        Media::OtherMedia,
        Media::Theater,
        Media::TvShows,
        Media::VideoGames,
        Media::Uncategorized,
    ];

    /// The name readers see, which is also how the store keeps it and how URLs name it.
    pub fn name(self) -> &'static str {
        match self {
            Media::AnimeManga => "Anime & Manga",
            Media::BooksLiterature => "Books & Literature",
            Media::CartoonsComics => "Cartoons & Comics & Graphic Novels",
            Media::Celebrities => "Celebrities & Real People",
            Media::Movies => "Movies",
            Media::Music => "Music & Bands",
            Media::OtherMedia => "Other Media",
            Media::Theater => "Theater",
            Media::TvShows => "TV Shows",
            Media::VideoGames => "Video Games",
            Media::Uncategorized => "Uncategorized Fandoms",
        }
    }

    /// The kind with this name (case-insensitively), if any.
    pub fn from_name(name: &str) -> Option<Media> {
        let name = name.trim();
        Media::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Media {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for media in Media::ALL {
            assert_eq!(Media::from_name(media.name()), Some(media));
        }
        assert_eq!(Media::from_name(" tv shows "), Some(Media::TvShows));
        assert_eq!(Media::from_name("Radio"), None);
    }
}

//! `ajar fandom`: an archivist's tools for fandom tags. For now, filing a fandom under its
//! media kind, so the fandoms index lists it under "TV Shows" rather than "Uncategorized".

use crate::cli::Global;
use ajar_core::{Media, TagName};
use anyhow::Context;
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Clone, Args)]
pub struct FandomArgs {
    #[command(subcommand)]
    pub command: FandomCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum FandomCommand {
    /// File a fandom under a media kind on the fandoms index.
    Media {
        /// The fandom's name, as its works are tagged ("Gilmore Girls").
        fandom: String,
        /// The media kind: "TV Shows", "Books & Literature", "Movies", "Video Games",
        /// "Anime & Manga", "Cartoons & Comics & Graphic Novels", "Music & Bands", "Theater",
        /// "Celebrities & Real People", "Other Media", or "Uncategorized Fandoms" to take it
        /// out again. Short forms work too: tv, books, movies, games, anime, comics, music,
        /// theater, celebrities, other, uncategorized.
        media: String,
    },
}

/// Reads a media kind by its full name or a short form.
pub fn parse_media(input: &str) -> Option<Media> {
    Media::from_name(input).or_else(|| {
        let short = input.trim().to_lowercase();
        let media = match short.as_str() {
            "tv" | "television" | "tv shows" | "tv show" => Media::TvShows,
            "books" | "book" | "literature" => Media::BooksLiterature,
            "movies" | "movie" | "film" | "films" => Media::Movies,
            "games" | "game" | "video games" | "videogames" => Media::VideoGames,
            "anime" | "manga" | "anime & manga" => Media::AnimeManga,
            "comics" | "cartoons" | "graphic novels" => Media::CartoonsComics,
            "music" | "bands" => Media::Music,
            "theater" | "theatre" => Media::Theater,
            "celebrities" | "rpf" | "real people" => Media::Celebrities,
            "other" | "other media" => Media::OtherMedia,
            "uncategorized" | "none" => Media::Uncategorized,
            _ => return None,
        };
        Some(media)
    })
}

pub async fn run(global: &Global, args: FandomArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        FandomCommand::Media { fandom, media } => {
            let name = TagName::parse(&fandom).with_context(|| format!("fandom {fandom:?}"))?;
            let media = parse_media(&media).with_context(|| {
                let kinds: Vec<&str> = Media::ALL.iter().map(|m| m.name()).collect();
                format!(
                    "{media:?} is not a media kind; use one of: {}",
                    kinds.join(", ")
                )
            })?;
            let store = crate::open_store(global).await?;
            if !store.set_fandom_media(&name, media).await? {
                anyhow::bail!(
                    "there is no fandom named {:?} in the archive",
                    name.as_str()
                );
            }
            println!("Filed {} under {}.", name, media);
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_kinds_read_by_name_and_short_form() {
        assert_eq!(parse_media("TV Shows"), Some(Media::TvShows));
        assert_eq!(parse_media("tv"), Some(Media::TvShows));
        assert_eq!(
            parse_media("Books & Literature"),
            Some(Media::BooksLiterature)
        );
        assert_eq!(parse_media("theatre"), Some(Media::Theater));
        assert_eq!(parse_media("podcasts"), None);
        for media in Media::ALL {
            assert_eq!(parse_media(media.name()), Some(media));
        }
    }
}

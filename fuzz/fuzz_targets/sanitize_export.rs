//! The sanitizer and the exporters together. Whatever text comes in (its first line as a
//! title, creator, tag and chapter title; the rest as HTML, plain text and Markdown, the three
//! formats a writer posts in), the HTML and EPUB downloads hold well-formed XML with no
//! executable URL, no event-handler attribute and no scripting element, read as XML or as
//! HTML5.
#![no_main]

use ajar_core::{Chapter, ExtraField, Html, SeriesMembership, TagName, Work};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
    let html = Html::sanitize(rest);
    let plain = Html::from_plain_text(rest);
    let markdown = ajar_formats::markdown::markdown_to_html(rest);
    let tags: Vec<TagName> = TagName::parse(first).into_iter().collect();
    let work = Work {
        title: first.to_owned(),
        creators: vec![first.to_owned()],
        summary: html.clone(),
        notes: plain.clone(),
        end_notes: markdown.clone(),
        fandoms: tags.clone(),
        tags,
        spoilers: Some(first.to_owned()),
        series: vec![SeriesMembership {
            title: first.to_owned(),
            position: 1,
        }],
        extra: vec![ExtraField {
            key: first.to_owned(),
            value: rest.to_owned(),
        }],
        chapters: vec![
            Chapter {
                position: 1,
                title: Some(first.to_owned()),
                summary: markdown.clone(),
                notes: plain.clone(),
                body: html,
                ..Chapter::default()
            },
            Chapter {
                position: 2,
                body: plain,
                ..Chapter::default()
            },
            Chapter {
                position: 3,
                body: markdown,
                ..Chapter::default()
            },
        ],
        ..Work::default()
    };
    ajar_fuzz::check_export(&work, ajar_fuzz::Depth::Full);
});

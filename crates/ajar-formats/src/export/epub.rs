//! EPUB 3: a title page with AO3's preface, a navigation document, one content document
//! per chapter (with its notes and end notes), an afterword with the work's end notes.
//!
//! The package document names the work the way e-readers and calibre look for it
//! (`dc:title`, `dc:creator`, `dc:language`, `dc:subject` per tag, `dc:description`,
//! `belongs-to-collection` and calibre's series), with a stable `dc:identifier` and the
//! work's `dcterms:modified`. Text documents are deflated at a fast level: a 500,000-word
//! work is written in well under 100 ms.

use super::page::{self, chapter_heading, STYLE};
use super::{ExportContext, ExportError};
use crate::xhtml::escape;
use ajar_core::Work;
use std::fmt::Write as _;
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

pub(crate) fn write(work: &Work, ctx: &ExportContext) -> Result<Vec<u8>, ExportError> {
    let size: usize = work.chapters.iter().map(|c| c.body.as_str().len()).sum();
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(size / 2 + 16_384)));
    let stored = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(1))
        .last_modified_time(zip::DateTime::default());

    // The mimetype comes first, uncompressed, so that tools can sniff the file type.
    zip.start_file("mimetype", stored)?;
    zip.write_all(b"application/epub+zip")?;
    zip.start_file("META-INF/container.xml", deflated)?;
    zip.write_all(CONTAINER.as_bytes())?;
    zip.start_file("OEBPS/content.opf", deflated)?;
    zip.write_all(package(work, ctx).as_bytes())?;
    zip.start_file("OEBPS/nav.xhtml", deflated)?;
    zip.write_all(nav(work).as_bytes())?;
    zip.start_file("OEBPS/style.css", deflated)?;
    zip.write_all(STYLE.as_bytes())?;

    let mut doc = String::new();
    page::preface(&mut doc, work, ctx);
    zip.start_file("OEBPS/title.xhtml", deflated)?;
    zip.write_all(xhtml_document(work, &work.title, &doc).as_bytes())?;
    for chapter in &work.chapters {
        doc.clear();
        page::chapter(&mut doc, chapter);
        zip.start_file(chapter_file(chapter.position), deflated)?;
        zip.write_all(xhtml_document(work, &chapter_heading(chapter), &doc).as_bytes())?;
    }
    if !work.end_notes.is_empty() {
        doc.clear();
        page::afterword(&mut doc, work);
        zip.start_file("OEBPS/afterword.xhtml", deflated)?;
        zip.write_all(xhtml_document(work, "Afterword", &doc).as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

const CONTAINER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"#;

fn chapter_file(position: u32) -> String {
    format!("OEBPS/chapter-{position:04}.xhtml")
}

fn xhtml_document(work: &Work, title: &str, body: &str) -> String {
    let lang = escape(work.language.code());
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n\
         <html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" \
         lang=\"{lang}\" xml:lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{}</title>\n\
         <link rel=\"stylesheet\" type=\"text/css\" href=\"style.css\"/>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

fn package(work: &Work, ctx: &ExportContext) -> String {
    let mut opf = String::with_capacity(4096);
    let lang = escape(work.language.code());
    let _ = write!(
        opf,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\" unique-identifier=\"uid\" xml:lang=\"{lang}\">\n\
         <metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n\
         <dc:identifier id=\"uid\">{}</dc:identifier>\n<dc:title>{}</dc:title>\n<dc:language>{lang}</dc:language>\n",
        escape(&ctx.identifier(work)),
        escape(&work.title),
    );
    for (i, creator) in work.creators.iter().enumerate() {
        let _ = write!(
            opf,
            "<dc:creator id=\"creator{i}\">{}</dc:creator>\n<meta refines=\"#creator{i}\" property=\"role\" scheme=\"marc:relators\">aut</meta>\n",
            escape(creator)
        );
    }
    let _ = writeln!(
        opf,
        "<meta property=\"dcterms:modified\">{}</meta>",
        ctx.modified.format("%Y-%m-%dT%H:%M:%SZ")
    );
    if let Some(published) = work.published {
        let _ = writeln!(opf, "<dc:date>{published}</dc:date>");
    }
    let _ = writeln!(
        opf,
        "<dc:publisher>{}</dc:publisher>",
        escape(&ctx.archive_name)
    );
    if let Some(url) = ctx.work_url() {
        let _ = writeln!(opf, "<dc:source>{}</dc:source>", escape(&url));
    }
    if !work.summary.is_empty() {
        let _ = writeln!(
            opf,
            "<dc:description>{}</dc:description>",
            escape(&work.summary.to_text())
        );
    }
    for (_, tag) in work.tags_by_kind() {
        let _ = writeln!(opf, "<dc:subject>{}</dc:subject>", escape(tag.as_str()));
    }
    for (i, series) in work.series.iter().enumerate() {
        let _ = write!(
            opf,
            "<meta property=\"belongs-to-collection\" id=\"series{i}\">{}</meta>\n\
             <meta refines=\"#series{i}\" property=\"collection-type\">series</meta>\n\
             <meta refines=\"#series{i}\" property=\"group-position\">{}</meta>\n",
            escape(&series.title),
            series.position
        );
    }
    if let Some(series) = work.series.first() {
        let _ = write!(
            opf,
            "<meta name=\"calibre:series\" content=\"{}\"/>\n<meta name=\"calibre:series_index\" content=\"{}\"/>\n",
            escape(&series.title),
            series.position
        );
    }
    opf.push_str("</metadata>\n<manifest>\n");
    opf.push_str("<item id=\"nav\" href=\"nav.xhtml\" media-type=\"application/xhtml+xml\" properties=\"nav\"/>\n");
    opf.push_str("<item id=\"css\" href=\"style.css\" media-type=\"text/css\"/>\n");
    opf.push_str(
        "<item id=\"title\" href=\"title.xhtml\" media-type=\"application/xhtml+xml\"/>\n",
    );
    for chapter in &work.chapters {
        let _ = writeln!(
            opf,
            "<item id=\"chapter{0}\" href=\"chapter-{0:04}.xhtml\" media-type=\"application/xhtml+xml\"/>",
            chapter.position
        );
    }
    if !work.end_notes.is_empty() {
        opf.push_str("<item id=\"afterword\" href=\"afterword.xhtml\" media-type=\"application/xhtml+xml\"/>\n");
    }
    opf.push_str("</manifest>\n<spine>\n<itemref idref=\"title\"/>\n");
    for chapter in &work.chapters {
        let _ = writeln!(opf, "<itemref idref=\"chapter{}\"/>", chapter.position);
    }
    if !work.end_notes.is_empty() {
        opf.push_str("<itemref idref=\"afterword\"/>\n");
    }
    opf.push_str("</spine>\n</package>\n");
    opf
}

fn nav(work: &Work) -> String {
    let mut list = String::from("<li><a href=\"title.xhtml\">Preface</a></li>\n");
    for chapter in &work.chapters {
        let _ = writeln!(
            list,
            "<li><a href=\"chapter-{:04}.xhtml\">{}</a></li>",
            chapter.position,
            escape(&chapter_heading(chapter))
        );
    }
    if !work.end_notes.is_empty() {
        list.push_str("<li><a href=\"afterword.xhtml\">Afterword</a></li>\n");
    }
    let body = format!(
        "<nav epub:type=\"toc\" id=\"toc\">\n<h1>{}</h1>\n<ol>\n{list}</ol>\n</nav>\n",
        escape(&work.title)
    );
    xhtml_document(work, "Contents", &body)
}

//! `ajar import`: story files and folders of them into the archive.
//!
//! Files are read and parsed on a blocking thread while the async side writes parsed works
//! to the store, so parsing and database writes overlap. Each work is one store transaction:
//! a refused or failing file leaves nothing behind and does not stop the batch.
//!
//! Folders and `.zip` files may mix every format ajar reads (plain text, Markdown, HTML,
//! EPUB); a zip's story files are imported one by one, named `ZIP/ENTRY`. A work with the
//! same title, creators and text as one already in the archive (or earlier in the same
//! import) is reported as a duplicate and not stored again.

use crate::cli::{Global, ImportArgs};
use ajar_core::{Rating, TagName, Work, WorkId};
use ajar_store::Store;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// File name endings searched for in folders besides the story formats: zips of them. A
/// file named on the command line is read whatever its name.
const ARCHIVE_EXTENSIONS: &[&str] = &["zip"];

/// Most works written in one transaction. Small enough that a server writing beside an
/// import never waits long for the database.
const IMPORT_BATCH: usize = 64;

/// What the import options fill in for works whose files lack it.
#[derive(Debug, Default, Clone)]
pub struct Defaults {
    pub fandoms: Vec<TagName>,
    pub rating: Option<Rating>,
    pub creator: Option<String>,
    pub tags: Vec<TagName>,
}

impl Defaults {
    pub fn from_args(args: &ImportArgs) -> anyhow::Result<Defaults> {
        let fandoms = args
            .fandom
            .iter()
            .map(|f| TagName::parse(f).with_context(|| format!("--fandom {f:?}")))
            .collect::<anyhow::Result<_>>()?;
        let tags = args
            .tag
            .iter()
            .map(|t| TagName::parse(t).with_context(|| format!("--tag {t:?}")))
            .collect::<anyhow::Result<_>>()?;
        let rating = match &args.rating {
            None => None,
            Some(r) => Some(Rating::parse_lenient(r).with_context(|| {
                format!(
                    "--rating {r:?} is not a rating; use one of General Audiences, Teen And Up \
                     Audiences, Mature, Explicit, Not Rated (or K, K+, T, M, MA, G, PG, PG-13, R, NC-17)"
                )
            })?),
        };
        let creator = match args.creator.as_deref().map(str::trim) {
            Some("") => anyhow::bail!("--creator cannot be empty"),
            other => other.map(str::to_owned),
        };
        Ok(Defaults {
            fandoms,
            rating,
            creator,
            tags,
        })
    }

    /// Fills what the file did not say; never overrides what it did.
    pub fn apply(&self, work: &mut Work) {
        if work.fandoms.is_empty() {
            work.fandoms = self.fandoms.clone();
        }
        if work.rating == Rating::NotRated {
            if let Some(rating) = self.rating {
                work.rating = rating;
            }
        }
        if work.creators.is_empty() {
            if let Some(creator) = &self.creator {
                work.creators.push(creator.clone());
            }
        }
        for tag in &self.tags {
            if !work.tags.iter().any(|t| t.eq_ignore_case(tag)) {
                work.tags.push(tag.clone());
            }
        }
    }
}

/// A file that was not imported, and why.
#[derive(Debug, Clone)]
pub struct Refused {
    pub path: PathBuf,
    pub reason: String,
}

/// A file not imported because the archive already holds its work.
#[derive(Debug, Clone)]
pub struct Duplicate {
    pub path: PathBuf,
    /// The stored work, or (for a repeat within one import whose first copy failed to
    /// store) none.
    pub of: Option<WorkId>,
    /// The file the work was first read from in this import, if it was.
    pub first_path: Option<PathBuf>,
}

impl Duplicate {
    pub fn reason(&self) -> String {
        match (&self.of, &self.first_path) {
            (Some(id), _) => format!("{}: duplicate of work {id}", self.path.display()),
            (None, Some(first)) => {
                format!("{}: duplicate of {}", self.path.display(), first.display())
            }
            (None, None) => format!("{}: duplicate", self.path.display()),
        }
    }
}

/// A work stored by an import.
#[derive(Debug, Clone)]
pub struct Imported {
    pub path: PathBuf,
    pub id: WorkId,
    pub title: String,
    /// Neither the file nor `--fandom` gave it a fandom.
    pub no_fandom: bool,
}

/// The outcome of an import.
#[derive(Debug, Default)]
pub struct Report {
    pub imported: Vec<Imported>,
    pub refused: Vec<Refused>,
    pub duplicates: Vec<Duplicate>,
}

/// Expands the command line's paths into story files: folders recursively (sorted, hidden
/// files skipped), files as given. Paths that cannot be read are refused, not fatal.
pub fn collect_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Refused>) {
    let mut files = Vec::new();
    let mut refused = Vec::new();
    for path in paths {
        if path.is_dir() {
            let walker = walkdir::WalkDir::new(path)
                .follow_links(true)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
                });
            for entry in walker {
                match entry {
                    Ok(entry)
                        if entry.file_type().is_file() && has_story_extension(entry.path()) =>
                    {
                        files.push(entry.into_path())
                    }
                    Ok(_) => {}
                    Err(err) => refused.push(Refused {
                        path: err.path().unwrap_or(path).to_path_buf(),
                        reason: format!("cannot read: {err}"),
                    }),
                }
            }
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            refused.push(Refused {
                path: path.clone(),
                reason: format!("{}: no such file or folder", path.display()),
            });
        }
    }
    (files, refused)
}

/// Whether a file found in a folder is read: a story file by its name (as in a zip: not a
/// read-me or licence, see `ajar_formats::is_story_file_name`), or a zip of them.
fn has_story_extension(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    ajar_formats::is_story_file_name(name)
        || path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ARCHIVE_EXTENSIONS.iter().any(|s| s.eq_ignore_ascii_case(e)))
}

/// Reads and parses one file, then applies the defaults.
pub fn read_work(path: &Path, defaults: &Defaults) -> Result<Work, String> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    let work = ajar_formats::read_story_file(&name, &bytes).map_err(|e| e.to_string())?;
    finish_work(&name, work, defaults)
}

fn finish_work(name: &str, mut work: Work, defaults: &Defaults) -> Result<Work, String> {
    defaults.apply(&mut work);
    work.validate().map_err(|e| format!("{name}: {e}"))?;
    Ok(work)
}

fn is_zip(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// Reads one path: a story file is one work, a `.zip` one work per story file inside it
/// (each named `ZIP/ENTRY`).
pub fn read_works(path: &Path, defaults: &Defaults) -> Vec<(PathBuf, Result<Work, String>)> {
    if !is_zip(path) {
        return vec![(path.to_path_buf(), read_work(path, defaults))];
    }
    let name = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => return vec![(path.to_path_buf(), Err(format!("{name}: cannot read: {e}")))],
    };
    match ajar_formats::read_zip(&name, &bytes) {
        Ok(entries) if entries.is_empty() => vec![(
            path.to_path_buf(),
            Err(format!("{name}: the zip holds no story files")),
        )],
        Ok(entries) => entries
            .into_iter()
            .map(|(entry, result)| {
                let parsed = result
                    .map_err(|e| e.to_string())
                    .and_then(|work| finish_work(&entry, work, defaults));
                (PathBuf::from(entry), parsed)
            })
            .collect(),
        Err(e) => vec![(path.to_path_buf(), Err(e.to_string()))],
    }
}

/// Imports `files` into `store`, ticking `progress` once a file.
pub async fn import_files(
    store: &Store,
    files: Vec<PathBuf>,
    defaults: Defaults,
    progress: &ProgressBar,
) -> Report {
    let mut report = Report::default();
    // Parse ahead on a blocking thread, a bounded number of works at a time.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(PathBuf, Result<Work, String>)>(64);
    let bar = progress.clone();
    let reader = tokio::task::spawn_blocking(move || {
        for path in files {
            let works = read_works(&path, &defaults);
            // A zip counts as one file on the bar until its entries are known.
            bar.inc_length((works.len() as u64).saturating_sub(1));
            for (path, parsed) in works {
                if tx.blocking_send((path, parsed)).is_err() {
                    return;
                }
            }
        }
    });
    // Works stored (or about to be) in this run, by fingerprint, to catch repeats that the
    // store cannot see yet.
    let mut seen: HashMap<u64, (PathBuf, Option<WorkId>)> = HashMap::new();
    // Whatever has been parsed meanwhile is written as one batch: one transaction with a
    // savepoint per work, so a failing work leaves nothing behind and the rest still commit.
    let mut batch = Vec::with_capacity(IMPORT_BATCH);
    while rx.recv_many(&mut batch, IMPORT_BATCH).await > 0 {
        let mut works = Vec::with_capacity(batch.len());
        let mut paths = Vec::with_capacity(batch.len());
        for (path, parsed) in batch.drain(..) {
            match parsed {
                Ok(work) => {
                    let fingerprint = ajar_store::work_fingerprint(&work);
                    if let Some((first, id)) = seen.get(&fingerprint) {
                        report.duplicates.push(Duplicate {
                            path,
                            of: *id,
                            first_path: Some(first.clone()),
                        });
                        progress.inc(1);
                        continue;
                    }
                    match store.find_duplicate(&work).await {
                        Ok(Some(id)) => {
                            seen.insert(fingerprint, (path.clone(), Some(id)));
                            report.duplicates.push(Duplicate {
                                path,
                                of: Some(id),
                                first_path: None,
                            });
                            progress.inc(1);
                            continue;
                        }
                        Ok(None) => {}
                        Err(err) => {
                            report.refused.push(Refused {
                                reason: format!(
                                    "{}: cannot check for duplicates: {err}",
                                    path.display()
                                ),
                                path,
                            });
                            progress.inc(1);
                            continue;
                        }
                    }
                    seen.insert(fingerprint, (path.clone(), None));
                    works.push(work);
                    paths.push(path);
                }
                Err(reason) => {
                    report.refused.push(Refused { path, reason });
                    progress.inc(1);
                }
            }
        }
        let Some(last) = paths.last() else { continue };
        progress.set_message(short_name(last));
        match store.insert_works(&works).await {
            Ok(results) => {
                for ((path, result), work) in paths.into_iter().zip(results).zip(&works) {
                    match result {
                        Ok(id) => {
                            if let Some(entry) = seen.get_mut(&ajar_store::work_fingerprint(work)) {
                                entry.1 = Some(id);
                            }
                            report.imported.push(Imported {
                                path,
                                id,
                                title: work.title.clone(),
                                no_fandom: work.fandoms.is_empty(),
                            })
                        }
                        Err(err) => report.refused.push(Refused {
                            reason: format!("{}: {err}", path.display()),
                            path,
                        }),
                    }
                }
            }
            Err(err) => {
                for path in paths {
                    report.refused.push(Refused {
                        reason: format!("{}: not stored: {err}", path.display()),
                        path,
                    });
                }
            }
        }
        progress.inc(works.len() as u64);
    }
    // A repeat read in the same batch as its first copy is named by the id that copy got.
    let stored: HashMap<&PathBuf, WorkId> =
        report.imported.iter().map(|w| (&w.path, w.id)).collect();
    for duplicate in &mut report.duplicates {
        if duplicate.of.is_none() {
            duplicate.of = duplicate
                .first_path
                .as_ref()
                .and_then(|p| stored.get(p))
                .copied();
        }
    }
    if let Err(err) = reader.await {
        report.refused.push(Refused {
            path: PathBuf::new(),
            reason: format!("the file reader stopped: {err}"),
        });
    }
    report
}

fn short_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub fn progress_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} importing [{bar:30}] {pos}/{len} files, {per_sec}, eta {eta} {wide_msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// The parsed work as `ajar import --dry-run --json` prints it.
pub fn work_json(work: &Work) -> serde_json::Value {
    fn names(tags: &[TagName]) -> Vec<&str> {
        tags.iter().map(TagName::as_str).collect()
    }
    let text = |html: &ajar_core::Html| (!html.is_empty()).then(|| html.to_text());
    json!({
        "title": work.title,
        "creators": work.creators,
        "fandoms": names(&work.fandoms),
        "rating": work.rating.name(),
        "warnings": work.warnings.iter().map(|w| w.name()).collect::<Vec<_>>(),
        "categories": work.categories.iter().map(|c| c.name()).collect::<Vec<_>>(),
        "relationships": names(&work.relationships),
        "characters": names(&work.characters),
        "tags": names(&work.tags),
        "summary": text(&work.summary),
        "notes": text(&work.notes),
        "end_notes": text(&work.end_notes),
        "spoilers": work.spoilers,
        "language": work.language.code(),
        "series": work.series,
        "published": work.published,
        "updated": work.updated,
        "complete": work.complete,
        "expected_chapters": work.expected_chapters,
        "chapters": work.chapters.iter().map(|c| json!({
            "position": c.position,
            "title": c.title,
            "words": c.words(),
            "paragraphs": c.body.paragraph_count(),
        })).collect::<Vec<_>>(),
        "words": work.words(),
        "extra": work.extra,
    })
}

pub async fn run(global: &Global, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let defaults = Defaults::from_args(&args)?;
    let (files, mut refused) = collect_files(&args.paths);
    if args.dry_run {
        // Duplicates are looked up in the archive when there is one; nothing is created.
        let store = match &global.database_url {
            None if !global.data_dir.join("ajar.db").exists() => None,
            _ => Some(crate::open_store(global).await?),
        };
        return dry_run(store.as_ref(), files, refused, &defaults, args.json).await;
    }
    if files.is_empty() && refused.is_empty() {
        anyhow::bail!(
            "no story files found in {}; ajar reads files ending in {}",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            ajar_formats::STORY_EXTENSIONS
                .iter()
                .chain(ARCHIVE_EXTENSIONS)
                .map(|e| format!(".{e}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let store = crate::open_store(global).await?;
    let progress = progress_bar(files.len() as u64);
    let started = std::time::Instant::now();
    let mut report = import_files(&store, files, defaults, &progress).await;
    progress.finish_and_clear();
    if !report.imported.is_empty() {
        // A bulk import changes the archive's shape: the planner gets to see it.
        if let Err(error) = store.analyze().await {
            tracing::warn!(%error, "could not gather the query planner's statistics");
        }
    }
    report.refused.append(&mut refused);

    let secs = started.elapsed().as_secs_f64();
    println!(
        "Imported {} work{} in {secs:.1} s; refused {} file{}; skipped {} duplicate{}.",
        report.imported.len(),
        plural(report.imported.len()),
        report.refused.len(),
        plural(report.refused.len()),
        report.duplicates.len(),
        plural(report.duplicates.len()),
    );
    print_stored(&report.imported);
    if !report.duplicates.is_empty() {
        println!("Duplicates (not imported again):");
        for d in &report.duplicates {
            println!("  {}", d.reason());
        }
    }
    if !report.refused.is_empty() {
        println!("Refused:");
        for r in &report.refused {
            println!("  {}", r.reason);
        }
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Stored works listed one a line while few enough to read (the first and last of the rest
/// summed up), and the works without a fandom named, since no fandom page lists them.
fn print_stored(imported: &[Imported]) {
    const LISTED: usize = 50;
    for w in imported.iter().take(LISTED) {
        println!("  stored #{} \"{}\" → /works/{}", w.id, w.title, w.id);
    }
    if let (Some(first), Some(last)) = (imported.get(LISTED), imported.last()) {
        println!(
            "  ... and {} more, #{} to #{}",
            imported.len() - LISTED,
            first.id,
            last.id
        );
    }
    let no_fandom: Vec<&Imported> = imported.iter().filter(|w| w.no_fandom).collect();
    if !no_fandom.is_empty() {
        let (n, have) = match no_fandom.len() {
            1 => ("1 work".to_owned(), "has"),
            n => (format!("{n} works"), "have"),
        };
        println!(
            "{n} {have} no fandom, so no fandom page lists {} (only /works and search do): \
             give one on the work's edit page, /works/ID/edit, or import with --fandom NAME.",
            if no_fandom.len() == 1 { "it" } else { "them" }
        );
        for w in no_fandom.iter().take(LISTED) {
            println!("  #{} \"{}\" → /works/{}/edit", w.id, w.title, w.id);
        }
    }
}

async fn dry_run(
    store: Option<&Store>,
    files: Vec<PathBuf>,
    refused: Vec<Refused>,
    defaults: &Defaults,
    as_json: bool,
) -> anyhow::Result<ExitCode> {
    let mut failed = !refused.is_empty();
    let mut refusals = refused.len();
    for r in &refused {
        eprintln!("error: {}", r.reason);
    }
    let mut works = Vec::new();
    // JSON shows every work read, duplicates too: it is what the file says.
    let mut parsed_json = Vec::new();
    let mut duplicates = Vec::new();
    // Works read so far by fingerprint, to catch a repeat within this import.
    let mut seen: HashMap<u64, PathBuf> = HashMap::new();
    for file in &files {
        for (path, parsed) in read_works(file, defaults) {
            let work = match parsed {
                Ok(work) => work,
                Err(reason) => {
                    eprintln!("error: {reason}");
                    refusals += 1;
                    failed = true;
                    continue;
                }
            };
            if as_json {
                parsed_json.push(work_json(&work));
            }
            let fingerprint = ajar_store::work_fingerprint(&work);
            let of = match seen.get(&fingerprint) {
                Some(first) => Some(Duplicate {
                    path: path.clone(),
                    of: None,
                    first_path: Some(first.clone()),
                }),
                None => match store {
                    Some(store) => store
                        .find_duplicate(&work)
                        .await
                        .with_context(|| {
                            format!("{}: cannot check for duplicates", path.display())
                        })?
                        .map(|id| Duplicate {
                            path: path.clone(),
                            of: Some(id),
                            first_path: None,
                        }),
                    None => None,
                },
            };
            match of {
                Some(duplicate) => duplicates.push(duplicate),
                None => {
                    seen.insert(fingerprint, path.clone());
                    works.push((path, work));
                }
            }
        }
    }
    if as_json {
        let values = parsed_json;
        let out = if files.len() == 1 && values.len() == 1 {
            serde_json::to_string_pretty(&values[0])?
        } else {
            serde_json::to_string_pretty(&values)?
        };
        if !values.is_empty() || files.len() != 1 {
            println!("{out}");
        }
        for d in &duplicates {
            eprintln!("would skip {}", d.reason());
        }
    } else {
        for (path, work) in &works {
            println!(
                "{}: \"{}\" by {}, {} words, {} chapter{}, {}",
                path.display(),
                work.title,
                if work.creators.is_empty() {
                    "Anonymous".to_owned()
                } else {
                    work.creators.join(", ")
                },
                work.words(),
                work.chapter_label(),
                if work.chapters.len() == 1 { "" } else { "s" },
                match work.complete {
                    Some(true) => "complete",
                    Some(false) => "in progress",
                    None => "completion not stated",
                },
            );
        }
        for d in &duplicates {
            println!("would skip {}", d.reason());
        }
        println!(
            "Dry run: {} work{} would be imported, {} duplicate{} would be skipped, {} file{} \
             refused; nothing was written.",
            works.len(),
            plural(works.len()),
            duplicates.len(),
            plural(duplicates.len()),
            refusals,
            plural(refusals),
        );
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

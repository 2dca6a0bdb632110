//! The command line: flags, with environment fallbacks, for every subcommand.

use clap::{Args, Parser, Subcommand};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// ajar: a self-hosted archive for fan works.
///
/// Runs on an embedded SQLite database in ./ajar-data with no set-up, or on PostgreSQL
/// (--database-url) when an archive outgrows one machine.
#[derive(Debug, Parser)]
#[command(name = "ajar", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Folder holding the archive's SQLite database and search index.
    #[arg(
        long,
        global = true,
        env = "AJAR_DATA_DIR",
        default_value = "./ajar-data"
    )]
    pub data_dir: PathBuf,
    /// PostgreSQL URL (postgres://user:pass@host/db) to use instead of the embedded SQLite.
    #[arg(long, global = true, env = "AJAR_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Folder of the search index [default: DATA_DIR/index]. Derived from the database and
    /// rebuilt when missing, so it can live on fast local disk on each node.
    #[arg(long, global = true, env = "AJAR_INDEX_DIR")]
    pub index_dir: Option<PathBuf>,
}

impl Global {
    /// Where the search index lives.
    pub fn index_dir(&self) -> PathBuf {
        self.index_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("index"))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the archive over HTTP.
    Serve(ServeArgs),
    /// Import story files or folders of them into the archive.
    Import(ImportArgs),
    /// Write a stored work as an EPUB, HTML, plain-text or Markdown file.
    Export(ExportArgs),
    /// Rebuild the search index from the database, from scratch.
    Reindex(crate::search::ReindexArgs),
    /// Fill the archive with a synthetic corpus shaped like AO3 (for trying it at scale and
    /// for benchmarks).
    GenCorpus(crate::search::GenCorpusArgs),
    /// Archivist tools for fandoms (file a fandom under its media kind).
    Fandom(crate::fandom::FandomArgs),
    /// Canon timelines: import a fandom's episodes or chapters from CSV, list them.
    Canon(crate::canon::CanonArgs),
    /// Work out what the text of each work says (narration, share of dialogue, the names it
    /// uses most) for works stored before ajar read it; new and edited works get it on the
    /// way in. Safe to run on a live archive, and again (it does only what is missing).
    AnalyzeTexts,
    /// Accounts: make them, invite, reset passwords, set roles and the sign-up mode.
    User(crate::user::UserArgs),
    /// Mail: send a test mail to check the SMTP settings.
    Mail(crate::mail::MailCommandArgs),
    /// Copy a whole archive into another database (SQLite to PostgreSQL when it outgrows
    /// one machine, or back): every table, ids kept, in batches with a progress bar; goes on
    /// where it stopped when interrupted; checks row counts and checksums of every table at
    /// the end. Stop serving the source while it runs (a copy is of one moment, and writes
    /// after it would be left behind).
    Migrate(crate::transfer::MigrateArgs),
    /// Back up the archive, while it serves, into one SQLite file (whatever the database):
    /// SQLite's VACUUM INTO for a SQLite archive, a copy read in one snapshot for a
    /// PostgreSQL one. The file is checked (integrity, every table's rows and checksum) and
    /// compared with the archive whenever both are of the same moment.
    Backup(crate::transfer::BackupArgs),
    /// Restore a backup file into the archive (--data-dir or --database-url), checked table
    /// by table.
    Restore(crate::transfer::RestoreArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0 picks a free port).
    #[arg(long, env = "AJAR_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Fill an empty archive with a few sample works, so there is something to read at once.
    /// Does nothing if the archive already has works.
    #[arg(long)]
    pub demo: bool,
    /// The address of a reverse proxy in front of ajar (repeat for several). Requests from
    /// it are taken to come from the address it names in `X-Forwarded-For` (for rate limits
    /// and guest kudos); without this, that header is ignored, since anyone can send it.
    #[arg(
        long = "trusted-proxy",
        value_name = "IP",
        env = "AJAR_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<IpAddr>,
    /// A secret that lets a Prometheus on another machine read /metrics, sent as
    /// `Authorization: Bearer TOKEN`. Without it /metrics answers only requests made on this
    /// machine straight to ajar (not through a proxy).
    #[arg(
        long,
        env = "AJAR_METRICS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub metrics_token: Option<String>,
    /// When the search index has to be built first (a new node, a missing, damaged or
    /// long-stale index), wait at most this long for it before serving: past that, pages
    /// are served while it builds, and search says it is catching up until it is done.
    #[arg(
        long,
        env = "AJAR_INDEX_WAIT",
        value_name = "SECONDS",
        default_value_t = 10
    )]
    pub index_wait: u64,
    /// Leave the text of works out of this node's search index: smaller and faster to
    /// build (titles, summaries, tags, notes and every filter still work; `text:` searches
    /// find nothing on this node). For the nodes of a very large archive (see
    /// docs/deployment.md). Switching rebuilds the index.
    #[arg(long, env = "AJAR_NO_TEXT_INDEX")]
    pub no_text_index: bool,
    /// A PostgreSQL standby of the --database-url database that may answer the reads of
    /// pages (repeat for several, or comma-separated in the variable). A reader who has just
    /// written reads where their write is seen; a replica too far behind is left out.
    #[arg(
        long = "database-replica-url",
        value_name = "URL",
        env = "AJAR_DATABASE_REPLICA_URLS",
        hide_env_values = true,
        value_delimiter = ','
    )]
    pub replica_urls: Vec<String>,
    /// A replica further behind the primary than this is not read from until it catches up.
    #[arg(
        long,
        env = "AJAR_REPLICA_MAX_LAG",
        value_name = "SECONDS",
        default_value_t = 2.0
    )]
    pub replica_max_lag: f64,
    #[command(flatten)]
    pub mail: crate::mail::MailArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// Story files, or folders searched recursively for them.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Read and check the files, print what would be imported, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run: print each parsed work as JSON (one object for one file, else an array).
    #[arg(long, requires = "dry_run")]
    pub json: bool,
    /// Fandom for works whose file names none (repeat for a crossover).
    #[arg(long, value_name = "NAME")]
    pub fandom: Vec<String>,
    /// Rating for works whose file names none (AO3 names, or K, K+, T, M, MA, G, PG, PG-13, R, NC-17).
    #[arg(long, value_name = "RATING")]
    pub rating: Option<String>,
    /// Creator for works whose file names none.
    #[arg(long, value_name = "NAME")]
    pub creator: Option<String>,
    /// Additional tag given to every imported work (repeatable).
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The work's id (the number in /works/ID).
    #[arg(value_name = "WORK_ID")]
    pub work_id: i64,
    /// File format; if left out, taken from the output file's extension.
    #[arg(long, value_enum)]
    pub format: Option<ExportFormatArg>,
    /// File to write ("-" for standard output); if left out, a file named after the
    /// work's title in the current folder.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The archive's public address, written into the file as where the work came from.
    #[arg(long, env = "AJAR_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
}

/// `--format` values of `ajar export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormatArg {
    Epub,
    Html,
    Txt,
    Md,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}

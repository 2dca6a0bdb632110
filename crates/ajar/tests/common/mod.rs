//! What the `ajar` binary's tests share: the shared fixtures, and running the binary as a
//! user would, on a data folder of the test's own.

// Each test file uses some of these, never all.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A story file from `tests/fixtures/stories` (copied from the project's shared fixtures).
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/stories")
        .join(name)
}

/// Runs `ajar --data-dir DATA ARGS...`, unaffected by the environment's database or index.
pub fn ajar(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ajar"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("AJAR_DATABASE_URL")
        .env_remove("AJAR_INDEX_DIR")
        .output()
        .expect("run ajar")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Everything the command printed, stdout then stderr.
pub fn text(o: &Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

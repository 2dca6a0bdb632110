//! What the `ajar` binary's tests share: the shared fixtures, and running the binary as a
//! user would, on a data folder of the test's own.

// Each test file uses some of these, never all.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

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

/// A running `ajar serve` (its process, and the address it serves at), killed when dropped.
pub struct Server(pub Child, pub String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn serve(data: &Path, extra: &[&str]) -> Server {
    serve_with_env(data, extra, &[])
}

pub fn serve_with_env(data: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
    serve_logging_to(data, extra, env, Stdio::null())
}

/// `ajar serve` with its log (standard error) going to `log`.
pub fn serve_logging_to(data: &Path, extra: &[&str], env: &[(&str, &str)], log: Stdio) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ajar"));
    command
        .env_remove("AJAR_DATABASE_URL")
        .env_remove("AJAR_TRUSTED_PROXIES")
        .envs(env.iter().copied())
        .stderr(log);
    serve_by(command, data, "127.0.0.1:0", extra)
}

/// `ajar serve` on `bind` run by `command` (the binary itself, or a wrapper such as
/// `ip netns exec NS` that runs what follows it), which the server's arguments are added to;
/// its environment is the caller's to set.
pub fn serve_by(mut command: Command, data: &Path, bind: &str, extra: &[&str]) -> Server {
    let is_ajar = command.get_program() == std::ffi::OsStr::new(env!("CARGO_BIN_EXE_ajar"));
    if !is_ajar {
        command.arg(env!("CARGO_BIN_EXE_ajar"));
    }
    let mut child = command
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--bind", bind])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start ajar serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("ajar serve printed its address")
            .unwrap();
        if let Some(rest) = line.strip_prefix("ajar is serving the archive at ") {
            break rest.trim_end_matches('/').to_owned();
        }
    };
    // Keep reading what the server prints, so its stdout never hits a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Server(child, url)
}

//! A real SMTP server on loopback for mail tests: Python's `aiosmtpd` (Debian's
//! `python3-aiosmtpd`, which `.ci/run` installs), storing what it receives in a Maildir,
//! with the envelope in `X-MailFrom` / `X-RcptTo` headers it adds.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `aiosmtpd`, killed when dropped.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

/// A received mail.
#[derive(Debug, Clone)]
pub struct Mail {
    /// Header lines as received (folded lines joined).
    pub headers: Vec<(String, String)>,
    /// The body, quoted-printable decoded (both parts of a multipart mail).
    pub body: String,
    /// The message as received.
    pub raw: String,
}

impl Mail {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The envelope's recipients, as the server saw them.
    pub fn rcpt_to(&self) -> &str {
        self.header("X-RcptTo").unwrap_or("")
    }

    /// The first link in the body whose path starts with `prefix` (e.g. `/reset/`): the path.
    pub fn link(&self, prefix: &str) -> Option<String> {
        let at = self.body.find(prefix)?;
        let end = self.body[at..]
            .find(|c: char| c.is_whitespace() || c == '"' || c == '<')
            .map_or(self.body.len(), |e| at + e);
        Some(self.body[at..end].to_owned())
    }
}

/// The Python that has `aiosmtpd`, if any.
fn python() -> Option<&'static str> {
    ["/usr/bin/python3", "python3"].into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// A free port on loopback (bound and let go).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl SmtpSink {
    /// Starts a sink on a free port; `None` (after printing why) when `aiosmtpd` is
    /// missing, a failure instead under `AJAR_REQUIRE_ALL_TESTS=1`.
    pub fn start(test: &str) -> Option<SmtpSink> {
        SmtpSink::start_on(test, free_port())
    }

    pub fn start_on(test: &str, port: u16) -> Option<SmtpSink> {
        let Some(python) = python() else {
            let reason = "Python's aiosmtpd is not installed (apt-get install python3-aiosmtpd)";
            if std::env::var("AJAR_REQUIRE_ALL_TESTS").is_ok_and(|v| v.trim() == "1") {
                panic!("{test}: {reason}, and AJAR_REQUIRE_ALL_TESTS=1 requires every test to run");
            }
            eprintln!("SKIP {test}: {reason}");
            return None;
        };
        let dir = tempfile::tempdir().expect("a folder for the mailbox");
        let maildir = dir.path().join("mail");
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let sink = SmtpSink { child, port, dir };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "aiosmtpd did not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(sink)
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The Maildir the server stores what it receives in.
    pub fn maildir(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    /// Every mail received so far, in the order received.
    pub fn mails(&self) -> Vec<Mail> {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir().join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                let modified = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                files.push((modified, entry.path()));
            }
        }
        files.sort();
        files
            .into_iter()
            .filter_map(|(_, path)| std::fs::read_to_string(path).ok())
            .map(|raw| parse(&raw))
            .collect()
    }

    /// The mails received so far that `pick` picks.
    pub fn mails_where(&self, pick: impl Fn(&Mail) -> bool) -> Vec<Mail> {
        self.mails().into_iter().filter(|m| pick(m)).collect()
    }

    /// Waits (up to 20 s) until `pick` picks at least `n` mails; returns those.
    pub async fn wait_for(&self, n: usize, pick: impl Fn(&Mail) -> bool) -> Vec<Mail> {
        let started = Instant::now();
        loop {
            let found = self.mails_where(&pick);
            if found.len() >= n {
                return found;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "waited for {n} mails, got {}: {:#?}",
                found.len(),
                self.mails()
                    .iter()
                    .map(|m| (
                        m.rcpt_to().to_owned(),
                        m.header("Subject").map(str::to_owned)
                    ))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn parse(raw: &str) -> Mail {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = headers.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    Mail {
        headers,
        body: quoted_printable(body),
        raw: raw.clone(),
    }
}

/// Undoes quoted-printable: soft line breaks and `=XX` escapes.
fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() + 1 {
            if let Some(v) = joined
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

//! What the crash loop and the soak share: running the `ajar` binary on an archive, a free
//! port, the CSRF token of a page, and a small deterministic random generator.

#![allow(dead_code)] // each benchmark uses its own part

use std::path::Path;
use std::process::Command;

/// `ajar --data-dir DATA [--database-url URL] ...`, with rate limits off (a benchmark is one
/// address sending far more than a person would).
pub fn cli(ajar: &Path, data: &Path, database_url: Option<&str>) -> Command {
    let mut command = Command::new(ajar);
    command
        .arg("--data-dir")
        .arg(data)
        .env("AJAR_RATE_LIMITS", "off")
        .env_remove("AJAR_DATABASE_URL");
    if let Some(url) = database_url {
        command.args(["--database-url", url]);
    }
    command
}

/// A port on the loopback address that nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// The value of the first `csrf_token` field of a page.
pub fn csrf_token(page: &str) -> Option<String> {
    let at = page.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    Some(page[at..at + page[at..].find('"')?].to_owned())
}

/// A small deterministic generator (xorshift), so a run can be repeated by its seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

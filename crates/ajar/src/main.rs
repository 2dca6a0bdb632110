use clap::Parser;
use std::process::ExitCode;

/// mimalloc rather than the system allocator: under the server's many threads glibc's
/// allocator kept ever more memory in per-thread arenas (the page bench's anonymous memory
/// grew 17% over three minutes after a warm-up), and capping its arenas cost a fifth of the
/// throughput.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = ajar::cli::Cli::parse();
    match ajar::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // `{:#}` prints the whole chain of causes on one line: "cannot open ...: permission denied".
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

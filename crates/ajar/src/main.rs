use clap::Parser;
use std::process::ExitCode;

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

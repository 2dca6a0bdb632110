//! `ajar export WORK_ID --format epub|html|txt|md -o FILE`: a stored work as a file, the
//! same bytes the work page's download links serve.

use crate::cli::{ExportArgs, ExportFormatArg, Global};
use ajar_core::WorkId;
use ajar_formats::{write_work, ExportContext, ExportFormat};
use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

impl From<ExportFormatArg> for ExportFormat {
    fn from(arg: ExportFormatArg) -> ExportFormat {
        match arg {
            ExportFormatArg::Epub => ExportFormat::Epub,
            ExportFormatArg::Html => ExportFormat::Html,
            ExportFormatArg::Txt => ExportFormat::Txt,
            ExportFormatArg::Md => ExportFormat::Md,
        }
    }
}

/// The format asked for, else the one the output file's extension names.
fn pick_format(args: &ExportArgs) -> anyhow::Result<ExportFormat> {
    if let Some(format) = args.format {
        return Ok(format.into());
    }
    let from_name = args
        .output
        .as_ref()
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .and_then(ExportFormat::from_extension);
    from_name.context(
        "say which format to write with --format epub|html|txt|md (or name the output file \
         with one of those extensions)",
    )
}

pub async fn run(global: &Global, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let format = pick_format(&args)?;
    let store = crate::open_store(global).await?;
    let id = WorkId(args.work_id);
    let stored = store
        .work(id)
        .await
        .with_context(|| format!("cannot read work {id}"))?
        .with_context(|| format!("there is no work {id} in this archive"))?;
    let ctx = ExportContext {
        work_id: Some(id.0),
        archive_name: ajar_web::SITE_NAME.to_owned(),
        archive_url: args.public_url.clone(),
        modified: stored.modified_at,
    };
    let bytes = write_work(&stored.work, format, &ctx)
        .with_context(|| format!("cannot write work {id} as {format}"))?;
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format.file_name(&stored.work.title)));
    if output.as_os_str() == "-" {
        std::io::stdout()
            .write_all(&bytes)
            .context("cannot write to standard output")?;
    } else {
        // Written beside the target and renamed, so a failed export leaves no half file.
        let tmp = output.with_extension(format!("{}.part", format.extension()));
        std::fs::write(&tmp, &bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &output)
            .with_context(|| format!("cannot write {}", output.display()))?;
        eprintln!(
            "Wrote \"{}\" ({}, {} bytes) to {}",
            stored.work.title,
            format,
            bytes.len(),
            output.display()
        );
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

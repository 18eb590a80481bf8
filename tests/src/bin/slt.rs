//! `slt`: runs sqllogictest files against a MySQL-protocol server.
//!
//! ```text
//! slt --url mysql://root@127.0.0.1:3306 [--report-dir-depth N] [--fail-fast]
//!     [--verbose] [--timeout-secs N] [--jobs N] [--json FILE]
//!     [--allow-failures] PATHS...
//! ```
//!
//! Prints one line per file (with its first failures), a per-directory
//! table, and a last line `slt: N passed, M failed, K skipped`. Exits 1 if a
//! record failed (unless `--allow-failures`), 2 on a usage or setup error.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use guocedb_tests::slt::{report, runner};

#[derive(Parser, Debug)]
#[command(name = "slt", about = "Run sqllogictest files against a MySQL-protocol server")]
struct Cli {
    /// Server URL, e.g. mysql://root@127.0.0.1:3306
    #[arg(long, env = "SLT_URL")]
    url: String,
    /// Group the per-directory summary by this many directory levels below each root.
    #[arg(long, default_value_t = 2)]
    report_dir_depth: usize,
    /// Stop at the first failing record.
    #[arg(long)]
    fail_fast: bool,
    /// Show every failure (and longer result listings).
    #[arg(long, short)]
    verbose: bool,
    /// Per-statement timeout in seconds; the runner reconnects after one.
    #[arg(long, default_value_t = 30)]
    timeout_secs: u64,
    /// Write a JSON summary to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Exit 0 even when records fail.
    #[arg(long)]
    allow_failures: bool,
    /// Files to run at once, each on its own connection and database.
    #[arg(long, short, default_value_t = 1)]
    jobs: usize,
    /// Engine name matched by `skipif` / `onlyif` (`mariadb` is added when the server is MariaDB).
    #[arg(long, default_value = "mysql")]
    engine: String,
    /// .test files, or directories searched recursively for them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("slt: {e}");
            ExitCode::from(2)
        }
    }
}

/// Prints a line to stdout, ignoring a closed pipe (`slt ... | head`).
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    let files = runner::collect_files(&cli.paths)?;
    if files.is_empty() {
        return Err("no .test files found".into());
    }
    if cli.timeout_secs == 0 {
        return Err("--timeout-secs must be at least 1".into());
    }
    let jobs = cli.jobs.max(1);
    let opts = runner::RunOptions {
        url: cli.url.clone(),
        engines: vec![cli.engine.clone()],
        timeout: Duration::from_secs(cli.timeout_secs),
        fail_fast: cli.fail_fast,
        max_failures_kept: if cli.verbose { usize::MAX } else { 5 },
        max_rows_shown: if cli.verbose { 1000 } else { 10 },
        jobs,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(jobs.clamp(1, 4))
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;

    let started = Instant::now();
    match rt.block_on(runner::server_version(&opts.url, opts.timeout)) {
        Some(v) if v.to_ascii_lowercase().contains("mariadb") => {
            say(&format!("server version: {v} (MariaDB: `skipif mariadb` records are skipped)"))
        }
        Some(v) => say(&format!("server version: {v}")),
        None => say("server version: unknown (cannot connect or ask)"),
    }
    let reports = rt.block_on(runner::run_files(&opts, files, |r| {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(report::file_text(r).as_bytes());
        let _ = out.flush();
    }))?;
    let elapsed = started.elapsed();

    let totals = report::totals(&reports);
    let groups = report::by_directory(&reports, cli.report_dir_depth);
    say("");
    say(report::directory_text(&groups).trim_end());
    say(&format!("{} files in {:.1}s; pass rate {:.2}%", reports.len(), elapsed.as_secs_f64(), totals.pass_rate()));
    if let Some(path) = &cli.json {
        let doc = report::json(&reports, cli.report_dir_depth, elapsed);
        let text = serde_json::to_string_pretty(&doc).map_err(|e| format!("cannot encode the JSON summary: {e}"))?;
        std::fs::write(path, text + "\n").map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    say(&report::final_line(&totals));
    if totals.failed > 0 && !cli.allow_failures {
        Ok(ExitCode::from(1))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

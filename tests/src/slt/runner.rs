//! Running sqllogictest files against a MySQL-protocol server.
//!
//! Every file gets its own connection and its own database: the runner does
//! `DROP DATABASE IF EXISTS slt_<n>; CREATE DATABASE slt_<n>; USE slt_<n>`
//! before the file and drops the database after it. Statements go over the
//! text protocol (`COM_QUERY`), one at a time, each under a timeout. A
//! statement that times out or loses the connection fails, and the runner
//! reconnects (killing the old connection's query) and carries on; if it
//! cannot reconnect, the rest of the file fails.
//!
//! The runner never panics on what the server sends or on what a test file
//! contains: every problem becomes a failed record with a reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder};

use super::format::{check_query, format_value, hash_values, ActualResult, ColumnKind};
use super::parser::{self, Expected, Record, RecordKind};

/// Most values one query may return before the runner stops keeping them.
pub const MAX_RESULT_VALUES: usize = 10_000_000;

/// How a run behaves.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Server URL, `mysql://user[:pass]@host:port`.
    pub url: String,
    /// Engine names matched by `skipif`/`onlyif` (the first is the main
    /// one, `mysql`; [`run_files`] adds `mariadb` when the server says it
    /// is MariaDB).
    pub engines: Vec<String>,
    /// Per-statement timeout.
    pub timeout: Duration,
    /// Stop the whole run at the first failing record.
    pub fail_fast: bool,
    /// Failures kept (with SQL, expected and actual) per file.
    pub max_failures_kept: usize,
    /// Result rows shown per expected/actual listing of a failure.
    pub max_rows_shown: usize,
    /// Files run at the same time, each on its own connection.
    pub jobs: usize,
}

impl RunOptions {
    /// Defaults for `url`: engine `mysql`, 30 s timeout, 5 failures kept.
    pub fn new(url: impl Into<String>) -> RunOptions {
        RunOptions {
            url: url.into(),
            engines: vec!["mysql".into()],
            timeout: Duration::from_secs(30),
            fail_fast: false,
            max_failures_kept: 5,
            max_rows_shown: 10,
            jobs: 1,
        }
    }
}

/// A test file to run and how to name it in reports.
#[derive(Debug, Clone)]
pub struct TestFile {
    /// Where to read it.
    pub path: PathBuf,
    /// Name shown in reports (relative to the root it was found under).
    pub label: String,
    /// Group name for the per-directory summary, to a given depth.
    pub dir_components: Vec<String>,
    /// The root it was found under (as given on the command line).
    pub root: String,
}

/// Finds the `.test` files under `paths` (files, or directories searched
/// recursively), in a stable order.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<TestFile>, String> {
    let mut out = Vec::new();
    for root in paths {
        let meta = std::fs::metadata(root).map_err(|e| format!("cannot read {}: {e}", root.display()))?;
        let root_label = root.display().to_string();
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(root, &mut found)?;
            found.sort();
            for path in found {
                let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                let dir_components = rel
                    .parent()
                    .map(|p| p.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect())
                    .unwrap_or_default();
                out.push(TestFile { label: rel.display().to_string(), path, dir_components, root: root_label.clone() });
            }
        } else {
            out.push(TestFile {
                path: root.clone(),
                label: root_label.clone(),
                dir_components: Vec::new(),
                root: root_label,
            });
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let path = entry.path();
        let ft = entry.file_type().map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
        if ft.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "test") {
            out.push(path);
        }
    }
    Ok(())
}

/// One failed record.
#[derive(Debug, Clone)]
pub struct Failure {
    /// 1-based line of the record's `statement`/`query` line.
    pub line: usize,
    /// The SQL text.
    pub sql: String,
    /// What the file expected, rendered for people.
    pub expected: String,
    /// What the server did, rendered for people.
    pub actual: String,
    /// Why it failed, one line.
    pub reason: String,
}

/// The outcome of one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The file.
    pub file: TestFile,
    /// Records that passed.
    pub passed: u64,
    /// Records that failed.
    pub failed: u64,
    /// Records skipped by `skipif`/`onlyif`.
    pub skipped: u64,
    /// The first failures (up to [`RunOptions::max_failures_kept`]).
    pub failures: Vec<Failure>,
    /// A problem with the file as a whole (unreadable, malformed, no
    /// connection, connection lost for good).
    pub error: Option<String>,
    /// Wall time spent on the file.
    pub elapsed: Duration,
}

impl FileReport {
    fn new(file: TestFile) -> FileReport {
        FileReport {
            file,
            passed: 0,
            failed: 0,
            skipped: 0,
            failures: Vec::new(),
            error: None,
            elapsed: Duration::ZERO,
        }
    }
}

/// Why executing one statement failed.
#[derive(Debug)]
enum ExecError {
    /// The server answered with an error packet.
    Server { code: u16, state: String, message: String },
    /// The statement did not finish in time (the runner reconnected).
    Timeout(Duration),
    /// The connection broke (or could not be made).
    Connection(String),
}

impl std::fmt::Display for ExecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExecError::Server { code, state, message } => write!(f, "error {code} ({state}): {message}"),
            ExecError::Timeout(d) => write!(f, "timeout after {}s", d.as_secs()),
            ExecError::Connection(e) => write!(f, "connection error: {e}"),
        }
    }
}

impl ExecError {
    /// A short form for the one-line reason (the full text is shown as the
    /// actual result).
    fn summary(&self) -> String {
        match self {
            ExecError::Server { code, .. } => format!("error {code}"),
            other => other.to_string(),
        }
    }
}

fn classify(e: mysql_async::Error) -> ExecError {
    match e {
        mysql_async::Error::Server(se) => ExecError::Server { code: se.code, state: se.state, message: se.message },
        other => ExecError::Connection(other.to_string()),
    }
}

/// Builds connection options from a URL.
pub fn connection_opts(url: &str) -> Result<Opts, String> {
    let opts = Opts::from_url(url).map_err(|e| format!("bad server URL `{url}`: {e}"))?;
    // Talk TCP to exactly the address given, never a Unix socket it reports.
    Ok(OptsBuilder::from_opts(opts).prefer_socket(false).into())
}

/// One file's connection to its database.
struct Session {
    opts: Opts,
    timeout: Duration,
    db: String,
    conn: Option<Conn>,
}

impl Session {
    async fn connect(opts: &Opts, timeout: Duration) -> Result<Conn, String> {
        match tokio::time::timeout(timeout, Conn::new(opts.clone())).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(e)) => Err(format!("cannot connect: {e}")),
            Err(_) => Err(format!("cannot connect: no answer in {timeout:?}")),
        }
    }

    /// Connects and creates a fresh database for the file.
    async fn open(opts: Opts, timeout: Duration, db: String) -> Result<Session, String> {
        let conn = Self::connect(&opts, timeout).await?;
        let mut s = Session { opts, timeout, db, conn: Some(conn) };
        for sql in
            [format!("DROP DATABASE IF EXISTS {}", s.db), format!("CREATE DATABASE {}", s.db), format!("USE {}", s.db)]
        {
            s.statement(&sql).await.map_err(|e| format!("setting up database: `{sql}` failed: {e}"))?;
        }
        Ok(s)
    }

    /// Replaces a broken or timed-out connection. `kill` is the id of the
    /// old connection, whose statement may still be running.
    async fn reconnect(&mut self, kill: Option<u32>) -> Result<(), String> {
        self.conn = None;
        let mut conn = Self::connect(&self.opts, self.timeout).await?;
        if let Some(id) = kill {
            let _ = tokio::time::timeout(self.timeout, conn.query_drop(format!("KILL {id}"))).await;
        }
        let use_db = format!("USE {}", self.db);
        match tokio::time::timeout(self.timeout, conn.query_drop(use_db)).await {
            Ok(Ok(())) => {
                self.conn = Some(conn);
                Ok(())
            }
            Ok(Err(e)) => Err(format!("after reconnecting, USE {} failed: {e}", self.db)),
            Err(_) => Err(format!("after reconnecting, USE {} timed out", self.db)),
        }
    }

    /// Runs a statement, discarding any result. Err(Connection) means the
    /// session could not be recovered.
    async fn statement(&mut self, sql: &str) -> Result<(), ExecError> {
        let Some(conn) = self.conn.as_mut() else {
            return Err(ExecError::Connection("not connected".into()));
        };
        let id = conn.id();
        let outcome = tokio::time::timeout(self.timeout, conn.query_drop(sql)).await;
        self.settle(outcome.map(|r| r.map_err(classify)), id).await
    }

    /// Runs a query and formats its first result set.
    async fn query(&mut self, sql: &str) -> Result<ActualResult, ExecError> {
        let Some(conn) = self.conn.as_mut() else {
            return Err(ExecError::Connection("not connected".into()));
        };
        let id = conn.id();
        let outcome = tokio::time::timeout(self.timeout, run_query(conn, sql)).await;
        self.settle(outcome, id).await
    }

    /// Turns a timed-out or connection-level failure into a reconnect.
    async fn settle<T>(
        &mut self,
        outcome: Result<Result<T, ExecError>, tokio::time::error::Elapsed>,
        id: u32,
    ) -> Result<T, ExecError> {
        match outcome {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(ExecError::Connection(e))) => {
                let recovered = self.reconnect(None).await;
                Err(ExecError::Connection(match recovered {
                    Ok(()) => format!("{e} (reconnected)"),
                    Err(r) => format!("{e}; {r}"),
                }))
            }
            Ok(Err(e)) => Err(e),
            Err(_) => {
                if let Err(r) = self.reconnect(Some(id)).await {
                    self.conn = None;
                    return Err(ExecError::Connection(format!("timeout after {:?}; {r}", self.timeout)));
                }
                Err(ExecError::Timeout(self.timeout))
            }
        }
    }

    fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    /// Drops the file's database and closes the connection.
    async fn close(mut self) {
        if self.conn.is_none() && self.reconnect(None).await.is_err() {
            return;
        }
        if let Some(mut conn) = self.conn.take() {
            let drop_db = format!("DROP DATABASE IF EXISTS {}", self.db);
            let _ = tokio::time::timeout(self.timeout, conn.query_drop(drop_db)).await;
            let _ = tokio::time::timeout(self.timeout, conn.disconnect()).await;
        }
    }
}

async fn run_query(conn: &mut Conn, sql: &str) -> Result<ActualResult, ExecError> {
    let mut result = conn.query_iter(sql).await.map_err(classify)?;
    let kinds: Vec<ColumnKind> = result.columns_ref().iter().map(ColumnKind::of).collect();
    let mut values = Vec::new();
    let mut overflow = false;
    result
        .for_each(|row| {
            if values.len() + kinds.len() > MAX_RESULT_VALUES {
                overflow = true;
                return;
            }
            for (i, kind) in kinds.iter().enumerate() {
                values.push(format_value(*kind, row.as_ref(i)));
            }
        })
        .await
        .map_err(classify)?;
    result.drop_result().await.map_err(classify)?;
    if overflow {
        return Err(ExecError::Server {
            code: 0,
            state: "slt".into(),
            message: format!("result has more than {MAX_RESULT_VALUES} values"),
        });
    }
    Ok(ActualResult { kinds, values })
}

/// Renders values `ncols` per line (` | ` between columns), at most
/// `max_rows` lines.
fn render_rows(values: &[String], ncols: usize, max_rows: usize) -> String {
    let ncols = ncols.max(1);
    let nrows = values.len().div_ceil(ncols);
    let mut out: Vec<String> = values.chunks(ncols).take(max_rows).map(|row| row.join(" | ")).collect();
    if nrows > max_rows {
        out.push(format!("... ({} more rows)", nrows - max_rows));
    }
    if out.is_empty() {
        "(no rows)".into()
    } else {
        out.join("\n")
    }
}

fn render_expected(expected: &Expected, ncols: usize, max_rows: usize) -> String {
    match expected {
        Expected::Values(v) => render_rows(v, ncols, max_rows),
        Expected::Hash { count, md5 } => format!("{count} values hashing to {md5}"),
    }
}

fn render_actual(expected: &Expected, values: &[String], ncols: usize, max_rows: usize) -> String {
    let rows = render_rows(values, ncols, max_rows);
    match expected {
        Expected::Values(_) => rows,
        Expected::Hash { .. } => format!("{} values hashing to {}\n{rows}", values.len(), hash_values(values)),
    }
}

/// Runs one record. Returns None on pass, Some(failure) otherwise.
async fn run_record(session: &mut Session, record: &Record, max_rows: usize) -> Option<(String, String, String)> {
    match &record.kind {
        RecordKind::Halt => None,
        RecordKind::Statement { expect_error, error_code } => {
            let want = match (expect_error, error_code) {
                (false, _) => "ok".to_string(),
                (true, None) => "an error".to_string(),
                (true, Some(c)) => format!("error {c}"),
            };
            match (session.statement(&record.sql).await, expect_error) {
                (Ok(()), false) => None,
                (Ok(()), true) => Some(("statement succeeded, expected an error".into(), want, "ok".into())),
                (Err(ExecError::Server { code, .. }), true) if error_code.is_none_or(|c| c == code) => None,
                (Err(e), _) => Some((
                    match e {
                        ExecError::Server { .. } if *expect_error => "statement failed with the wrong error".into(),
                        _ => format!("statement failed: {}", e.summary()),
                    },
                    want,
                    e.to_string(),
                )),
            }
        }
        RecordKind::Query { types, sort, expected, .. } => {
            let ncols = types.len();
            match session.query(&record.sql).await {
                Err(e) => Some((
                    format!("query failed: {}", e.summary()),
                    render_expected(expected, ncols, max_rows),
                    e.to_string(),
                )),
                Ok(actual) => {
                    let shown_cols = if actual.kinds.is_empty() { ncols } else { actual.kinds.len() };
                    match check_query(types, *sort, expected, actual) {
                        Ok(()) => None,
                        Err(m) => Some((
                            m.reason,
                            render_expected(expected, ncols, max_rows),
                            render_actual(expected, &m.actual, shown_cols, max_rows),
                        )),
                    }
                }
            }
        }
    }
}

/// Runs one file on its own connection and database `slt_<db_index>`.
pub async fn run_file(
    opts: &RunOptions,
    conn_opts: &Opts,
    file: TestFile,
    db_index: usize,
    stop: &AtomicBool,
) -> FileReport {
    let started = Instant::now();
    let mut report = FileReport::new(file);
    let text = match std::fs::read(&report.file.path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            report.error = Some(format!("cannot read file: {e}"));
            report.failed = 1;
            report.elapsed = started.elapsed();
            return report;
        }
    };
    let records = match parser::parse(&text) {
        Ok(r) => r,
        Err(e) => {
            report.error = Some(format!("malformed test file: {e}"));
            report.failed = 1;
            report.elapsed = started.elapsed();
            return report;
        }
    };

    // Records that would run: what fails if the file cannot run at all.
    let runnable = |from: usize| -> u64 {
        let mut n = 0;
        for r in &records[from..] {
            if !r.runs_on(&opts.engines) {
                continue;
            }
            if matches!(r.kind, RecordKind::Halt) {
                break;
            }
            n += 1;
        }
        n
    };

    let db = format!("slt_{db_index}");
    let mut session = match Session::open(conn_opts.clone(), opts.timeout, db).await {
        Ok(s) => s,
        Err(e) => {
            report.error = Some(e);
            report.failed = runnable(0);
            report.elapsed = started.elapsed();
            return report;
        }
    };

    for (idx, record) in records.iter().enumerate() {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        if !record.runs_on(&opts.engines) {
            if record.is_counted() {
                report.skipped += 1;
            }
            continue;
        }
        if matches!(record.kind, RecordKind::Halt) {
            break;
        }
        match run_record(&mut session, record, opts.max_rows_shown).await {
            None => report.passed += 1,
            Some((reason, expected, actual)) => {
                report.failed += 1;
                if report.failures.len() < opts.max_failures_kept {
                    report.failures.push(Failure {
                        line: record.line,
                        sql: record.sql.clone(),
                        expected,
                        actual,
                        reason,
                    });
                }
                if opts.fail_fast {
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
        if !session.is_connected() {
            let rest = runnable(idx + 1);
            report.failed += rest;
            report.error = Some(format!(
                "lost the connection at line {} and could not reconnect; {rest} records not run",
                record.line
            ));
            if opts.fail_fast {
                stop.store(true, Ordering::Relaxed);
            }
            break;
        }
    }
    session.close().await;
    report.elapsed = started.elapsed();
    report
}

/// Asks the server for `VERSION()`; None if it cannot be reached or asked.
pub async fn server_version(url: &str, timeout: Duration) -> Option<String> {
    let opts = connection_opts(url).ok()?;
    let mut conn = Session::connect(&opts, timeout).await.ok()?;
    let version = tokio::time::timeout(timeout, conn.query_first::<String, _>("SELECT VERSION()"))
        .await
        .ok()
        .and_then(|r| r.ok())
        .flatten();
    let _ = tokio::time::timeout(timeout, conn.disconnect()).await;
    version
}

/// Runs `files` with `opts.jobs` files at a time, calling `on_file` for
/// each report in file order as soon as it and its predecessors are done.
/// Files not started because of `--fail-fast` are left out.
///
/// If the server's version string says MariaDB, records guarded by
/// `skipif mariadb` / `onlyif mariadb` are treated accordingly.
pub async fn run_files(
    opts: &RunOptions,
    files: Vec<TestFile>,
    mut on_file: impl FnMut(&FileReport),
) -> Result<Vec<FileReport>, String> {
    let conn_opts = connection_opts(&opts.url)?;
    let mut opts = opts.clone();
    if let Some(v) = server_version(&opts.url, opts.timeout).await {
        if v.to_ascii_lowercase().contains("mariadb") && !opts.engines.iter().any(|e| e == "mariadb") {
            opts.engines.push("mariadb".into());
        }
    }
    let opts = Arc::new(opts);
    let files = Arc::new(files);
    let next = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();

    for _ in 0..opts.jobs.max(1) {
        let (opts, conn_opts, files, next, stop, tx) =
            (opts.clone(), conn_opts.clone(), files.clone(), next.clone(), stop.clone(), tx.clone());
        tokio::spawn(async move {
            loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(file) = files.get(i) else { break };
                let report = run_file(&opts, &conn_opts, file.clone(), i, &stop).await;
                if tx.send((i, report)).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);

    let mut pending = BTreeMap::new();
    let mut next_out = 0;
    let mut out = Vec::new();
    while let Some((i, report)) = rx.recv().await {
        pending.insert(i, report);
        while let Some(r) = pending.remove(&next_out) {
            on_file(&r);
            out.push(r);
            next_out += 1;
        }
    }
    // With --fail-fast, later files may finish before an earlier one that
    // was never started; report what did run, in order.
    for (_, r) in pending {
        on_file(&r);
        out.push(r);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_rows() {
        let v: Vec<String> = ["1", "a", "2", "b", "3", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(render_rows(&v, 2, 10), "1 | a\n2 | b\n3 | c");
        assert_eq!(render_rows(&v, 2, 2), "1 | a\n2 | b\n... (1 more rows)");
        assert_eq!(render_rows(&[], 2, 2), "(no rows)");
    }

    #[test]
    fn collects_files_recursively() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::write(sub.join("x.test"), "").expect("write");
        std::fs::write(dir.path().join("y.test"), "").expect("write");
        std::fs::write(dir.path().join("z.txt"), "").expect("write");
        let files = collect_files(&[dir.path().to_path_buf()]).expect("collect");
        let labels: Vec<&str> = files.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(labels, ["a/b/x.test", "y.test"]);
        assert_eq!(files[0].dir_components, ["a", "b"]);
        assert!(files[1].dir_components.is_empty());
        assert!(collect_files(&[dir.path().join("missing")]).is_err());
    }
}

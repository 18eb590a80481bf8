//! Summaries of a run: per file, per directory, totals, and JSON.
//!
//! Only formatting lives here; the numbers come from
//! [`super::runner::FileReport`]s.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use super::runner::FileReport;

/// Passed / failed / skipped counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Records that passed.
    pub passed: u64,
    /// Records that failed.
    pub failed: u64,
    /// Records skipped by conditions.
    pub skipped: u64,
}

impl Counts {
    /// Adds a file's counts.
    pub fn add(&mut self, r: &FileReport) {
        self.passed += r.passed;
        self.failed += r.failed;
        self.skipped += r.skipped;
    }

    /// Passed / (passed + failed), in percent; 100 when nothing ran.
    pub fn pass_rate(&self) -> f64 {
        let ran = self.passed + self.failed;
        if ran == 0 {
            100.0
        } else {
            self.passed as f64 * 100.0 / ran as f64
        }
    }
}

/// Totals over all files.
pub fn totals(reports: &[FileReport]) -> Counts {
    let mut c = Counts::default();
    for r in reports {
        c.add(r);
    }
    c
}

/// The group a file is reported under: its directory relative to the root
/// it was found under, cut to `depth` components (`.` for the root itself),
/// prefixed with the root when several roots were given.
pub fn group_of(r: &FileReport, depth: usize, several_roots: bool) -> String {
    let comps = &r.file.dir_components;
    let rel = if comps.is_empty() || depth == 0 { ".".to_string() } else { comps[..depth.min(comps.len())].join("/") };
    if several_roots {
        format!("{}: {rel}", r.file.root)
    } else {
        rel
    }
}

/// Per-directory counts, sorted by group name.
pub fn by_directory(reports: &[FileReport], depth: usize) -> BTreeMap<String, Counts> {
    let mut roots: Vec<&str> = reports.iter().map(|r| r.file.root.as_str()).collect();
    roots.sort_unstable();
    roots.dedup();
    let several = roots.len() > 1;
    let mut groups: BTreeMap<String, Counts> = BTreeMap::new();
    for r in reports {
        groups.entry(group_of(r, depth, several)).or_default().add(r);
    }
    groups
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines().map(|l| format!("{prefix}{l}")).collect::<Vec<_>>().join("\n")
}

/// The text block for one file: a status line, then its kept failures.
pub fn file_text(r: &FileReport) -> String {
    let status = if r.failed == 0 { "ok  " } else { "FAIL" };
    let mut out = format!(
        "{status} {}: {} passed, {} failed, {} skipped ({:.1}s)\n",
        r.file.label,
        r.passed,
        r.failed,
        r.skipped,
        r.elapsed.as_secs_f64()
    );
    if let Some(e) = &r.error {
        let _ = writeln!(out, "     error: {e}");
    }
    for f in &r.failures {
        let _ = writeln!(out, "  -- {}:{}: {}", r.file.label, f.line, f.reason);
        let _ = writeln!(out, "     sql:\n{}", indent(&f.sql, "       "));
        let _ = writeln!(out, "     expected:\n{}", indent(&f.expected, "       "));
        let _ = writeln!(out, "     actual:\n{}", indent(&f.actual, "       "));
    }
    let shown = r.failures.len() as u64;
    let not_shown = r.failed.saturating_sub(shown);
    if not_shown > 0 && shown > 0 {
        let _ = writeln!(out, "  -- ... and {not_shown} more failures in this file (--verbose shows all)");
    }
    out
}

/// The per-directory table.
pub fn directory_text(groups: &BTreeMap<String, Counts>) -> String {
    let width = groups.keys().map(|k| k.len()).max().unwrap_or(0).max(9);
    let mut out = format!("{:<width$} {:>9} {:>9} {:>9} {:>8}\n", "directory", "passed", "failed", "skipped", "pass%");
    for (name, c) in groups {
        let _ =
            writeln!(out, "{:<width$} {:>9} {:>9} {:>9} {:>7.2}%", name, c.passed, c.failed, c.skipped, c.pass_rate());
    }
    out
}

/// The final line: `slt: N passed, M failed, K skipped`.
pub fn final_line(c: &Counts) -> String {
    format!("slt: {} passed, {} failed, {} skipped", c.passed, c.failed, c.skipped)
}

/// The JSON summary written by `--json`.
pub fn json(reports: &[FileReport], depth: usize, elapsed: Duration) -> serde_json::Value {
    use serde_json::json;
    let t = totals(reports);
    let dirs: Vec<_> = by_directory(reports, depth)
        .into_iter()
        .map(|(dir, c)| {
            json!({
                "directory": dir,
                "passed": c.passed,
                "failed": c.failed,
                "skipped": c.skipped,
            })
        })
        .collect();
    let files: Vec<_> = reports
        .iter()
        .map(|r| {
            json!({
                "file": r.file.label,
                "path": r.file.path.display().to_string(),
                "passed": r.passed,
                "failed": r.failed,
                "skipped": r.skipped,
                "elapsed_secs": r.elapsed.as_secs_f64(),
                "error": r.error,
                "failures": r.failures.iter().map(|f| json!({
                    "line": f.line,
                    "reason": f.reason,
                    "sql": f.sql,
                    "expected": f.expected,
                    "actual": f.actual,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "passed": t.passed,
        "failed": t.failed,
        "skipped": t.skipped,
        "pass_rate": t.pass_rate(),
        "elapsed_secs": elapsed.as_secs_f64(),
        "directories": dirs,
        "files": files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slt::runner::TestFile;

    fn report(dirs: &[&str], passed: u64, failed: u64) -> FileReport {
        FileReport {
            file: TestFile {
                path: "x.test".into(),
                label: "x.test".into(),
                dir_components: dirs.iter().map(|s| s.to_string()).collect(),
                root: "root".into(),
            },
            passed,
            failed,
            skipped: 1,
            failures: vec![],
            error: None,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn groups_by_directory_depth() {
        let rs = vec![
            report(&["index", "between", "10"], 3, 1),
            report(&["index", "between", "100"], 2, 0),
            report(&["random"], 1, 0),
            report(&[], 1, 0),
        ];
        let g = by_directory(&rs, 2);
        let keys: Vec<&str> = g.keys().map(|s| s.as_str()).collect();
        assert_eq!(keys, [".", "index/between", "random"]);
        assert_eq!(g["index/between"], Counts { passed: 5, failed: 1, skipped: 2 });
        assert_eq!(final_line(&totals(&rs)), "slt: 7 passed, 1 failed, 4 skipped");
    }
}

//! The shared sqllogictest corpus (`../shared/slt`, MySQL-regenerated)
//! against a real server. Prints the pass rate per directory (recorded in
//! tests/slt/README.md) and fails if any directory falls below its floor:
//! 100% everywhere except the directories still being worked on.

use std::path::PathBuf;

use guocedb_tests::slt::{report, runner};
use guocedb_tests::TestServer;

/// Directories not yet at 100%, with the pass rate they must keep.
const FLOORS: &[(&str, f64)] = &[];

fn corpus_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GUOCEDB_SLT_CORPUS") {
        return Some(PathBuf::from(p));
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/slt");
    p.is_dir().then_some(p)
}

#[test]
fn shared_corpus_pass_rate() {
    let Some(dir) = corpus_dir() else {
        panic!("the shared corpus is missing: expected ../shared/slt beside the project, or GUOCEDB_SLT_CORPUS");
    };
    let server = TestServer::start();
    let files = runner::collect_files(&[dir]).expect("corpus is readable");
    assert!(files.len() >= 30, "the corpus looks incomplete: {} files", files.len());
    let mut opts = runner::RunOptions::new(server.url());
    opts.jobs = 2;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let reports = rt.block_on(runner::run_files(&opts, files, |_| {})).expect("corpus run");
    let groups = report::by_directory(&reports, 2);
    println!("{}", report::directory_text(&groups));
    let totals = report::totals(&reports);
    println!("{}", report::final_line(&totals));
    let mut below = Vec::new();
    for (dir, counts) in &groups {
        let floor = FLOORS.iter().find(|(d, _)| dir.ends_with(d)).map(|(_, f)| *f).unwrap_or(100.0);
        let rate = counts.pass_rate();
        if rate + 1e-9 < floor {
            below.push(format!("{dir}: {rate:.2}% < {floor}%"));
        }
    }
    assert!(
        below.is_empty(),
        "corpus directories below their floor:\n{}\nserver stderr:\n{}",
        below.join("\n"),
        server.stderr_log()
    );
}

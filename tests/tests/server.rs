//! End-to-end tests against a real `guocedb serve` process.
//!
//! They need the server binary (`cargo build -p guocedb`, or `GUOCEDB_BIN`);
//! `scripts/test.sh` builds it before running
//! `cargo test`.

use std::path::PathBuf;

use guocedb_tests::slt::{report, runner};
use guocedb_tests::TestServer;
use mysql_async::prelude::Queryable;

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime").block_on(f)
}

async fn connect(url: &str) -> mysql_async::Result<mysql_async::Conn> {
    let opts = runner::connection_opts(url).expect("valid URL");
    mysql_async::Conn::new(opts).await
}

/// Every record of our own sqllogictest files must pass.
#[test]
fn own_sqllogictest_files_pass() {
    let server = TestServer::start();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("slt");
    let files = runner::collect_files(&[dir]).expect("tests/slt is readable");
    assert!(!files.is_empty(), "no .test files in tests/slt");
    let opts = runner::RunOptions::new(server.url());
    let mut text = String::new();
    let reports = block_on(runner::run_files(&opts, files, |r| text.push_str(&report::file_text(r)))).expect("run");
    let totals = report::totals(&reports);
    println!("{text}{}", report::final_line(&totals));
    assert_eq!(totals.failed, 0, "sqllogictest failures:\n{text}\nserver stderr:\n{}", server.stderr_log());
}

/// Committed data survives a SIGKILL and a restart on the same directory.
#[test]
fn data_survives_kill_and_restart() {
    let mut server = TestServer::start();
    let url = server.url();
    block_on(async {
        let mut conn = connect(&url).await.expect("connect");
        conn.query_drop("CREATE DATABASE durable").await.expect("create db");
        conn.query_drop("CREATE TABLE durable.t (id INT PRIMARY KEY, v VARCHAR(10))").await.expect("create table");
        conn.query_drop("INSERT INTO durable.t VALUES (1, 'one'), (2, 'two')").await.expect("insert");
    });

    server.kill();
    assert!(!server.is_running());
    assert!(block_on(connect(&url)).is_err(), "a killed server still accepts connections");

    server.restart();
    assert_eq!(server.url(), url, "restart keeps the port");
    let rows: Vec<(i32, String)> = block_on(async {
        let mut conn = connect(&url).await.expect("connect after restart");
        conn.query("SELECT id, v FROM durable.t ORDER BY id").await.expect("select after restart")
    });
    assert_eq!(rows, vec![(1, "one".to_string()), (2, "two".to_string())]);
}

/// Each server gets its own port and data directory.
#[test]
fn servers_are_independent() {
    let a = TestServer::start();
    let b = TestServer::start();
    assert_ne!(a.port(), b.port());
    assert_ne!(a.data_dir(), b.data_dir());
    assert!(a.data_dir().is_dir());
    block_on(async {
        let mut ca = connect(&a.url()).await.expect("connect a");
        let mut cb = connect(&b.url()).await.expect("connect b");
        ca.query_drop("CREATE DATABASE only_in_a").await.expect("create");
        let in_b: Vec<String> = cb.query("SHOW DATABASES").await.expect("show");
        assert!(!in_b.iter().any(|d| d == "only_in_a"));
    });
}

//! Multi-statement transactions through real connections: atomic COMMIT and
//! ROLLBACK, savepoints, snapshot isolation under REPEATABLE READ, fresh
//! snapshots under READ COMMITTED, write conflicts (1213, never a lost
//! update), rollback on disconnect, and implicit commit by DDL.

use guocedb_tests::slt::runner;
use guocedb_tests::TestServer;
use mysql_async::prelude::*;
use mysql_async::Conn;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().expect("tokio runtime")
}

async fn connect(url: &str) -> Conn {
    let opts = runner::connection_opts(url).expect("valid URL");
    let mut c = Conn::new(opts).await.expect("connect");
    c.query_drop("USE tx").await.ok();
    c
}

async fn setup(url: &str) {
    let mut c = connect(url).await;
    c.query_drop("CREATE DATABASE IF NOT EXISTS tx").await.unwrap();
    c.query_drop("USE tx").await.unwrap();
    c.query_drop("CREATE TABLE acct (id INT PRIMARY KEY, bal INT NOT NULL)").await.unwrap();
    c.query_drop("INSERT INTO acct VALUES (1, 100), (2, 50)").await.unwrap();
}

async fn balances(c: &mut Conn) -> Vec<(i32, i32)> {
    c.query("SELECT id, bal FROM acct ORDER BY id").await.unwrap()
}

fn code<T: std::fmt::Debug>(r: mysql_async::Result<T>) -> u16 {
    match r {
        Err(mysql_async::Error::Server(e)) => e.code,
        other => panic!("expected a server error, got {other:?}"),
    }
}

#[test]
fn commit_rollback_and_savepoints() {
    let server = TestServer::start();
    rt().block_on(async {
        setup(&server.url()).await;
        let mut a = connect(&server.url()).await;
        let mut b = connect(&server.url()).await;
        a.query_drop("BEGIN").await.unwrap();
        a.query_drop("UPDATE acct SET bal = bal - 30 WHERE id = 1").await.unwrap();
        a.query_drop("UPDATE acct SET bal = bal + 30 WHERE id = 2").await.unwrap();
        assert_eq!(balances(&mut a).await, [(1, 70), (2, 80)], "a transaction sees its own writes");
        assert_eq!(balances(&mut b).await, [(1, 100), (2, 50)], "no dirty reads");
        a.query_drop("ROLLBACK").await.unwrap();
        assert_eq!(balances(&mut a).await, [(1, 100), (2, 50)]);

        a.query_drop("START TRANSACTION").await.unwrap();
        a.query_drop("INSERT INTO acct VALUES (3, 5)").await.unwrap();
        a.query_drop("SAVEPOINT s1").await.unwrap();
        a.query_drop("INSERT INTO acct VALUES (4, 6)").await.unwrap();
        a.query_drop("ROLLBACK TO SAVEPOINT s1").await.unwrap();
        // A failing statement undoes only itself; the transaction goes on.
        assert_eq!(code(a.query_drop("INSERT INTO acct VALUES (5, 1), (3, 1)").await), 1062);
        a.query_drop("COMMIT").await.unwrap();
        assert_eq!(balances(&mut b).await, [(1, 100), (2, 50), (3, 5)]);
        assert_eq!(code(a.query_drop("ROLLBACK TO SAVEPOINT s1").await), 1305);
    });
}

#[test]
fn repeatable_read_and_read_committed() {
    let server = TestServer::start();
    rt().block_on(async {
        setup(&server.url()).await;
        let mut a = connect(&server.url()).await;
        let mut b = connect(&server.url()).await;
        a.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT").await.unwrap();
        let first = balances(&mut a).await;
        b.query_drop("UPDATE acct SET bal = 0 WHERE id = 1").await.unwrap();
        b.query_drop("INSERT INTO acct VALUES (7, 7)").await.unwrap();
        assert_eq!(balances(&mut a).await, first, "no non-repeatable reads or phantoms");
        a.query_drop("COMMIT").await.unwrap();
        assert_eq!(balances(&mut a).await, [(1, 0), (2, 50), (7, 7)]);

        a.query_drop("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED").await.unwrap();
        let level: Option<String> = a.query_first("SELECT @@transaction_isolation").await.unwrap();
        assert_eq!(level.as_deref(), Some("READ-COMMITTED"));
        a.query_drop("BEGIN").await.unwrap();
        assert_eq!(balances(&mut a).await.len(), 3);
        b.query_drop("DELETE FROM acct WHERE id = 7").await.unwrap();
        assert_eq!(balances(&mut a).await.len(), 2, "READ COMMITTED sees each statement's latest commits");
        a.query_drop("COMMIT").await.unwrap();
    });
}

#[test]
fn write_conflicts_never_lose_updates() {
    let server = TestServer::start();
    rt().block_on(async {
        setup(&server.url()).await;
        let mut a = connect(&server.url()).await;
        let mut b = connect(&server.url()).await;
        a.query_drop("BEGIN").await.unwrap();
        a.query_drop("UPDATE acct SET bal = bal + 1 WHERE id = 1").await.unwrap();
        b.query_drop("UPDATE acct SET bal = bal + 10 WHERE id = 1").await.unwrap();
        assert_eq!(code(a.query_drop("COMMIT").await), 1213, "the later committer of a conflicting write fails");
        assert_eq!(balances(&mut a).await[0], (1, 110), "the failed transaction left nothing behind");

        // Bank transfers from many connections keep the total.
        let url = server.url();
        let mut tasks = Vec::new();
        for w in 0..8 {
            let url = url.clone();
            tasks.push(tokio::spawn(async move {
                let mut c = connect(&url).await;
                let mut done = 0;
                while done < 20 {
                    let (from, to) = if (w + done) % 2 == 0 { (1, 2) } else { (2, 1) };
                    c.query_drop("BEGIN").await.unwrap();
                    c.exec_drop("UPDATE acct SET bal = bal - 1 WHERE id = ?", (from,)).await.unwrap();
                    c.exec_drop("UPDATE acct SET bal = bal + 1 WHERE id = ?", (to,)).await.unwrap();
                    match c.query_drop("COMMIT").await {
                        Ok(()) => done += 1,
                        Err(mysql_async::Error::Server(e)) if e.code == 1213 => {}
                        Err(e) => panic!("{e}"),
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let total: Option<i64> = b.query_first("SELECT SUM(bal) FROM acct").await.unwrap();
        assert_eq!(total, Some(160));
    });
}

#[test]
fn disconnect_rolls_back_and_ddl_commits() {
    let server = TestServer::start();
    rt().block_on(async {
        setup(&server.url()).await;
        {
            let mut a = connect(&server.url()).await;
            a.query_drop("BEGIN").await.unwrap();
            a.query_drop("DELETE FROM acct").await.unwrap();
            a.disconnect().await.unwrap();
        }
        let mut b = connect(&server.url()).await;
        assert_eq!(balances(&mut b).await.len(), 2, "a client that disconnects mid-transaction commits nothing");

        b.query_drop("SET autocommit = 0").await.unwrap();
        b.query_drop("INSERT INTO acct VALUES (3, 1)").await.unwrap();
        b.query_drop("CREATE TABLE other (x INT)").await.unwrap();
        b.query_drop("ROLLBACK").await.unwrap();
        let mut c = connect(&server.url()).await;
        assert_eq!(balances(&mut c).await.len(), 3, "DDL committed the open transaction");
        b.query_drop("SET autocommit = 1").await.unwrap();

        c.query_drop("START TRANSACTION READ ONLY").await.unwrap();
        assert_eq!(code(c.query_drop("INSERT INTO acct VALUES (9, 9)").await), 1792);
        c.query_drop("COMMIT").await.unwrap();
    });
}

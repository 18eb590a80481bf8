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
fn bank_transfers_keep_the_total() {
    let server = TestServer::start();
    rt().block_on(async {
        setup(&server.url()).await;
        let url = server.url();
        // Transfers in both directions from 16 connections: some deadlock
        // (the victim gets 1213 and retries), none is lost or half-applied.
        let mut tasks = Vec::new();
        for w in 0..16 {
            let url = url.clone();
            tasks.push(tokio::spawn(async move {
                let mut c = connect(&url).await;
                let (mut done, mut retries) = (0, 0u32);
                while done < 15 {
                    let (from, to) = if (w + done) % 2 == 0 { (1, 2) } else { (2, 1) };
                    let attempt: mysql_async::Result<()> = async {
                        c.query_drop("BEGIN").await?;
                        c.exec_drop("UPDATE acct SET bal = bal - 1 WHERE id = ?", (from,)).await?;
                        c.exec_drop("UPDATE acct SET bal = bal + 1 WHERE id = ?", (to,)).await?;
                        c.query_drop("COMMIT").await
                    }
                    .await;
                    match attempt {
                        Ok(()) => done += 1,
                        Err(mysql_async::Error::Server(e)) if e.code == 1213 => {
                            retries += 1;
                            c.query_drop("ROLLBACK").await.unwrap();
                        }
                        Err(e) => panic!("{e}"),
                    }
                }
                retries
            }));
        }
        let mut retries = 0;
        for t in tasks {
            retries += t.await.unwrap();
        }
        let mut c = connect(&url).await;
        let total: Option<i64> = c.query_first("SELECT SUM(bal) FROM acct").await.unwrap();
        assert_eq!(total, Some(150), "after {retries} deadlock retries");
        let n: Option<i64> = c.query_first("SELECT COUNT(*) FROM acct").await.unwrap();
        assert_eq!(n, Some(2));
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

#[test]
fn row_locks_make_writers_wait_instead_of_failing() {
    let server = TestServer::start();
    rt().block_on(async {
        setup(&server.url()).await;
        let url = server.url();
        let mut a = connect(&url).await;
        a.query_drop("BEGIN").await.unwrap();
        a.query_drop("UPDATE acct SET bal = bal + 1 WHERE id = 1").await.unwrap();
        // B's UPDATE of the same row waits for A's lock, then acts on A's
        // committed value: no lost update, no error.
        let url2 = url.clone();
        let b = tokio::spawn(async move {
            let mut b = connect(&url2).await;
            b.query_drop("BEGIN").await.unwrap();
            b.query_drop("UPDATE acct SET bal = bal + 10 WHERE id = 1").await.unwrap();
            b.query_drop("COMMIT").await.unwrap();
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(!b.is_finished(), "the second writer must wait for the row lock");
        a.query_drop("COMMIT").await.unwrap();
        b.await.unwrap();
        assert_eq!(balances(&mut a).await[0], (1, 111));

        // SELECT ... FOR UPDATE locks too, and reads the latest version.
        a.query_drop("BEGIN").await.unwrap();
        let v: Option<i32> = a.query_first("SELECT bal FROM acct WHERE id = 2 FOR UPDATE").await.unwrap();
        assert_eq!(v, Some(50));
        let url3 = url.clone();
        let c = tokio::spawn(async move {
            let mut c = connect(&url3).await;
            c.query_drop("UPDATE acct SET bal = 0 WHERE id = 2").await.unwrap();
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(!c.is_finished(), "FOR UPDATE blocks writers");
        a.query_drop("UPDATE acct SET bal = 49 WHERE id = 2").await.unwrap();
        a.query_drop("COMMIT").await.unwrap();
        c.await.unwrap();
        assert_eq!(balances(&mut a).await[1], (2, 0));
    });
}

#[test]
fn deadlocks_and_lock_wait_timeouts() {
    let server = TestServer::start();
    rt().block_on(async {
        setup(&server.url()).await;
        let url = server.url();
        let mut a = connect(&url).await;
        let mut b = connect(&url).await;
        a.query_drop("BEGIN").await.unwrap();
        b.query_drop("BEGIN").await.unwrap();
        a.query_drop("UPDATE acct SET bal = bal + 1 WHERE id = 1").await.unwrap();
        b.query_drop("UPDATE acct SET bal = bal + 1 WHERE id = 2").await.unwrap();
        let waiting = tokio::spawn(async move {
            a.query_drop("UPDATE acct SET bal = bal + 1 WHERE id = 2").await.unwrap();
            a.query_drop("COMMIT").await.unwrap();
            a
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        // B closing the cycle is the victim: 1213, and its transaction is gone.
        assert_eq!(code(b.query_drop("UPDATE acct SET bal = bal + 1 WHERE id = 1").await), 1213);
        let mut a = waiting.await.unwrap();
        assert_eq!(balances(&mut b).await, [(1, 101), (2, 51)], "only A's transaction committed");

        a.query_drop("BEGIN").await.unwrap();
        a.query_drop("DELETE FROM acct WHERE id = 1").await.unwrap();
        b.query_drop("SET innodb_lock_wait_timeout = 1").await.unwrap();
        let start = std::time::Instant::now();
        assert_eq!(code(b.query_drop("UPDATE acct SET bal = 0 WHERE id = 1").await), 1205);
        assert!(start.elapsed() >= std::time::Duration::from_millis(900));
        a.query_drop("ROLLBACK").await.unwrap();
        b.query_drop("UPDATE acct SET bal = 0 WHERE id = 1").await.unwrap();
    });
}

/// Found by the simulator (a G-single cycle in the list-append workload):
/// `FOR UPDATE` of an absent primary key must lock it, so a concurrent
/// insert of that key waits, and the locking read sees rows inserted since
/// the transaction's snapshot.
#[test]
fn locking_read_of_an_absent_key_blocks_its_insert() {
    let server = TestServer::start();
    rt().block_on(async {
        setup(&server.url()).await;
        let url = server.url();
        let mut a = connect(&url).await;
        let mut b = connect(&url).await;
        b.query_drop("SET innodb_lock_wait_timeout = 1").await.unwrap();
        a.query_drop("BEGIN").await.unwrap();
        let none: Vec<(i32, i32)> = a.query("SELECT id, bal FROM acct WHERE id = 7 FOR UPDATE").await.unwrap();
        assert!(none.is_empty());
        let t = std::time::Instant::now();
        assert_eq!(code(b.query_drop("INSERT INTO acct VALUES (7, 1)").await), 1205);
        assert!(t.elapsed() >= std::time::Duration::from_millis(900), "the insert must have waited");
        a.query_drop("INSERT INTO acct VALUES (7, 70)").await.unwrap();
        a.query_drop("COMMIT").await.unwrap();
        // A snapshot from before an insert; the locking read sees the row.
        a.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT").await.unwrap();
        let before: Vec<(i32, i32)> = a.query("SELECT id, bal FROM acct WHERE id = 8").await.unwrap();
        assert!(before.is_empty());
        b.query_drop("INSERT INTO acct VALUES (8, 80)").await.unwrap();
        let plain: Vec<(i32, i32)> = a.query("SELECT id, bal FROM acct WHERE id = 8").await.unwrap();
        assert!(plain.is_empty(), "a plain read keeps its snapshot");
        let locked: Vec<(i32, i32)> = a.query("SELECT id, bal FROM acct WHERE id = 8 FOR UPDATE").await.unwrap();
        assert_eq!(locked, vec![(8, 80)], "a locking read reads the latest row");
        a.query_drop("COMMIT").await.unwrap();
    });
}

/// A child row's insert locks its parent row shared: a concurrent delete
/// of the parent waits for it (and then finds the child: 1451); a parent
/// deleted first makes the child's insert wait and then fail with 1452.
/// Children inserted after a transaction's snapshot still stop a delete.
#[test]
fn foreign_key_checks_lock_the_parent_row() {
    let server = TestServer::start();
    rt().block_on(async {
        let url = server.url();
        let mut a = connect(&url).await;
        a.query_drop("CREATE DATABASE fkl").await.unwrap();
        a.query_drop("USE fkl").await.unwrap();
        a.query_drop("CREATE TABLE p (id INT PRIMARY KEY)").await.unwrap();
        a.query_drop("CREATE TABLE c (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES p (id))")
            .await
            .unwrap();
        a.query_drop("INSERT INTO p VALUES (1), (2), (3)").await.unwrap();
        let mut b = connect(&url).await;
        b.query_drop("USE fkl").await.unwrap();
        b.query_drop("SET innodb_lock_wait_timeout = 1").await.unwrap();

        a.query_drop("BEGIN").await.unwrap();
        a.query_drop("INSERT INTO c VALUES (10, 1)").await.unwrap();
        let t = std::time::Instant::now();
        assert_eq!(code(b.query_drop("DELETE FROM p WHERE id = 1").await), 1205);
        assert!(t.elapsed() >= std::time::Duration::from_millis(900), "the delete must have waited");
        a.query_drop("COMMIT").await.unwrap();
        assert_eq!(code(b.query_drop("DELETE FROM p WHERE id = 1").await), 1451);

        b.query_drop("BEGIN").await.unwrap();
        b.query_drop("DELETE FROM p WHERE id = 2").await.unwrap();
        a.query_drop("SET innodb_lock_wait_timeout = 1").await.unwrap();
        assert_eq!(code(a.query_drop("INSERT INTO c VALUES (11, 2)").await), 1205);
        b.query_drop("COMMIT").await.unwrap();
        assert_eq!(code(a.query_drop("INSERT INTO c VALUES (11, 2)").await), 1452);

        // b's snapshot predates the child; the delete still sees it.
        b.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT").await.unwrap();
        a.query_drop("INSERT INTO c VALUES (12, 3)").await.unwrap();
        assert_eq!(code(b.query_drop("DELETE FROM p WHERE id = 3").await), 1451);
        b.query_drop("ROLLBACK").await.unwrap();
        let n: Option<i64> = a.query_first("SELECT COUNT(*) FROM p").await.unwrap();
        assert_eq!(n, Some(2));
    });
}

#[test]
fn concurrent_inserts_of_one_key_give_one_row_and_1062() {
    let server = TestServer::start();
    rt().block_on(async {
        setup(&server.url()).await;
        let url = server.url();
        let mut a = connect(&url).await;
        a.query_drop("BEGIN").await.unwrap();
        a.query_drop("INSERT INTO acct VALUES (5, 1)").await.unwrap();
        let url2 = url.clone();
        let b = tokio::spawn(async move {
            let mut b = connect(&url2).await;
            b.query_drop("INSERT INTO acct VALUES (5, 2)").await
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        a.query_drop("COMMIT").await.unwrap();
        assert_eq!(code(b.await.unwrap()), 1062);
        let n: Option<i64> = a.query_first("SELECT COUNT(*) FROM acct WHERE id = 5").await.unwrap();
        assert_eq!(n, Some(1));
    });
}

async fn status(c: &mut Conn, name: &str) -> i64 {
    let row: Option<(String, String)> = c.query_first(format!("SHOW STATUS LIKE '{name}'")).await.unwrap();
    row.expect("status variable").1.parse().expect("numeric status")
}

async fn wait_for_history_at_most(c: &mut Conn, bound: i64) -> i64 {
    let mut n = i64::MAX;
    for _ in 0..200 {
        n = status(c, "Guocedb_mvcc_history_versions").await;
        if n <= bound {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    n
}

/// An update-heavy workload leaves old row versions behind; GC removes the
/// ones no snapshot can see, so storage stays bounded — but never while an
/// open REPEATABLE READ transaction still reads them.
#[test]
fn old_versions_are_collected_once_no_snapshot_needs_them() {
    let server = TestServer::start_with_config("gc_interval_ms = 20\n");
    rt().block_on(async {
        setup(&server.url()).await;
        let mut reader = connect(&server.url()).await;
        let mut w = connect(&server.url()).await;
        reader.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT").await.unwrap();
        assert_eq!(balances(&mut reader).await, [(1, 100), (2, 50)]);
        for _ in 0..500 {
            w.query_drop("UPDATE acct SET bal = bal + 1 WHERE id = 1").await.unwrap();
        }
        // GC has run many rounds, yet the reader's versions are still there.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(status(&mut w, "Guocedb_mvcc_gc_rounds").await > 0);
        assert!(status(&mut w, "Guocedb_mvcc_history_versions").await >= 500, "versions the snapshot needs are kept");
        assert_eq!(balances(&mut reader).await, [(1, 100), (2, 50)], "the snapshot still reads its versions");
        reader.query_drop("COMMIT").await.unwrap();
        assert_eq!(balances(&mut reader).await, [(1, 600), (2, 50)]);
        drop(reader);

        // With no old snapshot, history stays small however long updates run.
        for round in 0..5 {
            for _ in 0..400 {
                w.query_drop("UPDATE acct SET bal = bal + 1 WHERE id = 2").await.unwrap();
                w.query_drop("DELETE FROM acct WHERE id = 3").await.unwrap();
                w.query_drop("INSERT INTO acct VALUES (3, 0)").await.unwrap();
            }
            let left = wait_for_history_at_most(&mut w, 50).await;
            assert!(left <= 50, "round {round}: {left} old versions left after GC");
        }
        assert!(status(&mut w, "Guocedb_mvcc_gc_removed").await >= 6000);
        assert_eq!(balances(&mut w).await, [(1, 600), (2, 2050), (3, 0)]);
    });
}

/// Prepared writes inside a transaction are first tried on the I/O thread
/// without waiting; a taken row lock sends them to wait properly instead:
/// same outcome as the text protocol (wait, then act on the latest value;
/// 1213 for a deadlock; 1205 after the timeout), never an early 1205.
#[test]
fn prepared_writes_wait_for_row_locks_like_text_ones() {
    let server = TestServer::start();
    rt().block_on(async {
        setup(&server.url()).await;
        let url = server.url();
        let mut a = connect(&url).await;
        a.query_drop("BEGIN").await.unwrap();
        a.exec_drop("UPDATE acct SET bal = bal + ? WHERE id = ?", (1, 1)).await.unwrap();
        let url2 = url.clone();
        let b = tokio::spawn(async move {
            let mut b = connect(&url2).await;
            b.query_drop("BEGIN").await.unwrap();
            b.exec_drop("UPDATE acct SET bal = bal + ? WHERE id = ?", (10, 1)).await.unwrap();
            b.exec_drop("INSERT INTO acct VALUES (?, ?)", (7, 70)).await.unwrap();
            b.query_drop("COMMIT").await.unwrap();
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(!b.is_finished(), "the prepared UPDATE must wait for the row lock");
        a.query_drop("COMMIT").await.unwrap();
        b.await.unwrap();
        assert_eq!(balances(&mut a).await, [(1, 111), (2, 50), (7, 70)]);

        // A deadlock between prepared statements: one victim, 1213.
        let mut c = connect(&url).await;
        a.query_drop("BEGIN").await.unwrap();
        c.query_drop("BEGIN").await.unwrap();
        a.exec_drop("UPDATE acct SET bal = ? WHERE id = ?", (1, 1)).await.unwrap();
        c.exec_drop("UPDATE acct SET bal = ? WHERE id = ?", (2, 2)).await.unwrap();
        let url3 = url.clone();
        let waiter = tokio::spawn(async move {
            let _keep = url3;
            a.exec_drop("UPDATE acct SET bal = ? WHERE id = ?", (1, 2)).await.map(|_| a)
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(code(c.exec_drop("UPDATE acct SET bal = ? WHERE id = ?", (2, 1)).await), 1213);
        let mut a = waiter.await.unwrap().expect("the survivor's update goes through");
        a.query_drop("COMMIT").await.unwrap();
        assert_eq!(balances(&mut a).await, [(1, 1), (2, 1), (7, 70)]);

        // The timeout still applies to prepared writes.
        a.query_drop("SET innodb_lock_wait_timeout = 1").await.unwrap();
        c.query_drop("BEGIN").await.unwrap();
        c.exec_drop("DELETE FROM acct WHERE id = ?", (7,)).await.unwrap();
        a.query_drop("BEGIN").await.unwrap();
        let started = std::time::Instant::now();
        assert_eq!(code(a.exec_drop("DELETE FROM acct WHERE id = ?", (7,)).await), 1205);
        assert!(started.elapsed() >= std::time::Duration::from_millis(900), "waited for the timeout");
        c.query_drop("ROLLBACK").await.unwrap();
        a.query_drop("ROLLBACK").await.unwrap();
    });
}

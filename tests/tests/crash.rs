//! Crash safety: a real server under a concurrent transactional write
//! workload is killed with SIGKILL at random moments. After every restart,
//! every acknowledged commit is there and no part of an unacknowledged
//! transaction is visible (each transaction writes two tables; both rows or
//! neither). `GUOCEDB_CRASH_CYCLES` sets the number of cycles (default 20).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use guocedb_tests::slt::runner;
use guocedb_tests::TestServer;
use mysql_async::prelude::*;
use mysql_async::Conn;

async fn connect(url: &str) -> mysql_async::Result<Conn> {
    Conn::new(runner::connection_opts(url).expect("valid URL")).await
}

/// A small deterministic generator for kill delays (no external seed
/// needed; the cycle number varies it).
fn delay_ms(cycle: u64) -> u64 {
    let x = cycle.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    40 + (x >> 33) % 260
}

#[test]
fn acknowledged_commits_survive_sigkill() {
    let cycles: u64 = std::env::var("GUOCEDB_CRASH_CYCLES").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let mut server = TestServer::start();
    let url = server.url();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().expect("runtime");
    rt.block_on(async {
        let mut c = connect(&url).await.unwrap();
        c.query_drop("CREATE DATABASE crash").await.unwrap();
        c.query_drop("CREATE TABLE crash.a (id BIGINT PRIMARY KEY, w INT)").await.unwrap();
        c.query_drop("CREATE TABLE crash.b (id BIGINT PRIMARY KEY, w INT)").await.unwrap();
    });
    let acked: Arc<Mutex<BTreeSet<i64>>> = Arc::default();
    let mut next_id: i64 = 0;
    for cycle in 0..cycles {
        // Writers run until the server dies under them.
        let writers: Vec<_> = (0..6)
            .map(|w| {
                let (url, acked) = (url.clone(), acked.clone());
                let base = next_id + w * 1_000_000;
                rt.spawn(async move {
                    let Ok(mut c) = connect(&url).await else { return };
                    for i in 0..1_000_000i64 {
                        let id = base + i;
                        let r: mysql_async::Result<()> = async {
                            c.query_drop("BEGIN").await?;
                            c.exec_drop("INSERT INTO crash.a VALUES (?, ?)", (id, w)).await?;
                            c.exec_drop("INSERT INTO crash.b VALUES (?, ?)", (id, w)).await?;
                            c.query_drop("COMMIT").await
                        }
                        .await;
                        match r {
                            Ok(()) => {
                                acked.lock().unwrap().insert(id);
                            }
                            Err(_) => return,
                        }
                    }
                })
            })
            .collect();
        next_id += 10_000_000;
        std::thread::sleep(Duration::from_millis(delay_ms(cycle)));
        server.kill();
        rt.block_on(async {
            for w in writers {
                let _ = w.await;
            }
        });
        server.restart();
        let (a, b): (Vec<i64>, Vec<i64>) = rt.block_on(async {
            let mut c = connect(&url).await.expect("connect after restart");
            let a = c.query("SELECT id FROM crash.a").await.unwrap();
            let b = c.query("SELECT id FROM crash.b").await.unwrap();
            (a, b)
        });
        let (a, b): (BTreeSet<i64>, BTreeSet<i64>) = (a.into_iter().collect(), b.into_iter().collect());
        assert_eq!(a, b, "cycle {cycle}: a transaction is visible in part");
        let acked = acked.lock().unwrap();
        let lost: Vec<&i64> = acked.difference(&a).take(5).collect();
        assert!(lost.is_empty(), "cycle {cycle}: acknowledged commits lost, e.g. {lost:?}");
    }
    let total = acked.lock().unwrap().len();
    println!("{cycles} kill/restart cycles, {total} acknowledged transactions, none lost or torn");
    assert!(total > cycles as usize, "the workload committed almost nothing");
}

//! Real client programs, unchanged, against a real server. Each test starts
//! its own `guocedb serve` and runs one client:
//!
//! - the `mariadb` command-line client (`smoke/cli.sh`);
//! - PyMySQL (`smoke/pymysql_test.py`);
//! - MySQL Connector/Python in pure-Python mode (`smoke/mysql_connector_test.py`);
//! - Node's `mysql2` (`smoke/node/mysql2_test.js`, installed by `npm ci`);
//! - MariaDB Connector/J through JDBC (`smoke/connectorj.sh` compiles and runs
//!   `smoke/java/ConnectorJTest.java`);
//! - Rust's `sqlx` (MySQL driver, tokio runtime), in this file;
//! - `mariadb-dump` round trips between two servers and, when `mariadbd` is
//!   installed, a private MariaDB server (`smoke/dump.sh`).
//!
//! The typed-client tests share one plan: DDL; typed inserts through
//! prepared statements (INT, BIGINT, DECIMAL, DOUBLE, VARCHAR with non-ASCII
//! text, DATE, DATETIME, DATETIME(6), TIMESTAMP(3), BLOB with 0x00/0xFF,
//! NULLs); reading the values back over the binary and the text protocol;
//! JSON when the server has it (else a printed skip); a rolled-back and a
//! committed transaction seen from a second connection; and MySQL error
//! numbers with their SQLSTATEs. `scripts/deps.sh` installs the clients.

use std::path::PathBuf;
use std::process::Command;

use guocedb_tests::TestServer;

fn smoke(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("smoke").join(name)
}

fn check(out: std::process::Output, what: &str, server: &TestServer) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}\nserver stderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        server.stderr_log()
    );
}

/// Runs `program args…` with GUOCEDB_HOST/GUOCEDB_PORT pointing at a fresh
/// server and fails the test (with all output) unless it exits 0.
fn run_client(program: &str, args: &[&str], what: &str) {
    let server = TestServer::start();
    let out = Command::new(program)
        .args(args)
        .env("GUOCEDB_HOST", "127.0.0.1")
        .env("GUOCEDB_PORT", server.port().to_string())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} for {what}: {e} (see scripts/deps.sh)"));
    check(out, what, &server);
}

#[test]
fn mariadb_command_line_client() {
    let server = TestServer::start();
    let out = Command::new("bash").arg(smoke("cli.sh")).arg(server.port().to_string()).output().expect("run cli.sh");
    check(out, "cli.sh", &server);
}

#[test]
fn pymysql_client() {
    run_client("python3", &[smoke("pymysql_test.py").to_str().expect("utf-8 path")], "pymysql_test.py");
}

#[test]
fn mysql_connector_python_client() {
    let script = smoke("mysql_connector_test.py");
    run_client("python3", &[script.to_str().expect("utf-8 path")], "mysql_connector_test.py");
}

#[test]
fn node_mysql2_client() {
    let script = smoke("node").join("mysql2_test.js");
    assert!(
        smoke("node").join("node_modules").join("mysql2").is_dir(),
        "mysql2 is not installed: run scripts/deps.sh (npm ci in tests/smoke/node)"
    );
    run_client("node", &[script.to_str().expect("utf-8 path")], "mysql2_test.js");
}

#[test]
fn mariadb_connector_j_client() {
    let server = TestServer::start();
    let out = Command::new("bash")
        .arg(smoke("connectorj.sh"))
        .arg("127.0.0.1")
        .arg(server.port().to_string())
        .output()
        .expect("run connectorj.sh");
    check(out, "connectorj.sh (ConnectorJTest.java)", &server);
}

/// mysqldump round trip (`smoke/dump.sh`): `mariadb-dump` of one server
/// loads into a second, fresh one with byte-identical query results; with
/// `mariadbd` installed, dumps also go MariaDB → guocedb and guocedb →
/// MariaDB through a private MariaDB server the script starts and stops
/// (else it prints why that part is skipped).
#[test]
fn mariadb_dump_round_trip() {
    let a = TestServer::start();
    let b = TestServer::start();
    let out = Command::new("bash")
        .arg(smoke("dump.sh"))
        .arg(a.port().to_string())
        .arg(b.port().to_string())
        .output()
        .expect("run dump.sh");
    println!("{}", String::from_utf8_lossy(&out.stdout));
    if !out.status.success() {
        eprintln!("second server's stderr:\n{}", b.stderr_log());
    }
    check(out, "dump.sh", &a);
}

/// The `sqlx` test: its checks, collected so one run reports every mismatch.
mod sqlx_client {
    use sqlx::error::ErrorKind;
    use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlDatabaseError, MySqlRow};
    use sqlx::types::chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
    use sqlx::types::Decimal;
    use sqlx::{Connection, Row};

    /// Mismatches found so far.
    #[derive(Default)]
    pub struct Checks(Vec<String>);

    impl Checks {
        pub fn eq<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, got: T, want: T) {
            if got != want {
                self.0.push(format!("{what}: expected {want:?}, got {got:?}"));
            }
        }

        pub fn finish(self) {
            assert!(self.0.is_empty(), "sqlx: {} check(s) failed:\n{}", self.0.len(), self.0.join("\n"));
        }
    }

    /// One row of the typed table, as Rust values.
    #[derive(Debug, PartialEq, Clone)]
    pub struct Typed {
        pub id: i32,
        pub i: Option<i32>,
        pub b: Option<i64>,
        pub d: Option<Decimal>,
        pub f: Option<f64>,
        pub s: Option<String>,
        pub dt: Option<NaiveDate>,
        pub dtm: Option<NaiveDateTime>,
        pub dtm6: Option<NaiveDateTime>,
        pub ts: Option<DateTime<Utc>>,
        pub bl: Option<Vec<u8>>,
    }

    fn datetime(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").expect("valid datetime literal")
    }

    pub fn blob() -> Vec<u8> {
        (0..=255u8).chain([0x00, 0xFF, 0x00]).collect()
    }

    pub fn rows() -> Vec<Typed> {
        vec![
            Typed {
                id: 1,
                i: Some(i32::MIN),
                b: Some(i64::MAX),
                d: Some("-123456789012.345".parse().expect("decimal")),
                f: Some(std::f64::consts::PI),
                s: Some("Grüße, 世界 🚀 ñ".into()),
                dt: NaiveDate::from_ymd_opt(2024, 2, 29),
                dtm: Some(datetime("1999-12-31 23:59:59")),
                dtm6: Some(datetime("2024-12-31 23:59:58.123456")),
                ts: Some(datetime("2038-01-19 03:14:07.500").and_utc()),
                bl: Some(blob()),
            },
            Typed {
                id: 2,
                i: Some(i32::MAX),
                b: Some(i64::MIN),
                d: Some("0.001".parse().expect("decimal")),
                f: Some(-2.5e-300),
                s: Some(String::new()),
                dt: NaiveDate::from_ymd_opt(1000, 1, 1),
                dtm: Some(datetime("9999-12-31 23:59:59")),
                dtm6: Some(datetime("1970-01-01 00:00:00.000001")),
                ts: Some(datetime("1970-01-01 00:00:01").and_utc()),
                bl: Some(vec![0]),
            },
            Typed {
                id: 3,
                i: None,
                b: None,
                d: None,
                f: None,
                s: None,
                dt: None,
                dtm: None,
                dtm6: None,
                ts: None,
                bl: None,
            },
        ]
    }

    pub const COLUMNS: &str = "id, i, b, d, f, s, dt, dtm, dtm6, ts, bl";

    /// Decodes a row with sqlx's typed getters (which also check that the
    /// column metadata is compatible with each Rust type).
    pub fn decode(r: &MySqlRow) -> Result<Typed, sqlx::Error> {
        Ok(Typed {
            id: r.try_get("id")?,
            i: r.try_get("i")?,
            b: r.try_get("b")?,
            d: r.try_get("d")?,
            f: r.try_get("f")?,
            s: r.try_get("s")?,
            dt: r.try_get("dt")?,
            dtm: r.try_get("dtm")?,
            dtm6: r.try_get("dtm6")?,
            ts: r.try_get("ts")?,
            bl: r.try_get("bl")?,
        })
    }

    pub fn options(port: u16, db: Option<&str>) -> MySqlConnectOptions {
        let o = MySqlConnectOptions::new().host("127.0.0.1").port(port).username("root");
        match db {
            Some(db) => o.database(db),
            None => o,
        }
    }

    pub async fn connect(port: u16, db: Option<&str>) -> MySqlConnection {
        MySqlConnection::connect_with(&options(port, db)).await.expect("sqlx connects (and runs its SET statement)")
    }

    /// (number, SQLSTATE, kind) of a database error.
    pub fn db_error_of(e: &sqlx::Error) -> Option<(u16, String, ErrorKind)> {
        let sqlx::Error::Database(e) = e else { return None };
        let my = e.try_downcast_ref::<MySqlDatabaseError>()?;
        Some((my.number(), my.code().unwrap_or_default().to_string(), e.kind()))
    }

    /// [`db_error_of`] of a result that should have failed (`None` if it
    /// succeeded or failed otherwise).
    pub fn db_error<T>(r: Result<T, sqlx::Error>) -> Option<(u16, String, ErrorKind)> {
        r.err().as_ref().and_then(db_error_of)
    }
}

#[test]
fn sqlx_client() {
    use sqlx::error::ErrorKind;
    use sqlx::{Connection, Executor, Row};
    use sqlx_client::*;

    let server = TestServer::start();
    let port = server.port();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    rt.block_on(async {
        let mut c = Checks::default();
        let mut conn = connect(port, None).await;
        conn.execute("DROP DATABASE IF EXISTS smoke_sqlx").await.expect("drop database");
        conn.execute("CREATE DATABASE smoke_sqlx").await.expect("create database");
        conn.execute("USE smoke_sqlx").await.expect("use");
        conn.execute(
            "CREATE TABLE typed (id INT PRIMARY KEY, i INT, b BIGINT, d DECIMAL(15,3), f DOUBLE, \
             s VARCHAR(40), dt DATE, dtm DATETIME, dtm6 DATETIME(6), ts TIMESTAMP(3) NULL, bl BLOB)",
        )
        .await
        .expect("create table");

        // Typed inserts: sqlx always prepares and sends binary parameters.
        let insert = format!("INSERT INTO typed ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        for r in rows() {
            let done = sqlx::query(&insert)
                .bind(r.id)
                .bind(r.i)
                .bind(r.b)
                .bind(r.d)
                .bind(r.f)
                .bind(r.s.clone())
                .bind(r.dt)
                .bind(r.dtm)
                .bind(r.dtm6)
                .bind(r.ts)
                .bind(r.bl.clone())
                .execute(&mut conn)
                .await
                .expect("prepared insert");
            c.eq(&format!("insert row {}: rows affected", r.id), done.rows_affected(), 1);
        }

        // Binary protocol (prepared) and text protocol (raw_sql).
        let binary = sqlx::query(&format!("SELECT {COLUMNS} FROM typed WHERE id >= ? ORDER BY id"))
            .bind(1)
            .fetch_all(&mut conn)
            .await
            .expect("prepared select");
        let text = sqlx::raw_sql(&format!("SELECT {COLUMNS} FROM typed ORDER BY id"))
            .fetch_all(&mut conn)
            .await
            .expect("text select");
        for (protocol, fetched) in [("binary protocol", &binary), ("text protocol", &text)] {
            let decoded: Vec<_> = fetched.iter().map(decode).collect();
            c.eq(&format!("{protocol}: row count"), decoded.len(), rows().len());
            for (got, want) in decoded.into_iter().zip(rows()) {
                match got {
                    Ok(got) => c.eq(&format!("{protocol}: row {}", want.id), got, want),
                    Err(e) => c.eq(&format!("{protocol}: row {} decodes", want.id), Err(e.to_string()), Ok(())),
                }
            }
        }

        // Typed parameters in WHERE, and what the server saw.
        let r = rows().remove(0);
        let found = sqlx::query("SELECT id FROM typed WHERE s = ? AND d = ? AND b = ? AND bl = ? AND dtm6 = ?")
            .bind(&r.s)
            .bind(r.d)
            .bind(r.b)
            .bind(&r.bl)
            .bind(r.dtm6)
            .fetch_all(&mut conn)
            .await
            .expect("select with typed parameters");
        c.eq("typed parameters in WHERE", found.iter().map(|r| r.get::<i32, _>(0)).collect(), vec![1]);
        let seen = sqlx::query("SELECT LENGTH(bl), HEX(SUBSTRING(bl, 255, 4)), CHAR_LENGTH(s) FROM typed WHERE id = ?")
            .bind(1)
            .fetch_one(&mut conn)
            .await
            .expect("select lengths");
        let seen: Result<(i64, String, i64), _> =
            (|| Ok::<_, sqlx::Error>((seen.try_get(0)?, seen.try_get(1)?, seen.try_get(2)?)))();
        c.eq(
            "server sees the bytes and characters sent",
            seen.map_err(|e| e.to_string()),
            Ok((259, "FEFF00FF".into(), 13)),
        );

        // JSON, when the server has it.
        match conn.execute("CREATE TABLE docs (id INT PRIMARY KEY, doc JSON)").await {
            Err(e) if db_error_of(&e).is_some_and(|(n, ..)| n == 1235) => {
                println!("skip: JSON: the server has no JSON type (1235)");
            }
            Err(e) => c.eq("CREATE TABLE with a JSON column", Err(e.to_string()), Ok(())),
            Ok(_) => {
                let doc = serde_json::json!({"a": [1, 2.5, "ü"], "b": null, "c": {"d": true}});
                sqlx::query("INSERT INTO docs VALUES (?, ?)")
                    .bind(1)
                    .bind(doc.to_string())
                    .execute(&mut conn)
                    .await
                    .expect("insert JSON");
                let got: Result<String, _> =
                    sqlx::query_scalar("SELECT CAST(doc AS CHAR) FROM docs WHERE id = 1").fetch_one(&mut conn).await;
                let got = got.map_err(|e| e.to_string()).map(|s| serde_json::from_str::<serde_json::Value>(&s).ok());
                c.eq("JSON round-trips", got, Ok(Some(doc)));
            }
        }

        // Transactions: rollback, and commit seen from another connection.
        let mut other = connect(port, Some("smoke_sqlx")).await;
        let count = "SELECT COUNT(*) FROM typed WHERE id = ?";
        let mut tx = conn.begin().await.expect("begin");
        sqlx::query("INSERT INTO typed (id, s) VALUES (?, ?)")
            .bind(10)
            .bind("rolled back")
            .execute(&mut *tx)
            .await
            .expect("insert in transaction");
        let n: i64 = sqlx::query_scalar(count).bind(10).fetch_one(&mut *tx).await.expect("count");
        c.eq("own uncommitted row is visible", n, 1);
        tx.rollback().await.expect("rollback");
        let n: i64 = sqlx::query_scalar(count).bind(10).fetch_one(&mut conn).await.expect("count");
        c.eq("rollback removes the row", n, 0);
        let mut tx = conn.begin().await.expect("begin");
        sqlx::query("INSERT INTO typed (id, s) VALUES (?, ?)")
            .bind(11)
            .bind("committed")
            .execute(&mut *tx)
            .await
            .expect("insert in transaction");
        let n: i64 = sqlx::query_scalar(count).bind(11).fetch_one(&mut other).await.expect("count");
        c.eq("another connection does not see an uncommitted row", n, 0);
        tx.commit().await.expect("commit");
        let s: Option<String> = sqlx::query_scalar("SELECT s FROM typed WHERE id = ?")
            .bind(11)
            .fetch_optional(&mut other)
            .await
            .expect("select committed row");
        c.eq("another connection sees the committed row", s.as_deref(), Some("committed"));

        // Errors: number, SQLSTATE and sqlx's error kind.
        let dup = sqlx::query("INSERT INTO typed (id) VALUES (?)").bind(1).execute(&mut conn).await;
        c.eq("duplicate key", db_error(dup), Some((1062, "23000".into(), ErrorKind::UniqueViolation)));
        let missing = sqlx::query("SELECT * FROM no_such_table WHERE id = ?").bind(1).fetch_all(&mut conn).await;
        c.eq("unknown table (prepared)", db_error(missing), Some((1146, "42S02".into(), ErrorKind::Other)));
        let missing = conn.execute("SELECT * FROM no_such_table").await;
        c.eq("unknown table (text)", db_error(missing), Some((1146, "42S02".into(), ErrorKind::Other)));
        let syntax = conn.execute("SELEC 1").await;
        c.eq("syntax error", db_error(syntax), Some((1064, "42000".into(), ErrorKind::Other)));
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM typed").fetch_one(&mut conn).await.expect("count");
        c.eq("usable after errors", n, 4);

        conn.execute("DROP DATABASE smoke_sqlx").await.expect("drop database");
        other.close().await.expect("close");
        conn.close().await.expect("close");
        c.finish();
    });
    drop(server);
}

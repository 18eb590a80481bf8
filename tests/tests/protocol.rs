//! End-to-end tests of the MySQL protocol surface through `mysql_async`
//! against a real `guocedb serve` process: typed prepared statements, error
//! codes, concurrency, disconnects, limits, and index access.

use std::time::Duration;

use guocedb_tests::slt::runner;
use guocedb_tests::TestServer;
use mysql_async::prelude::*;
use mysql_async::{Conn, Value};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().expect("tokio runtime")
}

async fn connect(url: &str) -> Conn {
    let opts = runner::connection_opts(url).expect("valid URL");
    Conn::new(opts).await.expect("connect")
}

/// The MySQL error code of a failed call.
fn code<T: std::fmt::Debug>(r: mysql_async::Result<T>) -> u16 {
    match r {
        Err(mysql_async::Error::Server(e)) => e.code,
        other => panic!("expected a server error, got {other:?}"),
    }
}

fn state<T: std::fmt::Debug>(r: mysql_async::Result<T>) -> String {
    match r {
        Err(mysql_async::Error::Server(e)) => e.state,
        other => panic!("expected a server error, got {other:?}"),
    }
}

#[test]
fn typed_prepared_statements_round_trip() {
    let server = TestServer::start();
    rt().block_on(async {
        let mut c = connect(&server.url()).await;
        c.query_drop("CREATE DATABASE p").await.unwrap();
        c.query_drop("USE p").await.unwrap();
        c.query_drop(
            "CREATE TABLE t (id INT PRIMARY KEY, big BIGINT UNSIGNED, small TINYINT, price DECIMAL(10,2), \
             ratio DOUBLE, name VARCHAR(20), born DATE, seen DATETIME, data BLOB, maybe INT)",
        )
        .await
        .unwrap();
        let ins = c.prep("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").await.unwrap();
        let born = Value::Date(2024, 2, 29, 0, 0, 0, 0);
        let seen = Value::Date(2024, 3, 1, 12, 34, 56, 0);
        c.exec_drop(
            &ins,
            (
                1,
                18_446_744_073_709_551_615u64,
                -7i8,
                "12.34",
                0.5f64,
                "héllo",
                born.clone(),
                seen.clone(),
                vec![0u8, 1, 255],
                Value::NULL,
            ),
        )
        .await
        .unwrap();
        c.exec_drop(&ins, (2, 5u64, 7i8, "-0.01", -1.25f64, "b", born.clone(), seen.clone(), vec![9u8], 42))
            .await
            .unwrap();

        // Binary protocol (prepared) read.
        let sel = c
            .prep("SELECT id, big, small, price, ratio, name, born, seen, data, maybe FROM t WHERE id = ?")
            .await
            .unwrap();
        let row: mysql_async::Row = c.exec_first(&sel, (1,)).await.unwrap().expect("row 1");
        assert_eq!(row.get::<i32, _>(0), Some(1));
        assert_eq!(row.get::<u64, _>(1), Some(18_446_744_073_709_551_615));
        assert_eq!(row.get::<i8, _>(2), Some(-7));
        assert_eq!(row.get::<String, _>(3).as_deref(), Some("12.34"));
        assert_eq!(row.get::<f64, _>(4), Some(0.5));
        assert_eq!(row.get::<String, _>(5).as_deref(), Some("héllo"));
        assert_eq!(row.as_ref(6), Some(&born));
        assert_eq!(row.as_ref(7), Some(&seen));
        assert_eq!(row.get::<Vec<u8>, _>(8), Some(vec![0u8, 1, 255]));
        assert_eq!(row.as_ref(9), Some(&Value::NULL));

        // Text protocol read of the same values.
        let (price, ratio, born_s, maybe): (String, f64, String, Option<i32>) =
            c.query_first("SELECT price, ratio, born, maybe FROM t WHERE id = 2").await.unwrap().expect("row 2");
        assert_eq!((price.as_str(), ratio, born_s.as_str(), maybe), ("-0.01", -1.25, "2024-02-29", Some(42)));

        // Re-executing a prepared statement with new parameters.
        let count = c.prep("SELECT COUNT(*) FROM t WHERE small > ?").await.unwrap();
        assert_eq!(c.exec_first::<i64, _, _>(&count, (0,)).await.unwrap(), Some(1));
        assert_eq!(c.exec_first::<i64, _, _>(&count, (-100,)).await.unwrap(), Some(2));
        // An UPDATE through a prepared statement reports affected rows.
        let upd = c.prep("UPDATE t SET maybe = ? WHERE id = ?").await.unwrap();
        c.exec_drop(&upd, (Value::NULL, 2)).await.unwrap();
        assert_eq!(c.affected_rows(), 1);
        c.close(ins).await.unwrap();
        // A closed statement id is gone.
        let n: Option<i64> = c.query_first("SELECT COUNT(*) FROM t WHERE maybe IS NULL").await.unwrap();
        assert_eq!(n, Some(2));
    });
}

#[test]
fn errors_carry_mysql_codes_and_sqlstates() {
    let server = TestServer::start();
    rt().block_on(async {
        let mut c = connect(&server.url()).await;
        assert_eq!(code(c.query_drop("SELEC 1").await), 1064);
        assert_eq!(state(c.query_drop("SELEC 1").await), "42000");
        assert_eq!(code(c.query_drop("USE nowhere").await), 1049);
        c.query_drop("CREATE DATABASE e").await.unwrap();
        c.query_drop("USE e").await.unwrap();
        assert_eq!(code(c.query_drop("SELECT * FROM missing").await), 1146);
        assert_eq!(state(c.query_drop("SELECT * FROM missing").await), "42S02");
        c.query_drop("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(10) NOT NULL, n INT)").await.unwrap();
        assert_eq!(code(c.query_drop("CREATE TABLE t (x INT)").await), 1050);
        c.query_drop("INSERT INTO t VALUES (1, 'a', 1)").await.unwrap();
        assert_eq!(code(c.query_drop("INSERT INTO t VALUES (1, 'b', 2)").await), 1062);
        assert_eq!(state(c.query_drop("INSERT INTO t VALUES (1, 'b', 2)").await), "23000");
        assert_eq!(code(c.query_drop("SELECT nope FROM t").await), 1054);
        assert_eq!(code(c.query_drop("INSERT INTO t VALUES (2, NULL, 1)").await), 1048);
        assert_eq!(code(c.query_drop("INSERT INTO t (id) VALUES (3)").await), 1364);
        assert_eq!(code(c.query_drop("CREATE DATABASE e").await), 1007);
        assert_eq!(code(c.query_drop("ROLLBACK TO SAVEPOINT nowhere").await), 1305);
        // Errors never break the connection, and a failed multi-row insert
        // leaves nothing behind.
        assert_eq!(code(c.query_drop("INSERT INTO t VALUES (5, 'x', 1), (6, 'y', 1), (1, 'dup', 1)").await), 1062);
        let n: Option<i64> = c.query_first("SELECT COUNT(*) FROM t").await.unwrap();
        assert_eq!(n, Some(1), "a failed statement must apply none of its rows");
    });
}

#[test]
fn concurrent_connections_count_exactly() {
    let server = TestServer::start();
    let url = server.url();
    rt().block_on(async {
        let mut c = connect(&url).await;
        c.query_drop("CREATE DATABASE conc").await.unwrap();
        c.query_drop(
            "CREATE TABLE conc.t (id INT PRIMARY KEY AUTO_INCREMENT, worker INT, k INT, UNIQUE KEY (worker, k))",
        )
        .await
        .unwrap();
        c.query_drop("CREATE TABLE conc.counter (id INT PRIMARY KEY, n INT)").await.unwrap();
        c.query_drop("INSERT INTO conc.counter VALUES (1, 0)").await.unwrap();
        const WORKERS: usize = 16;
        const PER: usize = 50;
        let mut tasks = Vec::new();
        for w in 0..WORKERS {
            let url = url.clone();
            tasks.push(tokio::spawn(async move {
                let mut c = connect(&url).await;
                for k in 0..PER {
                    c.exec_drop("INSERT INTO conc.t (worker, k) VALUES (?, ?)", (w, k)).await.unwrap();
                    c.query_drop("UPDATE conc.counter SET n = n + 1 WHERE id = 1").await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let rows: Option<(i64, i64)> = c.query_first("SELECT COUNT(*), COUNT(DISTINCT id) FROM conc.t").await.unwrap();
        assert_eq!(rows, Some(((WORKERS * PER) as i64, (WORKERS * PER) as i64)));
        let n: Option<i64> = c.query_first("SELECT n FROM conc.counter WHERE id = 1").await.unwrap();
        assert_eq!(n, Some((WORKERS * PER) as i64), "no lost updates");
    });
}

#[test]
fn client_disconnect_mid_statement_leaves_server_healthy() {
    let server = TestServer::start();
    let url = server.url();
    rt().block_on(async {
        let mut c = connect(&url).await;
        c.query_drop("CREATE DATABASE dc").await.unwrap();
        c.query_drop("CREATE TABLE dc.a (x INT)").await.unwrap();
        let values: Vec<String> = (0..400).map(|i| format!("({i})")).collect();
        c.query_drop(format!("INSERT INTO dc.a VALUES {}", values.join(","))).await.unwrap();
        c.query_drop("CREATE TABLE dc.copy (x INT)").await.unwrap();
        // A slow statement (a large cross join) whose client goes away.
        let url2 = url.clone();
        let slow = tokio::spawn(async move {
            let mut c = connect(&url2).await;
            let _ = c
                .query_drop(
                    "INSERT INTO dc.copy SELECT a1.x FROM dc.a a1, dc.a a2, dc.a a3 WHERE a1.x + a2.x + a3.x < 0",
                )
                .await;
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        slow.abort();
        let _ = slow.await;
        // Another session works meanwhile and afterwards.
        let n: Option<i64> = c.query_first("SELECT COUNT(*) FROM dc.a").await.unwrap();
        assert_eq!(n, Some(400));
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut c2 = connect(&url).await;
        let copied: Option<i64> = c2.query_first("SELECT COUNT(*) FROM dc.copy").await.unwrap();
        assert_eq!(copied, Some(0), "the abandoned statement inserted nothing (its filter matches no row)");
    });
}

#[test]
fn oversized_packets_and_too_many_connections_are_errors() {
    let server = TestServer::start_with_config("max_allowed_packet = 65536\nmax_connections = 3\n");
    let url = server.url();
    rt().block_on(async {
        let mut c = connect(&url).await;
        let big = format!("SELECT '{}'", "x".repeat(200_000));
        let r = c.query_drop(big).await;
        assert!(r.is_err(), "a packet over max_allowed_packet must fail");
        if let Err(mysql_async::Error::Server(e)) = &r {
            assert_eq!(e.code, 1153);
        }
        // The server is still up and serves new connections.
        let mut c = connect(&url).await;
        let v: Option<i64> = c.query_first("SELECT 1").await.unwrap();
        assert_eq!(v, Some(1));
        // max_connections = 3: the fourth concurrent connection gets 1040.
        let _c2 = connect(&url).await;
        let _c3 = connect(&url).await;
        let opts = runner::connection_opts(&url).unwrap();
        match Conn::new(opts).await {
            Err(mysql_async::Error::Server(e)) => assert_eq!(e.code, 1040),
            Err(other) => panic!("expected error 1040, got {other:?}"),
            Ok(_) => panic!("a connection over max_connections was accepted"),
        }
        let v: Option<i64> = c.query_first("SELECT 2").await.unwrap();
        assert_eq!(v, Some(2));
    });
}

#[test]
fn a_panicking_statement_ends_only_that_statement() {
    let server = TestServer::start();
    rt().block_on(async {
        let mut c = connect(&server.url()).await;
        // guocedb_debug_panic() exists only in debug builds, for this test.
        assert_eq!(code(c.query_drop("SELECT guocedb_debug_panic()").await), 1105);
        let v: Option<i64> = c.query_first("SELECT 41 + 1").await.unwrap();
        assert_eq!(v, Some(42), "the same connection keeps working after a panic");
        let mut other = connect(&server.url()).await;
        let v: Option<i64> = other.query_first("SELECT 7").await.unwrap();
        assert_eq!(v, Some(7));
    });
}

async fn session_rows_read(c: &mut Conn) -> u64 {
    let row: Option<(String, String)> = c.query_first("SHOW SESSION STATUS LIKE 'Innodb_rows_read'").await.unwrap();
    row.expect("Innodb_rows_read is reported").1.parse().expect("a number")
}

/// Session `Innodb_rows_read` after running `sql`, minus before.
async fn rows_read_by(c: &mut Conn, sql: &str) -> u64 {
    let before = session_rows_read(c).await;
    c.query_drop(sql).await.unwrap();
    session_rows_read(c).await - before
}

#[test]
fn index_access_reads_only_the_needed_range() {
    let server = TestServer::start();
    rt().block_on(async {
        let mut c = connect(&server.url()).await;
        c.query_drop("CREATE DATABASE ix").await.unwrap();
        c.query_drop("USE ix").await.unwrap();
        c.query_drop("CREATE TABLE t (id INT PRIMARY KEY, k INT, v VARCHAR(10), KEY k_idx (k))").await.unwrap();
        let values: Vec<String> = (0..1000).map(|i| format!("({i}, {}, 'v{i}')", i % 100)).collect();
        c.query_drop(format!("INSERT INTO t VALUES {}", values.join(","))).await.unwrap();

        assert_eq!(rows_read_by(&mut c, "SELECT * FROM t").await, 1000);
        assert_eq!(rows_read_by(&mut c, "SELECT * FROM t WHERE id = 500").await, 1);
        assert_eq!(rows_read_by(&mut c, "SELECT * FROM t WHERE id BETWEEN 10 AND 19").await, 10);
        assert_eq!(rows_read_by(&mut c, "SELECT * FROM t WHERE id IN (1, 5, 999)").await, 3);
        assert_eq!(rows_read_by(&mut c, "SELECT * FROM t WHERE k = 7").await, 10);
        assert_eq!(rows_read_by(&mut c, "SELECT * FROM t WHERE k >= 98").await, 20);
        assert_eq!(rows_read_by(&mut c, "SELECT * FROM t WHERE id > 990 AND v <> 'x'").await, 9);
        // A prepared statement's parameter drives the same access path.
        let before = rows_read_by(&mut c, "SELECT 1").await;
        assert_eq!(before, 0);

        let explain: Vec<mysql_async::Row> = c.query("EXPLAIN SELECT * FROM t WHERE k = 7").await.unwrap();
        let key: Option<String> = explain[0].get(6);
        let ty: Option<String> = explain[0].get(4);
        assert_eq!((ty.as_deref(), key.as_deref()), (Some("ref"), Some("k_idx")));
        let explain: Vec<mysql_async::Row> = c.query("EXPLAIN SELECT * FROM t WHERE v = 'v1'").await.unwrap();
        let ty: Option<String> = explain[0].get(4);
        assert_eq!(ty.as_deref(), Some("ALL"));
    });
}

#[test]
fn connect_time_queries_of_drivers_and_tools() {
    let server = TestServer::start();
    rt().block_on(async {
        let mut c = connect(&server.url()).await;
        let v: Option<String> = c.query_first("SELECT @@version_comment LIMIT 1").await.unwrap();
        assert!(v.unwrap().contains("guocedb"));
        let v: Option<String> = c.query_first("SELECT VERSION()").await.unwrap();
        assert!(v.unwrap().starts_with("8.0."), "drivers expect an 8.0.x version");
        c.query_drop("SET NAMES utf8mb4").await.unwrap();
        c.query_drop("SET autocommit=1").await.unwrap();
        c.query_drop("SET SESSION sql_mode = 'STRICT_TRANS_TABLES'").await.unwrap();
        let row: Option<(i64, String, String, i64)> = c
            .query_first(
                "SELECT @@session.auto_increment_increment, @@character_set_client, @@collation_connection, @@max_allowed_packet",
            )
            .await
            .unwrap();
        let (inc, cs, _coll, packet) = row.unwrap();
        assert_eq!((inc, cs.as_str()), (1, "utf8mb4"));
        assert!(packet > 0);
        let vars: Vec<(String, String)> = c.query("SHOW VARIABLES LIKE 'version%'").await.unwrap();
        assert!(vars.iter().any(|(k, _)| k == "version"));
        let db: Option<Option<String>> = c.query_first("SELECT DATABASE()").await.unwrap();
        assert_eq!(db, Some(None));
        let user: Option<String> = c.query_first("/* app */ SELECT USER()").await.unwrap();
        assert!(user.unwrap().starts_with("root@"));
        c.query_drop("SET @x = 41").await.unwrap();
        let x: Option<i64> = c.query_first("SELECT @x + 1").await.unwrap();
        assert_eq!(x, Some(42));
        c.ping().await.unwrap();
    });
}

#[test]
fn show_create_table_round_trips() {
    let server = TestServer::start();
    rt().block_on(async {
        let mut c = connect(&server.url()).await;
        c.query_drop("CREATE DATABASE sc").await.unwrap();
        c.query_drop("USE sc").await.unwrap();
        c.query_drop(
            "CREATE TABLE shop (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(20) NOT NULL, \
             price DECIMAL(6,2) DEFAULT '1.50', UNIQUE KEY uname (name), KEY pidx (price))",
        )
        .await
        .unwrap();
        let (_, ddl): (String, String) = c.query_first("SHOW CREATE TABLE shop").await.unwrap().unwrap();
        assert_eq!(
            ddl,
            "CREATE TABLE `shop` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  `name` varchar(20) NOT NULL,\n  \
             `price` decimal(6,2) DEFAULT '1.50',\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `uname` (`name`),\n  \
             KEY `pidx` (`price`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci"
        );
        // The statement it prints creates the same table again.
        c.query_drop("DROP TABLE shop").await.unwrap();
        c.query_drop(ddl.as_str()).await.unwrap();
        let (_, again): (String, String) = c.query_first("SHOW CREATE TABLE shop").await.unwrap().unwrap();
        assert_eq!(again, ddl);
    });
}

/// CHECK constraints and generated columns as MySQL 8 prints them, and
/// the printed statement creating the same table again.
#[test]
fn show_create_table_prints_constraints_and_generated_columns() {
    let server = TestServer::start();
    rt().block_on(async {
        let mut c = connect(&server.url()).await;
        c.query_drop("CREATE DATABASE cg").await.unwrap();
        c.query_drop("USE cg").await.unwrap();
        c.query_drop("CREATE TABLE p (id INT PRIMARY KEY)").await.unwrap();
        c.query_drop(
            "CREATE TABLE ck (a INT CHECK (a > 0), b INT, c VARCHAR(10), s INT AS (a + b), \
             p INT GENERATED ALWAYS AS (a * b) STORED NOT NULL, t VARCHAR(30) AS (CONCAT('n', a)) VIRTUAL, \
             CONSTRAINT b_small CHECK (b < 100), CHECK (c <> 'bad') NOT ENFORCED, CHECK (a < b), \
             FOREIGN KEY (a) REFERENCES p (id) ON DELETE CASCADE)",
        )
        .await
        .unwrap();
        let (_, ddl): (String, String) = c.query_first("SHOW CREATE TABLE ck").await.unwrap().unwrap();
        assert_eq!(
            ddl,
            "CREATE TABLE `ck` (\n  `a` int DEFAULT NULL,\n  `b` int DEFAULT NULL,\n  `c` varchar(10) DEFAULT NULL,\n  \
             `s` int GENERATED ALWAYS AS ((`a` + `b`)) VIRTUAL,\n  \
             `p` int GENERATED ALWAYS AS ((`a` * `b`)) STORED NOT NULL,\n  \
             `t` varchar(30) GENERATED ALWAYS AS (concat(_utf8mb4'n',`a`)) VIRTUAL,\n  \
             KEY `a` (`a`),\n  \
             CONSTRAINT `ck_ibfk_1` FOREIGN KEY (`a`) REFERENCES `p` (`id`) ON DELETE CASCADE,\n  \
             CONSTRAINT `b_small` CHECK ((`b` < 100)),\n  \
             CONSTRAINT `ck_chk_1` CHECK ((`a` > 0)),\n  \
             CONSTRAINT `ck_chk_2` CHECK ((`c` <> _utf8mb4'bad')) /*!80016 NOT ENFORCED */,\n  \
             CONSTRAINT `ck_chk_3` CHECK ((`a` < `b`))\n\
             ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci"
        );
        c.query_drop("DROP TABLE ck").await.unwrap();
        c.query_drop(ddl.as_str()).await.unwrap();
        let (_, again): (String, String) = c.query_first("SHOW CREATE TABLE ck").await.unwrap().unwrap();
        assert_eq!(again, ddl);
    });
}

/// What `mariadb-dump` asks and sends (see `smoke/dump.sh` for the whole
/// round trip): foreign keys, CHECK constraints and nullable TIMESTAMPs in SHOW CREATE TABLE,
/// SHOW CREATE VIEW (and SHOW CREATE TABLE / SHOW COLUMNS of a view),
/// `ALTER TABLE … DISABLE KEYS`, `SQL_QUOTE_SHOW_CREATE`, and the
/// information_schema tables it reads.
#[test]
fn dump_metadata_statements() {
    let server = TestServer::start();
    rt().block_on(async {
        let mut c = connect(&server.url()).await;
        c.query_drop("CREATE DATABASE dm").await.unwrap();
        c.query_drop("USE dm").await.unwrap();
        c.query_drop("CREATE TABLE p (id INT PRIMARY KEY, name VARCHAR(9))").await.unwrap();
        c.query_drop(
            "CREATE TABLE ch (id INT PRIMARY KEY, pid INT, qid INT, ts TIMESTAMP NULL, j LONGTEXT CHECK (j <> ''), \
             CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE, FOREIGN KEY (qid) REFERENCES p (id))",
        )
        .await
        .unwrap();
        let (_, ddl): (String, String) = c.query_first("SHOW CREATE TABLE ch").await.unwrap().unwrap();
        let want = "CREATE TABLE `ch` (\n  `id` int NOT NULL,\n  `pid` int DEFAULT NULL,\n  `qid` int DEFAULT NULL,\n  \
                    `ts` timestamp NULL DEFAULT NULL,\n  `j` longtext,\n  PRIMARY KEY (`id`),\n  KEY `fk_p` (`pid`),\n  \
                    KEY `qid` (`qid`),\n  CONSTRAINT `ch_ibfk_1` FOREIGN KEY (`qid`) REFERENCES `p` (`id`),\n  \
                    CONSTRAINT `fk_p` FOREIGN KEY (`pid`) REFERENCES `p` (`id`) ON DELETE CASCADE,\n  \
                    CONSTRAINT `ch_chk_1` CHECK ((`j` <> _utf8mb4''))\n\
                    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci";
        assert_eq!(ddl, want);
        // What it prints creates the same table again.
        c.query_drop("DROP TABLE ch").await.unwrap();
        c.query_drop(ddl.as_str()).await.unwrap();
        let (_, again): (String, String) = c.query_first("SHOW CREATE TABLE ch").await.unwrap().unwrap();
        assert_eq!(again, want);
        // The index a foreign key needs may come after it; mismatched lists are 1239.
        c.query_drop("CREATE TABLE k (a INT, FOREIGN KEY (a) REFERENCES p (id), KEY ka (a))").await.unwrap();
        let (_, ddl): (String, String) = c.query_first("SHOW CREATE TABLE k").await.unwrap().unwrap();
        assert_eq!(
            ddl,
            "CREATE TABLE `k` (\n  `a` int DEFAULT NULL,\n  KEY `ka` (`a`),\n  \
             CONSTRAINT `k_ibfk_1` FOREIGN KEY (`a`) REFERENCES `p` (`id`)\n\
             ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci"
        );
        assert_eq!(code(c.query_drop("CREATE TABLE bad (a INT, FOREIGN KEY (a) REFERENCES p (id, name))").await), 1239);
        c.query_drop("DROP TABLE k").await.unwrap();
        c.query_drop("ALTER TABLE ch DROP FOREIGN KEY ch_ibfk_1").await.unwrap();
        assert_eq!(code(c.query_drop("ALTER TABLE ch DROP FOREIGN KEY ch_ibfk_1").await), 1091);
        assert_eq!(code(c.query_drop("ALTER TABLE ch DROP COLUMN pid").await), 1828);
        let (_, ddl): (String, String) = c.query_first("SHOW CREATE TABLE ch").await.unwrap().unwrap();
        assert!(!ddl.contains("ch_ibfk_1") && ddl.contains("`fk_p`"), "{ddl}");

        c.query_drop("CREATE VIEW v (a, b) AS SELECT id, name FROM p").await.unwrap();
        let want_view = "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`%` SQL SECURITY DEFINER VIEW `v` (`a`,`b`) AS \
                         SELECT id, name FROM p";
        for q in ["SHOW CREATE VIEW v", "SHOW CREATE TABLE v"] {
            let row: (String, String, String, String) = c.query_first(q).await.unwrap().unwrap();
            assert_eq!(row, ("v".into(), want_view.into(), "utf8mb4".into(), "utf8mb4_0900_ai_ci".into()), "{q}");
        }
        assert_eq!(code(c.query_drop("SHOW CREATE VIEW p").await), 1347);
        assert_eq!(code(c.query_drop("SHOW CREATE VIEW nope").await), 1146);
        let fields: Vec<(String, String, String)> =
            c.query_map("SHOW FIELDS FROM v", |r: mysql_async::Row| (r.get(0).unwrap(), r.get(1).unwrap(), r.get(2).unwrap())).await.unwrap();
        assert_eq!(
            fields,
            vec![("a".into(), "int".into(), "NO".into()), ("b".into(), "varchar(9)".into(), "YES".into())]
        );
        let kinds: Vec<(String, String)> = c
            .query("SELECT table_name, table_type FROM information_schema.TABLES WHERE table_schema = 'dm' ORDER BY table_name")
            .await
            .unwrap();
        assert_eq!(
            kinds,
            vec![("ch".into(), "BASE TABLE".into()), ("p".into(), "BASE TABLE".into()), ("v".into(), "VIEW".into())]
        );

        // ALTER TABLE … DISABLE/ENABLE KEYS: nothing to do, a note as InnoDB gives.
        c.query_drop("ALTER TABLE ch DISABLE KEYS").await.unwrap();
        let notes: Vec<(String, u32, String)> = c.query("SHOW WARNINGS").await.unwrap();
        assert_eq!(notes, vec![("Note".into(), 1031, "Table storage engine for 'ch' doesn't have this option".into())]);
        c.query_drop("ALTER TABLE `dm`.`ch` ENABLE KEYS").await.unwrap();
        assert_eq!(code(c.query_drop("ALTER TABLE nope DISABLE KEYS").await), 1146);

        c.query_drop("SET SQL_QUOTE_SHOW_CREATE = 1").await.unwrap();
        let q: Option<i64> = c.query_first("SELECT @@sql_quote_show_create").await.unwrap();
        assert_eq!(q, Some(1));
        for (sql, want) in [
            ("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = 'dm'", 0),
            ("SELECT COUNT(*) FROM information_schema.FILES", 0),
            ("SELECT COUNT(*) FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = 'dm' AND PARTITION_NAME IS NULL", 2),
        ] {
            let n: Option<i64> = c.query_first(sql).await.unwrap();
            assert_eq!(n, Some(want), "{sql}");
        }
    });
}

#[test]
fn show_create_table_keeps_table_options() {
    let server = TestServer::start();
    rt().block_on(async {
        let mut c = connect(&server.url()).await;
        c.query_drop("CREATE DATABASE so").await.unwrap();
        c.query_drop("USE so").await.unwrap();
        c.query_drop(
            "CREATE TABLE opt (id INT AUTO_INCREMENT PRIMARY KEY, n NATIONAL VARCHAR(4), \
             c VARCHAR(3) COLLATE utf8mb4_bin COMMENT 'it''s') AUTO_INCREMENT 7, ROW_FORMAT=COMPRESSED \
             KEY_BLOCK_SIZE 8.5 TABLE_CHECKSUM 0x1 COMMENT='t' CONNECTION='x' SECONDARY_ENGINE=rapid \
             MAX_ROWS=10 STATS_PERSISTENT=0 PASSWORD 'p' UNION (a, b)",
        )
        .await
        .unwrap();
        let (_, ddl): (String, String) = c.query_first("SHOW CREATE TABLE opt").await.unwrap().unwrap();
        assert_eq!(
            ddl,
            "CREATE TABLE `opt` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  \
             `n` varchar(4) CHARACTER SET utf8mb3 DEFAULT NULL,\n  \
             `c` varchar(3) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL COMMENT 'it''s',\n  \
             PRIMARY KEY (`id`)\n) ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci \
             MAX_ROWS=10 STATS_PERSISTENT=0 CHECKSUM=1 ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8 COMMENT='t' \
             CONNECTION='x' SECONDARY_ENGINE=rapid"
        );
        // The counter moves on, and the statement shown recreates the table.
        c.query_drop("INSERT INTO opt (n) VALUES ('a')").await.unwrap();
        let (_, ddl): (String, String) = c.query_first("SHOW CREATE TABLE opt").await.unwrap().unwrap();
        assert!(ddl.contains(" AUTO_INCREMENT=8 "), "{ddl}");
        c.query_drop("DROP TABLE opt").await.unwrap();
        c.query_drop(ddl.as_str()).await.unwrap();
        let (_, again): (String, String) = c.query_first("SHOW CREATE TABLE opt").await.unwrap().unwrap();
        assert_eq!(again, ddl);
    });
}

#[test]
fn mysql8_column_types_over_both_protocols() {
    use mysql_async::consts::{ColumnFlags, ColumnType};
    let server = TestServer::start();
    rt().block_on(async {
        let mut c = connect(&server.url()).await;
        c.query_drop("CREATE DATABASE ct").await.unwrap();
        c.query_drop("USE ct").await.unwrap();
        c.query_drop(
            "CREATE TABLE v (id INT PRIMARY KEY, t TIME(2), y YEAR, b BIT(12) DEFAULT b'101', \
             e ENUM('a','b') NOT NULL, s SET('x','y'), j JSON, g POINT NOT NULL SRID 4326)",
        )
        .await
        .unwrap();
        // A binary TIME parameter (-01:02:03.456, rounded to two digits).
        let point: Vec<u8> = [vec![0xE6, 0x10, 0, 0, 1, 1, 0, 0, 0], vec![0; 16]].concat();
        c.exec_drop(
            "INSERT INTO v (id, t, y, e, s, j, g) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (1, Value::Time(true, 0, 1, 2, 3, 456_000), 24, "B", "y,x", r#"{"b":1,"a":2}"#, point.clone()),
        )
        .await
        .unwrap();

        // Binary protocol: MySQL's wire types and encodings.
        let row: mysql_async::Row =
            c.exec_first("SELECT t, y, b, e, s, j, g FROM v WHERE id = ?", (1,)).await.unwrap().expect("row");
        let cols = row.columns_ref();
        let types: Vec<ColumnType> = cols.iter().map(|c| c.column_type()).collect();
        assert_eq!(
            types,
            [
                ColumnType::MYSQL_TYPE_TIME,
                ColumnType::MYSQL_TYPE_YEAR,
                ColumnType::MYSQL_TYPE_BIT,
                ColumnType::MYSQL_TYPE_STRING,
                ColumnType::MYSQL_TYPE_STRING,
                ColumnType::MYSQL_TYPE_JSON,
                ColumnType::MYSQL_TYPE_GEOMETRY,
            ]
        );
        assert!(cols[3].flags().contains(ColumnFlags::ENUM_FLAG));
        assert!(cols[4].flags().contains(ColumnFlags::SET_FLAG));
        assert_eq!(row.as_ref(0), Some(&Value::Time(true, 0, 1, 2, 3, 460_000)));
        assert_eq!(row.get::<i64, _>(1), Some(2024));
        assert_eq!(row.get::<Vec<u8>, _>(2), Some(vec![0x00, 0x05]));
        assert_eq!(row.get::<String, _>(3).as_deref(), Some("b"));
        assert_eq!(row.get::<String, _>(4).as_deref(), Some("x,y"));
        assert_eq!(row.get::<String, _>(5).as_deref(), Some(r#"{"a": 2, "b": 1}"#));
        assert_eq!(row.get::<Vec<u8>, _>(6), Some(point));

        // Text protocol: the same values as MySQL prints them.
        let (t, y, b, e): (String, String, Vec<u8>, String) =
            c.query_first("SELECT t, y, b, e FROM v").await.unwrap().expect("row");
        assert_eq!((t.as_str(), y.as_str(), b, e.as_str()), ("-01:02:03.46", "2024", vec![0x00, 0x05], "b"));

        // A point with another SRID than the column's is refused.
        let other: Vec<u8> = [vec![0, 0, 0, 0, 1, 1, 0, 0, 0], vec![0; 16]].concat();
        assert_eq!(code(c.exec_drop("INSERT INTO v (id, e, g) VALUES (2, 'a', ?)", (other,)).await), 3643);

        let (_, ddl): (String, String) = c.query_first("SHOW CREATE TABLE v").await.unwrap().unwrap();
        assert_eq!(
            ddl,
            "CREATE TABLE `v` (\n  `id` int NOT NULL,\n  `t` time(2) DEFAULT NULL,\n  `y` year DEFAULT NULL,\n  \
             `b` bit(12) DEFAULT b'101',\n  `e` enum('a','b') NOT NULL,\n  `s` set('x','y') DEFAULT NULL,\n  \
             `j` json DEFAULT NULL,\n  `g` point NOT NULL /*!80003 SRID 4326 */,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB \
             DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci"
        );
        // The statement shown creates the same table again.
        c.query_drop("DROP TABLE v").await.unwrap();
        c.query_drop(ddl.as_str()).await.unwrap();
        let (_, again): (String, String) = c.query_first("SHOW CREATE TABLE v").await.unwrap().unwrap();
        assert_eq!(again, ddl);
    });
}

#[test]
fn result_columns_are_named_as_written() {
    let server = TestServer::start();
    rt().block_on(async {
        let mut c = connect(&server.url()).await;
        let mut r = c
            .query_iter("SELECT 1+1, CONCAT( 'a' ,'b'), (1 + 2) * 3, -x, CAST(x AS CHAR), COUNT(*), x AS named FROM (SELECT 1 AS x) t GROUP BY x")
            .await
            .unwrap();
        let names: Vec<String> = r.columns_ref().iter().map(|c| c.name_str().into_owned()).collect();
        let _: Vec<mysql_async::Row> = r.collect().await.unwrap();
        assert_eq!(names, ["1+1", "CONCAT( 'a' ,'b')", "(1 + 2) * 3", "-x", "CAST(x AS CHAR)", "COUNT(*)", "named"]);
    });
}

/// SHOW PROCESSLIST lists sessions and their running statements; KILL
/// QUERY stops a running statement with 1317 and leaves the connection;
/// KILL closes the connection; an unknown id is 1094.
#[test]
fn processlist_and_kill() {
    let server = TestServer::start();
    rt().block_on(async {
        let url = server.url();
        let mut admin = connect(&url).await;
        admin.query_drop("CREATE DATABASE pk").await.unwrap();
        admin.query_drop("CREATE TABLE pk.t (id INT PRIMARY KEY)").await.unwrap();
        let values: Vec<String> = (0..3000).map(|i| format!("({i})")).collect();
        admin.query_drop(format!("INSERT INTO pk.t VALUES {}", values.join(","))).await.unwrap();
        let mut victim = connect(&url).await;
        let victim_id: u32 = victim.query_first("SELECT CONNECTION_ID()").await.unwrap().unwrap();
        let slow = tokio::spawn(async move {
            let r = victim.query_drop("SELECT COUNT(*) FROM pk.t a, pk.t b, pk.t c WHERE a.id + b.id + c.id < 0").await;
            (victim, r)
        });
        // Wait until the statement shows in the list, then kill it.
        let mut seen = false;
        for _ in 0..100 {
            // Another connection's long statement must not starve this one.
            let list: Vec<mysql_async::Row> =
                tokio::time::timeout(Duration::from_secs(20), admin.query("SHOW PROCESSLIST"))
                    .await
                    .expect("SHOW PROCESSLIST answers while another connection runs a long statement")
                    .unwrap();
            seen = list.iter().any(|r| {
                r.get::<u32, _>(0) == Some(victim_id)
                    && r.get::<String, _>(4).as_deref() == Some("Query")
                    && r.get::<Option<String>, _>(7).flatten().is_some_and(|i| i.contains("COUNT(*)"))
            });
            if seen {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(seen, "the running statement must be listed");
        admin.query_drop(format!("KILL QUERY {victim_id}")).await.unwrap();
        let (mut victim, r) = tokio::time::timeout(Duration::from_secs(60), slow)
            .await
            .expect("KILL QUERY must stop the statement")
            .unwrap();
        assert_eq!(code(r), 1317);
        let one: Option<i64> = victim.query_first("SELECT 1").await.unwrap();
        assert_eq!(one, Some(1), "KILL QUERY leaves the connection usable");
        admin.query_drop(format!("KILL {victim_id}")).await.unwrap();
        assert!(victim.query_drop("SELECT 1").await.is_err(), "KILL closes the connection");
        assert_eq!(code(admin.query_drop("KILL 999999").await), 1094);
    });
}

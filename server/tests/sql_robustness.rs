//! Random SQL-shaped input through a real session on the memory engine:
//! every statement must end in a result or a MySQL error, never a panic.

use std::sync::Arc;

use guocedb::config::Config;
use guocedb::db::Database;
use guocedb::session::Session;
use guocedb_engines::memory::MemoryEngine;
use proptest::prelude::*;

fn session() -> Session {
    let config = Config { engine: "memory".into(), sync_commits: false, ..Config::default() };
    let db = Database::open(Arc::new(MemoryEngine::new()), config).expect("open");
    let mut s = Session::new(db, "root", "127.0.0.1");
    for sql in [
        "CREATE DATABASE f",
        "USE f",
        "CREATE TABLE t (a INT PRIMARY KEY, b VARCHAR(10), c DECIMAL(5,2), d DOUBLE, KEY (b))",
        "CREATE TABLE u (a INT, b TEXT, e DATE)",
        "INSERT INTO t VALUES (1, 'x', 1.5, 2.5), (2, 'y', NULL, -1), (3, NULL, 0, 0)",
        "INSERT INTO u VALUES (1, 'p', '2024-01-02'), (NULL, NULL, NULL)",
    ] {
        let r = s.execute(sql);
        assert!(r.iter().all(|x| x.is_ok()), "{sql}: {r:?}");
    }
    s
}

/// With `SQL_TRACE` set, print each statement before it runs: a crash that
/// aborts the process (a stack overflow) then still names its input.
fn trace(sql: &str) {
    if std::env::var_os("SQL_TRACE").is_some() {
        eprintln!("SQL: {sql}");
    }
}

const TOKENS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "t",
    "u",
    "a",
    "b",
    "c",
    "d",
    "e",
    "t.a",
    "u.b",
    "*",
    ",",
    "(",
    ")",
    "=",
    "<",
    ">=",
    "<>",
    "<=>",
    "+",
    "-",
    "*",
    "/",
    "DIV",
    "MOD",
    "%",
    "AND",
    "OR",
    "NOT",
    "NULL",
    "IS",
    "IN",
    "BETWEEN",
    "LIKE",
    "'x%'",
    "1",
    "0",
    "-1",
    "2.5",
    "1e3",
    "'abc'",
    "18446744073709551615",
    "9223372036854775807",
    "GROUP",
    "BY",
    "ORDER",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "DISTINCT",
    "COUNT(*)",
    "SUM(a)",
    "AVG(c)",
    "MAX(b)",
    "MIN(d)",
    "GROUP_CONCAT(b)",
    "JOIN",
    "LEFT",
    "RIGHT",
    "ON",
    "USING",
    "UNION",
    "ALL",
    "EXISTS",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "CAST",
    "AS",
    "SIGNED",
    "CHAR",
    "DECIMAL(4,1)",
    "COALESCE(a, b)",
    "IFNULL(b, 'z')",
    "CONCAT(b, a)",
    "SUBSTRING(b, 2)",
    "ROUND(c, 1)",
    "ABS(d)",
    "INSERT",
    "INTO",
    "VALUES",
    "UPDATE",
    "SET",
    "DELETE",
    "REPLACE",
    "IGNORE",
    "?",
    "@x",
    "@@version",
    "DATE",
    "'2024-02-30'",
    "X'ff'",
    "`t`",
    ";",
    "DESC",
    "ASC",
    "SHOW",
    "TABLES",
    "CREATE",
    "TABLE",
    "DROP",
    "INDEX",
    "ALTER",
    "ADD",
    "COLUMN",
    "INT",
    "VARCHAR(3)",
    "PRIMARY",
    "KEY",
    "UNIQUE",
    "DEFAULT",
    "EXPLAIN",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn random_statements_never_panic(tokens in proptest::collection::vec(proptest::sample::select(TOKENS), 1..24)) {
        let mut s = session();
        let sql = tokens.join(" ");
        trace(&sql);
        let results = s.execute(&sql);
        prop_assert!(!results.is_empty());
        for r in results {
            if let Err(e) = r {
                prop_assert!(e.code >= 1000 && e.code < 4000, "{sql}: not a MySQL error: {e}");
                prop_assert_eq!(e.state.len(), 5);
            }
        }
        // The session still answers afterwards.
        let after = s.execute("SELECT COUNT(*) FROM f.t");
        prop_assert!(after.iter().all(|r| r.is_ok()), "session broken after {}: {:?}", sql, after);
    }

    #[test]
    fn random_select_expressions_never_panic(tokens in proptest::collection::vec(proptest::sample::select(TOKENS), 1..14)) {
        let mut s = session();
        let sql = format!("SELECT {} FROM t, u", tokens.join(" "));
        trace(&sql);
        let _ = s.execute(&sql);
        let sql = format!("SELECT * FROM t WHERE {}", tokens.join(" "));
        trace(&sql);
        let _ = s.execute(&sql);
    }
}

/// Statements nested as deep as the grammar and [`MAX_NESTING`] allow, run
/// on this test thread's ordinary stack: each ends in a result or MySQL's
/// 1436, never a stack overflow (which would abort the whole test binary).
/// Past the limit the refusal is 1436 too, however long the statement.
#[test]
fn deeply_nested_statements_end_in_a_result_or_1436() {
    use guocedb::sql::depth::MAX_NESTING;
    let mut s = session();
    let n = MAX_NESTING - 20;
    let chain = |op: &str, k: usize| op.repeat(k);
    let nest = |open: &str, inner: &str, close: &str, k: usize| format!("{}{inner}{}", open.repeat(k), close.repeat(k));
    let half = chain("+1", n / 2);
    let joins: String = (1..=60).map(|i| format!(" JOIN t x{i} ON 0)")).collect();
    // Each statement and the error it must end in (None: it succeeds).
    let cases: Vec<(String, Option<u16>)> = vec![
        (format!("SELECT {} FROM t, u", nest("(", "1", ")", 190)), None),
        (format!("SELECT {}1 FROM t", chain("- ", 190)), None),
        (format!("SELECT * FROM t WHERE {}a", chain("NOT ", 190)), None),
        (format!("SELECT {} FROM t", nest("CONCAT(", "b", ",'x')", 150)), None),
        (format!("SELECT {} FROM t", nest("CASE WHEN 1 THEN ", "1", " END", 150)), None),
        (format!("SELECT 1{}", chain(" UNION SELECT 1", n)), None),
        (format!("SELECT 1{} FROM t", chain("+1", n)), None),
        (format!("SELECT a{} FROM t", chain(" IS NULL", n)), None),
        (format!("SELECT * FROM t WHERE a = 1{}", chain(" OR a = 1", n / 2)), None),
        (format!("SELECT a{half}, COUNT(*) FROM t GROUP BY a{half} HAVING SUM(a){half} > 0 ORDER BY a{half}"), None),
        (format!("SELECT SUM(a{half}) OVER (ORDER BY a{half}) FROM t"), None),
        (format!("UPDATE t SET d = 1{}", chain("+1", n)), None),
        (format!("INSERT INTO u (a) VALUES (1{})", chain("+1", n)), None),
        (format!("SELECT * FROM t WHERE a IN (SELECT a FROM u WHERE a = 1{half})"), None),
        (format!("SELECT * FROM {}t{joins}", "(".repeat(60)), None),
        (format!("SELECT * FROM {}", nest("(SELECT * FROM ", "t", ") d", 60)), None),
        (format!("SELECT {} FROM t", nest("(SELECT ", "a", ")", 30)), None),
        (format!("SELECT * FROM t WHERE a IN {}", nest("(SELECT ", "1", ")", 30)), None),
        (format!("SELECT 1 + (1 + (1{})) FROM t", chain("+1", n / 3)), None),
        // MySQL allows 63 levels of subqueries; guocedb 32.
        (format!("SELECT {} FROM t", nest("(SELECT ", "a", ")", 60)), Some(1436)),
        // Parentheses past the parser's recursion limit.
        (format!("SELECT {}", nest("(", "1", ")", 250)), Some(1436)),
    ];
    for (sql, want) in &cases {
        let r = s.execute(sql);
        assert_eq!(r.len(), 1);
        let got = r[0].as_ref().err().map(|e| e.code);
        assert_eq!(got, *want, "{}…: {:?}", &sql[..60.min(sql.len())], r[0].as_ref().err());
    }
    // Well past the limit: refused, whatever shape the depth takes.
    let big = MAX_NESTING * 50;
    for sql in [
        format!("SELECT 1{}", chain("+1", big)),
        format!("SELECT 1{}", chain(" UNION SELECT 1", big)),
        format!("SELECT a{} FROM t", chain(" IS NULL", big)),
        format!("SELECT {}", nest("(", "1", ")", big)),
        format!("SELECT 1 + (1 + (1{half}){half}){half}"),
    ] {
        let r = s.execute(&sql);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].as_ref().err().map(|e| e.code), Some(1436), "{}…", &sql[..60]);
    }
    // The session is unharmed.
    let after = s.execute("SELECT COUNT(*) FROM f.t");
    assert!(after.iter().all(|r| r.is_ok()), "{after:?}");
}

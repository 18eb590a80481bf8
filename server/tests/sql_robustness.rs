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
        let _ = s.execute(&sql);
        let sql = format!("SELECT * FROM t WHERE {}", tokens.join(" "));
        let _ = s.execute(&sql);
    }
}

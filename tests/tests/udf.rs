//! Wasm user-defined functions through the real path: modules built from the
//! SDK examples with `udf-sdk/build.sh` (and hand-written WAT), registered
//! with `CREATE FUNCTION … SONAME` from `plugin_dir` or inline as hex/base64,
//! and called by a MySQL client against a real server. Hostile modules —
//! infinite loops, unbounded memory, deep recursion, traps, imports,
//! oversized modules, malformed results — each fail with their own error
//! while the server and other sessions carry on.

use std::path::{Path, PathBuf};
use std::process::Command;

use guocedb_tests::slt::runner;
use guocedb_tests::TestServer;
use mysql_async::prelude::*;
use mysql_async::{Conn, Value};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().expect("tokio runtime")
}

async fn connect(url: &str) -> Conn {
    Conn::new(runner::connection_opts(url).expect("valid URL")).await.expect("connect")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("repository root").to_path_buf()
}

/// Build an SDK example with the documented command; returns the .wasm path.
fn build_example(name: &str) -> PathBuf {
    let out = Command::new(repo().join("udf-sdk/build.sh"))
        .arg(repo().join("udf-sdk/examples").join(name))
        .output()
        .expect("run udf-sdk/build.sh");
    assert!(out.status.success(), "build.sh {name} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let path = PathBuf::from(String::from_utf8(out.stdout).expect("utf-8 path").trim());
    assert!(path.is_file(), "build.sh printed {path:?}, which is not a file");
    path
}

fn server_with_plugins(extra: &str) -> (TestServer, tempfile::TempDir) {
    let plugins = tempfile::tempdir().expect("plugin dir");
    let config = format!("plugin_dir = {:?}\n{extra}", plugins.path().display().to_string());
    (TestServer::start_with_config(&config), plugins)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

fn code<T: std::fmt::Debug>(r: mysql_async::Result<T>) -> (u16, String) {
    match r {
        Err(mysql_async::Error::Server(e)) => (e.code, e.message),
        other => panic!("expected a server error, got {other:?}"),
    }
}

/// A module with the ABI's common exports plus `body`.
fn module(body: &str) -> Vec<u8> {
    module_pages(1, body)
}

/// [`module`] with `pages` 64 KiB pages of memory.
fn module_pages(pages: u32, body: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
             (memory (export "memory") {pages})
             (func (export "guocedb_abi_version") (result i32) i32.const 1)
             (func (export "guocedb_alloc") (param i32) (result i32) i32.const 1024)
             {body})"#
    ))
    .expect("valid WAT")
}

#[test]
fn sdk_functions_work_from_sql_and_survive_a_restart() {
    let math = build_example("math");
    let strings = build_example("strings");
    let (mut server, plugins) = server_with_plugins("");
    std::fs::copy(&math, plugins.path().join("math.wasm")).unwrap();
    std::fs::copy(&strings, plugins.path().join("strings.wasm")).unwrap();
    rt().block_on(async {
        let mut c = connect(&server.url()).await;
        for sql in [
            "CREATE FUNCTION add RETURNS INTEGER SONAME 'math.wasm'",
            "CREATE FUNCTION gcd RETURNS INTEGER SONAME 'math.wasm'",
            "CREATE FUNCTION initcap RETURNS STRING SONAME 'strings.wasm'",
            "CREATE FUNCTION count_vowels RETURNS INTEGER SONAME 'strings.wasm'",
        ] {
            c.query_drop(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        // Literals, NULL, and MySQL's argument coercion for loadable functions.
        let row: (i64, Option<i64>, i64, String, i64) = c
            .query_first("SELECT add(2, 3), add(NULL, 1), add('7', 1.6), initcap('hello wORLD'), gcd(12, 18)")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row, (5, None, 9, "Hello World".into(), 6));

        c.query_drop("CREATE DATABASE u").await.unwrap();
        c.query_drop("USE u").await.unwrap();
        c.query_drop("CREATE TABLE w (id INT PRIMARY KEY, word VARCHAR(20), n INT)").await.unwrap();
        c.query_drop("INSERT INTO w VALUES (1,'apple',4),(2,'kiwi',6),(3,NULL,9),(4,'banana',10)").await.unwrap();
        // Prepared statements with typed parameters.
        let got: Vec<(i64, i64)> =
            c.exec("SELECT id, add(n, ?) FROM w WHERE add(id, ?) > 2 ORDER BY id", (100, 0)).await.unwrap();
        assert_eq!(got, [(3, 109), (4, 110)]);
        // A UDF filter inside a scan is evaluated in batches; LIMIT still stops it.
        let got: Vec<i64> = c.query("SELECT id FROM w WHERE add(id, 0) > 1 LIMIT 2").await.unwrap();
        assert_eq!(got, [2, 3]);
        // WHERE, SELECT list, GROUP BY, ORDER BY and a join.
        let got: Vec<(Option<String>, Option<i64>)> = c
            .query("SELECT initcap(word), count_vowels(word) FROM w ORDER BY count_vowels(word) DESC, id")
            .await
            .unwrap();
        assert_eq!(
            got,
            [
                (Some("Banana".into()), Some(3)),
                (Some("Apple".into()), Some(2)),
                (Some("Kiwi".into()), Some(2)),
                (None, None)
            ]
        );
        let got: Vec<(i64, i64)> =
            c.query("SELECT gcd(n, 2) AS g, COUNT(*) FROM w GROUP BY gcd(n, 2) ORDER BY g").await.unwrap();
        assert_eq!(got, [(1, 1), (2, 3)]);
        let got: Vec<(i64, i64)> =
            c.query("SELECT a.id, b.id FROM w a JOIN w b ON add(a.id, 1) = b.id ORDER BY a.id").await.unwrap();
        assert_eq!(got, [(1, 2), (2, 3), (3, 4)]);

        // Listings.
        let funcs: Vec<(String, i64, String, String)> =
            c.query("SELECT name, ret, dl, type FROM mysql.func ORDER BY name").await.unwrap();
        assert_eq!(funcs[0], ("add".into(), 2, "math.wasm".into(), "function".into()));
        assert_eq!(funcs.len(), 4);
        let n: Option<i64> = c
            .query_first("SELECT COUNT(*) FROM information_schema.ROUTINES WHERE EXTERNAL_LANGUAGE = 'WASM'")
            .await
            .unwrap();
        assert_eq!(n, Some(4));

        // The errors MySQL gives.
        assert_eq!(code(c.query_drop("CREATE FUNCTION add RETURNS INTEGER SONAME 'math.wasm'").await).0, 1125);
        c.query_drop("CREATE FUNCTION IF NOT EXISTS add RETURNS INTEGER SONAME 'math.wasm'").await.unwrap();
        assert_eq!(code(c.query_drop("CREATE FUNCTION nope RETURNS INTEGER SONAME 'math.wasm'").await).0, 1127);
        assert_eq!(code(c.query_drop("CREATE FUNCTION add2 RETURNS INTEGER SONAME '../math.wasm'").await).0, 1124);
        assert_eq!(code(c.query_drop("CREATE FUNCTION add2 RETURNS INTEGER SONAME 'missing.wasm'").await).0, 1126);
        assert_eq!(code(c.query_drop("CREATE FUNCTION abs RETURNS INTEGER SONAME 'math.wasm'").await).0, 1585);
        assert_eq!(code(c.query_drop("SELECT add(1)").await).0, 1123);
        assert_eq!(code(c.query_drop("DROP FUNCTION nosuch").await).0, 1305);
        c.query_drop("DROP FUNCTION IF EXISTS nosuch").await.unwrap();
    });

    // The modules live in the catalog: the files can go.
    std::fs::remove_file(plugins.path().join("math.wasm")).unwrap();
    std::fs::remove_file(plugins.path().join("strings.wasm")).unwrap();
    server.restart();
    rt().block_on(async {
        let mut c = connect(&server.url()).await;
        let v: Option<(i64, String)> = c.query_first("SELECT add(40, 2), initcap('after restart')").await.unwrap();
        assert_eq!(v, Some((42, "After Restart".into())));
        c.query_drop("DROP FUNCTION add").await.unwrap();
        assert_eq!(code(c.query_drop("SELECT add(1, 2)").await).0, 1305);
    });
}

#[test]
fn inline_modules_in_hex_and_base64_including_a_wat_function() {
    let (server, _plugins) = server_with_plugins("");
    let add_wat = wat::parse_file(repo().join("udf-sdk/examples/wat/add.wat")).expect("add.wat assembles");
    rt().block_on(async {
        let mut c = connect(&server.url()).await;
        c.query_drop(format!(
            "CREATE FUNCTION add_wat(a BIGINT, b BIGINT) RETURNS BIGINT LANGUAGE WASM AS X'{}'",
            hex(&add_wat)
        ))
        .await
        .unwrap();
        let v: Option<(i64, Option<i64>, i64)> =
            c.query_first("SELECT add_wat(20, 22), add_wat(NULL, 1), add_wat('5', 2.5)").await.unwrap();
        assert_eq!(v, Some((42, None, 8)));
        // base64, and a signature that converts arguments before the call.
        let b64 = base64(&module(
            r#"(func (export "ident") (param i32 i32) (result i64)
                 ;; echo the input batch back as the result: status 0 at ptr-1
                 (i32.store8 (i32.sub (local.get 0) (i32.const 1)) (i32.const 0))
                 (i64.or (i64.shl (i64.extend_i32_u (i32.sub (local.get 0) (i32.const 1))) (i64.const 32))
                         (i64.extend_i32_u (i32.add (local.get 1) (i32.const 1)))))"#,
        ));
        c.query_drop(format!("CREATE FUNCTION ident(x VARCHAR(10)) RETURNS TEXT LANGUAGE WASM AS '{b64}'"))
            .await
            .unwrap();
        let v: Option<(String, String)> = c.query_first("SELECT ident('héllo'), ident(12.5)").await.unwrap();
        assert_eq!(v, Some(("héllo".into(), "12.5".into())));
        assert_eq!(code(c.query_drop("CREATE FUNCTION bad(x INT) RETURNS INT LANGUAGE WASM AS X'00'").await).0, 1126);
    });
}

fn base64(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, x)| acc | (*x as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn hostile_modules_fail_alone_and_the_server_carries_on() {
    let (server, _plugins) = server_with_plugins(
        "[wasm]\nfuel_per_call = 200000000\nmemory_bytes = 8388608\nmodule_bytes = 200000\nstack_bytes = 65536\n",
    );
    let create = |name: &str, body: &str| {
        format!("CREATE FUNCTION {name}(x INT) RETURNS INT LANGUAGE WASM AS X'{}'", hex(&module(body)))
    };
    let hostile = [
        (
            "spin",
            r#"(func (export "spin") (param i32 i32) (result i64) (loop $l (br $l)) (i64.const 0))"#,
            "fuel exhausted",
        ),
        (
            "hog",
            r#"(func (export "hog") (param i32 i32) (result i64)
                 (loop $l (drop (memory.grow (i32.const 16))) (br $l)) (i64.const 0))"#,
            "memory limit",
        ),
        (
            "deep",
            r#"(func $r (param i32) (result i32) (i32.add (call $r (local.get 0)) (i32.const 1)))
               (func (export "deep") (param i32 i32) (result i64) (drop (call $r (i32.const 0))) (i64.const 0))"#,
            "stack overflow",
        ),
        ("boom", r#"(func (export "boom") (param i32 i32) (result i64) unreachable)"#, "unreachable"),
        (
            // Two result rows for one input row.
            "twice",
            r#"(data (i32.const 2048) "\00\02\00\00\00\01\00\00\00\01\07\00\00\00\00\00\00\00\01\08\00\00\00\00\00\00\00")
               (func (export "twice") (param i32 i32) (result i64) (i64.const 8796093022235))"#,
            "malformed result",
        ),
        (
            "wild",
            r#"(func (export "wild") (param i32 i32) (result i64) (i64.const 0x7FFF000000000064))"#,
            "outside the module's memory",
        ),
    ];
    rt().block_on(async {
        let mut c = connect(&server.url()).await;
        c.query_drop("CREATE DATABASE h").await.unwrap();
        c.query_drop("CREATE TABLE h.t (id INT PRIMARY KEY)").await.unwrap();
        c.query_drop("INSERT INTO h.t VALUES (1),(2),(3)").await.unwrap();
        for (name, body, _) in &hostile {
            c.query_drop(create(name, body)).await.unwrap_or_else(|e| panic!("CREATE {name}: {e}"));
        }
        // Rejected at CREATE: imports, and a module over module_bytes.
        let imports = wat::parse_str(
            r#"(module (import "wasi_snapshot_preview1" "random_get" (func (param i32 i32) (result i32)))
                 (memory (export "memory") 1)
                 (func (export "guocedb_abi_version") (result i32) i32.const 1)
                 (func (export "guocedb_alloc") (param i32) (result i32) i32.const 1024)
                 (func (export "rnd") (param i32 i32) (result i64) (i64.const 0)))"#,
        )
        .unwrap();
        let (n, msg) = code(
            c.query_drop(format!("CREATE FUNCTION rnd(x INT) RETURNS INT LANGUAGE WASM AS X'{}'", hex(&imports))).await,
        );
        assert_eq!(n, 1126);
        assert!(msg.contains("random_get"), "{msg}");
        let big = module_pages(8, &format!(r#"(data (i32.const 0) "{}")"#, "a".repeat(300_000)));
        let (n, msg) = code(
            c.query_drop(format!("CREATE FUNCTION big(x INT) RETURNS INT LANGUAGE WASM AS X'{}'", hex(&big))).await,
        );
        assert_eq!(n, 1126);
        assert!(msg.contains("limit"), "{msg}");

        // Each hostile call fails with its own error while another session
        // keeps querying.
        let url = server.url();
        let bystander = tokio::spawn(async move {
            let mut b = connect(&url).await;
            let mut n = 0;
            for _ in 0..50 {
                let v: Option<i64> = b.query_first("SELECT COUNT(*) FROM h.t").await.expect("bystander query");
                assert_eq!(v, Some(3));
                n += 1;
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            n
        });
        for (name, _, expect) in &hostile {
            let (n, msg) = code(c.query_drop(format!("SELECT {name}(id) FROM h.t")).await);
            assert_eq!(n, 3200, "{name}: {msg}");
            assert!(msg.contains(expect) && msg.contains(name), "{name}: {msg}");
            // The connection and the server are fine afterwards.
            let one: Option<i64> = c.query_first("SELECT 1").await.unwrap();
            assert_eq!(one, Some(1));
        }
        assert_eq!(bystander.await.unwrap(), 50);

        // Per-function limits: lower than the server's, never higher.
        let spin = hostile[0].1;
        let hog = hostile[1].1;
        c.query_drop(format!(
            "{} WITH (FUEL = 1000000)",
            create("spin_small", &spin.replace("\"spin\"", "\"spin_small\""))
        ))
        .await
        .unwrap();
        c.query_drop(format!(
            "{} WITH (MEMORY = 1048576)",
            create("hog_small", &hog.replace("\"hog\"", "\"hog_small\""))
        ))
        .await
        .unwrap();
        let (n, msg) = code(c.query_drop("SELECT spin_small(1)").await);
        assert_eq!((n, msg.contains("fuel exhausted")), (3200, true), "{msg}");
        // A bounded loop (about 8M fuel): out of fuel under the function's
        // 1M, but it runs to its end under the server's 200M (its result is
        // then refused for another reason). Deterministic, unlike timing.
        let bounded = r#"(func (export "bounded") (param i32 i32) (result i64) (local $i i32)
                 (local.set $i (i32.const 2000000))
                 (loop $l (local.set $i (i32.sub (local.get $i) (i32.const 1))) (br_if $l (local.get $i)))
                 (i64.const 0))"#;
        c.query_drop(create("bounded", bounded)).await.unwrap();
        c.query_drop(format!(
            "{} WITH (FUEL = 1000000)",
            create("bounded_small", &bounded.replace("\"bounded\"", "\"bounded_small\""))
        ))
        .await
        .unwrap();
        let (n, msg) = code(c.query_drop("SELECT bounded_small(1)").await);
        assert_eq!((n, msg.contains("fuel exhausted")), (3200, true), "{msg}");
        let (n, msg) = code(c.query_drop("SELECT bounded(1)").await);
        assert_eq!(n, 3200, "{msg}");
        assert!(!msg.contains("fuel"), "200M fuel is enough for the loop: {msg}");
        let (n, msg) = code(c.query_drop("SELECT hog_small(1)").await);
        assert_eq!(n, 3200);
        assert!(msg.contains("memory limit of 1048576 bytes"), "{msg}");
        let (n, msg) = code(
            c.query_drop(format!(
                "{} WITH (FUEL = 999999999999)",
                create("greedy", &hostile[3].1.replace("\"boom\"", "\"greedy\""))
            ))
            .await,
        );
        assert_eq!(n, 1123);
        assert!(msg.contains("above the server's limit"), "{msg}");
        // A failed call leaves no broken instance behind: it fails the same way again.
        let (n, msg) = code(c.query_drop("SELECT boom(1)").await);
        assert_eq!((n, msg.contains("unreachable")), (3200, true));
        let v: Vec<Value> = c.query("SELECT id FROM h.t").await.unwrap();
        assert_eq!(v.len(), 3);
    });
}

#[test]
fn aggregate_and_table_functions_from_the_sdk() {
    let median = build_example("median");
    let split = build_example("split");
    let (server, plugins) = server_with_plugins("");
    std::fs::copy(&median, plugins.path().join("median.wasm")).unwrap();
    std::fs::copy(&split, plugins.path().join("split.wasm")).unwrap();
    rt().block_on(async {
        let mut c = connect(&server.url()).await;
        c.query_drop("CREATE AGGREGATE FUNCTION median RETURNS REAL SONAME 'median.wasm'").await.unwrap();
        c.query_drop("CREATE FUNCTION split RETURNS TABLE SONAME 'split.wasm'").await.unwrap();
        c.query_drop("CREATE DATABASE a").await.unwrap();
        c.query_drop("USE a").await.unwrap();
        c.query_drop("CREATE TABLE m (g CHAR(1), x DOUBLE)").await.unwrap();
        c.query_drop("INSERT INTO m VALUES ('a',1),('a',5),('a',2),('b',10),('b',NULL),('b',20),('c',NULL)").await.unwrap();
        let v: Option<f64> = c.query_first("SELECT median(x) FROM m").await.unwrap();
        assert_eq!(v, Some(5.0), "NULLs are skipped by the function");
        let got: Vec<(String, Option<f64>)> =
            c.query("SELECT g, median(x) FROM m GROUP BY g ORDER BY g").await.unwrap();
        assert_eq!(got, [("a".into(), Some(2.0)), ("b".into(), Some(15.0)), ("c".into(), None)]);
        let got: Vec<(String, Option<f64>)> =
            c.query("SELECT g, median(x) AS md FROM m GROUP BY g HAVING md > 3 ORDER BY md DESC").await.unwrap();
        assert_eq!(got, [("b".into(), Some(15.0))]);
        // An aggregate outside an aggregate context, as MySQL says it.
        assert_eq!(code(c.query_drop("SELECT * FROM m WHERE median(x) > 1").await).0, 1111);

        let got: Vec<(String, i64)> = c.query("SELECT part, idx FROM split('x,yy,,z', ',') ORDER BY idx").await.unwrap();
        assert_eq!(got, [("x".into(), 1), ("yy".into(), 2), ("".into(), 3), ("z".into(), 4)]);
        let got: Vec<(String, i64)> = c
            .exec("SELECT s.part, COUNT(*) FROM split(?, ';') AS s JOIN m ON m.g = s.part GROUP BY s.part ORDER BY s.part", ("a;b;q",))
            .await
            .unwrap();
        assert_eq!(got, [("a".into(), 3), ("b".into(), 3)]);
        let (n, msg) = code(c.query_drop("SELECT * FROM split('a', '')").await);
        assert_eq!(n, 3200);
        assert!(msg.contains("separator"), "{msg}");
        assert_eq!(code(c.query_drop("SELECT split('a', ',')").await).0, 1064);
        let kinds: Vec<(String, String)> = c.query("SELECT name, type FROM mysql.func ORDER BY name").await.unwrap();
        assert_eq!(kinds, [("median".into(), "aggregate".into()), ("split".into(), "function".into())]);
    });
}

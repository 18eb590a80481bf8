//! In-process protocol tests: a hand-written client talks to
//! `handle_connection` over an in-memory duplex stream, against a database
//! on the memory engine. They check packet shapes byte by byte where the
//! end-to-end tests (real clients, tests/) can only see behaviour.

use std::net::SocketAddr;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use tokio::io::{AsyncWriteExt, DuplexStream};
use tokio::task::JoinHandle;

use super::packet::{read_packet, PacketWriter, ReadError};
use super::wire::{caps, put_lenenc_bytes, put_lenenc_int, put_u32, status, ty, Reader};
use super::*;
use crate::config::Config;

/// Capabilities of a typical modern client.
const CLIENT: u32 = caps::SERVER | caps::SESSION_TRACK | caps::CONNECT_ATTRS;

struct Client {
    io: DuplexStream,
    seq: u8,
    deprecate_eof: bool,
    /// The greeting's scramble (COM_CHANGE_USER answers it).
    scramble: Vec<u8>,
    server: JoinHandle<io::Result<()>>,
}

/// One result of a command, as the client decoded it.
#[derive(Debug)]
enum Res {
    Ok(OkInfo),
    Err(u16, String, String),
    Rows { cols: Vec<Vec<u8>>, rows: Vec<Vec<u8>>, status: u16 },
}

fn config() -> Config {
    Config { engine: "memory".into(), ..Config::default() }
}

fn spawn_server(config: Config, over_limit: bool) -> Client {
    let engine = Arc::new(guocedb_engines::memory::MemoryEngine::new());
    let db = Database::open(engine, config).expect("open database");
    let (client, server) = tokio::io::duplex(1 << 20);
    let peer: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let server = tokio::spawn(handle_connection(db, server, peer, over_limit, Arc::new(AtomicUsize::new(1))));
    Client { io: client, seq: 0, deprecate_eof: false, scramble: Vec::new(), server }
}

#[derive(Debug)]
struct OkInfo {
    affected: u64,
    last_insert_id: u64,
    status: u16,
    info: Vec<u8>,
}

fn parse_ok(p: &[u8]) -> OkInfo {
    let mut r = Reader::new(p);
    let h = r.u8().unwrap();
    assert!(h == 0x00 || h == 0xFE, "not an OK packet: {p:?}");
    let affected = r.lenenc_int().unwrap();
    let last_insert_id = r.lenenc_int().unwrap();
    let status = r.u16().unwrap();
    assert_eq!(r.u16().unwrap(), 0, "warnings");
    OkInfo { affected, last_insert_id, status, info: r.rest().to_vec() }
}

fn parse_err(p: &[u8]) -> (u16, String, String) {
    let mut r = Reader::new(p);
    assert_eq!(r.u8(), Ok(0xFF), "not an ERR packet: {:?}", String::from_utf8_lossy(p));
    let code = r.u16().unwrap();
    assert_eq!(r.u8(), Ok(b'#'));
    let state = String::from_utf8(r.bytes(5).unwrap().to_vec()).unwrap();
    (code, state, String::from_utf8(r.rest().to_vec()).unwrap())
}

/// (name, type, charset, flags, decimals, column length) of a column definition.
fn parse_coldef(p: &[u8]) -> (String, u8, u16, u16, u8, u32) {
    let mut r = Reader::new(p);
    assert_eq!(r.lenenc_bytes(), Ok(&b"def"[..]));
    r.lenenc_bytes().unwrap();
    r.lenenc_bytes().unwrap();
    r.lenenc_bytes().unwrap();
    let name = String::from_utf8(r.lenenc_bytes().unwrap().to_vec()).unwrap();
    r.lenenc_bytes().unwrap();
    assert_eq!(r.u8(), Ok(0x0C));
    let charset = r.u16().unwrap();
    let len = r.u32().unwrap();
    let t = r.u8().unwrap();
    let flags = r.u16().unwrap();
    let decimals = r.u8().unwrap();
    assert_eq!(r.u16(), Ok(0));
    (name, t, charset, flags, decimals, len)
}

fn is_end(p: &[u8]) -> bool {
    p.first() == Some(&0xFE) && p.len() < 9
}

impl Client {
    async fn send(&mut self, payload: &[u8]) {
        let mut w = PacketWriter::new();
        w.set_seq(self.seq);
        w.push(payload);
        w.flush(&mut self.io).await.unwrap();
        self.seq = self.seq.wrapping_add(1 + (payload.len() / packet::MAX_FRAGMENT) as u8);
    }

    /// Start a command: sequence ids restart at 0.
    async fn command(&mut self, payload: &[u8]) {
        self.seq = 0;
        self.send(payload).await;
    }

    async fn recv(&mut self) -> Vec<u8> {
        let p = read_packet(&mut self.io, 1 << 30).await.expect("a packet from the server");
        let fragments = (p.payload.len() / packet::MAX_FRAGMENT) as u8;
        assert_eq!(p.seq.wrapping_sub(fragments), self.seq, "sequence id");
        self.seq = p.seq.wrapping_add(1);
        p.payload
    }

    async fn closed(&mut self) -> bool {
        matches!(read_packet(&mut self.io, 1 << 30).await, Err(ReadError::Closed) | Err(ReadError::Io(_)))
    }

    /// Log in; returns the server's final reply to the handshake.
    async fn login(&mut self, caps: u32, user: &str, password: &[u8], plugin: &str, db: Option<&str>) -> Vec<u8> {
        let g = self.recv().await;
        let mut r = Reader::new(&g);
        assert_eq!(r.u8(), Ok(10));
        r.nul_bytes().unwrap();
        r.u32().unwrap();
        let mut scramble = r.bytes(8).unwrap().to_vec();
        r.bytes(1 + 2 + 1 + 2 + 2 + 1 + 10).unwrap();
        scramble.extend_from_slice(r.nul_bytes().unwrap());
        assert_eq!(r.nul_bytes(), Ok(handshake::NATIVE_PASSWORD.as_bytes()));
        self.scramble = scramble.clone();
        let auth = if plugin == handshake::NATIVE_PASSWORD {
            if password.is_empty() {
                vec![]
            } else {
                native_password_scramble(password, &scramble)
            }
        } else {
            vec![0xAB; 32] // something another plugin would send
        };
        // CLIENT_CONNECT_WITH_DB announces the schema field.
        let caps = if db.is_some() { caps } else { caps & !caps::CONNECT_WITH_DB };
        let mut p = Vec::new();
        put_u32(&mut p, caps);
        put_u32(&mut p, 1 << 24);
        p.push(255);
        p.extend_from_slice(&[0; 23]);
        p.extend_from_slice(user.as_bytes());
        p.push(0);
        put_lenenc_bytes(&mut p, &auth);
        if let Some(db) = db {
            p.extend_from_slice(db.as_bytes());
            p.push(0);
        }
        p.extend_from_slice(plugin.as_bytes());
        p.push(0);
        put_lenenc_int(&mut p, 0); // no connection attributes
        self.deprecate_eof = caps & caps::DEPRECATE_EOF != 0;
        self.send(&p).await;
        let reply = self.recv().await;
        if reply.first() == Some(&0xFE) && reply.len() > 9 {
            let mut r = Reader::new(&reply[1..]);
            assert_eq!(r.nul_bytes(), Ok(handshake::NATIVE_PASSWORD.as_bytes()));
            let data = r.rest();
            assert_eq!(data.len(), 21);
            assert_eq!(&data[..20], &scramble[..], "the switch reuses the scramble");
            let resp = if password.is_empty() { vec![] } else { native_password_scramble(password, &data[..20]) };
            self.send(&resp).await;
            return self.recv().await;
        }
        reply
    }

    async fn query(&mut self, sql: &str) -> Vec<Res> {
        let mut p = vec![cmd::QUERY];
        p.extend_from_slice(sql.as_bytes());
        self.command(&p).await;
        self.read_results().await
    }

    async fn query_one(&mut self, sql: &str) -> Res {
        let mut r = self.query(sql).await;
        assert_eq!(r.len(), 1, "one result for {sql}: {r:?}");
        r.remove(0)
    }

    /// The terminator of a row stream or definition block.
    fn end_status(&self, p: &[u8]) -> u16 {
        assert!(is_end(p), "expected a terminator, got {p:?}");
        if self.deprecate_eof {
            assert_eq!(p.len(), 7, "OK packet with header 0xFE");
            parse_ok(p).status
        } else {
            assert_eq!(p.len(), 5, "EOF packet");
            u16::from_le_bytes([p[3], p[4]])
        }
    }

    /// Every result of a response, through the last one.
    async fn read_results(&mut self) -> Vec<Res> {
        let mut out = Vec::new();
        loop {
            let first = self.recv().await;
            let more = match first[0] {
                0x00 => {
                    let ok = parse_ok(&first);
                    let more = ok.status & status::MORE_RESULTS_EXISTS != 0;
                    out.push(Res::Ok(ok));
                    more
                }
                0xFF => {
                    let (code, state, msg) = parse_err(&first);
                    out.push(Res::Err(code, state, msg));
                    return out;
                }
                _ => {
                    let n = Reader::new(&first).lenenc_int().unwrap();
                    let mut cols = Vec::new();
                    for _ in 0..n {
                        cols.push(self.recv().await);
                    }
                    if !self.deprecate_eof {
                        let eof = self.recv().await;
                        self.end_status(&eof);
                    }
                    let mut rows = Vec::new();
                    let status = loop {
                        let p = self.recv().await;
                        if is_end(&p) {
                            break self.end_status(&p);
                        }
                        rows.push(p);
                    };
                    out.push(Res::Rows { cols, rows, status });
                    status & status::MORE_RESULTS_EXISTS != 0
                }
            };
            if !more {
                return out;
            }
        }
    }

    async fn expect_ok(&mut self, sql: &str) -> OkInfo {
        match self.query_one(sql).await {
            Res::Ok(ok) => ok,
            other => panic!("{sql}: expected OK, got {other:?}"),
        }
    }

    /// Text rows of a single-result query, each value as text (None = NULL).
    async fn rows(&mut self, sql: &str) -> Vec<Vec<Option<String>>> {
        match self.query_one(sql).await {
            Res::Rows { rows, cols, .. } => rows
                .iter()
                .map(|row| {
                    let mut r = Reader::new(row);
                    (0..cols.len())
                        .map(|_| {
                            if row[row.len() - r.remaining()] == 0xFB {
                                r.u8().unwrap();
                                None
                            } else {
                                Some(String::from_utf8(r.lenenc_bytes().unwrap().to_vec()).unwrap())
                            }
                        })
                        .collect()
                })
                .collect(),
            other => panic!("{sql}: expected rows, got {other:?}"),
        }
    }

    async fn ping(&mut self) {
        self.command(&[cmd::PING]).await;
        let ok = parse_ok(&self.recv().await);
        assert_eq!(ok.status, status::AUTOCOMMIT);
    }

    async fn quit(mut self) {
        self.command(&[cmd::QUIT]).await;
        assert!(self.closed().await);
        self.server.await.unwrap().unwrap();
    }
}

fn s(x: &str) -> Option<String> {
    Some(x.to_string())
}

#[tokio::test]
async fn text_queries_ping_and_unknown_commands() {
    let mut c = spawn_server(config(), false);
    let ok = parse_ok(&c.login(CLIENT, "root", b"", handshake::NATIVE_PASSWORD, None).await);
    assert_eq!(ok.status, status::AUTOCOMMIT);
    match c.query_one("SELECT 1 AS one, 'x' AS s, NULL AS n").await {
        Res::Rows { cols, rows, status } => {
            assert_eq!(status, status::AUTOCOMMIT);
            let (name, t, charset, flags, _, _) = parse_coldef(&cols[0]);
            assert_eq!((name.as_str(), charset), ("one", 63));
            assert!(t == ty::LONGLONG || t == ty::LONG, "integer type, got {t}");
            assert_ne!(flags & wire::flags::NUM, 0);
            let (name, t, charset, ..) = parse_coldef(&cols[1]);
            assert_eq!((name.as_str(), t, charset), ("s", ty::VAR_STRING, 255));
            assert_eq!(rows, vec![b"\x011\x01x\xFB".to_vec()]);
        }
        other => panic!("expected rows, got {other:?}"),
    }
    c.ping().await;
    // Unknown and empty commands are errors, and the connection continues.
    c.command(&[0x20]).await;
    assert_eq!(parse_err(&c.recv().await), (1047, "08S01".into(), "Unknown command".into()));
    c.command(&[]).await;
    assert_eq!(parse_err(&c.recv().await).0, 1047);
    c.command(&[cmd::STMT_FETCH, 1, 0, 0, 0, 1, 0, 0, 0]).await;
    assert_eq!(parse_err(&c.recv().await).0, 1421);
    c.command(&[cmd::QUERY, b'S', 0xFF, 0xFE]).await;
    assert_eq!(parse_err(&c.recv().await).0, 1300);
    // COM_STATISTICS answers with a bare text line.
    c.command(&[cmd::STATISTICS]).await;
    let line = String::from_utf8(c.recv().await).unwrap();
    assert!(line.starts_with("Uptime: ") && line.contains("Threads: 1") && line.contains("Questions: "), "{line}");
    // COM_SET_OPTION is acknowledged with a terminator packet.
    c.command(&[cmd::SET_OPTION, 0, 0]).await;
    let p = c.recv().await;
    c.end_status(&p);
    c.command(&[cmd::SET_OPTION, 9, 0]).await;
    assert_eq!(parse_err(&c.recv().await).0, 1047);
    c.quit().await;
}

#[tokio::test]
async fn eof_packets_without_deprecate_eof_and_multi_results() {
    let mut c = spawn_server(config(), false);
    let caps = CLIENT & !caps::DEPRECATE_EOF;
    parse_ok(&c.login(caps, "root", b"", handshake::NATIVE_PASSWORD, None).await);
    let results = c.query("SELECT 1; CREATE DATABASE m; SELECT 2").await;
    assert_eq!(results.len(), 3, "{results:?}");
    match &results[0] {
        Res::Rows { status, .. } => assert_eq!(*status, status::AUTOCOMMIT | status::MORE_RESULTS_EXISTS),
        other => panic!("{other:?}"),
    }
    match &results[1] {
        Res::Ok(ok) => assert_eq!(ok.status, status::AUTOCOMMIT | status::MORE_RESULTS_EXISTS),
        other => panic!("{other:?}"),
    }
    match &results[2] {
        Res::Rows { status, rows, .. } => {
            assert_eq!(*status, status::AUTOCOMMIT);
            assert_eq!(rows, &vec![b"\x012".to_vec()]);
        }
        other => panic!("{other:?}"),
    }
    // Execution stops at the first error.
    let results = c.query("SELECT 1; SELECT * FROM m.nope; SELECT 3").await;
    assert_eq!(results.len(), 2);
    assert!(
        matches!(&results[1], Res::Err(1146, state, msg) if state == "42S02" && msg == "Table 'm.nope' doesn't exist")
    );
    // OK packets carry the last insert id and, for UPDATE, the info text.
    c.expect_ok("CREATE TABLE m.t (id INT PRIMARY KEY AUTO_INCREMENT, v INT)").await;
    let ok = c.expect_ok("INSERT INTO m.t (v) VALUES (1), (2)").await;
    assert_eq!((ok.affected, ok.last_insert_id, ok.info.len()), (2, 1, 0));
    let ok = c.expect_ok("UPDATE m.t SET v = 5").await;
    assert_eq!(ok.affected, 2);
    let text = b"Rows matched: 2  Changed: 2  Warnings: 0";
    assert_eq!(ok.info.first().map(|&n| n as usize), Some(text.len()), "info is length-encoded");
    assert_eq!(&ok.info[1..], &text[..]);
    c.quit().await;
}

#[tokio::test]
async fn without_multi_results_one_result_is_sent() {
    let mut c = spawn_server(config(), false);
    let caps = CLIENT & !(caps::MULTI_RESULTS | caps::MULTI_STATEMENTS | caps::PS_MULTI_RESULTS);
    parse_ok(&c.login(caps, "root", b"", handshake::NATIVE_PASSWORD, None).await);
    let results = c.query("SELECT 1; SELECT 2").await;
    assert_eq!(results.len(), 1);
    assert!(
        matches!(&results[0], Res::Rows { rows, status, .. } if rows == &vec![b"\x012".to_vec()] && *status == status::AUTOCOMMIT)
    );
    c.ping().await;
}

#[tokio::test]
async fn authentication() {
    let cfg = || Config { root_password: "secret".into(), ..config() };
    // Native password straight away.
    let mut c = spawn_server(cfg(), false);
    parse_ok(&c.login(CLIENT, "root", b"secret", handshake::NATIVE_PASSWORD, None).await);
    c.ping().await;
    // Another plugin: switched to mysql_native_password, then verified.
    let mut c = spawn_server(cfg(), false);
    parse_ok(&c.login(CLIENT, "root", b"secret", "caching_sha2_password", None).await);
    c.ping().await;
    // Wrong password, through either path.
    for plugin in [handshake::NATIVE_PASSWORD, "caching_sha2_password"] {
        let mut c = spawn_server(cfg(), false);
        let (code, state, msg) = parse_err(&c.login(CLIENT, "root", b"secret2", plugin, None).await);
        assert_eq!((code, state.as_str()), (1045, "28000"));
        assert_eq!(msg, "Access denied for user 'root'@'127.0.0.1' (using password: YES)");
        assert!(c.closed().await);
    }
    // No password when one is needed; an unknown user.
    let mut c = spawn_server(cfg(), false);
    let (code, _, msg) = parse_err(&c.login(CLIENT, "root", b"", handshake::NATIVE_PASSWORD, None).await);
    assert_eq!((code, msg.as_str()), (1045, "Access denied for user 'root'@'127.0.0.1' (using password: NO)"));
    let mut c = spawn_server(config(), false);
    let (code, _, msg) = parse_err(&c.login(CLIENT, "bob", b"", handshake::NATIVE_PASSWORD, None).await);
    assert_eq!((code, msg.as_str()), (1045, "Access denied for user 'bob'@'127.0.0.1' (using password: NO)"));
    // A password sent to a server without one.
    let mut c = spawn_server(config(), false);
    assert_eq!(parse_err(&c.login(CLIENT, "root", b"x", handshake::NATIVE_PASSWORD, None).await).0, 1045);
}

/// A COM_CHANGE_USER packet as drivers send it (CLIENT_SECURE_CONNECTION:
/// a length-prefixed auth response; character set; plugin name).
fn change_user_packet(user: &str, auth: &[u8], db: Option<&str>, plugin: &str) -> Vec<u8> {
    let mut p = vec![cmd::CHANGE_USER];
    p.extend_from_slice(user.as_bytes());
    p.push(0);
    p.push(auth.len() as u8);
    p.extend_from_slice(auth);
    p.extend_from_slice(db.unwrap_or("").as_bytes());
    p.push(0);
    p.extend_from_slice(&255u16.to_le_bytes());
    p.extend_from_slice(plugin.as_bytes());
    p.push(0);
    p
}

#[tokio::test]
async fn change_user_authenticates_and_starts_a_fresh_session() {
    let mut c = spawn_server(Config { root_password: "secret".into(), ..config() }, false);
    parse_ok(&c.login(CLIENT, "root", b"secret", handshake::NATIVE_PASSWORD, None).await);
    c.expect_ok("CREATE DATABASE d").await;
    c.expect_ok("CREATE TABLE d.t (a INT)").await;
    c.expect_ok("SET @v = 1").await;
    c.expect_ok("BEGIN").await;
    c.expect_ok("INSERT INTO d.t VALUES (1)").await;
    let id = c.rows("SELECT CONNECTION_ID()").await[0][0].clone();

    // mysql_native_password answering the greeting's scramble, with a schema.
    let auth = native_password_scramble(b"secret", &c.scramble);
    c.command(&change_user_packet("root", &auth, Some("d"), handshake::NATIVE_PASSWORD)).await;
    assert_eq!(parse_ok(&c.recv().await).status, status::AUTOCOMMIT, "no transaction is open any more");
    // A fresh session: user variables gone, the open transaction rolled
    // back, the same connection id.
    assert_eq!(c.rows("SELECT DATABASE(), @v, CONNECTION_ID()").await, vec![vec![s("d"), None, id]]);
    assert_eq!(c.rows("SELECT COUNT(*) FROM t").await, vec![vec![s("0")]]);

    // Another plugin: switched to mysql_native_password first.
    c.command(&change_user_packet("root", &[0xAB; 32], None, "caching_sha2_password")).await;
    let switch = c.recv().await;
    assert_eq!(switch[0], 0xFE, "an AuthSwitchRequest");
    let data = &switch[1 + handshake::NATIVE_PASSWORD.len() + 1..];
    c.send(&native_password_scramble(b"secret", &data[..20])).await;
    parse_ok(&c.recv().await);
    assert_eq!(c.rows("SELECT DATABASE()").await, vec![vec![None]]);

    // An unknown schema is an error on a connection that carries on.
    let auth = native_password_scramble(b"secret", &c.scramble);
    c.command(&change_user_packet("root", &auth, Some("nope"), handshake::NATIVE_PASSWORD)).await;
    assert_eq!(parse_err(&c.recv().await).0, 1049);
    c.ping().await;

    // A wrong password: 1045, and the connection is closed.
    let auth = native_password_scramble(b"wrong", &c.scramble);
    c.command(&change_user_packet("root", &auth, None, handshake::NATIVE_PASSWORD)).await;
    let (code, state, _) = parse_err(&c.recv().await);
    assert_eq!((code, state.as_str()), (1045, "28000"));
    assert!(c.closed().await);

    // Garbage: an error, and the connection is closed.
    for body in [&[][..], &[0xFF; 40][..], &[0; 20][..]] {
        let mut c = spawn_server(config(), false);
        parse_ok(&c.login(CLIENT, "root", b"", handshake::NATIVE_PASSWORD, None).await);
        c.command(&[&[cmd::CHANGE_USER][..], body].concat()).await;
        assert_eq!(c.recv().await[0], 0xFF);
        assert!(c.closed().await);
    }
}

#[tokio::test]
async fn status_flags_follow_autocommit_and_the_open_transaction() {
    const IN_TRANS: u16 = status::IN_TRANS;
    const AUTO: u16 = status::AUTOCOMMIT;
    let mut c = spawn_server(config(), false);
    parse_ok(&c.login(CLIENT, "root", b"", handshake::NATIVE_PASSWORD, None).await);
    c.expect_ok("CREATE DATABASE d").await;
    c.expect_ok("USE d").await;
    assert_eq!(c.expect_ok("CREATE TABLE t (a INT)").await.status, AUTO);
    assert_eq!(c.expect_ok("BEGIN").await.status, AUTO | IN_TRANS);
    assert_eq!(c.expect_ok("INSERT INTO t VALUES (1)").await.status, AUTO | IN_TRANS);
    match c.query_one("SELECT a FROM t").await {
        Res::Rows { status, .. } => assert_eq!(status, AUTO | IN_TRANS),
        other => panic!("expected rows, got {other:?}"),
    }
    assert_eq!(c.expect_ok("COMMIT").await.status, AUTO);
    assert_eq!(c.expect_ok("SET autocommit = 0").await.status, 0);
    assert_eq!(c.expect_ok("INSERT INTO t VALUES (2)").await.status, IN_TRANS);
    assert_eq!(c.expect_ok("ROLLBACK").await.status, 0);
    assert_eq!(c.expect_ok("START TRANSACTION READ ONLY").await.status, IN_TRANS | status::IN_TRANS_READONLY);
    assert_eq!(c.expect_ok("COMMIT").await.status, 0);
    assert_eq!(c.expect_ok("SET autocommit = 1").await.status, AUTO);
    c.ping().await;
    assert_eq!(c.rows("SELECT COUNT(*) FROM t").await, vec![vec![s("1")]]);
}

#[tokio::test]
async fn schema_in_the_handshake() {
    let mut c = spawn_server(config(), false);
    assert_eq!(parse_err(&c.login(CLIENT, "root", b"", handshake::NATIVE_PASSWORD, Some("nope")).await).0, 1049);
    assert!(c.closed().await);
    let mut c = spawn_server(config(), false);
    parse_ok(&c.login(CLIENT, "root", b"", handshake::NATIVE_PASSWORD, Some("information_schema")).await);
    assert_eq!(c.rows("SELECT DATABASE()").await, vec![vec![s("information_schema")]]);
}

#[tokio::test]
async fn malformed_handshake_is_refused() {
    let mut c = spawn_server(config(), false);
    c.recv().await;
    c.send(&[0x0F, 0x82, 0, 0, 1]).await;
    assert_eq!(parse_err(&c.recv().await).0, 1043);
    assert!(c.closed().await);
    c.server.await.unwrap().unwrap();
}

#[tokio::test]
async fn oversized_packets_close_the_connection() {
    let mut c = spawn_server(Config { max_allowed_packet: 1024, ..config() }, false);
    parse_ok(&c.login(CLIENT, "root", b"", handshake::NATIVE_PASSWORD, None).await);
    assert_eq!(c.rows(&format!("SELECT '{}'", "a".repeat(900))).await.len(), 1);
    let big = format!("SELECT '{}'", "a".repeat(5000));
    let mut p = vec![cmd::QUERY];
    p.extend_from_slice(big.as_bytes());
    c.command(&p).await;
    let (code, state, msg) = parse_err(&c.recv().await);
    assert_eq!(
        (code, state.as_str(), msg.as_str()),
        (1153, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes")
    );
    assert!(c.closed().await);
    c.server.await.unwrap().unwrap();
}

#[tokio::test]
async fn over_max_connections_the_first_packet_is_1040() {
    let mut c = spawn_server(config(), true);
    let (code, state, msg) = parse_err(&c.recv().await);
    assert_eq!((code, state.as_str(), msg.as_str()), (1040, "08004", "Too many connections"));
    assert!(c.closed().await);
}

fn execute_packet(id: u32, types: Option<&[(u8, bool)]>, nulls: &[bool], values: &[u8]) -> Vec<u8> {
    let mut p = vec![cmd::STMT_EXECUTE];
    put_u32(&mut p, id);
    p.push(0);
    put_u32(&mut p, 1);
    if !nulls.is_empty() {
        let mut bitmap = vec![0u8; nulls.len().div_ceil(8)];
        for (i, &n) in nulls.iter().enumerate() {
            if n {
                bitmap[i / 8] |= 1 << (i % 8);
            }
        }
        p.extend_from_slice(&bitmap);
        match types {
            Some(types) => {
                p.push(1);
                for &(code, unsigned) in types {
                    p.push(code);
                    p.push(if unsigned { 0x80 } else { 0 });
                }
            }
            None => p.push(0),
        }
    }
    p.extend_from_slice(values);
    p
}

impl Client {
    /// Prepare; returns (id, params, column definitions).
    async fn prepare(&mut self, sql: &str) -> (u32, u16, Vec<Vec<u8>>) {
        let mut p = vec![cmd::STMT_PREPARE];
        p.extend_from_slice(sql.as_bytes());
        self.command(&p).await;
        let head = self.recv().await;
        assert_eq!(head.len(), 12, "COM_STMT_PREPARE_OK: {head:?}");
        let mut r = Reader::new(&head);
        assert_eq!(r.u8(), Ok(0));
        let id = r.u32().unwrap();
        let ncols = r.u16().unwrap();
        let nparams = r.u16().unwrap();
        assert_eq!((r.u8(), r.u16()), (Ok(0), Ok(0)));
        for _ in 0..nparams {
            assert_eq!(parse_coldef(&self.recv().await).0, "?");
        }
        if nparams > 0 && !self.deprecate_eof {
            let p = self.recv().await;
            self.end_status(&p);
        }
        let mut cols = Vec::new();
        for _ in 0..ncols {
            cols.push(self.recv().await);
        }
        if ncols > 0 && !self.deprecate_eof {
            let p = self.recv().await;
            self.end_status(&p);
        }
        (id, nparams, cols)
    }
}

#[tokio::test]
async fn prepared_statements_in_the_binary_protocol() {
    for deprecate_eof in [true, false] {
        let mut c = spawn_server(config(), false);
        let caps = if deprecate_eof { CLIENT } else { CLIENT & !caps::DEPRECATE_EOF };
        parse_ok(&c.login(caps, "root", b"", handshake::NATIVE_PASSWORD, None).await);
        c.expect_ok("CREATE DATABASE d").await;
        let mut p = vec![cmd::INIT_DB];
        p.extend_from_slice(b"d");
        c.command(&p).await;
        parse_ok(&c.recv().await);
        c.command(&[cmd::INIT_DB, b'z', b'z']).await;
        assert_eq!(parse_err(&c.recv().await).0, 1049);
        c.expect_ok("CREATE TABLE t (id INT PRIMARY KEY, b BLOB, at DATETIME, u BIGINT UNSIGNED)").await;

        let (ins, nparams, cols) = c.prepare("INSERT INTO t VALUES (?, ?, ?, ?)").await;
        assert_eq!((nparams, cols.len()), (4, 0));
        // Parameter 1 arrives as long data, in two pieces; no replies.
        for piece in [&[0u8, 1][..], &[255u8][..]] {
            let mut p = vec![cmd::STMT_SEND_LONG_DATA];
            put_u32(&mut p, ins);
            p.extend_from_slice(&1u16.to_le_bytes());
            p.extend_from_slice(piece);
            c.command(&p).await;
        }
        let types = [(ty::LONG, false), (ty::BLOB, false), (ty::DATETIME, false), (ty::LONGLONG, true)];
        let mut v = 1i32.to_le_bytes().to_vec();
        v.extend_from_slice(&[7, 0xE8, 0x07, 3, 1, 12, 34, 56]);
        v.extend_from_slice(&u64::MAX.to_le_bytes());
        c.command(&execute_packet(ins, Some(&types), &[false; 4], &v)).await;
        let ok = parse_ok(&c.recv().await);
        assert_eq!(ok.affected, 1);
        // Again without types: the remembered ones apply. NULL blob.
        let mut v = 2i32.to_le_bytes().to_vec();
        v.extend_from_slice(&[4, 0xE8, 0x07, 3, 2]);
        v.extend_from_slice(&5u64.to_le_bytes());
        c.command(&execute_packet(ins, None, &[false, true, false, false], &v)).await;
        assert_eq!(parse_ok(&c.recv().await).affected, 1);

        let (sel, nparams, cols) = c.prepare("SELECT id, b, at, u FROM t WHERE id >= ? ORDER BY id").await;
        assert_eq!((nparams, cols.len()), (1, 4));
        let (_, t, charset, flags, ..) = parse_coldef(&cols[1]);
        assert_eq!((t, charset), (ty::BLOB, 63));
        assert_ne!(flags & wire::flags::BINARY, 0);
        c.command(&execute_packet(sel, Some(&[(ty::LONGLONG, false)]), &[false], &0i64.to_le_bytes())).await;
        let rows = match c.read_results().await.remove(0) {
            Res::Rows { rows, status, .. } => {
                assert_eq!(status, status::AUTOCOMMIT);
                rows
            }
            other => panic!("{other:?}"),
        };
        let mut want1 = vec![0x00, 0x00];
        want1.extend_from_slice(&1i32.to_le_bytes());
        want1.extend_from_slice(&[3, 0, 1, 255]);
        want1.extend_from_slice(&[7, 0xE8, 0x07, 3, 1, 12, 34, 56]);
        want1.extend_from_slice(&u64::MAX.to_le_bytes());
        let mut want2 = vec![0x00, 0b0000_1000];
        want2.extend_from_slice(&2i32.to_le_bytes());
        want2.extend_from_slice(&[4, 0xE8, 0x07, 3, 2]);
        want2.extend_from_slice(&5u64.to_le_bytes());
        assert_eq!(rows, vec![want1, want2]);

        // An UPDATE reports its affected rows after a prepared SELECT.
        let (upd, ..) = c.prepare("UPDATE t SET u = ? WHERE id = ?").await;
        let mut v = 9u64.to_le_bytes().to_vec();
        v.extend_from_slice(&2i32.to_le_bytes());
        c.command(&execute_packet(upd, Some(&[(ty::LONGLONG, true), (ty::LONG, false)]), &[false, false], &v)).await;
        let ok = parse_ok(&c.recv().await);
        assert_eq!(ok.affected, 1, "{ok:?}");

        // Malformed and unknown executions are errors; the connection lives.
        let full = execute_packet(sel, Some(&[(ty::LONGLONG, false)]), &[false], &0i64.to_le_bytes());
        for cut in 1..full.len() {
            c.command(&full[..cut]).await;
            let code = parse_err(&c.recv().await).0;
            assert!(code == 1210, "cut at {cut}: {code}");
        }
        c.command(&execute_packet(999, None, &[], &[])).await;
        assert_eq!(parse_err(&c.recv().await).0, 1243);
        c.command(&execute_packet(sel, Some(&[(0x42, false)]), &[false], &[1])).await;
        assert_eq!(parse_err(&c.recv().await).0, 1210);
        // Long data for a parameter that does not exist fails the next execute.
        let mut p = vec![cmd::STMT_SEND_LONG_DATA];
        put_u32(&mut p, sel);
        p.extend_from_slice(&5u16.to_le_bytes());
        c.command(&p).await;
        c.command(&full).await;
        assert_eq!(parse_err(&c.recv().await).0, 1210);
        c.command(&full).await;
        assert!(matches!(c.read_results().await.remove(0), Res::Rows { .. }));
        // COM_STMT_RESET, COM_STMT_CLOSE.
        let mut p = vec![cmd::STMT_RESET];
        put_u32(&mut p, sel);
        c.command(&p).await;
        parse_ok(&c.recv().await);
        let mut p = vec![cmd::STMT_CLOSE];
        put_u32(&mut p, sel);
        c.command(&p).await;
        c.command(&full).await;
        assert_eq!(parse_err(&c.recv().await).0, 1243);
        let mut p = vec![cmd::STMT_RESET];
        put_u32(&mut p, sel);
        c.command(&p).await;
        assert_eq!(parse_err(&c.recv().await).0, 1243);
        c.ping().await;
        assert_eq!(c.rows("SELECT u FROM t ORDER BY id").await, vec![vec![s("18446744073709551615")], vec![s("9")]]);

        // COM_FIELD_LIST: definitions with a NULL default, then a terminator.
        c.command(b"\x04t\x00").await;
        let mut names = Vec::new();
        loop {
            let p = c.recv().await;
            if is_end(&p) {
                c.end_status(&p);
                break;
            }
            assert_eq!(p.last(), Some(&0xFB));
            names.push(parse_coldef(&p[..p.len() - 1]).0);
        }
        assert_eq!(names, ["id", "b", "at", "u"]);
        c.command(b"\x04missing\x00").await;
        assert_eq!(parse_err(&c.recv().await).0, 1146);

        // COM_RESET_CONNECTION keeps the database and the connection id,
        // and forgets prepared statements.
        let id_before = c.rows("SELECT CONNECTION_ID()").await;
        c.command(&[cmd::RESET_CONNECTION]).await;
        parse_ok(&c.recv().await);
        assert_eq!(c.rows("SELECT DATABASE()").await, vec![vec![s("d")]]);
        assert_eq!(c.rows("SELECT CONNECTION_ID()").await, id_before);
        let mut v = 3i32.to_le_bytes().to_vec();
        v.extend_from_slice(&[0]);
        v.extend_from_slice(&5u64.to_le_bytes());
        c.command(&execute_packet(ins, Some(&types), &[false, true, false, false], &v)).await;
        assert_eq!(parse_err(&c.recv().await).0, 1243);
        c.quit().await;
    }
}

#[tokio::test]
async fn long_data_is_bounded() {
    let mut c = spawn_server(Config { max_allowed_packet: 2048, ..config() }, false);
    parse_ok(&c.login(CLIENT, "root", b"", handshake::NATIVE_PASSWORD, None).await);
    let (id, ..) = c.prepare("SELECT ?").await;
    for _ in 0..3 {
        let mut p = vec![cmd::STMT_SEND_LONG_DATA];
        put_u32(&mut p, id);
        p.extend_from_slice(&0u16.to_le_bytes());
        p.extend_from_slice(&[b'x'; 1000]);
        c.command(&p).await;
    }
    let exec = execute_packet(id, Some(&[(ty::BLOB, false)]), &[false], &[]);
    c.command(&exec).await;
    assert_eq!(parse_err(&c.recv().await).0, 1153);
    // The error consumed the state: the next execution needs a value again.
    let mut with_value = exec.clone();
    put_lenenc_bytes(&mut with_value, b"ok");
    c.command(&with_value).await;
    match c.read_results().await.remove(0) {
        Res::Rows { rows, .. } => assert_eq!(rows, vec![b"\x00\x00\x02ok".to_vec()]),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn large_results_split_and_flush() {
    let mut c = spawn_server(config(), false);
    parse_ok(&c.login(CLIENT, "root", b"", handshake::NATIVE_PASSWORD, None).await);
    c.expect_ok("CREATE DATABASE big").await;
    c.expect_ok("CREATE TABLE big.t (id INT PRIMARY KEY, v LONGTEXT)").await;
    // A value longer than one fragment comes back reassembled.
    let value = "y".repeat(packet::MAX_FRAGMENT + 10);
    let sql = format!("INSERT INTO big.t VALUES (1, '{value}')");
    let mut p = vec![cmd::QUERY];
    p.extend_from_slice(sql.as_bytes());
    c.command(&p).await;
    parse_ok(&c.recv().await);
    let rows = c.rows("SELECT v FROM big.t").await;
    assert_eq!(rows[0][0].as_ref().map(String::len), Some(value.len()));
    let values: Vec<String> = (2..3000).map(|i| format!("({i}, '{}')", "z".repeat(200))).collect();
    c.expect_ok(&format!("INSERT INTO big.t VALUES {}", values.join(","))).await;
    assert_eq!(c.rows("SELECT id, v FROM big.t").await.len(), 2999);
    c.io.shutdown().await.unwrap();
}

#[tokio::test]
async fn every_command_with_garbage_gets_an_answer_or_none() {
    let mut c = spawn_server(config(), false);
    parse_ok(&c.login(CLIENT, "root", b"", handshake::NATIVE_PASSWORD, None).await);
    let bodies: [&[u8]; 5] = [&[], &[0xFF], &[1, 2, 3], &[0; 20], &[0xFF; 40]];
    for command in 0x00..=0x30u8 {
        // Both end the connection (a refused COM_CHANGE_USER closes it, as
        // in MySQL; see change_user_authenticates_and_starts_a_fresh_session).
        if command == cmd::QUIT || command == cmd::CHANGE_USER {
            continue;
        }
        for body in bodies {
            let mut p = vec![command];
            p.extend_from_slice(body);
            c.command(&p).await;
            match command {
                // No reply by design.
                cmd::STMT_SEND_LONG_DATA | cmd::STMT_CLOSE => {}
                cmd::QUERY => {
                    c.read_results().await;
                }
                cmd::STATISTICS => assert!(c.recv().await.starts_with(b"Uptime: ")),
                cmd::PING | cmd::RESET_CONNECTION => {
                    parse_ok(&c.recv().await);
                }
                cmd::SET_OPTION => {
                    let p = c.recv().await;
                    assert!(p[0] == 0xFF || is_end(&p), "{p:?}");
                }
                _ => {
                    let p = c.recv().await;
                    assert_eq!(p[0], 0xFF, "command {command:#x} with {body:?}: {p:?}");
                }
            }
            c.ping().await;
        }
    }
    c.quit().await;
}

//! The workloads: simulated clients that talk to the server over the MySQL
//! protocol and record what they saw.
//!
//! - **bank**: transfers between accounts under `FOR UPDATE`; every read of
//!   all accounts must show the same total and no negative balance.
//! - **list-append**: transactions of appends (`INSERT … ON DUPLICATE KEY
//!   UPDATE v = CONCAT(v, …)`) and reads; read-write transactions read with
//!   `FOR UPDATE`, read-only ones read their snapshot. The history goes to
//!   the Elle-style checker.
//! - **register**: single-statement reads, writes and compare-and-sets of
//!   one row; the history goes to the linearizability checker.
//!
//! Outcomes: a server error means the transaction did not commit (the
//! client rolls back); a broken connection before COMMIT was sent means the
//! server must have rolled it back; a broken connection while COMMIT (or an
//! autocommit statement) was in flight is unknown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use madsim::time::Instant;
use parking_lot::Mutex;

use super::client::{ClientError, Conn, Response};
use super::{Stats, PASSWORD};
use crate::history::{Mop, Outcome, RegEvent, RegOp, Txn};

/// Accounts of the bank workload and the money in each at the start.
const ACCOUNTS: u64 = 5;
const INITIAL: i64 = 100;
/// Keys of the list-append workload.
const KEYS: u64 = 6;
/// Per-request timeout of the simulated clients.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Bound on recorded events, so a runaway run cannot exhaust memory.
const MAX_EVENTS: usize = 2_000_000;

/// Everything a run observed.
#[derive(Default)]
pub struct Recorder {
    pub start: Option<Instant>,
    /// The event log (hashed for determinism).
    pub events: Vec<String>,
    pub problems: Vec<String>,
    pub stats: Stats,
    pub txns: Vec<Txn>,
    pub regs: Vec<RegEvent>,
    next_value: u64,
}

impl Recorder {
    fn now(&self) -> u64 {
        self.start.map(|s| s.elapsed().as_nanos() as u64).unwrap_or(0)
    }

    pub fn event(&mut self, what: String) {
        if self.events.len() < MAX_EVENTS {
            let t = self.now();
            self.events.push(format!("{t} {what}"));
        }
    }

    pub fn problem(&mut self, what: String) {
        self.event(format!("PROBLEM {what}"));
        self.problems.push(what);
    }

    pub fn fault(&mut self, what: String, kill: bool) {
        self.stats.faults += 1;
        if kill {
            self.stats.kills += 1;
        }
        self.event(format!("FAULT {what}"));
    }

    fn count(&mut self, o: Outcome) {
        match o {
            Outcome::Ok => self.stats.ok += 1,
            Outcome::Fail => self.stats.failed += 1,
            Outcome::Unknown => self.stats.unknown += 1,
        }
    }

    /// A value never used before (appended and written values are unique).
    fn fresh(&mut self) -> u64 {
        self.next_value += 1;
        self.next_value
    }

    /// Run the checkers over the histories.
    pub fn check(&mut self) {
        for a in crate::check::elle::check_list_append(&self.txns) {
            let involved: Vec<String> = a
                .txns
                .iter()
                .filter_map(|id| self.txns.iter().find(|t| t.id == *id))
                .map(|t| format!("T{} [{}..{}] {:?} {:?}", t.id, t.start, t.end, t.outcome, t.ops))
                .collect();
            self.problem(format!("list-append: {a}\n    {}", involved.join("\n    ")));
        }
        if let Err(e) = crate::check::linear::check_register(&self.regs, None) {
            self.problem(format!("register: {e}"));
        }
        let s = self.stats;
        self.event(format!("END ok={} failed={} unknown={} faults={}", s.ok, s.failed, s.unknown, s.faults));
    }
}

/// The workloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bank = 1,
    ListAppend = 2,
    Register = 3,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Bank, Kind::ListAppend, Kind::Register];
}

/// The client's own deterministic choices.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// What one statement did.
enum Step {
    Done(Response),
    /// The server refused it.
    Refused,
    /// The connection is gone.
    Lost,
}

async fn step(c: &mut Conn, sql: &str) -> Step {
    match c.query(sql).await {
        Ok(r) => Step::Done(r),
        Err(ClientError::Server { .. }) => Step::Refused,
        Err(ClientError::Io(_)) => Step::Lost,
    }
}

async fn connect(addr: SocketAddr) -> Option<Conn> {
    let mut c = Conn::connect(addr, "root", PASSWORD, REQUEST_TIMEOUT).await.ok()?;
    c.query("USE sim").await.ok()?;
    c.query("SET innodb_lock_wait_timeout = 1").await.ok()?;
    Some(c)
}

/// Create the schema and the bank's accounts (no faults yet).
pub async fn setup(addr: SocketAddr, log: Arc<Mutex<Recorder>>) -> bool {
    for _ in 0..50 {
        let Ok(mut c) = Conn::connect(addr, "root", PASSWORD, REQUEST_TIMEOUT).await else {
            madsim::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let values: Vec<String> = (0..ACCOUNTS).map(|i| format!("({i}, {INITIAL})")).collect();
        let stmts = [
            "CREATE DATABASE sim".to_string(),
            "USE sim".into(),
            "CREATE TABLE bank (id INT PRIMARY KEY, bal BIGINT NOT NULL)".into(),
            format!("INSERT INTO bank VALUES {}", values.join(", ")),
            "CREATE TABLE la (k INT PRIMARY KEY, v TEXT NOT NULL)".into(),
            "CREATE TABLE reg (k INT PRIMARY KEY, v BIGINT NOT NULL)".into(),
        ];
        for s in &stmts {
            if let Err(e) = c.query(s).await {
                log.lock().problem(format!("setup statement {s:?} failed: {e}"));
                return false;
            }
        }
        log.lock().event("setup done".into());
        return true;
    }
    log.lock().problem("setup could not connect".into());
    false
}

/// One simulated client of one workload.
pub struct Worker {
    pub id: usize,
    pub kind: Kind,
    pub addr: SocketAddr,
    pub log: Arc<Mutex<Recorder>>,
    /// May drop its connection in the middle of a transaction.
    pub disconnects: bool,
    pub seed: u64,
}

impl Worker {
    /// Run operations until `deadline`.
    pub async fn run_until(self, deadline: Instant) {
        let mut rng = Rng(self.seed | 1);
        let mut conn: Option<Conn> = None;
        let mut last_seen: Option<u64> = None;
        while Instant::now() < deadline {
            self.one(&mut conn, &mut rng, &mut last_seen).await;
            madsim::time::sleep(Duration::from_micros(rng.below(20_000))).await;
        }
    }

    /// Run operations until `n` have succeeded; false if a request could
    /// not even connect 100 times in a row.
    async fn run_successes(self, n: usize) -> bool {
        let mut rng = Rng(self.seed | 1);
        let mut conn: Option<Conn> = None;
        let mut last_seen: Option<u64> = None;
        let (mut ok, mut misses) = (0, 0);
        while ok < n {
            match self.one(&mut conn, &mut rng, &mut last_seen).await {
                Some(Outcome::Ok) => ok += 1,
                None => {
                    misses += 1;
                    if misses > 100 {
                        return false;
                    }
                    madsim::time::sleep(Duration::from_millis(100)).await;
                }
                Some(_) => {}
            }
        }
        true
    }

    /// One operation (connecting first if needed); its outcome, or `None`
    /// when there was no connection.
    async fn one(&self, conn: &mut Option<Conn>, rng: &mut Rng, last_seen: &mut Option<u64>) -> Option<Outcome> {
        if conn.is_none() {
            *conn = connect(self.addr).await;
        }
        let c = conn.as_mut()?;
        let (outcome, keep) = match self.kind {
            Kind::Bank => self.bank(c, rng).await,
            Kind::ListAppend => self.list_append(c, rng).await,
            Kind::Register => self.register(c, rng, last_seen).await,
        };
        if !keep {
            *conn = None;
        }
        self.log.lock().count(outcome);
        Some(outcome)
    }

    async fn rollback(c: &mut Conn) -> bool {
        !matches!(step(c, "ROLLBACK").await, Step::Lost)
    }

    /// A transfer (or, one time in four, an audit of all accounts).
    async fn bank(&self, c: &mut Conn, rng: &mut Rng) -> (Outcome, bool) {
        if rng.below(4) == 0 {
            return match step(c, "SELECT id, bal FROM bank").await {
                Step::Done(r) => {
                    self.audit(&r.rows(), "read");
                    (Outcome::Ok, true)
                }
                Step::Refused => (Outcome::Fail, true),
                Step::Lost => (Outcome::Unknown, false),
            };
        }
        let from = rng.below(ACCOUNTS);
        let to = (from + 1 + rng.below(ACCOUNTS - 1)) % ACCOUNTS;
        let amount = 1 + rng.below(20) as i64;
        let mut bal_from = None;
        let script = [
            "BEGIN".to_string(),
            format!("SELECT bal FROM bank WHERE id = {from} FOR UPDATE"),
            format!("SELECT bal FROM bank WHERE id = {to} FOR UPDATE"),
            format!("UPDATE bank SET bal = bal - {amount} WHERE id = {from}"),
            format!("UPDATE bank SET bal = bal + {amount} WHERE id = {to}"),
        ];
        for (i, sql) in script.iter().enumerate() {
            if i == 3 && bal_from.is_some_and(|b: i64| b < amount) {
                return (Outcome::Fail, Self::rollback(c).await);
            }
            if self.disconnects && rng.below(40) == 0 {
                self.log.lock().event(format!("c{} disconnects mid-transfer", self.id));
                return (Outcome::Fail, false);
            }
            match step(c, sql).await {
                Step::Done(r) => {
                    if i == 1 {
                        bal_from = r
                            .rows()
                            .first()
                            .and_then(|row| row.first().cloned().flatten())
                            .and_then(|v| v.parse().ok());
                    }
                }
                Step::Refused => return (Outcome::Fail, Self::rollback(c).await),
                // COMMIT was never sent: the server must roll it back.
                Step::Lost => return (Outcome::Fail, false),
            }
        }
        let r = match step(c, "COMMIT").await {
            Step::Done(_) => (Outcome::Ok, true),
            Step::Refused => (Outcome::Fail, Self::rollback(c).await),
            Step::Lost => (Outcome::Unknown, false),
        };
        self.log.lock().event(format!("c{} transfer {from}->{to} {amount}: {:?}", self.id, r.0));
        r
    }

    /// Check one read of every account.
    fn audit(&self, rows: &[Vec<Option<String>>], what: &str) {
        let bal: Vec<i64> =
            rows.iter().filter_map(|r| r.get(1).cloned().flatten()).filter_map(|v| v.parse().ok()).collect();
        let total: i64 = bal.iter().sum();
        let mut log = self.log.lock();
        log.event(format!("c{} bank {what} {bal:?}", self.id));
        if bal.len() as u64 != ACCOUNTS || total != ACCOUNTS as i64 * INITIAL || bal.iter().any(|b| *b < 0) {
            log.problem(format!(
                "bank: {what} saw balances {bal:?} (total {total}, expected {} in {ACCOUNTS} accounts, none negative)",
                ACCOUNTS as i64 * INITIAL
            ));
        }
    }

    /// A transaction of one to four appends and reads.
    async fn list_append(&self, c: &mut Conn, rng: &mut Rng) -> (Outcome, bool) {
        let n = 1 + rng.below(4) as usize;
        let mut ops = Vec::with_capacity(n);
        {
            let mut log = self.log.lock();
            for _ in 0..n {
                let key = rng.below(KEYS);
                if rng.below(2) == 0 {
                    ops.push(Mop::Append { key, value: log.fresh() });
                } else {
                    ops.push(Mop::Read { key, values: None });
                }
            }
        }
        let rw = ops.iter().any(|m| matches!(m, Mop::Append { .. }));
        let start = self.log.lock().now();
        let (outcome, keep) = self.run_list_txn(c, rng, &mut ops, rw).await;
        let mut log = self.log.lock();
        let end = log.now();
        let id = log.txns.len();
        log.event(format!("c{} T{id} {outcome:?} {ops:?}", self.id));
        log.txns.push(Txn { id, process: self.id, start, end, outcome, ops });
        (outcome, keep)
    }

    async fn run_list_txn(&self, c: &mut Conn, rng: &mut Rng, ops: &mut [Mop], rw: bool) -> (Outcome, bool) {
        match step(c, "BEGIN").await {
            Step::Done(_) => {}
            Step::Refused => return (Outcome::Fail, Self::rollback(c).await),
            Step::Lost => return (Outcome::Fail, false),
        }
        for op in ops.iter_mut() {
            if self.disconnects && rng.below(40) == 0 {
                return (Outcome::Fail, false);
            }
            let sql = match op {
                Mop::Append { key, value } => format!(
                    "INSERT INTO la (k, v) VALUES ({key}, '{value}') ON DUPLICATE KEY UPDATE v = CONCAT(v, ' {value}')"
                ),
                Mop::Read { key, .. } => {
                    format!("SELECT v FROM la WHERE k = {key}{}", if rw { " FOR UPDATE" } else { "" })
                }
            };
            match step(c, &sql).await {
                Step::Done(r) => {
                    if let Mop::Read { values, .. } = op {
                        *values = Some(parse_list(&r.rows()));
                    }
                }
                Step::Refused => return (Outcome::Fail, Self::rollback(c).await),
                Step::Lost => return (Outcome::Fail, false),
            }
        }
        match step(c, "COMMIT").await {
            Step::Done(_) => (Outcome::Ok, true),
            Step::Refused => (Outcome::Fail, Self::rollback(c).await),
            Step::Lost => (Outcome::Unknown, false),
        }
    }

    /// One autocommit read, write or compare-and-set of the register.
    async fn register(&self, c: &mut Conn, rng: &mut Rng, last_seen: &mut Option<u64>) -> (Outcome, bool) {
        let choice = rng.below(3);
        let op = match (choice, *last_seen) {
            (1, _) => RegOp::Write { value: self.log.lock().fresh() },
            (2, Some(from)) => RegOp::Cas { from, to: self.log.lock().fresh() },
            _ => RegOp::Read { value: None },
        };
        let sql = match op {
            RegOp::Read { .. } => "SELECT v FROM reg WHERE k = 0".to_string(),
            RegOp::Write { value } => {
                format!("INSERT INTO reg (k, v) VALUES (0, {value}) ON DUPLICATE KEY UPDATE v = {value}")
            }
            RegOp::Cas { from, to } => format!("UPDATE reg SET v = {to} WHERE k = 0 AND v = {from}"),
        };
        let start = self.log.lock().now();
        let (mut op, outcome, keep) = match step(c, &sql).await {
            Step::Done(r) => match op {
                RegOp::Read { .. } => {
                    let value =
                        r.rows().first().and_then(|row| row.first().cloned().flatten()).and_then(|v| v.parse().ok());
                    (RegOp::Read { value }, Outcome::Ok, true)
                }
                RegOp::Cas { .. } if r.affected() == 0 => (op, Outcome::Fail, true),
                _ => (op, Outcome::Ok, true),
            },
            Step::Refused => (op, Outcome::Fail, true),
            Step::Lost => (op, Outcome::Unknown, false),
        };
        match &mut op {
            RegOp::Read { value } if outcome == Outcome::Ok => *last_seen = *value,
            RegOp::Write { value } | RegOp::Cas { to: value, .. } if outcome == Outcome::Ok => {
                *last_seen = Some(*value)
            }
            _ => {}
        }
        let mut log = self.log.lock();
        let end = log.now();
        log.event(format!("c{} reg {op:?} {outcome:?}", self.id));
        log.regs.push(RegEvent { process: self.id, start, end, op, outcome });
        (outcome, keep)
    }
}

/// A list as stored: values separated by spaces.
fn parse_list(rows: &[Vec<Option<String>>]) -> Vec<u64> {
    match rows.first().and_then(|r| r.first().cloned().flatten()) {
        Some(text) => text.split(' ').filter_map(|v| v.parse().ok()).collect(),
        None => Vec::new(),
    }
}

/// After the faults: every workload must get a few operations through.
pub async fn liveness(addr: SocketAddr, log: Arc<Mutex<Recorder>>, seed: u64) -> bool {
    let mut ok = true;
    for (i, kind) in Kind::ALL.into_iter().enumerate() {
        let w =
            Worker { id: 10_000 + i, kind, addr, log: log.clone(), disconnects: false, seed: seed ^ 0xABCD ^ i as u64 };
        ok &= w.run_successes(5).await;
    }
    log.lock().event(format!("liveness {}", if ok { "ok" } else { "FAILED" }));
    ok
}

/// The last reads, after everything else: every list, the register and
/// the accounts.
pub async fn final_reads(addr: SocketAddr, log: Arc<Mutex<Recorder>>) -> bool {
    let mut conn = None;
    for _ in 0..100 {
        conn = connect(addr).await;
        if conn.is_some() {
            break;
        }
        madsim::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(mut c) = conn else { return false };
    let start = log.lock().now();
    let Ok(la) = c.query("SELECT k, v FROM la").await else { return false };
    let Ok(reg) = c.query("SELECT v FROM reg WHERE k = 0").await else { return false };
    let Ok(bank) = c.query("SELECT id, bal FROM bank").await else { return false };
    let w = Worker { id: 20_000, kind: Kind::Bank, addr, log: log.clone(), disconnects: false, seed: 1 };
    w.audit(&bank.rows(), "final read");
    let la = la.rows();
    let ops = (0..KEYS)
        .map(|key| {
            let row: Vec<Vec<Option<String>>> = la
                .iter()
                .filter(|r| r.first().cloned().flatten().and_then(|k| k.parse::<u64>().ok()) == Some(key))
                .map(|r| r.iter().skip(1).cloned().collect())
                .collect();
            Mop::Read { key, values: Some(parse_list(&row)) }
        })
        .collect::<Vec<_>>();
    let value = reg.rows().first().and_then(|row| row.first().cloned().flatten()).and_then(|v| v.parse().ok());
    let mut l = log.lock();
    let end = l.now();
    let id = l.txns.len();
    l.event(format!("final T{id} {ops:?} reg={value:?}"));
    l.txns.push(Txn { id, process: 20_000, start, end, outcome: Outcome::Ok, ops });
    l.regs.push(RegEvent { process: 20_000, start, end, op: RegOp::Read { value }, outcome: Outcome::Ok });
    true
}

//! The simulator proper (`--cfg madsim` builds only): one seed, one run.
//!
//! A run builds a madsim world from its seed: a database node `db`
//! (10.0.0.1) serving the real guocedb server — `Database::open` over a
//! [`SimDiskEngine`] and `guocedb::mysql::serve` on a simulated TCP
//! listener — and a client node (10.0.1.1) running the workloads
//! (`workload`) through the MySQL protocol. A fault controller, also driven
//! by the seed, kills and restarts the node (losing unsynced writes), makes
//! the disk fail or tear records, jumps the clock, slows commits, and lets
//! buggify points in the server fire. Then faults stop, the node is brought
//! back, a liveness phase demands progress within a bound, final reads are
//! taken, and the checkers judge the histories.
//!
//! Everything observable is appended to an event log whose SHA-1 is the
//! run's hash: the same seed must always give the same hash.

mod client;
mod workload;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use guocedb_engines::simdisk::{DiskFaults, SimDisk, SimDiskEngine};
use madsim::runtime::Handle;
use parking_lot::Mutex;
use sha1::{Digest, Sha1};

pub use workload::Recorder;

const DB_IP: [u8; 4] = [10, 0, 0, 1];
const CLIENT_IP: [u8; 4] = [10, 0, 1, 1];
const PORT: u16 = 3306;
pub const PASSWORD: &str = "sim";

/// Which faults a run may inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Faults {
    pub kill: bool,
    pub disk: bool,
    pub clock: bool,
    pub slow: bool,
    pub disconnect: bool,
    pub buggify: bool,
}

impl Faults {
    pub const NAMES: &'static [&'static str] = &["kill", "disk", "clock", "slow", "disconnect", "buggify"];

    /// `all`, `none`, or a comma-separated list of [`Faults::NAMES`].
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "all" => {
                return Ok(Self { kill: true, disk: true, clock: true, slow: true, disconnect: true, buggify: true })
            }
            "none" | "" => return Ok(Self::default()),
            _ => {}
        }
        let mut f = Self::default();
        for name in s.split(',').map(str::trim) {
            match name {
                "kill" => f.kill = true,
                "disk" => f.disk = true,
                "clock" => f.clock = true,
                "slow" => f.slow = true,
                "disconnect" => f.disconnect = true,
                "buggify" => f.buggify = true,
                other => return Err(format!("unknown fault {other:?}; known: all, none, {}", Self::NAMES.join(", "))),
            }
        }
        Ok(f)
    }

    /// The canonical spelling, for replay commands.
    pub fn spelling(&self) -> String {
        let all = [self.kill, self.disk, self.clock, self.slow, self.disconnect, self.buggify];
        if all.iter().all(|x| *x) {
            return "all".into();
        }
        let names: Vec<&str> = Self::NAMES.iter().zip(all).filter(|(_, on)| *on).map(|(n, _)| *n).collect();
        if names.is_empty() {
            "none".into()
        } else {
            names.join(",")
        }
    }
}

/// A bug planted in the server, for proving the simulator finds bugs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plant {
    /// The committer acknowledges commits without syncing them.
    AckBeforeSync,
}

impl Plant {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "ack-before-sync" => Ok(Self::AckBeforeSync),
            other => Err(format!("unknown bug {other:?}; known: ack-before-sync")),
        }
    }

    pub fn spelling(&self) -> &'static str {
        match self {
            Self::AckBeforeSync => "ack-before-sync",
        }
    }
}

/// What one run does.
#[derive(Debug, Clone)]
pub struct Options {
    /// Simulated time of the fault phase.
    pub duration: Duration,
    pub faults: Faults,
    /// Clients per workload.
    pub clients: usize,
    pub plant: Option<Plant>,
    pub verbose: bool,
}

/// The outcome of one seed.
#[derive(Debug, Clone)]
pub struct Report {
    pub seed: u64,
    /// Empty when every check passed.
    pub problems: Vec<String>,
    /// SHA-1 of the event log, hex.
    pub hash: String,
    pub stats: Stats,
}

/// Counts for the report line.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    pub ok: u64,
    pub failed: u64,
    pub unknown: u64,
    pub kills: u64,
    pub faults: u64,
    pub sim_secs: f64,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Run one seed to completion, on a thread with room for the server's
/// deep recursion. A panic inside the simulation (a failed assertion in
/// the server, a hang past the time limit) is reported as a problem.
pub fn run_seed(seed: u64, opts: &Options) -> Report {
    let opts = opts.clone();
    let worker = std::thread::Builder::new().stack_size(256 << 20).name(format!("sim-{seed}")).spawn(move || {
        guocedb::env::sim::reset();
        let mut rt = madsim::runtime::Runtime::with_seed_and_config(seed, madsim::Config::default());
        // A run that stops making progress is a failure, not a hang.
        rt.set_time_limit(opts.duration + Duration::from_secs(600));
        let log = Arc::new(Mutex::new(Recorder::default()));
        let l2 = log.clone();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(simulate(seed, opts, l2))));
        let mut rec = std::mem::take(&mut *log.lock());
        if let Err(p) = r {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            rec.problems.push(format!("the simulation panicked: {msg}"));
        }
        rec
    });
    let rec = match worker.map(|w| w.join()) {
        Ok(Ok(rec)) => rec,
        Ok(Err(_)) | Err(_) => {
            let mut r = Recorder::default();
            r.problems.push("the simulation thread died".into());
            r
        }
    };
    if let Some(path) = &opts_events_path() {
        let _ = std::fs::write(format!("{path}.{seed}.{}", std::process::id()), rec.events.join("\n"));
    }
    let hash = {
        let mut h = Sha1::new();
        for line in &rec.events {
            h.update(line.as_bytes());
            h.update(b"\n");
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    Report { seed, problems: rec.problems.clone(), hash, stats: rec.stats }
}

/// `GUOCEDB_SIM_EVENTS=PREFIX` writes each run's event log to
/// `PREFIX.<seed>.<pid>` (for diffing two runs of one seed).
fn opts_events_path() -> Option<String> {
    std::env::var("GUOCEDB_SIM_EVENTS").ok()
}

static DET: std::sync::OnceLock<(u64, Options)> = std::sync::OnceLock::new();

fn det_run() -> impl std::future::Future<Output = ()> {
    let (seed, opts) = DET.get().cloned().unwrap_or((
        0,
        Options {
            duration: Duration::from_secs(1),
            faults: Faults::default(),
            clients: 1,
            plant: None,
            verbose: false,
        },
    ));
    simulate(seed, opts, Arc::new(Mutex::new(Recorder::default())))
}

/// Debugging aid: madsim's own determinism check, which records every draw
/// from the simulator's random source in a first run and panics at the
/// first draw that differs in a second (run with RUST_BACKTRACE=1 to see
/// where).
pub fn madsim_check(seed: u64, opts: &Options) {
    let _ = DET.set((seed, opts.clone()));
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || madsim::runtime::Runtime::check_determinism(seed, madsim::Config::default(), det_run))
        .map(|t| t.join())
        .ok();
}

/// The database node's life: recover from its disk and serve. Recovery is
/// retried (as a supervisor would) when it fails on an injected fault.
async fn serve_node(disk: Arc<SimDisk>, log: Arc<Mutex<Recorder>>) {
    let mut config = guocedb::config::Config {
        bind: IpAddr::from(DB_IP),
        port: PORT,
        root_password: PASSWORD.into(),
        engine: "simdisk".into(),
        gc_interval_ms: 300,
        ..guocedb::config::Config::default()
    };
    config.max_connections = 200;
    let db = loop {
        let opened = SimDiskEngine::open(disk.clone())
            .map_err(|e| e.to_string())
            .and_then(|e| guocedb::db::Database::open(Arc::new(e), config.clone()).map_err(|e| e.to_string()));
        match opened {
            Ok(db) => break db,
            Err(e) if e.contains("corrupt log record") => {
                // Corruption of synced data is never injected: a real bug.
                log.lock().problem(format!("recovery found corruption: {e}"));
                return;
            }
            Err(e) => {
                log.lock().event(format!("recovery failed ({e}); retrying"));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let listener = match tokio::net::TcpListener::bind(SocketAddr::new(IpAddr::from(DB_IP), PORT)).await {
        Ok(l) => l,
        Err(e) => {
            log.lock().problem(format!("cannot listen: {e}"));
            return;
        }
    };
    if let Err(e) = guocedb::mysql::serve(db, listener).await {
        log.lock().problem(format!("serve failed: {e}"));
    }
}

/// The simulated wall clock without any node's offset, in microseconds.
fn sim_wall_us() -> i64 {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

fn db_addr() -> SocketAddr {
    SocketAddr::new(IpAddr::from(DB_IP), PORT)
}

/// The whole run, as the simulator's main task.
async fn simulate(seed: u64, opts: Options, log: Arc<Mutex<Recorder>>) {
    let handle = Handle::current();
    let disk = SimDisk::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let (d, l) = (disk.clone(), log.clone());
    let node =
        handle.create_node().name("db").ip(IpAddr::from(DB_IP)).init(move || serve_node(d.clone(), l.clone())).build();
    let node_id = node.id().to_string();
    let mut knobs = guocedb::env::sim::Knobs {
        bug_ack_before_sync: opts.plant == Some(Plant::AckBeforeSync),
        ..Default::default()
    };
    guocedb::env::sim::set(&node_id, knobs);
    let client_node = handle.create_node().name("clients").ip(IpAddr::from(CLIENT_IP)).build();
    let start = madsim::time::Instant::now();
    log.lock().start = Some(start);

    // Setup: the schema and initial rows, before any fault.
    let setup = client_node.spawn(workload::setup(db_addr(), log.clone()));
    if !setup.await.unwrap_or(false) {
        log.lock().problem("setup failed without faults".into());
        return;
    }

    // The fault phase.
    if opts.faults.buggify {
        madsim::buggify::enable();
    }
    let deadline = madsim::time::Instant::now() + opts.duration;
    let mut clients = Vec::new();
    for i in 0..opts.clients.max(1) {
        for kind in workload::Kind::ALL {
            let w = workload::Worker {
                id: clients.len(),
                kind,
                addr: db_addr(),
                log: log.clone(),
                disconnects: opts.faults.disconnect,
                seed: seed ^ ((i as u64) << 32) ^ kind as u64,
            };
            clients.push(client_node.spawn(w.run_until(deadline)));
        }
    }
    let mut rng_state = seed ^ 0xD1B5_4A32_D192_ED03;
    let mut next = || {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        rng_state
    };
    let any_fault = opts.faults.kill || opts.faults.disk || opts.faults.clock || opts.faults.slow;
    while any_fault && madsim::time::Instant::now() < deadline {
        let wait = Duration::from_millis(200 + next() % 2800);
        madsim::time::sleep(wait.min(deadline.saturating_duration_since(madsim::time::Instant::now()))).await;
        if madsim::time::Instant::now() >= deadline {
            break;
        }
        match next() % 4 {
            0 if opts.faults.kill => {
                handle.kill(node.id());
                disk.crash();
                let down = Duration::from_millis(next() % 2000);
                log.lock().fault(format!("kill db; disk crash; down for {down:?}"), true);
                madsim::time::sleep(down).await;
                handle.restart(node.id());
                log.lock().event("restart db".into());
            }
            1 if opts.faults.disk => {
                let on = next() % 2 == 0;
                let f = if on {
                    DiskFaults { read_error: 0.002, write_error: 0.01, torn_write: 0.5 }
                } else {
                    DiskFaults { torn_write: 0.5, ..DiskFaults::default() }
                };
                disk.set_faults(f);
                log.lock().fault(format!("disk faults {}", if on { "on" } else { "off" }), false);
            }
            2 if opts.faults.clock => {
                if next() % 2 == 0 {
                    let jump = (next() % 20_000_000) as i64 - 10_000_000;
                    knobs.clock_offset_us += jump;
                    log.lock().fault(format!("clock jump {jump} us"), false);
                } else {
                    // Fold the drift so far into the offset, then change rate.
                    let now = sim_wall_us();
                    knobs.clock_offset_us +=
                        (now - knobs.clock_drift_since_us).max(0) * knobs.clock_drift_ppm / 1_000_000;
                    knobs.clock_drift_since_us = now;
                    knobs.clock_drift_ppm = (next() % 200_001) as i64 - 100_000;
                    log.lock().fault(format!("clock drift {} ppm", knobs.clock_drift_ppm), false);
                }
                guocedb::env::sim::set(&node_id, knobs);
            }
            3 if opts.faults.slow => {
                knobs.commit_latency_max_us = [0, 1_000, 20_000, 200_000][(next() % 4) as usize];
                guocedb::env::sim::set(&node_id, knobs);
                log.lock().fault(format!("commit latency up to {} us", knobs.commit_latency_max_us), false);
            }
            _ => {}
        }
    }
    for c in clients {
        let _ = c.await;
    }

    // Faults stop: heal everything and demand progress.
    madsim::buggify::disable();
    disk.set_faults(DiskFaults::default());
    knobs.commit_latency_max_us = 0;
    guocedb::env::sim::set(&node_id, knobs);
    log.lock().event("faults stop".into());
    let live = client_node.spawn(workload::liveness(db_addr(), log.clone(), seed));
    match madsim::time::timeout(Duration::from_secs(60), live).await {
        Ok(Ok(true)) => {}
        Ok(_) => log.lock().problem("liveness: a workload made no progress after faults stopped".into()),
        Err(_) => log.lock().problem("liveness: no progress within 60 s of simulated time after faults stopped".into()),
    }
    // Final reads, then judgement.
    let fin = client_node.spawn(workload::final_reads(db_addr(), log.clone()));
    if !matches!(madsim::time::timeout(Duration::from_secs(60), fin).await, Ok(Ok(true))) {
        log.lock().problem("final reads did not complete".into());
    }
    let elapsed = start.elapsed();
    let mut rec = log.lock();
    rec.stats.sim_secs = elapsed.as_secs_f64();
    rec.check();
    if opts.verbose {
        eprintln!("seed {seed}: disk {:?}", disk.stats());
    }
}

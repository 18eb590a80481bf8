//! [`SimDiskEngine`]: the engine of simulator builds — an in-memory store
//! whose durability is simulated on a [`SimDisk`] that outlives the node.
//!
//! The disk is a log of checksummed records, one per write batch. A record
//! is *durable* once a synced write (or [`KvEngine::sync`]) covers it; the
//! records after that are only in the "page cache". [`SimDisk::crash`]
//! models power loss: a seed-chosen prefix of the unsynced records reaches
//! the platter, the record at the cut may be torn (truncated or with a
//! flipped bit), and the rest is gone. [`SimDiskEngine::open`] replays the
//! log, verifying every record's checksum: a bad *last* record is a torn
//! write and is cut off; a bad record anywhere else is corruption and the
//! open fails — never is a damaged record served as data.
//!
//! Injected faults ([`DiskFaults`]) make reads, writes and syncs fail with
//! a storage error. A failing write or sync applies nothing (the batch is
//! refused before it reaches the log), so an error always means "not
//! written". After a crash, every handle of the old incarnation fails: a
//! killed node cannot write behind its successor's back.
//!
//! Fault draws come from the disk's own seeded generator, so a run is a
//! pure function of the seed as long as calls arrive in the same order (as
//! they do under the simulator). Nothing here starts a thread or reads a
//! clock. The log is compacted into one checkpoint record once it holds
//! more than [`COMPACT_AFTER`] records, as a real engine would flush and
//! truncate its write-ahead log.

use std::sync::Arc;

use parking_lot::Mutex;

use crate::memory::MemoryEngine;
use crate::{
    Capabilities, Direction, EngineError, KeyRange, KvEngine, KvIter, KvPair, KvSnapshot, Result, WriteBatch, WriteOp,
    WriteOptions,
};

/// Durable records before the log is rewritten as one checkpoint.
pub const COMPACT_AFTER: usize = 4096;
/// Largest record the log accepts (a bound on what one batch may write).
pub const MAX_RECORD: usize = 256 << 20;

/// Fault probabilities, each in `[0, 1]`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DiskFaults {
    /// A point read, scan or snapshot fails.
    pub read_error: f64,
    /// A write (synced or not) fails, applying nothing.
    pub write_error: f64,
    /// At a crash: the probability that the record at the cut is torn.
    pub torn_write: f64,
}

/// What happened on the disk (for the simulator's report).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiskStats {
    pub records_written: u64,
    pub syncs: u64,
    pub injected_errors: u64,
    pub crashes: u64,
    /// Unsynced records lost in crashes.
    pub records_lost: u64,
    /// Torn records found and cut off at recovery.
    pub torn_records_cut: u64,
    pub compactions: u64,
}

#[derive(Debug)]
struct DiskState {
    /// Records on stable storage, oldest first.
    durable: Vec<Vec<u8>>,
    /// Records written since the last sync.
    unsynced: Vec<Vec<u8>>,
    faults: DiskFaults,
    rng: u64,
    /// Incremented by every crash; handles from an older incarnation fail.
    incarnation: u64,
    stats: DiskStats,
}

impl DiskState {
    /// xorshift64*: the disk's own deterministic source of fault draws.
    fn next(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn injected(&mut self, p: f64, what: &str) -> Result<()> {
        if self.chance(p) {
            self.stats.injected_errors += 1;
            return Err(EngineError::Storage(format!("injected I/O error on {what}")));
        }
        Ok(())
    }
}

/// The simulated device of one node: survives the node's crashes.
#[derive(Debug)]
pub struct SimDisk {
    state: Mutex<DiskState>,
}

impl SimDisk {
    /// An empty disk whose fault draws are seeded by `seed`.
    pub fn new(seed: u64) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(DiskState {
                durable: Vec::new(),
                unsynced: Vec::new(),
                faults: DiskFaults::default(),
                rng: seed | 1,
                incarnation: 0,
                stats: DiskStats::default(),
            }),
        })
    }

    /// Change the fault probabilities from now on.
    pub fn set_faults(&self, faults: DiskFaults) {
        self.state.lock().faults = faults;
    }

    pub fn stats(&self) -> DiskStats {
        self.state.lock().stats
    }

    /// Power loss: keep a random prefix of the unsynced records (the cut
    /// record possibly torn), drop the rest, and disown every open handle.
    pub fn crash(&self) {
        let mut s = self.state.lock();
        s.incarnation += 1;
        s.stats.crashes += 1;
        let unsynced = std::mem::take(&mut s.unsynced);
        let keep = if unsynced.is_empty() { 0 } else { (s.next() % (unsynced.len() as u64 + 1)) as usize };
        s.stats.records_lost += (unsynced.len() - keep) as u64;
        let mut kept: Vec<Vec<u8>> = unsynced.into_iter().take(keep + 1).collect();
        if kept.len() > keep {
            // The record at the cut: gone, or half-written.
            let mut cut = kept.pop().unwrap_or_default();
            let torn = s.faults.torn_write;
            if s.chance(torn) && !cut.is_empty() {
                if s.next().is_multiple_of(2) {
                    let len = (s.next() % cut.len() as u64) as usize;
                    cut.truncate(len);
                } else {
                    let bit = (s.next() % (cut.len() as u64 * 8)) as usize;
                    cut[bit / 8] ^= 1 << (bit % 8);
                }
                kept.push(cut);
            }
        }
        s.durable.extend(kept);
    }

    /// Records on stable storage (for tests).
    pub fn durable_records(&self) -> usize {
        self.state.lock().durable.len()
    }

    /// Flip one bit of durable record `index` (tests of corruption detection).
    pub fn corrupt_durable(&self, index: usize) {
        let mut s = self.state.lock();
        if let Some(r) = s.durable.get_mut(index) {
            if let Some(b) = r.last_mut() {
                *b ^= 0x40;
            }
        }
    }
}

/// FNV-1a, 64 bits: the record checksum (detects torn and flipped records;
/// not an integrity guarantee against an adversary).
fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Record: `[payload len u32 BE][checksum u64 BE][payload]`; the payload is
/// the batch's operations as `[op u8][klen u32][key]([vlen u32][value])`.
fn encode(ops: &[WriteOp]) -> Vec<u8> {
    let mut p = Vec::new();
    for op in ops {
        match op {
            WriteOp::Put { key, value } => {
                p.push(1);
                p.extend_from_slice(&(key.len() as u32).to_be_bytes());
                p.extend_from_slice(key);
                p.extend_from_slice(&(value.len() as u32).to_be_bytes());
                p.extend_from_slice(value);
            }
            WriteOp::Delete { key } => {
                p.push(2);
                p.extend_from_slice(&(key.len() as u32).to_be_bytes());
                p.extend_from_slice(key);
            }
        }
    }
    let mut r = Vec::with_capacity(12 + p.len());
    r.extend_from_slice(&(p.len() as u32).to_be_bytes());
    r.extend_from_slice(&checksum(&p).to_be_bytes());
    r.extend_from_slice(&p);
    r
}

/// Decode a record; `None` when it is torn or corrupt.
fn decode(r: &[u8]) -> Option<WriteBatch> {
    let len = u32::from_be_bytes(r.get(0..4)?.try_into().ok()?) as usize;
    let sum = u64::from_be_bytes(r.get(4..12)?.try_into().ok()?);
    let p = r.get(12..)?;
    if p.len() != len || checksum(p) != sum {
        return None;
    }
    let mut b = WriteBatch::new();
    let mut i = 0;
    let take = |i: &mut usize| -> Option<Vec<u8>> {
        let n = u32::from_be_bytes(p.get(*i..*i + 4)?.try_into().ok()?) as usize;
        let v = p.get(*i + 4..*i + 4 + n)?.to_vec();
        *i += 4 + n;
        Some(v)
    };
    while i < p.len() {
        let op = p[i];
        i += 1;
        match op {
            1 => {
                let k = take(&mut i)?;
                let v = take(&mut i)?;
                b.put(k, v);
            }
            2 => b.delete(take(&mut i)?),
            _ => return None,
        }
    }
    Some(b)
}

/// One incarnation of a node's storage on its [`SimDisk`].
pub struct SimDiskEngine {
    disk: Arc<SimDisk>,
    incarnation: u64,
    mem: MemoryEngine,
}

impl SimDiskEngine {
    /// Recover from `disk`: replay its durable log. A torn last record is
    /// cut off; a damaged record before the end fails the open.
    pub fn open(disk: Arc<SimDisk>) -> Result<Self> {
        let mem = MemoryEngine::new();
        let incarnation = {
            let mut s = disk.state.lock();
            let n = s.durable.len();
            let mut good = n;
            for (i, r) in s.durable.iter().enumerate() {
                match decode(r) {
                    Some(batch) => mem.write(batch, WriteOptions { sync: false })?,
                    None if i + 1 == n => {
                        good = i;
                        break;
                    }
                    None => {
                        return Err(EngineError::Storage(format!(
                            "corrupt log record {i} of {n}: checksum mismatch before the end of the log"
                        )))
                    }
                }
            }
            if good < n {
                s.durable.truncate(good);
                s.stats.torn_records_cut += 1;
            }
            // A restart without a crash: unsynced records are still in the
            // page cache of the same kernel (a crash has already settled
            // them), so they are part of the state.
            for r in &s.unsynced {
                let batch = decode(r).ok_or_else(|| EngineError::Storage("corrupt page-cache record".into()))?;
                mem.write(batch, WriteOptions { sync: false })?;
            }
            // Disown every older handle.
            s.incarnation += 1;
            s.incarnation
        };
        Ok(Self { disk, incarnation, mem })
    }

    /// Check the handle still owns the disk, then draw a fault.
    fn check(&self, s: &mut DiskState, p: f64, what: &str) -> Result<()> {
        if s.incarnation != self.incarnation {
            return Err(EngineError::Storage("the disk was reset by a crash".into()));
        }
        s.injected(p, what)
    }

    fn read_check(&self, what: &str) -> Result<()> {
        let mut s = self.disk.state.lock();
        let p = s.faults.read_error;
        self.check(&mut s, p, what)
    }

    fn compact(&self, s: &mut DiskState) -> Result<()> {
        let mut all = WriteBatch::new();
        for item in self.mem.scan_latest(KeyRange::all(), Direction::Forward)? {
            let (k, v) = item?;
            all.put(k, v);
        }
        s.durable = vec![encode(all.ops())];
        s.stats.compactions += 1;
        Ok(())
    }
}

/// A snapshot whose reads may fail with injected errors.
struct SimSnapshot {
    disk: Arc<SimDisk>,
    inner: Arc<dyn KvSnapshot>,
}

impl KvSnapshot for SimSnapshot {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let mut s = self.disk.state.lock();
        let p = s.faults.read_error;
        s.injected(p, "read")?;
        drop(s);
        self.inner.get(key)
    }

    fn scan(&self, range: KeyRange, direction: Direction) -> Result<KvIter> {
        let mut s = self.disk.state.lock();
        let p = s.faults.read_error;
        s.injected(p, "scan")?;
        drop(s);
        self.inner.scan(range, direction)
    }
}

impl KvEngine for SimDiskEngine {
    fn name(&self) -> &str {
        "SimDisk"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { persistent: true, durable_sync: true, reverse_scan: true }
    }

    fn snapshot(&self) -> Result<Arc<dyn KvSnapshot>> {
        self.read_check("snapshot")?;
        Ok(Arc::new(SimSnapshot { disk: self.disk.clone(), inner: self.mem.snapshot()? }))
    }

    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.read_check("read")?;
        self.mem.get(key)
    }

    fn scan_latest(&self, range: KeyRange, direction: Direction) -> Result<KvIter> {
        self.read_check("scan")?;
        self.mem.scan_latest(range, direction)
    }

    fn first(&self, range: KeyRange, direction: Direction) -> Result<Option<KvPair>> {
        self.read_check("read")?;
        self.mem.first(range, direction)
    }

    fn write(&self, batch: WriteBatch, opts: WriteOptions) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let record = encode(batch.ops());
        if record.len() > MAX_RECORD {
            return Err(EngineError::Storage(format!("write batch of {} bytes is over the log's limit", record.len())));
        }
        // The disk lock is held across the apply so that log order is
        // apply order.
        let mut s = self.disk.state.lock();
        let p = s.faults.write_error;
        self.check(&mut s, p, if opts.sync { "synced write" } else { "write" })?;
        self.mem.write(batch, opts)?;
        s.unsynced.push(record);
        s.stats.records_written += 1;
        if opts.sync {
            self.sync_locked(&mut s)?;
        }
        Ok(())
    }

    fn sync(&self) -> Result<()> {
        let mut s = self.disk.state.lock();
        let p = s.faults.write_error;
        self.check(&mut s, p, "sync")?;
        self.sync_locked(&mut s)
    }
}

impl SimDiskEngine {
    fn sync_locked(&self, s: &mut DiskState) -> Result<()> {
        let moved = std::mem::take(&mut s.unsynced);
        s.durable.extend(moved);
        s.stats.syncs += 1;
        if s.durable.len() > COMPACT_AFTER {
            self.compact(s)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(e: &SimDiskEngine, k: &str, v: &str, sync: bool) -> Result<()> {
        let mut b = WriteBatch::new();
        b.put(k.as_bytes().to_vec(), v.as_bytes().to_vec());
        e.write(b, WriteOptions { sync })
    }

    fn get(e: &SimDiskEngine, k: &str) -> Option<String> {
        e.get(k.as_bytes()).unwrap().map(|v| String::from_utf8(v).unwrap())
    }

    #[test]
    fn synced_writes_survive_a_crash_and_unsynced_may_not() {
        let mut lost_any = false;
        for seed in 0..32 {
            let disk = SimDisk::new(seed);
            let e = SimDiskEngine::open(disk.clone()).unwrap();
            put(&e, "a", "1", true).unwrap();
            put(&e, "b", "2", false).unwrap();
            put(&e, "c", "3", false).unwrap();
            disk.crash();
            assert!(put(&e, "d", "4", true).is_err(), "the old incarnation must not write");
            let e = SimDiskEngine::open(disk.clone()).unwrap();
            assert_eq!(get(&e, "a").as_deref(), Some("1"));
            // Unsynced writes survive as a prefix, never out of order.
            let (b, c) = (get(&e, "b"), get(&e, "c"));
            assert!(!(b.is_none() && c.is_some()), "seed {seed}: a later write survived an earlier one");
            lost_any |= c.is_none();
        }
        assert!(lost_any, "some crash must lose an unsynced write");
    }

    #[test]
    fn torn_tails_are_cut_and_never_served() {
        let mut cut = 0;
        for seed in 0..64 {
            let disk = SimDisk::new(seed);
            disk.set_faults(DiskFaults { torn_write: 1.0, ..DiskFaults::default() });
            let e = SimDiskEngine::open(disk.clone()).unwrap();
            put(&e, "a", "1", true).unwrap();
            for i in 0..4 {
                put(&e, &format!("k{i}"), "vvvvvvvv", false).unwrap();
            }
            disk.crash();
            let e = SimDiskEngine::open(disk.clone()).unwrap();
            assert_eq!(get(&e, "a").as_deref(), Some("1"));
            for i in 0..4 {
                let v = get(&e, &format!("k{i}"));
                assert!(v.is_none() || v.as_deref() == Some("vvvvvvvv"), "seed {seed}: damaged value served");
            }
            cut += disk.stats().torn_records_cut;
        }
        assert!(cut > 0, "torn records must be found and cut at recovery");
    }

    #[test]
    fn a_second_open_disowns_the_first_and_keeps_the_page_cache() {
        let disk = SimDisk::new(5);
        let e1 = SimDiskEngine::open(disk.clone()).unwrap();
        put(&e1, "a", "1", false).unwrap();
        let e2 = SimDiskEngine::open(disk.clone()).unwrap();
        assert_eq!(get(&e2, "a").as_deref(), Some("1"));
        assert!(put(&e1, "b", "2", true).is_err());
    }

    #[test]
    fn corruption_before_the_end_fails_recovery() {
        let disk = SimDisk::new(7);
        let e = SimDiskEngine::open(disk.clone()).unwrap();
        put(&e, "a", "1", true).unwrap();
        put(&e, "b", "2", true).unwrap();
        disk.corrupt_durable(0);
        let err = SimDiskEngine::open(disk).err().expect("corruption must be detected");
        assert!(err.to_string().contains("corrupt log record 0"), "{err}");
    }

    #[test]
    fn injected_errors_apply_nothing() {
        let disk = SimDisk::new(3);
        disk.set_faults(DiskFaults { write_error: 0.5, read_error: 0.0, torn_write: 0.0 });
        let e = SimDiskEngine::open(disk.clone()).unwrap();
        let mut failed = 0;
        for i in 0..200 {
            match put(&e, &format!("k{i:03}"), "v", true) {
                Ok(()) => assert!(get(&e, &format!("k{i:03}")).is_some()),
                Err(_) => {
                    failed += 1;
                    assert!(get(&e, &format!("k{i:03}")).is_none(), "a failed write must apply nothing");
                }
            }
        }
        assert!((50..150).contains(&failed), "about half the writes fail: {failed}");
        disk.crash();
        let e2 = SimDiskEngine::open(disk).unwrap();
        assert_eq!(e2.scan_latest(KeyRange::all(), Direction::Forward).unwrap().count(), 200 - failed);
    }

    #[test]
    fn the_log_is_compacted_and_still_recovers() {
        let disk = SimDisk::new(1);
        let e = SimDiskEngine::open(disk.clone()).unwrap();
        for i in 0..(COMPACT_AFTER + 10) {
            put(&e, &format!("k{}", i % 100), &i.to_string(), true).unwrap();
        }
        assert!(disk.durable_records() < 20, "{}", disk.durable_records());
        assert_eq!(disk.stats().compactions, 1);
        disk.crash();
        let e = SimDiskEngine::open(disk).unwrap();
        let last = COMPACT_AFTER + 9;
        assert_eq!(get(&e, &format!("k{}", last % 100)), Some(last.to_string()));
    }
}

//! Multi-version storage over any [`KvEngine`]: commit timestamps from one
//! oracle, versioned keys, snapshot reads at a timestamp, and garbage
//! collection of versions no snapshot can see.
//!
//! The engine needs nothing but point reads, ordered scans and atomic write
//! batches; every engine (RocksDB, memory, the simulator's, later Wasm
//! adapters and replicated storage) gets the same semantics from this layer.
//!
//! # Physical layout
//!
//! Logical keys are what the catalog and tables use. Physically:
//!
//! - `0x10 ++ key` → `[kind][commit_ts: u64 BE][payload]`: the **latest**
//!   committed version in place (`kind` 1 = value, 0 = tombstone), so a read
//!   whose snapshot is newer than the last write (the common case) costs one
//!   point get, as in InnoDB.
//! - `0x11 ++ esc(key) ++ !commit_ts` → `[kind][payload]`: **older**
//!   versions, newest first. `esc` escapes `0x00` as `0x00 0xFF` and ends
//!   with `0x00 0x01`, so one key's versions never interleave with
//!   another's. A commit that replaces a version moves the old one here in
//!   the same batch.
//! - `0x00 …`: metadata (format version, last commit timestamp).
//!
//! # Timestamps
//!
//! The [`Oracle`] hands out commit timestamps `max(last + 1, now_micros)`
//! from the `env` clock (so the simulator controls them and a clock that
//! steps back never breaks monotonicity). A group of commits gets one
//! timestamp; once its batch is written, `applied` advances to it. A
//! snapshot reads at `applied`: every version with `commit_ts <= ts` is
//! complete, none newer is visible.
//!
//! # Garbage collection
//!
//! Active snapshots are registered; the *watermark* is the oldest of them
//! (or `applied` when none). An older version is needed only by snapshots
//! between its timestamp and its successor's, so [`Mvcc::gc`] deletes every
//! history version whose successor is at or below the watermark, and a
//! latest-version tombstone at or below it together with its history.
//! Invariant: a key with history has a latest version.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;

use guocedb_engines::{
    prefix_successor, Direction, KeyRange, KvEngine, KvIter, KvPair, KvSnapshot, WriteBatch, WriteOptions,
};
use parking_lot::Mutex;

use crate::error::{DbError, Result};

const DATA: u8 = 0x10;
const HISTORY: u8 = 0x11;
const META_FORMAT: &[u8] = b"\x00format";
const META_TS: &[u8] = b"\x00commit_ts";
/// Version of the physical layout; a data directory with another is refused.
/// 2: index keys of strings fold accents (`utf8mb4_0900_ai_ci`), not only case.
const FORMAT_VERSION: u64 = 2;
const KIND_TOMBSTONE: u8 = 0;
const KIND_VALUE: u8 = 1;
/// History deletions per GC batch.
const GC_BATCH: usize = 4096;

/// One committed version: its timestamp and value (`None`: deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub ts: u64,
    pub value: Option<Vec<u8>>,
}

fn data_key(key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(key.len() + 1);
    k.push(DATA);
    k.extend_from_slice(key);
    k
}

/// `0x11 ++ esc(key)`: the prefix of all of `key`'s history versions.
fn history_prefix(key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + 4 + 8);
    out.push(HISTORY);
    for &b in key {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0, 1]);
    out
}

fn history_key(key: &[u8], ts: u64) -> Vec<u8> {
    let mut k = history_prefix(key);
    k.extend_from_slice(&(!ts).to_be_bytes());
    k
}

/// Split a history key into the logical key and the version's timestamp.
fn parse_history_key(k: &[u8]) -> Option<(Vec<u8>, u64)> {
    let body = k.strip_prefix(&[HISTORY])?;
    let (esc, ts) = body.split_at(body.len().checked_sub(8)?);
    let ts = !u64::from_be_bytes(ts.try_into().ok()?);
    let mut key = Vec::with_capacity(esc.len());
    let mut i = 0;
    loop {
        match (esc.get(i), esc.get(i + 1)) {
            (Some(0), Some(0xFF)) => {
                key.push(0);
                i += 2;
            }
            (Some(0), Some(1)) if i + 2 == esc.len() => return Some((key, ts)),
            (Some(&b), _) if b != 0 => {
                key.push(b);
                i += 1;
            }
            _ => return None,
        }
    }
}

fn encode_data(ts: u64, value: Option<&[u8]>) -> Vec<u8> {
    let mut v = Vec::with_capacity(9 + value.map_or(0, <[u8]>::len));
    v.push(if value.is_some() { KIND_VALUE } else { KIND_TOMBSTONE });
    v.extend_from_slice(&ts.to_be_bytes());
    if let Some(p) = value {
        v.extend_from_slice(p);
    }
    v
}

fn decode_data(mut raw: Vec<u8>) -> Result<Version> {
    if raw.len() < 9 {
        return Err(DbError::internal("corrupt version header"));
    }
    let kind = raw[0];
    let ts = u64::from_be_bytes(raw[1..9].try_into().map_err(|_| DbError::internal("corrupt version header"))?);
    let value = match kind {
        KIND_VALUE => {
            raw.drain(..9);
            Some(raw)
        }
        KIND_TOMBSTONE => None,
        _ => return Err(DbError::internal("corrupt version kind")),
    };
    Ok(Version { ts, value })
}

/// Header-only decode: the timestamp and whether it is a tombstone.
fn peek_data(raw: &[u8]) -> Result<(u64, bool)> {
    let ts = raw.get(1..9).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes);
    match (raw.first(), ts) {
        (Some(&k), Some(ts)) if k == KIND_VALUE || k == KIND_TOMBSTONE => Ok((ts, k == KIND_TOMBSTONE)),
        _ => Err(DbError::internal("corrupt version header")),
    }
}

fn decode_history(mut raw: Vec<u8>) -> Result<Option<Vec<u8>>> {
    match raw.first() {
        Some(&KIND_VALUE) => {
            raw.remove(0);
            Ok(Some(raw))
        }
        Some(&KIND_TOMBSTONE) => Ok(None),
        _ => Err(DbError::internal("corrupt history version")),
    }
}

/// Hands out commit timestamps: strictly increasing, close to the (possibly
/// simulated) wall clock in microseconds.
#[derive(Debug, Default)]
pub struct Oracle {
    last: AtomicU64,
}

impl Oracle {
    fn next(&self) -> u64 {
        let now = u64::try_from(crate::env::now_micros()).unwrap_or(0);
        let mut cur = self.last.load(Ordering::Acquire);
        loop {
            let next = cur.saturating_add(1).max(now);
            match self.last.compare_exchange(cur, next, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return next,
                Err(actual) => cur = actual,
            }
        }
    }
}

/// Counters shown by `SHOW STATUS`.
#[derive(Debug, Default)]
pub struct MvccStats {
    /// Older versions currently stored (counted at open, then maintained).
    pub history_versions: AtomicI64,
    /// Versions and tombstones removed by GC since start.
    pub gc_removed: AtomicU64,
    /// GC rounds run since start.
    pub gc_rounds: AtomicU64,
}

/// The multi-version layer of one store.
pub struct Mvcc {
    engine: Arc<dyn KvEngine>,
    oracle: Oracle,
    /// Every commit at or below this timestamp is completely written.
    applied: AtomicU64,
    /// Active snapshot timestamps and how many snapshots read at each.
    active: Mutex<BTreeMap<u64, usize>>,
    /// Held while a batch of versions is validated and written (by the
    /// commit leader or GC), so nothing changes a latest version between
    /// reading and replacing it.
    apply_lock: Mutex<()>,
    pub stats: MvccStats,
}

/// What [`Mvcc::apply`] needs per key: the latest version the caller read
/// under the apply lock (`None`: no version at all) and the new value.
pub struct Staged<'a> {
    pub key: &'a [u8],
    pub current: Option<Vec<u8>>,
    pub new: Option<&'a [u8]>,
}

impl Mvcc {
    /// Open the layer over `engine`: check the format, recover the last
    /// commit timestamp, count history versions.
    pub fn open(engine: Arc<dyn KvEngine>) -> Result<Arc<Self>> {
        if crate::env::buggify(0.05) {
            return Err(DbError::internal("injected failure during recovery"));
        }
        let last = match engine.get(META_FORMAT)? {
            Some(v) => {
                let f = v.as_slice().try_into().map(u64::from_be_bytes).unwrap_or(u64::MAX);
                if f != FORMAT_VERSION {
                    return Err(DbError::internal(format!(
                        "the data directory has storage format {f}; this server reads format {FORMAT_VERSION}"
                    )));
                }
                match engine.get(META_TS)? {
                    Some(ts) => ts
                        .as_slice()
                        .try_into()
                        .map(u64::from_be_bytes)
                        .map_err(|_| DbError::internal("corrupt commit timestamp"))?,
                    None => 0,
                }
            }
            None => {
                if engine.snapshot()?.scan(KeyRange::all(), Direction::Forward)?.next().is_some() {
                    return Err(DbError::internal(
                        "the data directory was written by an older guocedb (no storage format marker); \
                         dump it with that version and load it into a new directory",
                    ));
                }
                let mut b = WriteBatch::new();
                b.put(META_FORMAT.to_vec(), FORMAT_VERSION.to_be_bytes().to_vec());
                b.put(META_TS.to_vec(), 0u64.to_be_bytes().to_vec());
                engine.write(b, WriteOptions { sync: true })?;
                0
            }
        };
        let history = engine.snapshot()?.scan(KeyRange::prefix(&[HISTORY]), Direction::Forward)?.count();
        let m = Self {
            engine,
            oracle: Oracle { last: AtomicU64::new(last) },
            applied: AtomicU64::new(last),
            active: Mutex::new(BTreeMap::new()),
            apply_lock: Mutex::new(()),
            stats: MvccStats::default(),
        };
        m.stats.history_versions.store(history as i64, Ordering::Relaxed);
        Ok(Arc::new(m))
    }

    pub fn engine(&self) -> &Arc<dyn KvEngine> {
        &self.engine
    }

    /// The newest completely written commit timestamp.
    pub fn applied(&self) -> u64 {
        self.applied.load(Ordering::Acquire)
    }

    /// A registered snapshot of everything committed so far.
    pub fn snapshot(self: &Arc<Self>) -> Arc<MvccSnapshot> {
        let mut active = self.active.lock();
        // Read `applied` under the registry lock, so GC never computes a
        // watermark above a snapshot that is being registered.
        let ts = self.applied();
        *active.entry(ts).or_insert(0) += 1;
        Arc::new(MvccSnapshot { mvcc: self.clone(), ts })
    }

    /// The oldest timestamp any current or future snapshot reads at.
    pub fn watermark(&self) -> u64 {
        let active = self.active.lock();
        active.keys().next().copied().unwrap_or_else(|| self.applied())
    }

    /// Number of registered snapshots (for status and tests).
    pub fn active_snapshots(&self) -> usize {
        self.active.lock().values().sum()
    }

    /// The latest committed version of `key`, whatever its timestamp.
    pub fn latest(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.engine.get(&data_key(key))? {
            Some(raw) => Ok(decode_data(raw)?.value),
            None => Ok(None),
        }
    }

    /// The raw latest version of `key` (for [`Staged::current`]).
    pub fn latest_raw(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.engine.get(&data_key(key))?)
    }

    /// Decode a raw latest version to its value.
    pub fn value_of(raw: &Option<Vec<u8>>) -> Result<Option<Vec<u8>>> {
        match raw {
            Some(r) => Ok(decode_data(r.clone())?.value),
            None => Ok(None),
        }
    }

    /// Run `f` holding the apply lock.
    pub fn with_apply_lock<T>(&self, f: impl FnOnce() -> T) -> T {
        let _g = self.apply_lock.lock();
        f()
    }

    /// Write `staged` as one batch at a fresh commit timestamp and publish
    /// it. The caller holds the apply lock (see [`Mvcc::with_apply_lock`])
    /// and read each `current` under it.
    pub fn apply(&self, staged: &[Staged<'_>], sync: bool) -> Result<()> {
        let ts = self.oracle.next();
        let mut batch = WriteBatch::new();
        let mut pushed = 0i64;
        for s in staged {
            let (old_ts, old_tombstone) = match &s.current {
                Some(raw) => {
                    let (t, tomb) = peek_data(raw)?;
                    debug_assert!(t < ts, "commit timestamps must increase");
                    (Some(t), tomb)
                }
                None => (None, true),
            };
            if s.new.is_none() && old_tombstone {
                continue; // deleting what is already absent changes nothing
            }
            if let (Some(old_ts), Some(raw)) = (old_ts, &s.current) {
                let mut h = Vec::with_capacity(raw.len() - 8);
                h.push(raw[0]);
                h.extend_from_slice(&raw[9..]);
                batch.put(history_key(s.key, old_ts), h);
                pushed += 1;
            }
            batch.put(data_key(s.key), encode_data(ts, s.new));
        }
        if batch.is_empty() {
            return Ok(());
        }
        batch.put(META_TS.to_vec(), ts.to_be_bytes().to_vec());
        if sync && crate::env::buggify(0.005) {
            return Err(DbError::internal("injected failure of a synced write"));
        }
        self.engine.write(batch, WriteOptions { sync })?;
        self.stats.history_versions.fetch_add(pushed, Ordering::Relaxed);
        let prev = self.applied.swap(ts, Ordering::AcqRel);
        assert!(prev < ts, "applied timestamp went backwards");
        Ok(())
    }

    /// The value of `key` as of `ts`, from history (its latest version is
    /// newer than `ts`).
    fn history_at(&self, key: &[u8], ts: u64) -> Result<Option<Vec<u8>>> {
        let prefix = history_prefix(key);
        let mut start = prefix.clone();
        start.extend_from_slice(&(!ts).to_be_bytes());
        let end = prefix_successor(&prefix).ok_or_else(|| DbError::internal("history prefix has no successor"))?;
        match self.engine.first(KeyRange::half_open(start, end), Direction::Forward)? {
            Some((_, v)) => decode_history(v),
            None => Ok(None),
        }
    }

    /// Resolve one latest version read by a snapshot at `ts`.
    fn visible(&self, key: &[u8], raw: Vec<u8>, ts: u64) -> Result<Option<Vec<u8>>> {
        let v = decode_data(raw)?;
        if v.ts <= ts {
            Ok(v.value)
        } else {
            self.history_at(key, ts)
        }
    }

    /// One garbage-collection round: remove every version no snapshot at
    /// or above the watermark can read. Returns how many entries went.
    pub fn gc(&self) -> Result<u64> {
        let w = self.watermark();
        self.stats.gc_rounds.fetch_add(1, Ordering::Relaxed);
        let snap = self.engine.snapshot()?;
        let mut removed = 0u64;
        let mut batch = WriteBatch::new();
        let mut tombstones: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        // The history of one key, newest first: (history key, ts).
        let mut key: Option<Vec<u8>> = None;
        let mut versions: Vec<(Vec<u8>, u64)> = Vec::new();
        let flush = |batch: &mut WriteBatch, tombstones: &mut Vec<(Vec<u8>, Vec<u8>)>| -> Result<u64> {
            let _g = self.apply_lock.lock();
            let mut n = batch.len() as u64;
            let history = n;
            for (dk, raw) in tombstones.drain(..) {
                // Delete a tombstone only if no commit replaced it meanwhile.
                if self.engine.get(&dk)?.as_deref() == Some(raw.as_slice()) {
                    batch.delete(dk);
                    n += 1;
                }
            }
            if !batch.is_empty() {
                self.engine.write(std::mem::take(batch), WriteOptions { sync: false })?;
            }
            self.stats.history_versions.fetch_sub(history as i64, Ordering::Relaxed);
            Ok(n)
        };
        let process = |key: &[u8],
                       versions: &mut Vec<(Vec<u8>, u64)>,
                       batch: &mut WriteBatch,
                       tombstones: &mut Vec<(Vec<u8>, Vec<u8>)>|
         -> Result<()> {
            let dk = data_key(key);
            let raw = self.engine.get(&dk)?;
            let Some(raw) = raw else {
                debug_assert!(false, "history without a latest version");
                versions.drain(..).for_each(|(hk, _)| batch.delete(hk));
                return Ok(());
            };
            let (latest_ts, tombstone) = peek_data(&raw)?;
            let mut successor = latest_ts;
            let mut all = true;
            for (hk, ts) in versions.drain(..) {
                if successor <= w {
                    batch.delete(hk);
                } else {
                    all = false;
                }
                successor = ts;
            }
            if all && tombstone && latest_ts <= w {
                tombstones.push((dk, raw));
            }
            Ok(())
        };
        for item in snap.scan(KeyRange::prefix(&[HISTORY]), Direction::Forward)? {
            let (hk, _) = item?;
            let (k, ts) = parse_history_key(&hk).ok_or_else(|| DbError::internal("corrupt history key"))?;
            if key.as_deref() != Some(k.as_slice()) {
                if let Some(prev) = key.take() {
                    process(&prev, &mut versions, &mut batch, &mut tombstones)?;
                }
                if batch.len() >= GC_BATCH {
                    removed += flush(&mut batch, &mut tombstones)?;
                }
                key = Some(k);
            }
            versions.push((hk, ts));
        }
        if let Some(prev) = key.take() {
            process(&prev, &mut versions, &mut batch, &mut tombstones)?;
        }
        removed += flush(&mut batch, &mut tombstones)?;
        self.stats.gc_removed.fetch_add(removed, Ordering::Relaxed);
        Ok(removed)
    }
}

/// A consistent read view at one timestamp. Registered with its [`Mvcc`]
/// while alive, so GC keeps every version it can see.
pub struct MvccSnapshot {
    mvcc: Arc<Mvcc>,
    ts: u64,
}

impl MvccSnapshot {
    pub fn ts(&self) -> u64 {
        self.ts
    }
}

impl Drop for MvccSnapshot {
    fn drop(&mut self) {
        let mut active = self.mvcc.active.lock();
        match active.get_mut(&self.ts) {
            Some(n) if *n > 1 => *n -= 1,
            Some(_) => {
                active.remove(&self.ts);
            }
            None => debug_assert!(false, "snapshot was not registered"),
        }
    }
}

fn physical_range(range: KeyRange) -> KeyRange {
    let start = match range.start {
        Bound::Included(s) => Bound::Included(data_key(&s)),
        Bound::Excluded(s) => Bound::Excluded(data_key(&s)),
        Bound::Unbounded => Bound::Included(vec![DATA]),
    };
    let end = match range.end {
        Bound::Included(e) => Bound::Included(data_key(&e)),
        Bound::Excluded(e) => Bound::Excluded(data_key(&e)),
        Bound::Unbounded => Bound::Excluded(vec![DATA + 1]),
    };
    KeyRange { start, end }
}

impl KvSnapshot for MvccSnapshot {
    fn get(&self, key: &[u8]) -> guocedb_engines::Result<Option<Vec<u8>>> {
        let r = match self.mvcc.engine.get(&data_key(key))? {
            Some(raw) => self.mvcc.visible(key, raw, self.ts),
            None => Ok(None),
        };
        r.map_err(to_engine_error)
    }

    fn scan(&self, range: KeyRange, direction: Direction) -> guocedb_engines::Result<KvIter> {
        // No engine snapshot is needed: visibility comes from timestamps,
        // and a version this snapshot can see is never removed under it.
        let inner = self.mvcc.engine.scan_latest(physical_range(range), direction)?;
        Ok(Box::new(MvccScan { inner, mvcc: self.mvcc.clone(), ts: self.ts }))
    }
}

fn to_engine_error(e: DbError) -> guocedb_engines::EngineError {
    guocedb_engines::EngineError::Storage(e.message)
}

/// A scan of latest versions, each resolved to what the snapshot sees.
struct MvccScan {
    inner: KvIter,
    mvcc: Arc<Mvcc>,
    ts: u64,
}

impl Iterator for MvccScan {
    type Item = guocedb_engines::Result<KvPair>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (mut k, raw) = match self.inner.next()? {
                Ok(kv) => kv,
                Err(e) => return Some(Err(e)),
            };
            debug_assert_eq!(k.first(), Some(&DATA));
            k.remove(0);
            match self.mvcc.visible(&k, raw, self.ts) {
                Ok(Some(v)) => return Some(Ok((k, v))),
                Ok(None) => continue,
                Err(e) => return Some(Err(to_engine_error(e))),
            }
        }
    }
}

/// Cache of latest versions read while validating a group, so each key is
/// read from the engine once per group.
#[derive(Default)]
pub struct LatestCache {
    map: HashMap<Vec<u8>, Option<Vec<u8>>>,
}

impl LatestCache {
    /// The raw latest version of `key`.
    pub fn raw(&mut self, mvcc: &Mvcc, key: &[u8]) -> Result<Option<Vec<u8>>> {
        if let Some(v) = self.map.get(key) {
            return Ok(v.clone());
        }
        let v = mvcc.latest_raw(key)?;
        self.map.insert(key.to_vec(), v.clone());
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guocedb_engines::memory::MemoryEngine;

    fn open() -> Arc<Mvcc> {
        Mvcc::open(Arc::new(MemoryEngine::new())).unwrap()
    }

    fn write(m: &Mvcc, key: &[u8], v: Option<&[u8]>) {
        m.with_apply_lock(|| {
            let current = m.latest_raw(key).unwrap();
            m.apply(&[Staged { key, current, new: v }], false).unwrap();
        });
    }

    fn history_len(m: &Mvcc) -> usize {
        m.engine.snapshot().unwrap().scan(KeyRange::prefix(&[HISTORY]), Direction::Forward).unwrap().count()
    }

    #[test]
    fn history_keys_round_trip_and_never_interleave() {
        for key in [&b""[..], b"a", b"a\x00", b"a\x00\xff", b"\x00\x00", b"ab"] {
            for ts in [0, 1, u64::MAX] {
                assert_eq!(parse_history_key(&history_key(key, ts)), Some((key.to_vec(), ts)));
            }
        }
        // Every version of "a" sorts before every version of "a\0" and "ab".
        assert!(history_key(b"a", 0) < history_key(b"a\x00", u64::MAX));
        assert!(history_key(b"a", 0) < history_key(b"ab", u64::MAX));
        assert!(history_key(b"a", 5) < history_key(b"a", 4), "newest first");
    }

    #[test]
    fn snapshots_read_the_version_of_their_timestamp() {
        let m = open();
        write(&m, b"k", Some(b"1"));
        let s1 = m.snapshot();
        write(&m, b"k", Some(b"2"));
        let s2 = m.snapshot();
        write(&m, b"k", None);
        let s3 = m.snapshot();
        write(&m, b"k", Some(b"4"));
        assert_eq!(s1.get(b"k").unwrap(), Some(b"1".to_vec()));
        assert_eq!(s2.get(b"k").unwrap(), Some(b"2".to_vec()));
        assert_eq!(s3.get(b"k").unwrap(), None);
        assert_eq!(m.snapshot().get(b"k").unwrap(), Some(b"4".to_vec()));
        let scanned: Vec<_> = s2.scan(KeyRange::all(), Direction::Forward).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(scanned, vec![(b"k".to_vec(), b"2".to_vec())]);
        assert_eq!(s3.scan(KeyRange::all(), Direction::Reverse).unwrap().count(), 0);
    }

    #[test]
    fn gc_keeps_what_snapshots_need_and_removes_the_rest() {
        let m = open();
        write(&m, b"k", Some(b"0"));
        let old = m.snapshot();
        for i in 1..100u8 {
            write(&m, b"k", Some(&[i]));
        }
        m.gc().unwrap();
        assert_eq!(old.get(b"k").unwrap(), Some(b"0".to_vec()), "GC must keep the old snapshot's version");
        drop(old);
        m.gc().unwrap();
        assert_eq!(history_len(&m), 0);
        // A deleted key disappears completely once no snapshot can see it.
        write(&m, b"gone", Some(b"x"));
        write(&m, b"gone", None);
        m.gc().unwrap();
        let all = m.engine.snapshot().unwrap().scan(KeyRange::prefix(&[DATA]), Direction::Forward).unwrap().count();
        assert_eq!(all, 1, "only k's latest version remains");
        assert_eq!(m.stats.history_versions.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn reopening_recovers_the_commit_timestamp() {
        let engine: Arc<dyn KvEngine> = Arc::new(MemoryEngine::new());
        let m = Mvcc::open(engine.clone()).unwrap();
        write(&m, b"k", Some(b"1"));
        let ts = m.applied();
        drop(m);
        let m = Mvcc::open(engine).unwrap();
        assert_eq!(m.applied(), ts);
        write(&m, b"k", Some(b"2"));
        assert!(m.applied() > ts);
    }

    #[test]
    fn a_directory_without_the_format_marker_is_refused() {
        let engine: Arc<dyn KvEngine> = Arc::new(MemoryEngine::new());
        let mut b = WriteBatch::new();
        b.put(b"\x02old".to_vec(), b"row".to_vec());
        engine.write(b, WriteOptions::default()).unwrap();
        assert!(Mvcc::open(engine).is_err());
    }

    #[test]
    fn the_oracle_is_monotonic_even_when_the_clock_is_behind() {
        let o = Oracle { last: AtomicU64::new(u64::MAX / 2) };
        let a = o.next();
        let b = o.next();
        assert!(a > u64::MAX / 2 && b == a + 1);
    }
}

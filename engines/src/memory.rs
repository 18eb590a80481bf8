//! [`MemoryEngine`]: an ordered, multi-version, in-memory key-value store.
//!
//! Every key maps to its versions, oldest first, each tagged with the
//! sequence number of the batch that wrote it (`None` marks a delete). A
//! batch takes the next sequence number and is applied under the write lock,
//! so it becomes visible all at once. A snapshot is just a sequence number:
//! it sees, for each key, the newest version written at or before it.
//!
//! Live snapshots are registered (with a count per sequence number) so that
//! a write can prune the versions of the keys it touches that no live
//! snapshot and not the latest state can read. Keys still holding extra
//! versions are remembered and swept a few at a time on later writes, so
//! memory does not grow with the number of overwrites once the snapshots
//! that pinned them are gone.
//!
//! This engine runs under the simulator: it must never start a thread, read
//! the wall clock or use an unseeded random source. Nothing is persistent.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::sync::Arc;

use parking_lot::RwLock;

use crate::scan::{Chunk, ChunkSource, ChunkedScan};
use crate::{
    Capabilities, Direction, KeyRange, KvEngine, KvIter, KvSnapshot, Result, WriteBatch, WriteOp, WriteOptions,
};

/// Multiplier on a chunk's pair limit for the number of keys a chunk may
/// examine, so a range full of deleted keys cannot hold the lock for long.
const EXAMINE_FACTOR: usize = 4;
/// Garbage keys swept per write, in addition to one per operation.
const GC_SWEEP_BASE: usize = 16;

/// One version of a key: the sequence number of the batch that wrote it and
/// the value (`None` for a delete).
#[derive(Debug, Clone)]
struct Version {
    seq: u64,
    value: Option<Vec<u8>>,
}

/// The state behind the lock.
#[derive(Debug, Default)]
struct State {
    /// Key -> versions, strictly increasing by `seq`. Never empty.
    map: BTreeMap<Vec<u8>, Vec<Version>>,
    /// Sequence number of the last applied batch.
    seq: u64,
    /// Live snapshots: sequence number -> number of handles.
    snapshots: BTreeMap<u64, usize>,
    /// Keys holding more than one version (candidates for pruning).
    garbage: BTreeSet<Vec<u8>>,
    /// Where the incremental sweep of `garbage` resumes.
    gc_cursor: Option<Vec<u8>>,
}

impl State {
    /// Prune `key`'s versions against the live snapshots, dropping the key
    /// when nothing readable is left, and keep `garbage` up to date.
    fn prune_key(&mut self, key: &[u8]) {
        let (remove, still_garbage) = match self.map.get_mut(key) {
            None => (false, false),
            Some(versions) => {
                prune_versions(versions, &self.snapshots);
                (versions.is_empty(), versions.len() > 1)
            }
        };
        if remove {
            self.map.remove(key);
        }
        if still_garbage {
            if !self.garbage.contains(key) {
                self.garbage.insert(key.to_vec());
            }
        } else {
            self.garbage.remove(key);
        }
    }

    /// Prune up to `budget` keys from `garbage`, continuing where the last
    /// sweep stopped and wrapping around.
    fn sweep_garbage(&mut self, budget: usize) {
        if self.garbage.is_empty() {
            return;
        }
        let start = match &self.gc_cursor {
            Some(c) => Bound::Excluded(c.clone()),
            None => Bound::Unbounded,
        };
        let mut keys: Vec<Vec<u8>> =
            self.garbage.range::<Vec<u8>, _>((start, Bound::Unbounded)).take(budget).cloned().collect();
        if keys.len() < budget {
            // Wrap around; stop before the keys already taken.
            let wrap = budget - keys.len();
            let first_taken = keys.first().cloned();
            keys.extend(
                self.garbage.iter().take_while(|k| first_taken.as_ref().is_none_or(|f| *k < f)).take(wrap).cloned(),
            );
        }
        self.gc_cursor = keys.last().cloned();
        for key in keys {
            self.prune_key(&key);
        }
    }

    fn get_at(&self, key: &[u8], seq: u64) -> Option<Vec<u8>> {
        let versions = self.map.get(key)?;
        visible(versions, seq).map(<[u8]>::to_vec)
    }
}

/// The value of the newest version at or before `seq`, if it is not a delete.
fn visible(versions: &[Version], seq: u64) -> Option<&[u8]> {
    let idx = versions.partition_point(|v| v.seq <= seq);
    if idx == 0 {
        return None;
    }
    versions[idx - 1].value.as_deref()
}

/// Drop the versions nobody can read. Version `i` is read by a snapshot at
/// `s` exactly when `seq_i <= s < seq_{i+1}`; the newest version is read by
/// the latest state. Every other version goes, and then any leading deletes
/// (a delete with nothing older kept reads the same as no entry at all).
fn prune_versions(versions: &mut Vec<Version>, snapshots: &BTreeMap<u64, usize>) {
    if versions.len() > 1 {
        let needed: Vec<bool> = versions
            .windows(2)
            .map(|w| snapshots.range(w[0].seq..w[1].seq).next().is_some())
            .chain(std::iter::once(true))
            .collect();
        let mut needed = needed.into_iter();
        versions.retain(|_| needed.next().unwrap_or(true));
    }
    let leading_deletes = versions.iter().take_while(|v| v.value.is_none()).count();
    if leading_deletes > 0 {
        versions.drain(..leading_deletes);
    }
}

#[derive(Debug, Default)]
struct Shared {
    state: RwLock<State>,
}

/// An in-memory, multi-version [`KvEngine`]. Cheap to create; nothing
/// survives a drop.
#[derive(Debug, Default)]
pub struct MemoryEngine {
    shared: Arc<Shared>,
}

impl MemoryEngine {
    /// An empty engine.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of keys currently stored, counting keys whose only versions
    /// are still pinned by a snapshot (for tests and metrics).
    pub fn stored_keys(&self) -> usize {
        self.shared.state.read().map.len()
    }

    /// Number of versions currently stored over all keys (for tests and
    /// metrics).
    pub fn stored_versions(&self) -> usize {
        self.shared.state.read().map.values().map(Vec::len).sum()
    }

    /// Number of live snapshot handles (for tests and metrics).
    pub fn live_snapshots(&self) -> usize {
        self.shared.state.read().snapshots.values().sum()
    }
}

impl KvEngine for MemoryEngine {
    fn name(&self) -> &str {
        "Memory"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { persistent: false, durable_sync: false, reverse_scan: true }
    }

    fn snapshot(&self) -> Result<Arc<dyn KvSnapshot>> {
        // Read the sequence number and register it under the same write lock,
        // so no write can prune what the snapshot needs in between.
        let seq = {
            let mut state = self.shared.state.write();
            let seq = state.seq;
            *state.snapshots.entry(seq).or_insert(0) += 1;
            seq
        };
        let pin = Arc::new(SnapshotPin { shared: Arc::clone(&self.shared), seq });
        Ok(Arc::new(MemorySnapshot { pin }))
    }

    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let state = self.shared.state.read();
        Ok(state.get_at(key, state.seq))
    }

    fn write(&self, batch: WriteBatch, _opts: WriteOptions) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut state = self.shared.state.write();
        let seq = state.seq.checked_add(1).expect("sequence number overflow");
        let mut touched: Vec<Vec<u8>> = Vec::with_capacity(batch.len());
        let op_count = batch.len();
        for op in batch.ops {
            let (key, value) = match op {
                WriteOp::Put { key, value } => (key, Some(value)),
                WriteOp::Delete { key } => (key, None),
            };
            let versions = state.map.entry(key.clone()).or_default();
            match versions.last_mut() {
                // Same batch wrote this key already: the later op wins.
                Some(last) if last.seq == seq => last.value = value,
                _ => {
                    debug_assert!(versions.last().is_none_or(|v| v.seq < seq));
                    versions.push(Version { seq, value });
                }
            }
            touched.push(key);
        }
        // Publish the batch: from here on, snapshots see `seq`.
        state.seq = seq;
        for key in &touched {
            state.prune_key(key);
        }
        state.sweep_garbage(GC_SWEEP_BASE + op_count);
        Ok(())
    }

    fn sync(&self) -> Result<()> {
        Ok(())
    }
}

/// A registered snapshot sequence number; unregisters itself on drop. Shared
/// by the snapshot handle and every scan started from it, so a scan keeps its
/// versions alive even after the handle is dropped.
#[derive(Debug)]
struct SnapshotPin {
    shared: Arc<Shared>,
    seq: u64,
}

impl Drop for SnapshotPin {
    fn drop(&mut self) {
        let mut state = self.shared.state.write();
        let remove = match state.snapshots.get_mut(&self.seq) {
            Some(count) => {
                *count -= 1;
                *count == 0
            }
            None => {
                debug_assert!(false, "snapshot {} was not registered", self.seq);
                false
            }
        };
        if remove {
            state.snapshots.remove(&self.seq);
        }
    }
}

impl ChunkSource for Arc<SnapshotPin> {
    fn read_chunk(&self, range: &KeyRange, direction: Direction, limit: usize) -> Result<Chunk> {
        debug_assert!(!range.is_empty());
        let lower = range.lower_inclusive();
        let upper = range.upper_exclusive();
        let bounds: (Bound<&[u8]>, Bound<&[u8]>) = (
            Bound::Included(lower.as_slice()),
            match &upper {
                Some(u) => Bound::Excluded(u.as_slice()),
                None => Bound::Unbounded,
            },
        );
        let max_examined = limit.saturating_mul(EXAMINE_FACTOR);
        let state = self.shared.state.read();
        let entries = state.map.range::<[u8], _>(bounds);
        let entries: Box<dyn Iterator<Item = (&Vec<u8>, &Vec<Version>)>> = match direction {
            Direction::Forward => Box::new(entries),
            Direction::Reverse => Box::new(entries.rev()),
        };
        let mut pairs = Vec::new();
        let mut last_examined: Option<&Vec<u8>> = None;
        for (examined, (key, versions)) in entries.enumerate() {
            if pairs.len() == limit || examined == max_examined {
                // Stopped early: resume past the last key examined.
                return Ok(Chunk { pairs, resume_after: last_examined.cloned() });
            }
            last_examined = Some(key);
            if let Some(value) = visible(versions, self.seq) {
                pairs.push((key.clone(), value.to_vec()));
            }
        }
        Ok(Chunk { pairs, resume_after: None })
    }
}

/// A snapshot of a [`MemoryEngine`].
#[derive(Debug)]
struct MemorySnapshot {
    pin: Arc<SnapshotPin>,
}

impl KvSnapshot for MemorySnapshot {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.pin.shared.state.read().get_at(key, self.pin.seq))
    }

    fn scan(&self, range: KeyRange, direction: Direction) -> Result<KvIter> {
        Ok(Box::new(ChunkedScan::new(Arc::clone(&self.pin), range, direction)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(e: &MemoryEngine, k: &[u8], v: &[u8]) {
        let mut b = WriteBatch::new();
        b.put(k, v);
        e.write(b, WriteOptions::default()).unwrap();
    }

    fn delete(e: &MemoryEngine, k: &[u8]) {
        let mut b = WriteBatch::new();
        b.delete(k);
        e.write(b, WriteOptions::default()).unwrap();
    }

    #[test]
    fn overwrites_without_snapshots_keep_one_version() {
        let e = MemoryEngine::new();
        for i in 0..100u32 {
            put(&e, b"k", &i.to_be_bytes());
        }
        assert_eq!(e.stored_versions(), 1);
        delete(&e, b"k");
        assert_eq!(e.stored_keys(), 0);
        // Deleting an absent key leaves nothing behind.
        delete(&e, b"never");
        assert_eq!(e.stored_keys(), 0);
    }

    #[test]
    fn snapshot_pins_versions_until_dropped() {
        let e = MemoryEngine::new();
        put(&e, b"k", b"v0");
        let snap = e.snapshot().unwrap();
        assert_eq!(e.live_snapshots(), 1);
        for i in 0..10u32 {
            put(&e, b"k", &i.to_be_bytes());
        }
        delete(&e, b"k");
        assert_eq!(snap.get(b"k").unwrap(), Some(b"v0".to_vec()));
        // v0 (pinned) and the delete (latest); the overwrites in between are gone.
        assert_eq!(e.stored_versions(), 2);
        drop(snap);
        assert_eq!(e.live_snapshots(), 0);
        // The next write sweeps the leftover garbage.
        put(&e, b"other", b"x");
        assert_eq!(e.stored_keys(), 1);
        assert_eq!(e.stored_versions(), 1);
    }

    #[test]
    fn only_versions_some_snapshot_reads_are_kept() {
        let e = MemoryEngine::new();
        let mut snaps = Vec::new();
        for i in 0..10u32 {
            put(&e, b"k", &i.to_be_bytes());
            if i == 2 || i == 6 {
                snaps.push(e.snapshot().unwrap());
            }
        }
        // Versions 2 and 6 (pinned) and 9 (latest).
        assert_eq!(e.stored_versions(), 3);
        assert_eq!(snaps[0].get(b"k").unwrap(), Some(2u32.to_be_bytes().to_vec()));
        assert_eq!(snaps[1].get(b"k").unwrap(), Some(6u32.to_be_bytes().to_vec()));
        snaps.remove(0);
        put(&e, b"k", b"x");
        assert_eq!(e.stored_versions(), 2);
        snaps.clear();
        put(&e, b"k", b"y");
        assert_eq!(e.stored_versions(), 1);
    }

    #[test]
    fn scan_keeps_its_snapshot_alive() {
        let e = MemoryEngine::new();
        for i in 0..100u32 {
            put(&e, &i.to_be_bytes(), b"old");
        }
        let snap = e.snapshot().unwrap();
        let mut iter = snap.scan(KeyRange::all(), Direction::Forward).unwrap();
        drop(snap);
        assert_eq!(e.live_snapshots(), 1);
        for i in 0..100u32 {
            put(&e, &i.to_be_bytes(), b"new");
        }
        let first = iter.next().unwrap().unwrap();
        assert_eq!(first.1, b"old".to_vec());
        let rest: Vec<_> = iter.by_ref().collect::<Result<_>>().unwrap();
        assert_eq!(rest.len(), 99);
        assert!(rest.iter().all(|(_, v)| v == b"old"));
        drop(iter);
        assert_eq!(e.live_snapshots(), 0);
    }

    #[test]
    fn garbage_sweep_reaches_every_key() {
        let e = MemoryEngine::new();
        let snap = e.snapshot().unwrap();
        for round in 0..3u8 {
            let mut b = WriteBatch::new();
            for i in 0..500u32 {
                b.put(i.to_be_bytes(), [round]);
            }
            e.write(b, WriteOptions::default()).unwrap();
        }
        drop(snap);
        for _ in 0..100 {
            put(&e, b"tick", b"");
        }
        assert_eq!(e.stored_versions(), e.stored_keys());
    }
}

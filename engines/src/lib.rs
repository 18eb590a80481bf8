//! The storage abstraction: one trait for an ordered, snapshot-able key-value
//! store with atomic write batches, and the built-in engines behind it.
//!
//! Everything above this crate (catalog, rows, indexes, transactions) is
//! expressed as byte keys and values in one ordered keyspace. Keys compare as
//! unsigned byte strings (memcmp order). An engine must never reorder, merge
//! or partially apply a [`WriteBatch`]: a batch is visible all at once or not
//! at all, and once [`KvEngine::write`] with `sync = true` returns `Ok`, the
//! batch survives a crash of the process or the machine.
//!
//! Engines:
//! - [`memory::MemoryEngine`]: an ordered map with multi-version entries, for
//!   tests and (later) the simulator.
//! - [`rocks::RocksEngine`] (feature `rocksdb`): the default for a real server.
//!   It is never compiled into simulator (`--cfg madsim`) builds.
//! - [`simdisk::SimDiskEngine`]: the simulator's engine, an in-memory store
//!   whose durability (synced vs. lost writes, torn records, I/O errors) is
//!   simulated on a disk that outlives the node.
//!
//! Both engines scan lazily in chunks (the private `scan` module): a scan
//! iterator owns its snapshot and holds no lock or engine iterator between
//! calls to `next()`. Every engine must pass the conformance suite in
//! `conformance.rs`, which checks it against a `BTreeMap` model.

use std::ops::Bound;
use std::sync::Arc;

pub mod memory;
#[cfg(all(feature = "rocksdb", not(madsim)))]
pub mod rocks;
mod scan;
pub mod simdisk;

#[cfg(test)]
mod conformance;

/// Errors an engine can report. Every variant carries enough text for a log
/// line; callers turn them into MySQL errors.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The underlying storage failed (I/O, corruption, ...).
    #[error("storage error: {0}")]
    Storage(String),
    /// The engine was asked something it cannot do (see [`Capabilities`]).
    #[error("unsupported by engine: {0}")]
    Unsupported(String),
}

/// Result alias for engine operations.
pub type Result<T> = std::result::Result<T, EngineError>;

/// An owned key-value pair as returned by scans.
pub type KvPair = (Vec<u8>, Vec<u8>);

/// What an engine can do; reported by `SHOW ENGINES` and used by the server
/// to decide whether the data directory is persistent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Data survives a process restart.
    pub persistent: bool,
    /// `write(.., sync = true)` reaches stable storage before returning.
    pub durable_sync: bool,
    /// Reverse scans are supported natively (otherwise emulated).
    pub reverse_scan: bool,
}

/// One mutation inside a [`WriteBatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOp {
    /// Set `key` to `value`.
    Put { key: Vec<u8>, value: Vec<u8> },
    /// Remove `key` (a no-op if absent).
    Delete { key: Vec<u8> },
}

/// An ordered list of mutations applied atomically. Later operations on the
/// same key win over earlier ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteBatch {
    ops: Vec<WriteOp>,
    bytes: usize,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Append a put.
    pub fn put(&mut self, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        let (key, value) = (key.into(), value.into());
        self.bytes += key.len() + value.len();
        self.ops.push(WriteOp::Put { key, value });
    }

    /// Append a delete.
    pub fn delete(&mut self, key: impl Into<Vec<u8>>) {
        let key = key.into();
        self.bytes += key.len();
        self.ops.push(WriteOp::Delete { key });
    }

    /// The operations, in the order they were added.
    pub fn ops(&self) -> &[WriteOp] {
        &self.ops
    }

    /// Number of operations.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// True when the batch has no operations.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Total key + value bytes in the batch (for limits and metrics).
    pub fn size_bytes(&self) -> usize {
        self.bytes
    }
}

/// Options for [`KvEngine::write`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteOptions {
    /// Return only once the batch is on stable storage.
    pub sync: bool,
}

/// A key range: `start` and `end` bounds over byte keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    pub start: Bound<Vec<u8>>,
    pub end: Bound<Vec<u8>>,
}

impl KeyRange {
    /// Every key.
    pub fn all() -> Self {
        Self { start: Bound::Unbounded, end: Bound::Unbounded }
    }

    /// Every key that starts with `prefix`.
    pub fn prefix(prefix: &[u8]) -> Self {
        let end = match prefix_successor(prefix) {
            Some(e) => Bound::Excluded(e),
            None => Bound::Unbounded,
        };
        Self { start: Bound::Included(prefix.to_vec()), end }
    }

    /// `[start, end)`.
    pub fn half_open(start: Vec<u8>, end: Vec<u8>) -> Self {
        Self { start: Bound::Included(start), end: Bound::Excluded(end) }
    }

    /// The range's smallest possible key, inclusive. Keys are byte strings,
    /// so the successor of `k` is `k ++ [0x00]`: `Excluded(k)` becomes
    /// `k ++ [0x00]`, and `Unbounded` becomes the empty key (the minimum).
    pub fn lower_inclusive(&self) -> Vec<u8> {
        match &self.start {
            Bound::Included(s) => s.clone(),
            Bound::Excluded(s) => key_successor(s),
            Bound::Unbounded => Vec::new(),
        }
    }

    /// The range's end as an exclusive bound: `Included(k)` becomes
    /// `k ++ [0x00]`; `None` means unbounded above.
    pub fn upper_exclusive(&self) -> Option<Vec<u8>> {
        match &self.end {
            Bound::Included(e) => Some(key_successor(e)),
            Bound::Excluded(e) => Some(e.clone()),
            Bound::Unbounded => None,
        }
    }

    /// True when no key can lie inside the range (for example `start > end`,
    /// `[a, a)` or `(a, a ++ [0x00])`).
    pub fn is_empty(&self) -> bool {
        match self.upper_exclusive() {
            Some(upper) => upper <= self.lower_inclusive(),
            None => false,
        }
    }

    /// True when `key` lies inside the range.
    pub fn contains(&self, key: &[u8]) -> bool {
        let after_start = match &self.start {
            Bound::Included(s) => key >= s.as_slice(),
            Bound::Excluded(s) => key > s.as_slice(),
            Bound::Unbounded => true,
        };
        let before_end = match &self.end {
            Bound::Included(e) => key <= e.as_slice(),
            Bound::Excluded(e) => key < e.as_slice(),
            Bound::Unbounded => true,
        };
        after_start && before_end
    }
}

/// The smallest key greater than every key with this prefix, or `None` when
/// the prefix is all `0xFF` (then the range is unbounded above).
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut out = prefix.to_vec();
    while let Some(last) = out.pop() {
        if last != 0xFF {
            out.push(last + 1);
            return Some(out);
        }
    }
    None
}

/// The smallest key greater than `key`: `key ++ [0x00]`.
pub fn key_successor(key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + 1);
    out.extend_from_slice(key);
    out.push(0);
    out
}

/// Scan direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Reverse,
}

/// A boxed iterator over `(key, value)` pairs in scan order.
pub type KvIter = Box<dyn Iterator<Item = Result<KvPair>> + Send>;

/// A consistent, read-only view of the engine at one moment. Writes made
/// after the snapshot was taken are never visible through it. Dropping the
/// handle releases whatever the engine pinned for it.
pub trait KvSnapshot: Send + Sync {
    /// Point read.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;

    /// Scan `range` in `direction`. The iterator owns what it needs (it may
    /// outlive the borrow of `self`) and yields keys in strictly increasing
    /// (forward) or strictly decreasing (reverse) order.
    fn scan(&self, range: KeyRange, direction: Direction) -> Result<KvIter>;
}

/// An ordered key-value store. Implementations are shared between threads
/// (`Arc<dyn KvEngine>`) and must be internally synchronised.
pub trait KvEngine: Send + Sync {
    /// Engine name, as shown by `SHOW ENGINES` (e.g. `"RocksDB"`).
    fn name(&self) -> &str;

    /// What the engine can do.
    fn capabilities(&self) -> Capabilities;

    /// A snapshot of the current state.
    fn snapshot(&self) -> Result<Arc<dyn KvSnapshot>>;

    /// Point read of the latest state (equivalent to a fresh snapshot's get).
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.snapshot()?.get(key)
    }

    /// Scan the latest state without pinning a snapshot: each key is
    /// yielded at most once, in order, with a value it held at some moment
    /// during the scan (a layer that versions its own data, like MVCC, needs
    /// no more). Engines override it when a snapshot costs something.
    fn scan_latest(&self, range: KeyRange, direction: Direction) -> Result<KvIter> {
        self.snapshot()?.scan(range, direction)
    }

    /// The first pair of `range` in `direction` in the latest state, or
    /// `None`: a seek that reads one entry.
    fn first(&self, range: KeyRange, direction: Direction) -> Result<Option<KvPair>> {
        self.scan_latest(range, direction)?.next().transpose()
    }

    /// Apply `batch` atomically. With `opts.sync`, return only once durable.
    fn write(&self, batch: WriteBatch, opts: WriteOptions) -> Result<()>;

    /// Make every write so far durable (a no-op for engines without
    /// durability).
    fn sync(&self) -> Result<()>;
}

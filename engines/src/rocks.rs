//! [`RocksEngine`]: the persistent engine of a real server, on RocksDB.
//!
//! One RocksDB database (default column family) holds the whole keyspace,
//! compared bytewise, so its order is the trait's memcmp order. A
//! [`WriteBatch`] becomes one `rocksdb::WriteBatch`, which RocksDB applies
//! atomically; `sync = true` writes it through the fsynced WAL.
//!
//! Snapshots are RocksDB snapshots. The crate's snapshot type borrows the
//! database, so `PinnedSnapshot` owns an `Arc<DB>` next to the snapshot
//! (see the SAFETY note there). Scans never keep a RocksDB iterator open
//! between calls to `next()`: each chunk opens a short-lived iterator at the
//! snapshot, reads, and drops it (see the `scan` module).
//!
//! RocksDB starts background threads, so this module is never compiled into
//! simulator (`--cfg madsim`) builds.

use std::path::Path;
use std::sync::Arc;

use rocksdb::{BlockBasedOptions, Cache, Options, ReadOptions, Snapshot, DB};

use crate::scan::{Chunk, ChunkSource, ChunkedScan};
use crate::{
    Capabilities, Direction, EngineError, KeyRange, KvEngine, KvIter, KvPair, KvSnapshot, Result, WriteBatch, WriteOp,
    WriteOptions,
};

/// Default size of the shared block cache.
pub const DEFAULT_BLOCK_CACHE_BYTES: usize = 64 << 20;
/// Memtable size before a flush.
const WRITE_BUFFER_BYTES: usize = 8 << 20;
/// Bloom filter bits per key on the block-based table.
const BLOOM_BITS_PER_KEY: f64 = 10.0;

/// Tuning knobs for [`RocksEngine::open_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RocksConfig {
    /// Size of the LRU block cache in bytes.
    pub block_cache_bytes: usize,
}

impl Default for RocksConfig {
    fn default() -> Self {
        Self { block_cache_bytes: DEFAULT_BLOCK_CACHE_BYTES }
    }
}

fn storage(e: rocksdb::Error) -> EngineError {
    EngineError::Storage(e.into_string())
}

/// A [`KvEngine`] backed by a RocksDB database directory.
///
/// Snapshots and scans share ownership of the database: it closes (and
/// releases its directory lock) only when the engine and every snapshot and
/// scan taken from it are dropped.
pub struct RocksEngine {
    db: Arc<DB>,
}

impl std::fmt::Debug for RocksEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RocksEngine").field("path", &self.db.path()).finish()
    }
}

impl RocksEngine {
    /// Open (creating it if missing) the database in `path` with the default
    /// [`RocksConfig`].
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, RocksConfig::default())
    }

    /// Open (creating it if missing) the database in `path`.
    pub fn open_with(path: &Path, config: RocksConfig) -> Result<Self> {
        let cache = Cache::new_lru_cache(config.block_cache_bytes).map_err(storage)?;
        let mut table = BlockBasedOptions::default();
        table.set_block_cache(&cache);
        table.set_bloom_filter(BLOOM_BITS_PER_KEY, false);
        table.set_cache_index_and_filter_blocks(true);
        table.set_pin_l0_filter_and_index_blocks_in_cache(true);

        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.set_max_background_jobs(2);
        // Every update adds an internal version to the memtable, and range
        // scans step over all of them until a flush drops the obsolete ones
        // (no long-lived RocksDB snapshots pin them: MVCC lives above). A
        // small memtable keeps scans over hot rows short.
        opts.set_write_buffer_size(WRITE_BUFFER_BYTES);
        opts.set_max_write_buffer_number(4);
        opts.set_block_based_table_factory(&table);

        let db = DB::open(&opts, path).map_err(storage)?;
        Ok(Self { db: Arc::new(db) })
    }

    /// The database directory.
    pub fn path(&self) -> &Path {
        self.db.path()
    }
}

impl KvEngine for RocksEngine {
    fn name(&self) -> &str {
        "RocksDB"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { persistent: true, durable_sync: true, reverse_scan: true }
    }

    fn snapshot(&self) -> Result<Arc<dyn KvSnapshot>> {
        Ok(Arc::new(RocksSnapshot { pin: Arc::new(PinnedSnapshot::new(Arc::clone(&self.db))) }))
    }

    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.db.get(key).map_err(storage)
    }

    fn scan_latest(&self, range: KeyRange, direction: Direction) -> Result<KvIter> {
        Ok(Box::new(ChunkedScan::new(Latest(Arc::clone(&self.db)), range, direction)))
    }

    fn first(&self, range: KeyRange, direction: Direction) -> Result<Option<KvPair>> {
        if range.is_empty() {
            return Ok(None);
        }
        read_range(&self.db, None, &range, direction, 1).map(|c| c.pairs.into_iter().next())
    }

    fn write(&self, batch: WriteBatch, opts: WriteOptions) -> Result<()> {
        let mut rb = rocksdb::WriteBatch::default();
        for op in batch.ops() {
            match op {
                WriteOp::Put { key, value } => rb.put(key, value),
                WriteOp::Delete { key } => rb.delete(key),
            }
        }
        let mut wo = rocksdb::WriteOptions::default();
        wo.set_sync(opts.sync);
        self.db.write_opt(rb, &wo).map_err(storage)
    }

    fn sync(&self) -> Result<()> {
        self.db.flush_wal(true).map_err(storage)
    }
}

/// An owned RocksDB snapshot: the snapshot plus the database it belongs to.
struct PinnedSnapshot {
    // Field order matters: fields drop in declaration order, so `snapshot`
    // (whose drop releases it through its `&DB`) drops before `db`.
    /// Borrows `*db`; its `'static` lifetime is a lie told once, in `new`.
    snapshot: Snapshot<'static>,
    /// Keeps the database alive at least as long as `snapshot`.
    db: Arc<DB>,
}

impl PinnedSnapshot {
    fn new(db: Arc<DB>) -> Self {
        let snapshot = db.snapshot();
        // SAFETY: `snapshot` borrows the `DB` inside the `Arc`, whose heap
        // address never changes while any `Arc` to it exists. We store a
        // clone of that `Arc` in the same struct, declared after `snapshot`,
        // so the `DB` outlives the snapshot: it is released (in `Snapshot`'s
        // `Drop`) before our `Arc` is dropped. The snapshot is never moved
        // out of the struct or handed out with the fake `'static` lifetime:
        // callers only get `&self.snapshot`, bounded by `&self`.
        let snapshot = unsafe { std::mem::transmute::<Snapshot<'_>, Snapshot<'static>>(snapshot) };
        Self { snapshot, db }
    }

    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.snapshot.get(key).map_err(storage)
    }
}

impl ChunkSource for Arc<PinnedSnapshot> {
    fn read_chunk(&self, range: &KeyRange, direction: Direction, limit: usize) -> Result<Chunk> {
        read_range(&self.db, Some(&self.snapshot), range, direction, limit)
    }
}

/// The latest state, read without a snapshot ([`KvEngine::scan_latest`]).
struct Latest(Arc<DB>);

impl ChunkSource for Latest {
    fn read_chunk(&self, range: &KeyRange, direction: Direction, limit: usize) -> Result<Chunk> {
        read_range(&self.0, None, range, direction, limit)
    }
}

/// Read at most `limit` pairs of `range` (not empty) with a short-lived
/// iterator, at `snapshot` or else the latest state.
fn read_range(
    db: &DB,
    snapshot: Option<&Snapshot<'static>>,
    range: &KeyRange,
    direction: Direction,
    limit: usize,
) -> Result<Chunk> {
    debug_assert!(!range.is_empty());
    let lower = range.lower_inclusive();
    let upper = range.upper_exclusive();

    let mut ro = ReadOptions::default();
    if !lower.is_empty() {
        ro.set_iterate_lower_bound(lower.clone());
    }
    if let Some(u) = &upper {
        ro.set_iterate_upper_bound(u.clone());
    }
    // Each chunk is its own short-lived iterator, pinned to the snapshot
    // when there is one (`raw_iterator_opt` sets it). It is dropped before
    // we return.
    let mut it = match snapshot {
        Some(s) => s.raw_iterator_opt(ro),
        None => db.raw_iterator_opt(ro),
    };
    let in_range = |k: &[u8]| k >= lower.as_slice() && upper.as_ref().is_none_or(|u| k < u.as_slice());
    match direction {
        Direction::Forward => it.seek(&lower),
        Direction::Reverse => match &upper {
            Some(u) => {
                it.seek_for_prev(u);
                // `seek_for_prev` lands on the last key <= u; u is excluded.
                while it.key().is_some_and(|k| k >= u.as_slice()) {
                    it.prev();
                }
            }
            None => it.seek_to_last(),
        },
    }

    let mut pairs = Vec::new();
    while let Some((k, v)) = it.item() {
        if !in_range(k) {
            break;
        }
        if pairs.len() == limit {
            let resume_after = pairs.last().map(|(k, _): &(Vec<u8>, Vec<u8>)| k.clone());
            return Ok(Chunk { pairs, resume_after });
        }
        pairs.push((k.to_vec(), v.to_vec()));
        match direction {
            Direction::Forward => it.next(),
            Direction::Reverse => it.prev(),
        }
    }
    // The iterator stopped: either the range is exhausted or it failed.
    it.status().map_err(storage)?;
    Ok(Chunk { pairs, resume_after: None })
}

/// A snapshot of a [`RocksEngine`]; scans share its [`PinnedSnapshot`], so
/// they keep the RocksDB snapshot (and the database) alive after the handle
/// is dropped.
struct RocksSnapshot {
    pin: Arc<PinnedSnapshot>,
}

impl KvSnapshot for RocksSnapshot {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.pin.get(key)
    }

    fn scan(&self, range: KeyRange, direction: Direction) -> Result<KvIter> {
        Ok(Box::new(ChunkedScan::new(Arc::clone(&self.pin), range, direction)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synced_writes_survive_reopen() {
        let dir = tempfile::TempDir::new().unwrap();
        {
            let e = RocksEngine::open(dir.path()).unwrap();
            let mut b = WriteBatch::new();
            for i in 0..1000u32 {
                b.put(i.to_be_bytes(), i.to_le_bytes());
            }
            b.delete(7u32.to_be_bytes());
            e.write(b, WriteOptions { sync: true }).unwrap();
            let mut b = WriteBatch::new();
            b.put(b"unsynced-then-synced".to_vec(), b"v".to_vec());
            e.write(b, WriteOptions { sync: false }).unwrap();
            e.sync().unwrap();
        }
        let e = RocksEngine::open(dir.path()).unwrap();
        assert_eq!(e.get(&0u32.to_be_bytes()).unwrap(), Some(0u32.to_le_bytes().to_vec()));
        assert_eq!(e.get(&999u32.to_be_bytes()).unwrap(), Some(999u32.to_le_bytes().to_vec()));
        assert_eq!(e.get(&7u32.to_be_bytes()).unwrap(), None);
        assert_eq!(e.get(b"unsynced-then-synced").unwrap(), Some(b"v".to_vec()));
        let snap = e.snapshot().unwrap();
        let n = snap.scan(KeyRange::all(), Direction::Forward).unwrap().count();
        assert_eq!(n, 1000);
    }

    #[test]
    fn snapshot_outlives_engine_handle() {
        let dir = tempfile::TempDir::new().unwrap();
        let e = RocksEngine::open(dir.path()).unwrap();
        let mut b = WriteBatch::new();
        b.put(b"k".to_vec(), b"v".to_vec());
        e.write(b, WriteOptions::default()).unwrap();
        let snap = e.snapshot().unwrap();
        let iter = snap.scan(KeyRange::all(), Direction::Reverse).unwrap();
        drop(e);
        drop(snap);
        let all: Vec<_> = iter.collect::<Result<_>>().unwrap();
        assert_eq!(all, vec![(b"k".to_vec(), b"v".to_vec())]);
    }

    #[test]
    fn open_reports_storage_error() {
        let dir = tempfile::TempDir::new().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, b"x").unwrap();
        match RocksEngine::open(&file) {
            Err(EngineError::Storage(msg)) => assert!(!msg.is_empty()),
            other => panic!("expected a storage error, got {other:?}"),
        }
    }
}

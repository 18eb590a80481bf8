//! Atomic units of work over the engine: a snapshot for reads, a buffer of
//! writes, and a commit that validates and applies them as one write batch.
//!
//! A [`Transaction`] reads one consistent snapshot (refreshed per statement
//! under READ COMMITTED), sees its own buffered writes, and commits all of
//! them or none. An undo log lets a failed statement or a savepoint roll
//! back just its part. Writers take row locks ([`locks`]) and act on the
//! latest committed version; every key written or checked records the
//! committed value it relied on, and the group commit ([`group`]) writes a
//! transaction only if those values still hold (else 1213), sharing one
//! synced batch among concurrent commits. No global lock is held while a
//! statement executes.

pub mod group;
pub mod locks;
pub mod mvcc;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use guocedb_engines::{Direction, KeyRange, KvEngine, KvPair, KvSnapshot, WriteBatch, WriteOp};

use crate::error::{DbError, Result};

/// Upper bound on one statement's buffered writes (keys + values).
pub const MAX_TXN_WRITE_BYTES: usize = 512 * 1024 * 1024;

/// The shared handle to the versioned store plus commit bookkeeping.
pub struct Store {
    mvcc: Arc<mvcc::Mvcc>,
    /// Rows read by every statement since start (`Innodb_rows_read`).
    pub rows_read: AtomicU64,
    pub commits: AtomicU64,
    pub conflicts: AtomicU64,
    /// Row locks of every open transaction.
    pub locks: locks::LockTable,
    /// The commit queue (group commit) and its committer thread.
    pub group: Arc<group::GroupCommit>,
    next_txn_id: AtomicU64,
}

impl Store {
    /// Open the store over `engine` (recovering the commit timestamp).
    pub fn new(engine: Arc<dyn KvEngine>, sync_commits: bool) -> Result<Arc<Self>> {
        let mvcc = mvcc::Mvcc::open(engine)?;
        let group = group::GroupCommit::start(mvcc.clone(), sync_commits)?;
        Ok(Arc::new(Self {
            mvcc,
            rows_read: AtomicU64::new(0),
            commits: AtomicU64::new(0),
            conflicts: AtomicU64::new(0),
            locks: locks::LockTable::default(),
            group,
            next_txn_id: AtomicU64::new(1),
        }))
    }

    /// The engine under the versioned layer (physical keys).
    pub fn engine(&self) -> &Arc<dyn KvEngine> {
        self.mvcc.engine()
    }

    pub fn mvcc(&self) -> &Arc<mvcc::Mvcc> {
        &self.mvcc
    }

    /// A consistent view of everything committed so far.
    pub fn snapshot(&self) -> Arc<dyn KvSnapshot> {
        self.mvcc.snapshot()
    }

    /// The latest committed value of `key`.
    pub fn latest(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.mvcc.latest(key)
    }

    pub fn begin(self: &Arc<Self>) -> Result<Transaction> {
        Ok(Transaction {
            id: self.next_txn_id.fetch_add(1, Ordering::Relaxed),
            store: self.clone(),
            snap: self.mvcc.snapshot(),
            writes: BTreeMap::new(),
            expected: RefCell::new(BTreeMap::new()),
            undo: RefCell::new(Vec::new()),
            write_bytes: 0,
            rows_read: std::cell::Cell::new(0),
            lock_wait: Duration::from_secs(50),
            park: false,
            time_zone: 0,
        })
    }

    /// Commit a batch outside any transaction (DDL holds its own lock), as
    /// one new version of every key in it. Later operations on a key win.
    pub fn write_batch(&self, batch: WriteBatch) -> Result<()> {
        let mut writes = BTreeMap::new();
        for op in batch.ops() {
            match op {
                WriteOp::Put { key, value } => writes.insert(key.clone(), Some(value.clone())),
                WriteOp::Delete { key } => writes.insert(key.clone(), None),
            };
        }
        self.group.commit(writes, BTreeMap::new())
    }
}

/// A position in a transaction's undo log: statements and savepoints roll
/// back to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark(usize);

/// One entry of the undo log.
enum Undo {
    /// A buffered write replaced `prev` (`None`: the key had no buffered
    /// write before).
    Write { key: Vec<u8>, prev: Option<Option<Vec<u8>>> },
    /// `key` entered the expected-values map.
    Expect { key: Vec<u8> },
}

/// A transaction's view and buffered writes: one statement in autocommit
/// mode, or everything between BEGIN and COMMIT.
pub struct Transaction {
    id: u64,
    store: Arc<Store>,
    snap: Arc<dyn KvSnapshot>,
    writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// For every key written, checked or locked, the committed value the
    /// transaction based its decision on; commit fails if any changed.
    expected: RefCell<BTreeMap<Vec<u8>, Option<Vec<u8>>>>,
    undo: RefCell<Vec<Undo>>,
    write_bytes: usize,
    rows_read: std::cell::Cell<u64>,
    /// How long a row-lock wait may take (`innodb_lock_wait_timeout`).
    lock_wait: Duration,
    /// Park on a taken lock instead of waiting (see `locks`).
    park: bool,
    /// The session's time zone (seconds east of UTC), in which the rows
    /// handed to `sql::table` carry their TIMESTAMP values.
    time_zone: i32,
}

impl Drop for Transaction {
    /// Commit or rollback, a transaction's row locks go with it.
    fn drop(&mut self) {
        self.store.locks.release_all(self.id);
    }
}

impl Transaction {
    pub fn snapshot(&self) -> &Arc<dyn KvSnapshot> {
        &self.snap
    }

    /// Read from a fresh snapshot from now on (READ COMMITTED takes one per
    /// statement). Buffered writes and expectations are kept.
    pub fn refresh_snapshot(&mut self) -> Result<()> {
        self.snap = self.store.mvcc.snapshot();
        Ok(())
    }

    /// True when the transaction has buffered writes.
    pub fn has_writes(&self) -> bool {
        !self.writes.is_empty()
    }

    /// The current position of the undo log.
    pub fn mark(&self) -> Mark {
        Mark(self.undo.borrow().len())
    }

    pub fn set_time_zone(&mut self, offset_secs: i32) {
        self.time_zone = offset_secs;
    }

    pub fn time_zone(&self) -> i32 {
        self.time_zone
    }

    pub fn set_lock_wait_timeout(&mut self, d: Duration) {
        self.lock_wait = d;
    }

    /// Park on a taken row lock (fail with `PARKED`) instead of waiting.
    pub fn set_park(&mut self, park: bool) {
        self.park = park;
    }

    /// Lock `key` (waiting for other transactions' locks) and read its
    /// latest committed value — or this transaction's own write. The value
    /// read becomes what the commit expects, so holding the lock, the
    /// transaction may act on it: this is how UPDATE, DELETE, uniqueness
    /// checks and locking reads see the latest version, as in InnoDB.
    pub fn lock_latest(&self, key: &[u8], mode: locks::LockMode) -> Result<Option<Vec<u8>>> {
        if self.park {
            self.store.locks.lock_or_park_buggified(self.id, key, mode)?;
        } else {
            self.store.locks.lock(self.id, key, mode, self.lock_wait)?;
        }
        if let Some(w) = self.writes.get(key) {
            return Ok(w.clone());
        }
        let latest = self.store.mvcc.latest(key)?;
        let mut expected = self.expected.borrow_mut();
        if !expected.contains_key(key) {
            expected.insert(key.to_vec(), latest.clone());
            self.undo.borrow_mut().push(Undo::Expect { key: key.to_vec() });
        }
        Ok(latest)
    }

    /// Undo every write and check made since `mark`.
    pub fn rollback_to(&mut self, mark: Mark) {
        let undo = self.undo.get_mut();
        assert!(mark.0 <= undo.len(), "rollback to a mark from the future");
        while undo.len() > mark.0 {
            match undo.pop() {
                Some(Undo::Write { key, prev: Some(v) }) => {
                    self.writes.insert(key, v);
                }
                Some(Undo::Write { key, prev: None }) => {
                    self.writes.remove(&key);
                }
                Some(Undo::Expect { key }) => {
                    self.expected.get_mut().remove(&key);
                }
                None => break,
            }
        }
    }

    /// Point read: own writes first, then the snapshot.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        if let Some(w) = self.writes.get(key) {
            return Ok(w.clone());
        }
        Ok(self.snap.get(key)?)
    }

    /// Remember the committed value of `key` this transaction relies on:
    /// the latest one. Writes happen under the row's lock, so what matters
    /// is that nothing changes the key between now and the commit — not
    /// what the (possibly older) read snapshot holds.
    fn expect(&mut self, key: &[u8]) -> Result<()> {
        if !self.expected.get_mut().contains_key(key) {
            let v = self.store.mvcc.latest(key)?;
            self.expected.get_mut().insert(key.to_vec(), v);
            self.undo.get_mut().push(Undo::Expect { key: key.to_vec() });
        }
        Ok(())
    }

    /// Point read whose result the commit depends on (uniqueness checks):
    /// a concurrent change to `key` makes the commit fail with a conflict.
    pub fn get_checked(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        if !self.writes.contains_key(key) {
            self.expect(key)?;
        }
        self.get(key)
    }

    fn buffer(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) -> Result<()> {
        self.write_bytes += key.len() + value.as_ref().map_or(0, Vec::len);
        self.check_size()?;
        self.expect(&key)?;
        let prev = self.writes.insert(key.clone(), value);
        self.undo.get_mut().push(Undo::Write { key, prev });
        Ok(())
    }

    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) -> Result<()> {
        self.buffer(key, Some(value))
    }

    pub fn delete(&mut self, key: Vec<u8>) -> Result<()> {
        self.buffer(key, None)
    }

    fn check_size(&self) -> Result<()> {
        if self.write_bytes > MAX_TXN_WRITE_BYTES {
            return Err(DbError::new(
                1197,
                "HY000",
                "Multi-statement transaction required more than 'max_binlog_cache_size' bytes of storage",
            ));
        }
        Ok(())
    }

    /// Count rows examined (for `Innodb_rows_read` and tests of access paths).
    pub fn note_rows_read(&self, n: u64) {
        self.rows_read.set(self.rows_read.get() + n);
    }

    pub fn rows_read(&self) -> u64 {
        self.rows_read.get()
    }

    /// Scan `range` merging the snapshot with this transaction's writes.
    /// The writes in range are copied when the scan starts, so writing while
    /// iterating never changes what the scan returns.
    pub fn scan(&self, range: KeyRange, dir: Direction) -> Result<MergedScan> {
        let snap = self.snap.clone();
        self.scan_in(&snap, range, dir)
    }

    /// Scan `range` at the latest committed state (a fresh snapshot) merged
    /// with this transaction's writes: what foreign-key checks read, as
    /// InnoDB's locking reads do, once the rows that decide them are locked.
    pub fn scan_latest(&self, range: KeyRange, dir: Direction) -> Result<MergedScan> {
        let snap: Arc<dyn KvSnapshot> = self.store.mvcc.snapshot();
        self.scan_in(&snap, range, dir)
    }

    fn scan_in(&self, snap: &Arc<dyn KvSnapshot>, range: KeyRange, dir: Direction) -> Result<MergedScan> {
        let pending: Vec<(Vec<u8>, Option<Vec<u8>>)> = self
            .writes
            .range::<Vec<u8>, _>((range.start.clone(), range.end.clone()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut pending = pending;
        if dir == Direction::Reverse {
            pending.reverse();
        }
        let base = snap.scan(range, dir)?;
        Ok(MergedScan {
            _snap: snap.clone(),
            base,
            base_next: None,
            pending: pending.into_iter().peekable(),
            dir,
            base_done: false,
        })
    }

    /// Validate and apply. Returns once the batch is durable (when the store
    /// syncs commits). A conflict (a key this transaction wrote or checked
    /// was changed by a commit since it looked) is error 1213, and nothing
    /// is written.
    pub fn commit(self) -> Result<()> {
        self.start_commit().wait_blocking()
    }

    /// Queue the commit; the returned handle waits for the outcome (and
    /// holds the row locks until then).
    pub fn start_commit(mut self) -> PendingCommit {
        self.store.rows_read.fetch_add(self.rows_read.get(), Ordering::Relaxed);
        if self.writes.is_empty() {
            return PendingCommit { txn: self, ticket: None };
        }
        let writes = std::mem::take(&mut self.writes);
        let expected = std::mem::take(self.expected.get_mut());
        let ticket = self.store.group.enqueue(writes, expected);
        PendingCommit { txn: self, ticket: Some(ticket) }
    }
}

/// A transaction whose commit is queued. Dropping it after the outcome
/// releases the row locks.
pub struct PendingCommit {
    txn: Transaction,
    ticket: Option<group::Ticket>,
}

impl PendingCommit {
    fn account(&self, r: &Result<()>) {
        match r {
            Ok(()) => self.txn.store.commits.fetch_add(1, Ordering::Relaxed),
            Err(e) if e.code == 1213 => self.txn.store.conflicts.fetch_add(1, Ordering::Relaxed),
            Err(_) => 0,
        };
    }

    /// Block until committed (durable) or refused.
    pub fn wait_blocking(self) -> Result<()> {
        let Some(t) = &self.ticket else { return Ok(()) };
        #[cfg(madsim)]
        self.txn.store.group.drain();
        let r = t.wait_blocking();
        self.account(&r);
        r // dropping `self` releases the locks, after the write
    }

    /// Wait as a task until committed (durable) or refused.
    pub async fn wait(self) -> Result<()> {
        let Some(t) = &self.ticket else { return Ok(()) };
        let r = t.wait().await;
        self.account(&r);
        r
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.group.shutdown();
    }
}

/// A buffered write: the key and its new value (`None` deletes).
type PendingWrite = (Vec<u8>, Option<Vec<u8>>);

/// Snapshot scan merged with pending writes, in scan order.
pub struct MergedScan {
    /// Keeps the snapshot registered (so GC spares what it reads) while the scan runs.
    _snap: Arc<dyn KvSnapshot>,
    base: guocedb_engines::KvIter,
    base_next: Option<KvPair>,
    pending: std::iter::Peekable<std::vec::IntoIter<PendingWrite>>,
    dir: Direction,
    base_done: bool,
}

impl Iterator for MergedScan {
    type Item = Result<KvPair>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.base_next.is_none() && !self.base_done {
                match self.base.next() {
                    Some(Ok(kv)) => self.base_next = Some(kv),
                    Some(Err(e)) => return Some(Err(e.into())),
                    None => self.base_done = true,
                }
            }
            let take_pending = match (&self.base_next, self.pending.peek()) {
                (None, None) => return None,
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some((bk, _)), Some((pk, _))) => {
                    let ord = pk.cmp(bk);
                    let ord = if self.dir == Direction::Reverse { ord.reverse() } else { ord };
                    match ord {
                        std::cmp::Ordering::Less => true,
                        std::cmp::Ordering::Equal => {
                            self.base_next = None; // overridden by the pending write
                            true
                        }
                        std::cmp::Ordering::Greater => false,
                    }
                }
            };
            if take_pending {
                let (k, v) = self.pending.next()?;
                match v {
                    Some(v) => return Some(Ok((k, v))),
                    None => continue,
                }
            }
            return self.base_next.take().map(Ok);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guocedb_engines::memory::MemoryEngine;

    fn store() -> Arc<Store> {
        Store::new(Arc::new(MemoryEngine::new()), false).unwrap()
    }

    fn keys(t: &Transaction, dir: Direction) -> Vec<Vec<u8>> {
        t.scan(KeyRange::all(), dir).unwrap().map(|r| r.unwrap().0).collect()
    }

    #[test]
    fn scans_merge_own_writes_in_both_directions() {
        let s = store();
        let mut t = s.begin().unwrap();
        t.put(b"b".to_vec(), b"1".to_vec()).unwrap();
        t.put(b"d".to_vec(), b"1".to_vec()).unwrap();
        t.commit().unwrap();
        let mut t = s.begin().unwrap();
        t.put(b"a".to_vec(), b"2".to_vec()).unwrap();
        t.put(b"c".to_vec(), b"2".to_vec()).unwrap();
        t.delete(b"d".to_vec()).unwrap();
        t.put(b"b".to_vec(), b"3".to_vec()).unwrap();
        assert_eq!(keys(&t, Direction::Forward), vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
        assert_eq!(keys(&t, Direction::Reverse), vec![b"c".to_vec(), b"b".to_vec(), b"a".to_vec()]);
        assert_eq!(t.get(b"b").unwrap(), Some(b"3".to_vec()));
        assert_eq!(t.get(b"d").unwrap(), None);
    }

    #[test]
    fn a_scan_does_not_see_writes_made_after_it_started() {
        let s = store();
        let mut t = s.begin().unwrap();
        t.put(b"a".to_vec(), b"1".to_vec()).unwrap();
        let scan = t.scan(KeyRange::all(), Direction::Forward).unwrap();
        t.put(b"b".to_vec(), b"1".to_vec()).unwrap();
        assert_eq!(scan.count(), 1);
    }

    #[test]
    fn concurrent_writers_of_one_key_conflict() {
        let s = store();
        let mut t1 = s.begin().unwrap();
        let mut t2 = s.begin().unwrap();
        t1.put(b"k".to_vec(), b"1".to_vec()).unwrap();
        t2.put(b"k".to_vec(), b"2".to_vec()).unwrap();
        t1.commit().unwrap();
        assert_eq!(t2.commit().map_err(|e| e.code), Err(1213));
        assert_eq!(s.latest(b"k").unwrap(), Some(b"1".to_vec()));
    }

    #[test]
    fn a_uniqueness_check_conflicts_with_a_concurrent_insert() {
        let s = store();
        let mut t1 = s.begin().unwrap();
        let mut t2 = s.begin().unwrap();
        assert_eq!(t2.get_checked(b"u").unwrap(), None);
        t2.put(b"other".to_vec(), b"x".to_vec()).unwrap();
        t1.put(b"u".to_vec(), b"1".to_vec()).unwrap();
        t1.commit().unwrap();
        assert_eq!(t2.commit().map_err(|e| e.code), Err(1213));
    }

    #[test]
    fn a_dropped_transaction_writes_nothing() {
        let s = store();
        let mut t = s.begin().unwrap();
        t.put(b"k".to_vec(), b"1".to_vec()).unwrap();
        drop(t);
        assert_eq!(s.latest(b"k").unwrap(), None);
    }
}

/// A model test of the transaction layer against a serial oracle: random
/// interleavings of operations from several open transactions (reads,
/// scans, writes, deletes, savepoints, commits, rollbacks) must match a
/// model built from plain maps — snapshot reads, own writes visible,
/// statement undo, and first-committer-wins on keys written — while MVCC
/// garbage collection runs at random points.
#[cfg(test)]
mod model {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use guocedb_engines::memory::MemoryEngine;
    use guocedb_engines::{Direction, KeyRange};
    use proptest::prelude::*;

    use super::{Mark, Store, Transaction};

    type Map = BTreeMap<Vec<u8>, Vec<u8>>;
    type Buffered = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

    #[derive(Debug, Clone)]
    enum Op {
        Begin,
        Get(usize, u8),
        Put(usize, u8, u8),
        Delete(usize, u8),
        Scan(usize, bool),
        Mark(usize),
        Undo(usize),
        Commit(usize),
        Rollback(usize),
        Gc,
    }

    fn op() -> impl Strategy<Value = Op> {
        let t = 0usize..4;
        let k = 0u8..6;
        prop_oneof![
            3 => Just(Op::Begin),
            3 => (t.clone(), k.clone()).prop_map(|(t, k)| Op::Get(t, k)),
            4 => (t.clone(), k.clone(), any::<u8>()).prop_map(|(t, k, v)| Op::Put(t, k, v)),
            2 => (t.clone(), k).prop_map(|(t, k)| Op::Delete(t, k)),
            2 => (t.clone(), any::<bool>()).prop_map(|(t, r)| Op::Scan(t, r)),
            1 => t.clone().prop_map(Op::Mark),
            1 => t.clone().prop_map(Op::Undo),
            2 => t.clone().prop_map(Op::Commit),
            1 => t.prop_map(Op::Rollback),
            2 => Just(Op::Gc),
        ]
    }

    /// The model of one open transaction.
    struct ModelTxn {
        snapshot: Map,
        writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
        expected: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
        marks: Vec<(Buffered, Buffered)>,
    }

    impl ModelTxn {
        fn read(&self, k: &[u8]) -> Option<Vec<u8>> {
            match self.writes.get(k) {
                Some(w) => w.clone(),
                None => self.snapshot.get(k).cloned(),
            }
        }
        fn view(&self) -> Map {
            let mut m = self.snapshot.clone();
            for (k, v) in &self.writes {
                match v {
                    Some(v) => m.insert(k.clone(), v.clone()),
                    None => m.remove(k),
                };
            }
            m
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

        #[test]
        fn transactions_match_the_serial_model(ops in proptest::collection::vec(op(), 1..80)) {
            let store = Store::new(Arc::new(MemoryEngine::new()), false).unwrap();
            let mut committed = Map::new();
            let mut real: Vec<Option<(Transaction, Vec<Mark>)>> = (0..4).map(|_| None).collect();
            let mut model: Vec<Option<ModelTxn>> = (0..4).map(|_| None).collect();
            let key = |k: u8| vec![b'k', k];
            for op in ops {
                match op {
                    Op::Begin => {
                        if let Some(i) = real.iter().position(Option::is_none) {
                            real[i] = Some((store.begin().unwrap(), vec![]));
                            model[i] = Some(ModelTxn { snapshot: committed.clone(), writes: BTreeMap::new(), expected: BTreeMap::new(), marks: vec![] });
                        }
                    }
                    Op::Get(t, k) => if let (Some((r, _)), Some(m)) = (&real[t], &model[t]) {
                        prop_assert_eq!(r.get(&key(k)).unwrap(), m.read(&key(k)));
                    },
                    Op::Put(t, k, v) => if let (Some((r, _)), Some(m)) = (&mut real[t], &mut model[t]) {
                        r.put(key(k), vec![v]).unwrap();
                        m.expected.entry(key(k)).or_insert_with(|| committed.get(&key(k)).cloned());
                        m.writes.insert(key(k), Some(vec![v]));
                    },
                    Op::Delete(t, k) => if let (Some((r, _)), Some(m)) = (&mut real[t], &mut model[t]) {
                        r.delete(key(k)).unwrap();
                        m.expected.entry(key(k)).or_insert_with(|| committed.get(&key(k)).cloned());
                        m.writes.insert(key(k), None);
                    },
                    Op::Scan(t, rev) => if let (Some((r, _)), Some(m)) = (&real[t], &model[t]) {
                        let dir = if rev { Direction::Reverse } else { Direction::Forward };
                        let got: Vec<(Vec<u8>, Vec<u8>)> = r.scan(KeyRange::all(), dir).unwrap().map(|x| x.unwrap()).collect();
                        let mut want: Vec<(Vec<u8>, Vec<u8>)> = m.view().into_iter().collect();
                        if rev { want.reverse(); }
                        prop_assert_eq!(got, want);
                    },
                    Op::Mark(t) => if let (Some((r, marks)), Some(m)) = (&mut real[t], &mut model[t]) {
                        marks.push(r.mark());
                        m.marks.push((m.writes.clone(), m.expected.clone()));
                    },
                    Op::Undo(t) => if let (Some((r, marks)), Some(m)) = (&mut real[t], &mut model[t]) {
                        if let (Some(mark), Some((w, e))) = (marks.pop(), m.marks.pop()) {
                            r.rollback_to(mark);
                            m.writes = w;
                            m.expected = e;
                        }
                    },
                    Op::Commit(t) => if let (Some((r, _)), Some(m)) = (real[t].take(), model[t].take()) {
                        let ok = m.writes.is_empty() || m.expected.iter().all(|(k, v)| committed.get(k) == v.as_ref());
                        let got = r.commit();
                        prop_assert_eq!(got.is_ok(), ok, "commit outcome");
                        if ok {
                            for (k, v) in m.writes {
                                match v {
                                    Some(v) => committed.insert(k, v),
                                    None => committed.remove(&k),
                                };
                            }
                        } else {
                            prop_assert_eq!(got.map_err(|e| e.code), Err(1213));
                        }
                    },
                    Op::Rollback(t) => {
                        real[t] = None;
                        model[t] = None;
                    }
                    Op::Gc => {
                        store.mvcc().gc().unwrap();
                    }
                }
                // The engine always holds exactly the committed state.
                let engine: Map = store.snapshot().scan(KeyRange::all(), Direction::Forward).unwrap().map(|x| x.unwrap()).collect();
                prop_assert_eq!(&engine, &committed);
            }
            // Once no transaction is open, GC leaves only the latest versions.
            drop(real);
            store.mvcc().gc().unwrap();
            let physical = store.engine().snapshot().unwrap().scan(KeyRange::all(), Direction::Forward).unwrap().count();
            prop_assert_eq!(physical, committed.len() + 2, "latest versions plus two metadata keys");
        }
    }
}

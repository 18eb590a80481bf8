//! Row locks: shared and exclusive locks on keys, held by a transaction
//! until it commits or rolls back, with waiting, deadlock detection and a
//! wait timeout — InnoDB's record locks, without gap locks.
//!
//! A waiter blocks its (blocking-pool) thread on a condition variable. Before
//! it waits, it adds its wait-for edges and searches the wait-for graph for
//! a cycle through itself; if there is one it is the victim and gets 1213.
//! A wait longer than `innodb_lock_wait_timeout` gets 1205. The table never
//! holds an entry for a key nobody holds or waits for.
//!
//! A waiter may instead *park* ([`LockTable::lock_or_park`], used where no
//! thread may block — the simulator): its wait-for edges stay registered, so
//! deadlocks are still found, the statement fails with the internal
//! `PARKED` error and undoes itself, and the connection awaits
//! [`LockTable::released_async`] before running it again.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use crate::error::{DbError, Result};

/// Lock strength.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LockMode {
    Shared,
    Exclusive,
}

#[derive(Default)]
struct Entry {
    /// Holders and the strongest mode each holds.
    holders: Vec<(u64, LockMode)>,
    /// Transactions waiting for this key.
    waiting: usize,
}

#[derive(Default)]
struct Inner {
    keys: HashMap<Vec<u8>, Entry>,
    /// Keys each transaction holds.
    held: HashMap<u64, Vec<Vec<u8>>>,
    /// Who each waiting transaction waits for.
    waits_for: HashMap<u64, BTreeSet<u64>>,
}

/// The lock table shared by all transactions of a store.
#[derive(Default)]
pub struct LockTable {
    inner: Mutex<Inner>,
    released: Condvar,
    /// Notified whenever locks are released, for parked waiters.
    pub released_async: tokio::sync::Notify,
}

/// Most keys one transaction may hold locks on.
pub const MAX_LOCKS_PER_TXN: usize = 1_000_000;

fn conflicts(holders: &[(u64, LockMode)], txn: u64, mode: LockMode) -> BTreeSet<u64> {
    holders
        .iter()
        .filter(|(h, m)| *h != txn && (mode == LockMode::Exclusive || *m == LockMode::Exclusive))
        .map(|(h, _)| *h)
        .collect()
}

impl Inner {
    /// Is there a path from any of `from` back to `target` in the wait-for graph?
    fn reaches(&self, from: &BTreeSet<u64>, target: u64) -> bool {
        let mut stack: Vec<u64> = from.iter().copied().collect();
        let mut seen = BTreeSet::new();
        while let Some(t) = stack.pop() {
            if t == target {
                return true;
            }
            if seen.insert(t) {
                if let Some(next) = self.waits_for.get(&t) {
                    stack.extend(next.iter().copied());
                }
            }
        }
        false
    }

    /// Grant `key` to `txn` when no other holder conflicts (true); else
    /// record whom `txn` waits for (false), or fail with 1213 when that wait
    /// would close a cycle.
    fn grant_or_register_wait(&mut self, txn: u64, key: &[u8], mode: LockMode) -> Result<bool> {
        let blockers = match self.keys.get(key) {
            Some(e) => conflicts(&e.holders, txn, mode),
            None => BTreeSet::new(),
        };
        if blockers.is_empty() {
            self.waits_for.remove(&txn);
            return self.grant(txn, key, mode).map(|()| true);
        }
        if self.reaches(&blockers, txn) {
            self.waits_for.remove(&txn);
            return Err(DbError::deadlock());
        }
        self.waits_for.insert(txn, blockers);
        Ok(false)
    }

    fn grant(&mut self, txn: u64, key: &[u8], mode: LockMode) -> Result<()> {
        let entry = self.keys.entry(key.to_vec()).or_default();
        match entry.holders.iter_mut().find(|(h, _)| *h == txn) {
            Some((_, m)) => *m = (*m).max(mode),
            None => {
                entry.holders.push((txn, mode));
                let held = self.held.entry(txn).or_default();
                if held.len() >= MAX_LOCKS_PER_TXN {
                    return Err(DbError::new(1206, "HY000", "The total number of locks exceeds the lock table size"));
                }
                held.push(key.to_vec());
            }
        }
        Ok(())
    }
}

impl LockTable {
    /// Lock `key` for `txn`, waiting up to `timeout` for conflicting holders.
    pub fn lock(&self, txn: u64, key: &[u8], mode: LockMode, timeout: Duration) -> Result<()> {
        let deadline = std::time::Instant::now() + timeout;
        let mut inner = self.inner.lock();
        loop {
            if inner.grant_or_register_wait(txn, key, mode)? {
                return Ok(());
            }
            inner.keys.entry(key.to_vec()).or_default().waiting += 1;
            let timed_out = self.released.wait_until(&mut inner, deadline).timed_out();
            if let Some(e) = inner.keys.get_mut(key) {
                e.waiting -= 1;
            }
            if timed_out {
                inner.waits_for.remove(&txn);
                Self::forget_if_unused(&mut inner, key);
                return Err(DbError::new(1205, "HY000", "Lock wait timeout exceeded; try restarting transaction"));
            }
        }
    }

    /// Lock `key` for `txn` if no other transaction conflicts; otherwise
    /// register the wait (so a deadlock through it is detected) and fail
    /// with `PARKED`, or with 1213 when waiting would close a cycle. The
    /// registration lasts until the lock is granted, [`Self::stop_waiting`]
    /// or [`Self::release_all`].
    pub fn lock_or_park(&self, txn: u64, key: &[u8], mode: LockMode) -> Result<()> {
        if self.inner.lock().grant_or_register_wait(txn, key, mode)? {
            return Ok(());
        }
        Err(DbError::parked())
    }

    /// [`Self::lock_or_park`], except that in simulation a free lock is
    /// sometimes reported taken (a spurious wait the caller must survive).
    pub fn lock_or_park_buggified(&self, txn: u64, key: &[u8], mode: LockMode) -> Result<()> {
        if crate::env::buggify(0.01) {
            return Err(DbError::parked());
        }
        self.lock_or_park(txn, key, mode)
    }

    /// Forget a parked wait of `txn` (it gave up).
    pub fn stop_waiting(&self, txn: u64) {
        self.inner.lock().waits_for.remove(&txn);
    }

    fn forget_if_unused(inner: &mut Inner, key: &[u8]) {
        if inner.keys.get(key).is_some_and(|e| e.holders.is_empty() && e.waiting == 0) {
            inner.keys.remove(key);
        }
    }

    /// Release every lock `txn` holds and wake waiters.
    pub fn release_all(&self, txn: u64) {
        let mut inner = self.inner.lock();
        inner.waits_for.remove(&txn);
        let Some(keys) = inner.held.remove(&txn) else { return };
        for k in keys {
            if let Some(e) = inner.keys.get_mut(&k) {
                e.holders.retain(|(h, _)| *h != txn);
            }
            Self::forget_if_unused(&mut inner, &k);
        }
        drop(inner);
        self.released.notify_all();
        self.released_async.notify_waiters();
    }

    /// Number of keys with a lock entry (for tests and metrics).
    pub fn len(&self) -> usize {
        self.inner.lock().keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    const T: Duration = Duration::from_secs(5);

    #[test]
    fn shared_locks_share_and_exclusive_excludes() {
        let l = LockTable::default();
        l.lock(1, b"k", LockMode::Shared, T).unwrap();
        l.lock(2, b"k", LockMode::Shared, T).unwrap();
        let e = l.lock(3, b"k", LockMode::Exclusive, Duration::from_millis(50)).unwrap_err();
        assert_eq!(e.code, 1205);
        l.release_all(1);
        l.release_all(2);
        l.lock(3, b"k", LockMode::Exclusive, T).unwrap();
        l.release_all(3);
        assert!(l.is_empty());
    }

    #[test]
    fn a_waiter_gets_the_lock_when_it_is_released() {
        let l = Arc::new(LockTable::default());
        l.lock(1, b"k", LockMode::Exclusive, T).unwrap();
        let l2 = l.clone();
        let waiter = std::thread::spawn(move || l2.lock(2, b"k", LockMode::Exclusive, T));
        std::thread::sleep(Duration::from_millis(50));
        l.release_all(1);
        waiter.join().unwrap().unwrap();
        l.release_all(2);
        assert!(l.is_empty());
    }

    #[test]
    fn a_deadlock_picks_the_requester_as_victim() {
        let l = Arc::new(LockTable::default());
        l.lock(1, b"a", LockMode::Exclusive, T).unwrap();
        l.lock(2, b"b", LockMode::Exclusive, T).unwrap();
        let l2 = l.clone();
        // 1 waits for 2 ...
        let waiter = std::thread::spawn(move || l2.lock(1, b"b", LockMode::Exclusive, T));
        std::thread::sleep(Duration::from_millis(50));
        // ... so 2 waiting for 1 closes a cycle: 2 is the victim.
        assert_eq!(l.lock(2, b"a", LockMode::Exclusive, T).unwrap_err().code, 1213);
        l.release_all(2);
        waiter.join().unwrap().unwrap();
        l.release_all(1);
        assert!(l.is_empty());
    }

    #[test]
    fn parked_waits_still_find_deadlocks() {
        let l = LockTable::default();
        l.lock(1, b"a", LockMode::Exclusive, T).unwrap();
        l.lock(2, b"b", LockMode::Exclusive, T).unwrap();
        assert!(l.lock_or_park(1, b"b", LockMode::Exclusive).unwrap_err().is_parked());
        // 2 waiting for 1 would close the cycle through 1's parked wait.
        assert_eq!(l.lock_or_park(2, b"a", LockMode::Exclusive).unwrap_err().code, 1213);
        l.release_all(2);
        l.lock_or_park(1, b"b", LockMode::Exclusive).unwrap();
        l.release_all(1);
        assert!(l.is_empty());
        // A given-up wait leaves no edge behind.
        l.lock(3, b"x", LockMode::Exclusive, T).unwrap();
        assert!(l.lock_or_park(4, b"x", LockMode::Exclusive).unwrap_err().is_parked());
        l.stop_waiting(4);
        l.lock(4, b"y", LockMode::Exclusive, T).unwrap();
        assert_eq!(l.lock(3, b"y", LockMode::Exclusive, Duration::from_millis(10)).unwrap_err().code, 1205);
        l.release_all(3);
        l.release_all(4);
    }

    #[test]
    fn upgrading_own_shared_lock() {
        let l = LockTable::default();
        l.lock(1, b"k", LockMode::Shared, T).unwrap();
        l.lock(1, b"k", LockMode::Exclusive, T).unwrap();
        assert_eq!(l.lock(2, b"k", LockMode::Shared, Duration::from_millis(20)).unwrap_err().code, 1205);
        l.release_all(1);
    }
}

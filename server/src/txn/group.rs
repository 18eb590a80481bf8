//! Group commit: concurrent COMMITs share one synced write.
//!
//! A committing transaction queues its writes and the committed values it
//! relied on. Whoever finds no leader at work becomes the leader: it takes
//! everything queued, validates each transaction in queue order against the
//! engine plus the writes already accepted into this group, writes the
//! accepted ones as one batch (one fsync), and hands every transaction its
//! outcome. While a leader syncs, new commits queue up for the next group.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use super::mvcc::{LatestCache, Mvcc, Staged};
use crate::error::{DbError, Result};

type Writes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// Most transactions one group writes at once.
const MAX_GROUP: usize = 1024;

struct Pending {
    writes: Writes,
    expected: Writes,
    outcome: Arc<Outcome>,
}

/// Where the leader leaves a transaction's result.
#[derive(Default)]
struct Outcome {
    result: Mutex<Option<Result<()>>>,
}

#[derive(Default)]
struct Queue {
    pending: Vec<Pending>,
    leader_active: bool,
}

/// The commit queue of one store.
#[derive(Default)]
pub struct GroupCommit {
    queue: Mutex<Queue>,
    /// Signalled when a leader finishes (a waiting follower may lead next).
    leader_done: Condvar,
    /// Groups written and transactions in them (for status and tests).
    pub groups: std::sync::atomic::AtomicU64,
    pub grouped: std::sync::atomic::AtomicU64,
}

impl GroupCommit {
    /// Commit `writes` if every key in `expected` still has that committed
    /// value; returns once the outcome is durable (with `sync`).
    pub fn commit(&self, mvcc: &Mvcc, sync: bool, writes: Writes, expected: Writes) -> Result<()> {
        let outcome = Arc::new(Outcome::default());
        let mut q = self.queue.lock();
        q.pending.push(Pending { writes, expected, outcome: outcome.clone() });
        loop {
            if let Some(r) = outcome.result.lock().take() {
                return r;
            }
            if !q.leader_active {
                q.leader_active = true;
                let n = q.pending.len().min(MAX_GROUP);
                let group: Vec<Pending> = q.pending.drain(..n).collect();
                drop(q);
                self.lead(mvcc, sync, group);
                q = self.queue.lock();
                q.leader_active = false;
                self.leader_done.notify_all();
                continue;
            }
            // Wait for the current leader; it may have written us.
            self.leader_done.wait(&mut q);
        }
    }

    fn lead(&self, mvcc: &Mvcc, sync: bool, group: Vec<Pending>) {
        let finish = |p: &Pending, r: Result<()>| {
            *p.outcome.result.lock() = Some(r);
        };
        mvcc.with_apply_lock(|| {
            let mut latest = LatestCache::default();
            let mut accepted: Vec<&Pending> = Vec::with_capacity(group.len());
            let mut group_writes: HashMap<&[u8], Option<&[u8]>> = HashMap::new();
            for p in &group {
                let check = |latest: &mut LatestCache, group_writes: &HashMap<&[u8], Option<&[u8]>>| -> Result<bool> {
                    for (key, seen) in &p.expected {
                        let now = match group_writes.get(key.as_slice()) {
                            Some(v) => v.map(<[u8]>::to_vec),
                            None => Mvcc::value_of(&latest.raw(mvcc, key)?)?,
                        };
                        if &now != seen {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                };
                match check(&mut latest, &group_writes) {
                    Ok(true) => {
                        for (k, v) in &p.writes {
                            group_writes.insert(k.as_slice(), v.as_deref());
                        }
                        accepted.push(p);
                    }
                    Ok(false) => finish(p, Err(DbError::deadlock())),
                    Err(e) => finish(p, Err(e)),
                }
            }
            let staged: Result<Vec<Staged<'_>>> = group_writes
                .iter()
                .map(|(k, v)| Ok(Staged { key: k, current: latest.raw(mvcc, k)?, new: *v }))
                .collect();
            let result = staged.and_then(|s| mvcc.apply(&s, sync));
            self.groups.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.grouped.fetch_add(accepted.len() as u64, std::sync::atomic::Ordering::Relaxed);
            for p in accepted {
                finish(p, result.clone());
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guocedb_engines::memory::MemoryEngine;

    fn w(k: &str, v: Option<&str>) -> Writes {
        [(k.as_bytes().to_vec(), v.map(|v| v.as_bytes().to_vec()))].into_iter().collect()
    }

    fn mvcc() -> Arc<Mvcc> {
        Mvcc::open(Arc::new(MemoryEngine::new())).unwrap()
    }

    #[test]
    fn concurrent_commits_share_groups_and_all_land() {
        let m = mvcc();
        let gc = Arc::new(GroupCommit::default());
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let (m, gc) = (m.clone(), gc.clone());
                std::thread::spawn(move || {
                    for i in 0..200 {
                        let key = format!("k{t}-{i}");
                        gc.commit(&m, false, w(&key, Some("v")), w(&key, None)).unwrap();
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let groups = gc.groups.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(gc.grouped.load(std::sync::atomic::Ordering::Relaxed), 1600);
        assert!(groups <= 1600);
        use guocedb_engines::KvSnapshot;
        let n =
            m.snapshot().scan(guocedb_engines::KeyRange::all(), guocedb_engines::Direction::Forward).unwrap().count();
        assert_eq!(n, 1600);
    }

    #[test]
    fn a_transaction_whose_expectation_fails_is_rejected_alone() {
        let m = mvcc();
        let gc = GroupCommit::default();
        gc.commit(&m, false, w("a", Some("1")), w("a", None)).unwrap();
        let e = gc.commit(&m, false, w("a", Some("2")), w("a", None)).unwrap_err();
        assert_eq!(e.code, 1213);
        gc.commit(&m, false, w("a", Some("3")), w("a", Some("1"))).unwrap();
        assert_eq!(m.latest(b"a").unwrap(), Some(b"3".to_vec()));
    }
}

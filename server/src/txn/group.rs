//! Group commit: concurrent COMMITs share one synced write.
//!
//! A committing transaction queues its writes and the committed values it
//! relied on, and waits for its outcome — blocking its thread
//! ([`Ticket::wait_blocking`]) or as an async task ([`Ticket::wait`], so a
//! connection waits without holding a thread). One committer thread per
//! store takes everything queued, validates each transaction in queue order
//! against the latest versions plus the writes already accepted into this
//! group, writes the accepted ones as one batch (one fsync), and hands every
//! transaction its outcome. While it syncs, new commits queue up for the
//! next group.
//!
//! In a simulator build (`--cfg madsim`) there are no threads: the committer
//! is a task, and a caller that must block for its outcome (autocommit
//! statements, DDL draining the queue) writes the queued groups itself
//! ([`GroupCommit::drain`]) — the same validation and write code, run by the
//! waiter instead of the committer.

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

/// Where the committer leaves a transaction's result.
#[derive(Default)]
struct Outcome {
    result: Mutex<Option<Result<()>>>,
    ready: Condvar,
    notify: tokio::sync::Notify,
}

impl Outcome {
    fn set(&self, r: Result<()>) {
        *self.result.lock() = Some(r);
        self.ready.notify_all();
        // Stores a permit when the waiter has not started waiting yet.
        self.notify.notify_one();
    }
}

/// A queued commit's claim on its outcome.
pub struct Ticket {
    outcome: Arc<Outcome>,
}

impl Ticket {
    /// Block the thread until the outcome is known (and durable, with sync).
    pub fn wait_blocking(&self) -> Result<()> {
        let mut r = self.outcome.result.lock();
        loop {
            if let Some(x) = r.take() {
                return x;
            }
            self.outcome.ready.wait(&mut r);
        }
    }

    /// Wait for the outcome without holding a thread.
    pub async fn wait(&self) -> Result<()> {
        loop {
            if let Some(x) = self.outcome.result.lock().take() {
                return x;
            }
            self.outcome.notify.notified().await;
        }
    }
}

#[derive(Default)]
struct Queue {
    pending: Vec<Pending>,
    /// The committer is writing a group.
    busy: bool,
    shutdown: bool,
}

/// The commit queue of one store.
#[derive(Default)]
pub struct GroupCommit {
    queue: Mutex<Queue>,
    /// Signalled when work is queued (or on shutdown).
    work: Condvar,
    /// Signalled when the queue is empty and no group is being written.
    idle: Condvar,
    /// Groups written and transactions in them (for status and tests).
    pub groups: std::sync::atomic::AtomicU64,
    pub grouped: std::sync::atomic::AtomicU64,
    /// Simulator builds: where groups are written, for callers that drain
    /// the queue themselves, and the committer task's wake-up.
    #[cfg(madsim)]
    writer: std::sync::OnceLock<(Arc<Mvcc>, bool)>,
    #[cfg(madsim)]
    work_async: tokio::sync::Notify,
}

impl GroupCommit {
    /// A queue with its committer thread, writing through `mvcc` (synced
    /// when `sync`). The thread ends after [`GroupCommit::shutdown`].
    #[cfg(not(madsim))]
    pub fn start(mvcc: Arc<Mvcc>, sync: bool) -> Result<Arc<Self>> {
        let gc = Arc::new(Self::default());
        let worker = gc.clone();
        std::thread::Builder::new()
            .name("guocedb-commit".into())
            .spawn(move || worker.run(&mvcc, sync))
            .map_err(|e| DbError::internal(format!("cannot start the commit thread: {e}")))?;
        Ok(gc)
    }

    /// Simulator build: the committer is a task on the current node. Each
    /// group first waits the simulated disk's sync latency, so commits
    /// arriving meanwhile share the next group as they do on a real disk.
    #[cfg(madsim)]
    pub fn start(mvcc: Arc<Mvcc>, sync: bool) -> Result<Arc<Self>> {
        let gc = Arc::new(Self::default());
        let _ = gc.writer.set((mvcc, sync));
        let worker = gc.clone();
        tokio::spawn(async move {
            loop {
                worker.work_async.notified().await;
                crate::env::commit_latency().await;
                worker.drain();
                if worker.queue.lock().shutdown {
                    return;
                }
            }
        });
        Ok(gc)
    }

    #[cfg(not(madsim))]
    fn run(&self, mvcc: &Mvcc, sync: bool) {
        loop {
            {
                let mut q = self.queue.lock();
                while q.pending.is_empty() && !q.shutdown {
                    self.work.wait(&mut q);
                }
                if q.pending.is_empty() {
                    return; // shut down with nothing left to write
                }
            }
            self.write_one_group(mvcc, sync);
        }
    }

    /// Take up to `MAX_GROUP` queued commits and write them as one group.
    /// False when nothing was queued.
    fn write_one_group(&self, mvcc: &Mvcc, sync: bool) -> bool {
        let group: Vec<Pending> = {
            let mut q = self.queue.lock();
            if q.pending.is_empty() || q.busy {
                return false;
            }
            q.busy = true;
            let n = q.pending.len().min(MAX_GROUP);
            q.pending.drain(..n).collect()
        };
        self.lead(mvcc, sync, group);
        let mut q = self.queue.lock();
        q.busy = false;
        if q.pending.is_empty() {
            self.idle.notify_all();
        }
        true
    }

    /// Simulator build: write everything queued, here and now (the caller
    /// needs an outcome and cannot block a thread for the committer).
    #[cfg(madsim)]
    pub fn drain(&self) {
        if let Some((mvcc, sync)) = self.writer.get() {
            while self.write_one_group(mvcc, *sync) {}
        }
    }

    /// Queue `writes`, to be written if every key in `expected` still has
    /// that committed value.
    pub fn enqueue(&self, writes: Writes, expected: Writes) -> Ticket {
        let outcome = Arc::new(Outcome::default());
        let mut q = self.queue.lock();
        if q.shutdown {
            outcome.set(Err(DbError::internal("the store is shutting down")));
        } else {
            q.pending.push(Pending { writes, expected, outcome: outcome.clone() });
            self.work.notify_one();
            #[cfg(madsim)]
            self.work_async.notify_one();
        }
        Ticket { outcome }
    }

    /// [`GroupCommit::enqueue`] and wait, blocking the thread.
    pub fn commit(&self, writes: Writes, expected: Writes) -> Result<()> {
        let ticket = self.enqueue(writes, expected);
        #[cfg(madsim)]
        self.drain();
        ticket.wait_blocking()
    }

    /// Wait until every queued commit has been written (DDL calls this
    /// under the exclusive schema lock, so none can be queued meanwhile).
    pub fn wait_idle(&self) {
        #[cfg(madsim)]
        self.drain();
        let mut q = self.queue.lock();
        while q.busy || !q.pending.is_empty() {
            self.idle.wait(&mut q);
        }
    }

    /// Stop the committer once the queue is empty.
    pub fn shutdown(&self) {
        self.queue.lock().shutdown = true;
        self.work.notify_all();
        #[cfg(madsim)]
        self.work_async.notify_one();
    }

    fn lead(&self, mvcc: &Mvcc, sync: bool, group: Vec<Pending>) {
        let finish = |p: &Pending, r: Result<()>| p.outcome.set(r);
        #[cfg(madsim)]
        let sync = sync && !crate::env::sim::knobs().bug_ack_before_sync; // planted bug (sim only)
        if crate::env::buggify(0.01) {
            // A commit path failure before anything is written: every
            // transaction of the group must learn it did not commit.
            for p in &group {
                finish(p, Err(DbError::new(1180, "HY000", "Got error 5 'Input/output error' during COMMIT")));
            }
            return;
        }
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
        let gc = GroupCommit::start(m.clone(), false).unwrap();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let gc = gc.clone();
                std::thread::spawn(move || {
                    for i in 0..200 {
                        let key = format!("k{t}-{i}");
                        gc.commit(w(&key, Some("v")), w(&key, None)).unwrap();
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
        let gc = GroupCommit::start(m.clone(), false).unwrap();
        gc.commit(w("a", Some("1")), w("a", None)).unwrap();
        let e = gc.commit(w("a", Some("2")), w("a", None)).unwrap_err();
        assert_eq!(e.code, 1213);
        gc.commit(w("a", Some("3")), w("a", Some("1"))).unwrap();
        assert_eq!(m.latest(b"a").unwrap(), Some(b"3".to_vec()));
        gc.wait_idle();
        gc.shutdown();
        assert!(gc.enqueue(w("b", Some("1")), w("b", None)).wait_blocking().is_err(), "no commits after shutdown");
    }
}

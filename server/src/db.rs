//! The server-wide state every session shares: the store, the catalog
//! snapshot, DDL serialisation, per-table counters and global variables.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use guocedb_engines::{KvEngine, WriteBatch};
use parking_lot::RwLock;

use crate::catalog::Catalog;
use crate::config::Config;
use crate::error::Result;
use crate::sql::table::CounterMap;
use crate::sql::value::Value;
use crate::txn::Store;

pub struct Database {
    pub store: Arc<Store>,
    /// The Wasm engine and module cache for user-defined functions.
    pub wasm: Arc<crate::wasm::WasmHost>,
    catalog: RwLock<Arc<Catalog>>,
    /// Serialises DDL so catalog changes apply one at a time.
    pub ddl_lock: RwLock<()>,
    pub counters: CounterMap,
    pub config: Config,
    next_connection_id: AtomicU32,
    pub globals: RwLock<BTreeMap<String, Value>>,
    /// Every system variable's default (fixed by the config), built on
    /// first use: statements read several unset variables each.
    pub var_defaults: std::sync::OnceLock<std::collections::HashMap<&'static str, Value>>,
    /// Server-wide status counters.
    pub questions: AtomicU64,
    pub connections: AtomicU64,
    pub started_at: tokio::time::Instant,
    /// Bumped by every DDL; an open transaction that sees it change gets
    /// error 1412 instead of reading rows through a changed definition.
    pub schema_version: AtomicU64,
    /// Every session, for SHOW PROCESSLIST and KILL.
    pub processes: crate::process::ProcessList,
}

impl Database {
    pub fn open(engine: Arc<dyn KvEngine>, config: Config) -> Result<Arc<Self>> {
        crate::sql::depth::set_stack_segments();
        let store = Store::new(engine, config.sync_commits)?;
        let snap = store.snapshot();
        let mut catalog = Catalog::load(snap.as_ref())?;
        let wasm = crate::wasm::WasmHost::new(config.wasm.clone())?;
        catalog.load_functions(snap.as_ref(), &wasm)?;
        drop(snap);
        spawn_gc(Arc::downgrade(&store), std::time::Duration::from_millis(config.gc_interval_ms.max(1)));
        Ok(Arc::new(Self {
            store,
            wasm,
            catalog: RwLock::new(Arc::new(catalog)),
            ddl_lock: RwLock::new(()),
            counters: CounterMap::default(),
            config,
            next_connection_id: AtomicU32::new(1),
            globals: RwLock::new(BTreeMap::new()),
            var_defaults: std::sync::OnceLock::new(),
            questions: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            started_at: crate::env::instant(),
            schema_version: AtomicU64::new(0),
            processes: crate::process::ProcessList::default(),
        }))
    }

    /// Take the schema lock exclusively for a DDL statement, once every
    /// commit queued under the shared lock has been written (a commit checks
    /// the schema and queues its writes under the shared lock, then waits
    /// for the committer without it).
    pub fn ddl_write(&self) -> parking_lot::RwLockWriteGuard<'_, ()> {
        let g = self.ddl_lock.write();
        self.store.group.wait_idle();
        g
    }

    /// The current catalog snapshot.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.read().clone()
    }

    /// Apply a catalog change: write `batch` (synced), then publish `next`.
    /// Callers hold `ddl_lock`.
    pub fn commit_ddl(&self, next: Catalog, batch: WriteBatch) -> Result<()> {
        if !batch.is_empty() {
            self.store.write_batch(batch)?;
        }
        *self.catalog.write() = Arc::new(next);
        self.schema_version.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    pub fn next_connection_id(&self) -> u32 {
        self.next_connection_id.fetch_add(1, Ordering::Relaxed)
    }
}

/// Run MVCC garbage collection every `interval` until the store is gone
/// (simulator build: as a task of the node).
#[cfg(madsim)]
fn spawn_gc(store: std::sync::Weak<Store>, interval: std::time::Duration) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(interval).await;
            let Some(store) = store.upgrade() else { return };
            if let Err(e) = store.mvcc().gc() {
                tracing::warn!(error = %e, "MVCC garbage collection failed; retrying next round");
            }
        }
    });
}

/// Run MVCC garbage collection every `interval` until the store is gone.
#[cfg(not(madsim))]
fn spawn_gc(store: std::sync::Weak<Store>, interval: std::time::Duration) {
    let r = std::thread::Builder::new().name("guocedb-gc".into()).spawn(move || loop {
        std::thread::sleep(interval);
        let Some(store) = store.upgrade() else { return };
        if let Err(e) = store.mvcc().gc() {
            tracing::warn!(error = %e, "MVCC garbage collection failed; retrying next round");
        }
    });
    if let Err(e) = r {
        tracing::error!(error = %e, "could not start the MVCC garbage collector");
    }
}

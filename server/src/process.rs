//! The process list: one entry per session, as `SHOW PROCESSLIST` and
//! `information_schema.PROCESSLIST` show it, and the flags `KILL` sets.
//!
//! `KILL QUERY n` sets the entry's query flag: the running statement stops
//! at its next check (scans check every row) with 1317. `KILL [CONNECTION]
//! n` also sets the connection flag: the statement stops the same way and
//! the connection closes before reading its next command. The list holds at
//! most one entry per live session (sessions are bounded by
//! `max_connections` plus the server's own).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::error::DbError;

/// The longest statement text kept for the list (SHOW FULL PROCESSLIST).
pub const MAX_INFO: usize = 64 * 1024;

/// One session's entry.
#[derive(Debug)]
pub struct Process {
    pub id: u32,
    pub user: String,
    pub host: String,
    state: Mutex<State>,
    kill_query: AtomicBool,
    kill_connection: AtomicBool,
    /// When the current command began (µs, the `env` clock).
    since_us: AtomicI64,
}

#[derive(Debug, Default)]
struct State {
    db: Option<String>,
    /// The running statement, `None` between statements.
    info: Option<String>,
}

/// What a list row shows.
#[derive(Debug, Clone)]
pub struct ProcessRow {
    pub id: u32,
    pub user: String,
    pub host: String,
    pub db: Option<String>,
    pub command: &'static str,
    pub time_secs: i64,
    pub info: Option<String>,
}

impl Process {
    /// A statement starts: clear a stale KILL QUERY and show the text.
    pub fn begin(&self, db: Option<&str>, sql: &str) {
        self.kill_query.store(false, Ordering::SeqCst);
        let mut end = sql.len().min(MAX_INFO);
        while !sql.is_char_boundary(end) {
            end -= 1;
        }
        let mut s = self.state.lock();
        s.db = db.map(str::to_string);
        s.info = Some(sql[..end].to_string());
        drop(s);
        self.since_us.store(crate::env::now_micros(), Ordering::Relaxed);
    }

    /// The statement is over.
    pub fn end(&self, db: Option<&str>) {
        let mut s = self.state.lock();
        s.db = db.map(str::to_string);
        s.info = None;
        drop(s);
        self.since_us.store(crate::env::now_micros(), Ordering::Relaxed);
    }

    /// 1317 when the running statement has been killed.
    pub fn check(&self) -> Result<(), DbError> {
        if self.kill_query.load(Ordering::Relaxed) || self.kill_connection.load(Ordering::Relaxed) {
            return Err(DbError::new(1317, "70100", "Query execution was interrupted"));
        }
        Ok(())
    }

    /// True once `KILL CONNECTION` named this session.
    pub fn connection_killed(&self) -> bool {
        self.kill_connection.load(Ordering::SeqCst)
    }

    fn row(&self) -> ProcessRow {
        let s = self.state.lock();
        let elapsed = (crate::env::now_micros() - self.since_us.load(Ordering::Relaxed)).max(0) / 1_000_000;
        ProcessRow {
            id: self.id,
            user: self.user.clone(),
            host: self.host.clone(),
            db: s.db.clone(),
            command: if s.info.is_some() { "Query" } else { "Sleep" },
            time_secs: elapsed,
            info: s.info.clone(),
        }
    }
}

/// Every session's entry, by connection id.
#[derive(Debug, Default)]
pub struct ProcessList {
    entries: Mutex<BTreeMap<u32, Arc<Process>>>,
}

impl ProcessList {
    /// Add (or replace) the entry of session `id`.
    pub fn register(&self, id: u32, user: &str, host: &str) -> Arc<Process> {
        let p = Arc::new(Process {
            id,
            user: user.to_string(),
            host: host.to_string(),
            state: Mutex::new(State::default()),
            kill_query: AtomicBool::new(false),
            kill_connection: AtomicBool::new(false),
            since_us: AtomicI64::new(crate::env::now_micros()),
        });
        self.entries.lock().insert(id, p.clone());
        p
    }

    /// Remove `p`'s entry (only if it is still the registered one).
    pub fn unregister(&self, p: &Arc<Process>) {
        let mut e = self.entries.lock();
        if e.get(&p.id).is_some_and(|q| Arc::ptr_eq(q, p)) {
            e.remove(&p.id);
        }
    }

    /// `KILL [QUERY | CONNECTION] id`: 1094 when no session has that id.
    pub fn kill(&self, id: u32, connection: bool) -> Result<(), DbError> {
        let e = self.entries.lock();
        let p = e.get(&id).ok_or_else(|| DbError::new(1094, "HY000", format!("Unknown thread id: {id}")))?;
        p.kill_query.store(true, Ordering::SeqCst);
        if connection {
            p.kill_connection.store(true, Ordering::SeqCst);
        }
        Ok(())
    }

    /// A snapshot of the list, by id.
    pub fn rows(&self) -> Vec<ProcessRow> {
        self.entries.lock().values().map(|p| p.row()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kill_query_interrupts_once_and_kill_connection_sticks() {
        let l = ProcessList::default();
        let p = l.register(7, "root", "127.0.0.1");
        p.begin(Some("d"), "SELECT 1");
        assert!(p.check().is_ok());
        assert_eq!(l.rows()[0].command, "Query");
        l.kill(7, false).unwrap();
        assert_eq!(p.check().unwrap_err().code, 1317);
        p.end(Some("d"));
        p.begin(None, "SELECT 2");
        assert!(p.check().is_ok(), "a new statement is not killed by an old KILL QUERY");
        l.kill(7, true).unwrap();
        assert!(p.connection_killed());
        assert_eq!(l.kill(8, false).unwrap_err().code, 1094);
        l.unregister(&p);
        assert!(l.rows().is_empty());
    }
}

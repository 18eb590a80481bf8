//! guocedb: a MySQL-compatible relational database.
//!
//! Layers, each calling only downward: [`mysql`] (wire protocol) →
//! [`session`] (connection state, statement dispatch) → [`sql`] (parse, bind,
//! plan, execute) → [`catalog`] / [`txn`] → `guocedb_engines` (storage).
//! [`env`] holds the seams (clock, randomness) the simulator swaps.
//! See ARCHITECTURE.md for the map and the invariants.

pub mod catalog;
pub mod config;
pub mod db;
pub mod env;
pub mod error;
pub mod mysql;
pub mod process;
pub mod server;
pub mod session;
pub mod sql;
pub mod txn;
pub mod wasm;

/// The version string clients see: MySQL 8 compatible, with our own suffix.
pub const SERVER_VERSION: &str = concat!("8.0.36-guocedb-", env!("CARGO_PKG_VERSION"));

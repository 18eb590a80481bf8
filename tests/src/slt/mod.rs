//! A sqllogictest runner for MySQL-protocol servers.
//!
//! [`parser`] reads `.test` files, [`format`] turns result sets into the
//! values the files list (MySQL 8 conventions of the dolthub-regenerated
//! corpus) and compares them, [`runner`] executes files against a server,
//! and [`report`] summarises a run. The `slt` binary wires them to a
//! command line; integration tests can call [`runner::run_files`] directly.

pub mod format;
pub mod parser;
pub mod report;
pub mod runner;

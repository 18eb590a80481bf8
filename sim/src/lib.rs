//! guocedb-sim: the real guocedb server under the madsim simulator.
//!
//! The ordinary build of this crate holds the history types and the
//! checkers ([`check`]); the `--cfg madsim` build adds the simulator
//! (nodes, simulated disk wiring, workloads, faults) in [`sim`].

pub mod check;
pub mod history;
#[cfg(madsim)]
pub mod sim;

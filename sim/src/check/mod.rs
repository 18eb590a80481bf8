//! History checkers: list-append (Elle-style dependency cycles) and
//! single-register linearizability.
//!
//! [`elle::check_list_append`] reports every [`Anomaly`] it can infer from a
//! list-append history (an empty result means the history is serializable as
//! far as the checker can tell); [`linear::check_register`] decides whether a
//! register history is linearizable.

use std::fmt;

pub mod elle;
pub mod linear;

pub use elle::check_list_append;
pub use linear::check_register;

/// The class of an anomaly found in a list-append history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AnomalyKind {
    /// A dependency cycle of write-write edges only.
    G0,
    /// Aborted read: a read observed a value appended by a failed
    /// transaction.
    G1a,
    /// Intermediate read: a read observed another transaction's append that
    /// transaction later followed with another append to the same key.
    G1b,
    /// A dependency cycle of write-write and write-read edges with at least
    /// one write-read edge.
    G1c,
    /// A dependency cycle with exactly one read-write (anti-dependency) edge.
    GSingle,
    /// A dependency cycle with two or more read-write edges.
    G2Item,
    /// Two committed transactions read the same version of a key and both
    /// appended to it.
    LostUpdate,
    /// A transaction's reads disagree with its own earlier reads and appends.
    Internal,
    /// A value appears twice in one read, or was appended twice.
    DuplicateAppend,
    /// Two reads of a key are not prefixes of one another, so no single
    /// version order explains them.
    IncompatibleOrder,
    /// An acknowledged append is missing from a read that began after the
    /// append was acknowledged and that defines the key's version order.
    LostAck,
    /// A read returned a value nobody appended.
    GarbageRead,
}

impl AnomalyKind {
    /// The conventional short name (as Elle spells it where Elle has one).
    pub fn name(self) -> &'static str {
        match self {
            AnomalyKind::G0 => "G0",
            AnomalyKind::G1a => "G1a",
            AnomalyKind::G1b => "G1b",
            AnomalyKind::G1c => "G1c",
            AnomalyKind::GSingle => "G-single",
            AnomalyKind::G2Item => "G2-item",
            AnomalyKind::LostUpdate => "lost-update",
            AnomalyKind::Internal => "internal",
            AnomalyKind::DuplicateAppend => "duplicate-append",
            AnomalyKind::IncompatibleOrder => "incompatible-order",
            AnomalyKind::LostAck => "lost-ack",
            AnomalyKind::GarbageRead => "garbage-read",
        }
    }
}

impl fmt::Display for AnomalyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One anomaly found by a checker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    /// The ids ([`crate::history::Txn::id`]) of the transactions involved,
    /// for a cycle in cycle order.
    pub txns: Vec<usize>,
    /// The keys involved.
    pub keys: Vec<u64>,
    /// What was seen, naming the transactions and keys.
    pub explanation: String,
}

impl fmt::Display for Anomaly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.explanation)
    }
}

//! The histories the workloads record and the checkers read.
//!
//! Times are simulated nanoseconds since the start of the run. An operation
//! whose outcome the client could not learn (the connection dropped while
//! COMMIT was in flight, the node was killed) is [`Outcome::Unknown`]: it
//! may or may not have taken effect, and checkers must accept both.

/// What the client learned about a transaction or operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Acknowledged: it committed.
    Ok,
    /// Definitely did not take effect (an error before or at COMMIT that
    /// rolled it back).
    Fail,
    /// Indeterminate: it may have committed.
    Unknown,
}

/// One micro-operation of a list-append transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mop {
    /// Append `value` to the list at `key`. Values appended to one key are
    /// unique across the whole history.
    Append { key: u64, value: u64 },
    /// Read the list at `key`; `None` when the read did not complete (its
    /// transaction failed or its outcome is unknown before the read
    /// returned). An absent list reads as `Some(vec![])`.
    Read { key: u64, values: Option<Vec<u64>> },
}

/// One list-append transaction as the client saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Txn {
    /// Unique within the history.
    pub id: usize,
    /// The client that ran it; one client runs one transaction at a time.
    pub process: usize,
    /// When the client began it and when it learned the outcome.
    pub start: u64,
    pub end: u64,
    pub outcome: Outcome,
    /// In program order. For `Fail` and `Unknown` transactions, the
    /// operations the client issued (reads that returned carry values).
    pub ops: Vec<Mop>,
}

/// One operation on the single register of the register workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegOp {
    /// Read; `value` is `None` when the register was absent (or, for an
    /// operation that did not complete, unknown — never checked then).
    Read { value: Option<u64> },
    /// Write `value`. Written values are unique across the history.
    Write { value: u64 },
    /// Compare-and-set from `from` to `to`; `outcome` Ok means it matched
    /// and wrote, Fail means it found another value (or did not run).
    Cas { from: u64, to: u64 },
}

/// One register operation as the client saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegEvent {
    pub process: usize,
    pub start: u64,
    pub end: u64,
    pub op: RegOp,
    pub outcome: Outcome,
}

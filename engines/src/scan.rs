//! The lazy, chunked scan shared by the built-in engines.
//!
//! A scan never holds a lock, an engine iterator or a borrow across calls to
//! `next()`. Instead it reads the range in chunks: each chunk is read in one
//! short critical section (or one short-lived engine iterator), and the scan
//! remembers the last key it examined and resumes strictly after it (forward)
//! or strictly before it (reverse). The first chunk (128 entries) covers a
//! typical short range in one seek while keeping a `LIMIT 1` cheap; chunks
//! then double up to a cap so long scans amortise the re-seek.
//!
//! Consistency comes from the snapshot the [`ChunkSource`] reads at, not from
//! holding anything open: every chunk reads the same pinned version.

use std::collections::VecDeque;
use std::ops::Bound;

use crate::{Direction, KeyRange, KvPair, Result};

/// Entries in the first chunk of a scan.
pub(crate) const FIRST_CHUNK: usize = 128;
/// Largest chunk a scan ever reads at once.
pub(crate) const MAX_CHUNK: usize = 1024;

/// One chunk read by a [`ChunkSource`].
pub(crate) struct Chunk {
    /// Visible pairs, in scan order.
    pub pairs: Vec<KvPair>,
    /// `None` when the range is exhausted. Otherwise the last key examined:
    /// every key up to and including it (in scan order) has been considered,
    /// and the next chunk starts strictly past it.
    pub resume_after: Option<Vec<u8>>,
}

/// Something that can read one chunk of a range at a fixed snapshot.
pub(crate) trait ChunkSource: Send + 'static {
    /// Read at most `limit` visible pairs of `range` (never empty: the caller
    /// checks) in `direction`, starting at the range's start (forward) or its
    /// end (reverse).
    fn read_chunk(&self, range: &KeyRange, direction: Direction, limit: usize) -> Result<Chunk>;
}

/// A lazy scan over a [`ChunkSource`]; the `KvIter` both engines return.
pub(crate) struct ChunkedScan<S: ChunkSource> {
    source: S,
    /// What is left to read: narrowed after each chunk.
    remaining: KeyRange,
    direction: Direction,
    buffered: VecDeque<KvPair>,
    next_chunk: usize,
    /// Set once the range is exhausted or an error was returned.
    finished: bool,
    /// The last key handed out, to assert the order (debug builds only).
    #[cfg(debug_assertions)]
    last_key: Option<Vec<u8>>,
}

impl<S: ChunkSource> ChunkedScan<S> {
    pub(crate) fn new(source: S, range: KeyRange, direction: Direction) -> Self {
        let finished = range.is_empty();
        Self {
            source,
            remaining: range,
            direction,
            buffered: VecDeque::new(),
            next_chunk: FIRST_CHUNK,
            finished,
            #[cfg(debug_assertions)]
            last_key: None,
        }
    }

    /// Read chunks until one yields something or the range is exhausted.
    fn refill(&mut self) -> Result<()> {
        while self.buffered.is_empty() && !self.finished {
            let chunk = self.source.read_chunk(&self.remaining, self.direction, self.next_chunk)?;
            debug_assert!(chunk.pairs.len() <= self.next_chunk);
            self.buffered.extend(chunk.pairs);
            match chunk.resume_after {
                None => self.finished = true,
                Some(key) => {
                    debug_assert!(self.remaining.contains(&key));
                    match self.direction {
                        Direction::Forward => self.remaining.start = Bound::Excluded(key),
                        Direction::Reverse => self.remaining.end = Bound::Excluded(key),
                    }
                    if self.remaining.is_empty() {
                        self.finished = true;
                    }
                }
            }
            self.next_chunk = (self.next_chunk * 2).min(MAX_CHUNK);
        }
        Ok(())
    }
}

impl<S: ChunkSource> Iterator for ChunkedScan<S> {
    type Item = Result<KvPair>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buffered.is_empty() {
            if let Err(e) = self.refill() {
                // Fuse: an error ends the scan.
                self.finished = true;
                self.buffered.clear();
                return Some(Err(e));
            }
        }
        let pair = self.buffered.pop_front()?;
        #[cfg(debug_assertions)]
        {
            if let Some(last) = &self.last_key {
                match self.direction {
                    Direction::Forward => debug_assert!(pair.0 > *last, "scan out of order"),
                    Direction::Reverse => debug_assert!(pair.0 < *last, "scan out of order"),
                }
            }
            self.last_key = Some(pair.0.clone());
        }
        Some(Ok(pair))
    }
}

//! Linearizability checker for one register.
//!
//! The Wing & Gong search with Lowe's memoization, as in Porcupine: the
//! operations' invocations and responses are laid out in time order in a
//! doubly linked list; the search repeatedly takes a pending operation whose
//! invocation comes before the first response still in the list, applies it
//! to the register model, and removes it ("lifts" it); reaching a response
//! whose operation has not been applied means backtracking. Every
//! (set of applied operations, register value) reached is remembered, so no
//! configuration is explored twice.
//!
//! Acknowledged operations must take effect exactly once within their
//! interval. Writes and compare-and-sets of unknown outcome may take effect at
//! any point after their invocation, or never: they have no response in the
//! list, and the search succeeds once every acknowledged operation is
//! applied. Failed operations and reads of unknown outcome never constrain
//! anything and are dropped, as are unknown writes no acknowledged operation
//! could ever observe.

use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use crate::history::{Outcome, RegEvent, RegOp};

/// The end of the linked list.
const NIL: usize = usize::MAX;

/// One operation kept for the search.
struct Op {
    /// Index in the history.
    index: usize,
    event: RegEvent,
    /// Acknowledged (as opposed to unknown).
    ok: bool,
}

/// One invocation or response in the linked list.
struct Entry {
    /// Index into the kept operations.
    op: usize,
    /// For an invocation, its response's entry (`NIL` for an operation of
    /// unknown outcome); `NIL` for a response.
    response: usize,
    is_call: bool,
}

/// Checks that the register history is linearizable, starting from
/// `initial` (`None`: absent). On failure, explains which operation could not
/// be linearized and what the register could hold there.
pub fn check_register(history: &[RegEvent], initial: Option<u64>) -> Result<(), String> {
    let ops = relevant_ops(history, initial)?;
    if ops.is_empty() {
        return Ok(());
    }

    // Entries: an invocation per operation, a response per acknowledged one,
    // in time order (invocations before responses at equal times, so
    // operations that touch count as concurrent).
    let mut order: Vec<(u64, u8, usize)> = Vec::with_capacity(2 * ops.len());
    for (i, op) in ops.iter().enumerate() {
        order.push((op.event.start, 0, i));
        if op.ok {
            order.push((op.event.end.max(op.event.start), 1, i));
        }
    }
    order.sort_unstable();
    let mut entries: Vec<Entry> = Vec::with_capacity(order.len());
    let mut call_entry = vec![NIL; ops.len()];
    for &(_, kind, i) in &order {
        if kind == 0 {
            call_entry[i] = entries.len();
            entries.push(Entry { op: i, response: NIL, is_call: true });
        } else {
            let at = entries.len();
            entries.push(Entry { op: i, response: NIL, is_call: false });
            if let Some(call) = call_entry.get(i).and_then(|&c| entries.get_mut(c)) {
                call.response = at;
            }
        }
    }

    // The list: node `head` is the sentinel before the first entry.
    let head = entries.len();
    let mut next: Vec<usize> = (1..=entries.len()).collect();
    if let Some(last) = next.last_mut() {
        *last = NIL;
    }
    next.push(if entries.is_empty() { NIL } else { 0 });
    let mut prev: Vec<usize> = (0..entries.len()).map(|i| if i == 0 { head } else { i - 1 }).collect();
    prev.push(NIL);

    let words = ops.len().div_ceil(64);
    let mut linearized = vec![0u64; words];
    // Zobrist hash of `linearized`: the xor of the applied operations' keys.
    let keys: Vec<u64> = (0..ops.len() as u64).map(|i| splitmix64(i + 1)).collect();
    let mut hash = 0u64;
    let mut remaining_ok = ops.iter().filter(|o| o.ok).count();
    let mut state = initial;
    let mut visited = Visited::new(words);
    // The applied invocations, with the register value before each and
    // whether it was an acknowledged read applied eagerly (see below).
    let mut stack: Vec<(usize, Option<u64>, bool)> = Vec::new();
    // The furthest response the search got stuck at, and the values the
    // register could hold there.
    let mut stuck_at: Option<usize> = None;
    let mut stuck_states: BTreeSet<Option<u64>> = BTreeSet::new();

    let mut entry = next[head];
    loop {
        if remaining_ok == 0 {
            return Ok(());
        }
        let current = if entry == NIL { None } else { entries.get(entry) };
        match current {
            Some(e) if e.is_call => {
                let Some(op) = ops.get(e.op) else { return Err("internal error: bad operation index".into()) };
                // An acknowledged read that can take effect now is applied
                // without trying alternatives (Lowe): it changes nothing, and
                // every operation that must precede it already has, so if any
                // linearization exists from here one starts with it.
                let eager = op.ok && matches!(op.event.op, RegOp::Read { .. });
                let mut give_up = false;
                if let Some(new_state) = step(state, op.event.op, op.ok) {
                    let (word, bit) = (e.op / 64, 1u64 << (e.op % 64));
                    linearized[word] |= bit;
                    let new_hash = hash ^ keys[e.op];
                    if visited.insert(new_hash, &linearized, new_state) {
                        stack.push((entry, state, eager));
                        state = new_state;
                        hash = new_hash;
                        if op.ok {
                            remaining_ok -= 1;
                        }
                        lift(&mut next, &mut prev, entry, e.response);
                        entry = next[head];
                        continue;
                    }
                    linearized[word] &= !bit;
                    give_up = eager;
                }
                if !give_up {
                    entry = next[entry];
                    continue;
                }
            }
            _ => {
                // A response of an operation not yet applied (or the end of
                // the list): nothing more can be linearized here.
                if entry != NIL && stuck_at.is_none_or(|s| entry >= s) {
                    if stuck_at != Some(entry) {
                        stuck_states.clear();
                    }
                    stuck_at = Some(entry);
                    stuck_states.insert(state);
                }
            }
        }
        // Backtrack: undo the last choice that had alternatives.
        loop {
            let Some((call, before, eager)) = stack.pop() else {
                return Err(explain(&ops, &entries, stuck_at, &stuck_states));
            };
            let Some(e) = entries.get(call) else { return Err("internal error: bad entry index".into()) };
            let Some(op) = ops.get(e.op) else { return Err("internal error: bad operation index".into()) };
            linearized[e.op / 64] &= !(1u64 << (e.op % 64));
            hash ^= keys[e.op];
            if op.ok {
                remaining_ok += 1;
            }
            state = before;
            unlift(&mut next, &mut prev, call, e.response);
            if !eager {
                entry = next[call];
                break;
            }
        }
    }
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A hasher for keys that are already uniformly distributed.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The configurations (set of applied operations, register value) already
/// explored, stored exactly: bitsets in one arena, chained by hash.
struct Visited {
    words: usize,
    sets: Vec<u64>,
    states: Vec<Option<u64>>,
    /// The next configuration with the same hash, or `NIL`.
    chain: Vec<usize>,
    heads: HashMap<u64, usize, BuildHasherDefault<PassThrough>>,
}

impl Visited {
    fn new(words: usize) -> Visited {
        Visited { words, sets: Vec::new(), states: Vec::new(), chain: Vec::new(), heads: HashMap::default() }
    }

    /// Records a configuration (`set_hash` is the Zobrist hash of `set`);
    /// false when it was already recorded.
    fn insert(&mut self, set_hash: u64, set: &[u64], state: Option<u64>) -> bool {
        let key = set_hash ^ splitmix64(state.map_or(u64::MAX, |v| v.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
        let index = self.states.len();
        let head = self.heads.get(&key).copied().unwrap_or(NIL);
        let mut at = head;
        while at != NIL {
            let stored = self.sets.get(at * self.words..(at + 1) * self.words);
            if self.states.get(at) == Some(&state) && stored == Some(set) {
                return false;
            }
            at = self.chain.get(at).copied().unwrap_or(NIL);
        }
        self.sets.extend_from_slice(set);
        self.states.push(state);
        self.chain.push(head);
        self.heads.insert(key, index);
        true
    }
}

/// The register value after `op` when applied to `state`, or `None` when
/// `op` cannot take effect there.
fn step(state: Option<u64>, op: RegOp, ok: bool) -> Option<Option<u64>> {
    match op {
        RegOp::Read { value } => (ok && value == state).then_some(state),
        RegOp::Write { value } => Some(Some(value)),
        RegOp::Cas { from, to } => (state == Some(from)).then_some(Some(to)),
    }
}

fn lift(next: &mut [usize], prev: &mut [usize], call: usize, response: usize) {
    for e in [call, response] {
        if e == NIL {
            continue;
        }
        let (p, n) = (prev[e], next[e]);
        next[p] = n;
        if n != NIL {
            prev[n] = p;
        }
    }
}

fn unlift(next: &mut [usize], prev: &mut [usize], call: usize, response: usize) {
    for e in [response, call] {
        if e == NIL {
            continue;
        }
        let (p, n) = (prev[e], next[e]);
        next[p] = e;
        if n != NIL {
            prev[n] = e;
        }
    }
}

/// The operations that constrain the search: the acknowledged ones, and the
/// writes and compare-and-sets of unknown outcome whose value some
/// acknowledged operation could observe. Fails early on an acknowledged read
/// of a value nothing could have produced.
fn relevant_ops(history: &[RegEvent], initial: Option<u64>) -> Result<Vec<Op>, String> {
    let written = |v: u64| {
        initial == Some(v)
            || history.iter().any(|e| {
                e.outcome != Outcome::Fail
                    && matches!(e.op, RegOp::Write { value } | RegOp::Cas { to: value, .. } if value == v)
            })
    };
    for (i, e) in history.iter().enumerate() {
        if e.outcome != Outcome::Ok {
            continue;
        }
        let needed = match e.op {
            RegOp::Read { value: Some(v) } => Some(v),
            RegOp::Cas { from, .. } => Some(from),
            _ => None,
        };
        if let Some(v) = needed {
            if !written(v) {
                return Err(format!(
                    "operation {} ({}) observed value {v}, which no write or compare-and-set could have produced",
                    i,
                    describe(e)
                ));
            }
        }
    }

    // An unknown operation writing v is useful only if an operation needing
    // the register to hold v (an acknowledged read of v, an acknowledged CAS
    // from v, or a useful unknown CAS from v) could come after it.
    let mut useful = vec![false; history.len()];
    loop {
        let mut changed = false;
        for (i, e) in history.iter().enumerate() {
            if e.outcome != Outcome::Unknown || useful[i] {
                continue;
            }
            let value = match e.op {
                RegOp::Write { value } | RegOp::Cas { to: value, .. } => value,
                RegOp::Read { .. } => continue,
            };
            let observed = history.iter().enumerate().any(|(j, o)| {
                let needs = match o.op {
                    RegOp::Read { value: Some(v) } => o.outcome == Outcome::Ok && v == value,
                    RegOp::Cas { from, .. } => {
                        from == value && (o.outcome == Outcome::Ok || (o.outcome == Outcome::Unknown && useful[j]))
                    }
                    _ => false,
                };
                needs && j != i && (o.outcome == Outcome::Unknown || o.end >= e.start)
            });
            if observed {
                useful[i] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }

    Ok(history
        .iter()
        .enumerate()
        .filter(|&(i, e)| match e.outcome {
            Outcome::Ok => true,
            Outcome::Unknown => useful[i],
            Outcome::Fail => false,
        })
        .map(|(i, e)| Op { index: i, event: *e, ok: e.outcome == Outcome::Ok })
        .collect())
}

fn describe(e: &RegEvent) -> String {
    let what = match e.op {
        RegOp::Read { value } => format!("read returning {}", show(value)),
        RegOp::Write { value } => format!("write of {value}"),
        RegOp::Cas { from, to } => format!("compare-and-set {from} -> {to}"),
    };
    format!("process {}, {what}, {:?}, in [{}, {}]", e.process, e.outcome, e.start, e.end)
}

fn show(v: Option<u64>) -> String {
    match v {
        Some(v) => v.to_string(),
        None => "absent".to_string(),
    }
}

fn explain(ops: &[Op], entries: &[Entry], stuck_at: Option<usize>, states: &BTreeSet<Option<u64>>) -> String {
    let Some(op) = stuck_at.and_then(|s| entries.get(s)).and_then(|e| ops.get(e.op)) else {
        return "history is not linearizable".to_string();
    };
    let values: Vec<String> = states.iter().map(|&s| show(s)).collect();
    format!(
        "not linearizable: operation {} ({}) cannot take effect within its interval; by its end the \
         register could only hold {{{}}} given the operations before it",
        op.index,
        describe(&op.event),
        values.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn ev(process: usize, start: u64, end: u64, op: RegOp, outcome: Outcome) -> RegEvent {
        RegEvent { process, start, end, op, outcome }
    }

    fn w(process: usize, start: u64, end: u64, value: u64) -> RegEvent {
        ev(process, start, end, RegOp::Write { value }, Outcome::Ok)
    }

    fn r(process: usize, start: u64, end: u64, value: Option<u64>) -> RegEvent {
        ev(process, start, end, RegOp::Read { value }, Outcome::Ok)
    }

    fn cas(process: usize, start: u64, end: u64, from: u64, to: u64, outcome: Outcome) -> RegEvent {
        ev(process, start, end, RegOp::Cas { from, to }, outcome)
    }

    #[test]
    fn valid_concurrent_history() {
        let h = [
            w(0, 0, 10, 1),
            r(1, 2, 12, Some(1)),
            w(2, 11, 30, 2),
            // Concurrent with the write of 2: may see 1 or 2.
            r(1, 13, 20, Some(1)),
            r(3, 14, 21, Some(2)),
            r(0, 31, 40, Some(2)),
        ];
        assert_eq!(check_register(&h, None), Ok(()));
        // Reads in the opposite order of the writes' effect are not.
        let h = [w(0, 0, 10, 1), w(2, 11, 30, 2), r(3, 12, 20, Some(2)), r(1, 21, 25, Some(1))];
        assert!(check_register(&h, None).is_err());
        assert_eq!(check_register(&[], None), Ok(()));
    }

    #[test]
    fn stale_read_fails() {
        let h = [w(0, 0, 10, 1), w(0, 20, 30, 2), r(1, 40, 50, Some(1))];
        let err = check_register(&h, None).unwrap_err();
        assert!(err.contains("operation 2") && err.contains("read returning 1"), "{err}");
        assert!(err.contains("{2}"), "{err}");
    }

    #[test]
    fn lost_acknowledged_write_fails() {
        let h = [w(0, 0, 10, 1), r(1, 20, 30, None)];
        let err = check_register(&h, None).unwrap_err();
        assert!(err.contains("read returning absent"), "{err}");
        // Reads before it may see the initial value.
        let h = [r(1, 0, 5, Some(7)), w(0, 6, 10, 1), r(1, 20, 30, Some(1))];
        assert_eq!(check_register(&h, Some(7)), Ok(()));
        assert!(check_register(&h, None).is_err());
    }

    #[test]
    fn unknown_writes_may_appear_late_or_never() {
        let h = [
            ev(0, 0, 5, RegOp::Write { value: 1 }, Outcome::Unknown),
            r(1, 10, 20, None),
            r(1, 100, 110, Some(1)),
            ev(2, 120, 121, RegOp::Write { value: 2 }, Outcome::Unknown),
            r(1, 200, 210, Some(1)),
        ];
        assert_eq!(check_register(&h, None), Ok(()));
        // But not before they began.
        let h = [r(1, 0, 5, Some(1)), ev(0, 10, 15, RegOp::Write { value: 1 }, Outcome::Unknown)];
        assert!(check_register(&h, None).is_err());
        // Nor twice: once 2 overwrote it, 1 cannot come back.
        let h = [
            ev(0, 0, 5, RegOp::Write { value: 1 }, Outcome::Unknown),
            r(1, 10, 20, Some(1)),
            w(2, 30, 40, 2),
            r(1, 50, 60, Some(1)),
        ];
        assert!(check_register(&h, None).is_err());
        // Failed writes never take effect.
        let h = [ev(0, 0, 5, RegOp::Write { value: 1 }, Outcome::Fail), r(1, 10, 20, Some(1))];
        assert!(check_register(&h, None).is_err());
    }

    #[test]
    fn cas_history() {
        let h = [
            w(0, 0, 10, 0),
            cas(1, 20, 30, 0, 1, Outcome::Ok),
            cas(2, 25, 35, 0, 2, Outcome::Fail),
            r(3, 40, 50, Some(1)),
            // An unknown CAS that took effect, seen later.
            cas(1, 60, 61, 1, 3, Outcome::Unknown),
            r(3, 70, 80, Some(3)),
            cas(2, 90, 95, 3, 4, Outcome::Ok),
            r(0, 96, 99, Some(4)),
        ];
        assert_eq!(check_register(&h, None), Ok(()));
        // Two concurrent CASes from 0 cannot both succeed.
        let h = [w(0, 0, 10, 0), cas(1, 20, 30, 0, 1, Outcome::Ok), cas(2, 20, 30, 0, 2, Outcome::Ok)];
        let err = check_register(&h, None).unwrap_err();
        assert!(err.contains("compare-and-set 0 -> "), "{err}");
        // A CAS whose expected value is not there cannot succeed.
        let h = [w(0, 0, 10, 5), cas(1, 20, 30, 0, 1, Outcome::Ok)];
        assert!(check_register(&h, None).is_err());
    }

    /// A small deterministic generator (xorshift64*).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Runs `n` random operations of `procs` processes against a sequential
    /// register: each takes effect at a point inside its interval, intervals
    /// overlap at random, and some writes and CASes end unknown (taking
    /// effect or not).
    fn generated(rng: &mut Rng, n: usize, procs: usize) -> Vec<RegEvent> {
        let mut reg: Option<u64> = None;
        let mut free_at = vec![0u64; procs];
        let mut next_value = 1;
        let mut h = Vec::with_capacity(n);
        let mut t = 0u64;
        while h.len() < n {
            t += 1 + rng.below(10);
            let p = rng.below(procs as u64) as usize;
            if free_at[p] >= t {
                continue;
            }
            let start = t - rng.below(t - free_at[p]).min(200);
            let unknown = rng.below(20) == 0;
            let (op, outcome, applied) = match rng.below(3) {
                0 => {
                    let v = next_value;
                    next_value += 1;
                    let applied = !unknown || rng.below(2) == 0;
                    let outcome = if unknown { Outcome::Unknown } else { Outcome::Ok };
                    (RegOp::Write { value: v }, outcome, applied.then_some(Some(v)))
                }
                1 => {
                    let from = match reg {
                        Some(v) if rng.below(3) != 0 => v,
                        _ => next_value + 1_000_000,
                    };
                    let to = next_value;
                    next_value += 1;
                    let matched = reg == Some(from);
                    let (outcome, applied) = if unknown {
                        (Outcome::Unknown, (matched && rng.below(2) == 0).then_some(Some(to)))
                    } else if matched {
                        (Outcome::Ok, Some(Some(to)))
                    } else {
                        (Outcome::Fail, None)
                    };
                    (RegOp::Cas { from, to }, outcome, applied)
                }
                _ => (RegOp::Read { value: reg }, Outcome::Ok, None),
            };
            if let Some(v) = applied {
                reg = v;
            }
            // Unknown operations are abandoned by the client early.
            let end = if outcome == Outcome::Unknown { start + 1 } else { t + rng.below(200) };
            free_at[p] = end.max(t);
            h.push(RegEvent { process: p, start, end, op, outcome });
        }
        h
    }

    #[test]
    fn generated_histories_pass_quickly() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        for _ in 0..20 {
            let h = generated(&mut rng, 200, 5);
            assert_eq!(check_register(&h, None), Ok(()));
        }
        let h = generated(&mut rng, 2_000, 16);
        let started = Instant::now();
        assert_eq!(check_register(&h, None), Ok(()));
        let took = started.elapsed();
        assert!(took < Duration::from_secs(2), "took {took:?}");
    }

    #[test]
    fn generated_histories_with_a_corrupted_read_fail() {
        let mut rng = Rng(99);
        let mut failed = 0;
        for _ in 0..20 {
            let mut h = generated(&mut rng, 300, 4);
            // Make a late read return the first value ever written.
            let first = h.iter().find_map(|e| match (e.op, e.outcome) {
                (RegOp::Write { value }, Outcome::Ok) => Some(value),
                _ => None,
            });
            let late = h.iter().rposition(|e| matches!(e.op, RegOp::Read { .. }) && e.outcome == Outcome::Ok);
            let (Some(first), Some(late)) = (first, late) else { continue };
            if h[late].op == (RegOp::Read { value: Some(first) }) {
                continue;
            }
            h[late].op = RegOp::Read { value: Some(first) };
            if check_register(&h, None).is_err() {
                failed += 1;
            }
        }
        assert!(failed >= 15, "only {failed} corrupted histories failed");
    }
}

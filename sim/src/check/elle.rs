//! Elle-style checker for list-append histories.
//!
//! After Kingsbury & Alvaro, "Elle: Inferring Isolation Anomalies from
//! Experimental Observations". Values appended to a key are unique and a read
//! returns the whole list, so every read names the transactions whose appends
//! it saw and the order they were applied in. From that the checker infers:
//!
//! * per key, a version order: the longest read of the key (every other read
//!   must be a prefix of it, else [`AnomalyKind::IncompatibleOrder`]);
//! * the transactions that committed: the acknowledged ones, plus those of
//!   unknown outcome whose appends somebody else read;
//! * a dependency graph over the committed transactions with write-write
//!   (`ww`), write-read (`wr`) and read-write (`rw`, anti-dependency) edges,
//!   whose cycles are G0, G1c, G-single and G2-item;
//!
//! plus the non-cycle anomalies: aborted reads (G1a), intermediate reads
//! (G1b), internal inconsistency, duplicates, lost updates, and acknowledged
//! appends missing from a read that began after they were acknowledged.
//!
//! The reads a transaction makes after its own appends to a key end with
//! those appends; the checker strips them to find the state the transaction
//! observed from others (its *external* view of the key). A transaction that
//! failed or whose outcome is unknown contributes only its external view to
//! the version order, since its own appends may never have committed.
//!
//! Everything is polynomial: Tarjan's algorithm finds the strongly connected
//! components and a breadth-first search finds one short example cycle per
//! component and class.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use super::{Anomaly, AnomalyKind};
use crate::history::{Mop, Outcome, Txn};

/// Edge types of the dependency graph, as bits of an edge's mask.
const WW: u8 = 1;
const WR: u8 = 2;
const RW: u8 = 4;
const ALL: u8 = WW | WR | RW;

/// Upper bound on the breadth-first-search steps spent looking for a
/// G-single cycle in one strongly connected component before settling for
/// reporting a G2-item cycle there.
const GSINGLE_BUDGET: usize = 2_000_000;

/// Checks a list-append history; returns every anomaly found (empty when the
/// history is serializable as far as the checker can tell).
pub fn check_list_append(history: &[Txn]) -> Vec<Anomaly> {
    let mut out = Vec::new();
    let writers = index_appends(history, &mut out);
    let reads = collect_reads(history, &mut out);
    check_read_values(history, &reads, &writers, &mut out);
    let orders = version_orders(history, &reads, &mut out);
    let committed = committed(history, &reads, &writers);
    lost_acks(history, &orders, &mut out);
    lost_updates(history, &committed, &mut out);
    let graph = Graph::build(history, &reads, &writers, &orders, &committed);
    graph.report_cycles(history, &mut out);
    out
}

/// One completed read, with where it happened.
struct Read<'a> {
    /// Index of the reading transaction in the history.
    txn: usize,
    key: u64,
    values: &'a [u64],
    /// Length of the prefix of `values` before the reader's own trailing
    /// appends: what it observed of other transactions.
    ext: usize,
}

impl<'a> Read<'a> {
    fn external(&self) -> &'a [u64] {
        self.values.get(..self.ext).unwrap_or(self.values)
    }

    /// What this read says about the key's version order: everything for a
    /// committed transaction, only the external view otherwise.
    fn order_view(&self, history: &[Txn]) -> &'a [u64] {
        match history.get(self.txn).map(|t| t.outcome) {
            Some(Outcome::Ok) => self.values,
            _ => self.external(),
        }
    }
}

/// The version order of one key, from its longest read.
struct KeyOrder<'a> {
    /// Index of the transaction that made the read.
    reader: usize,
    values: &'a [u64],
}

fn tid(history: &[Txn], i: usize) -> String {
    match history.get(i) {
        Some(t) => format!("T{}", t.id),
        None => format!("T?{i}"),
    }
}

fn id_of(history: &[Txn], i: usize) -> usize {
    history.get(i).map_or(i, |t| t.id)
}

/// A list for an explanation, elided in the middle when long.
fn short(list: &[u64]) -> String {
    const EDGE: usize = 4;
    if list.len() <= 2 * EDGE + 2 {
        return format!("{list:?}");
    }
    let head: Vec<String> = list.iter().take(EDGE).map(u64::to_string).collect();
    let tail: Vec<String> = list.iter().skip(list.len() - EDGE).map(u64::to_string).collect();
    format!("[{}, ... {} more ..., {}]", head.join(", "), list.len() - 2 * EDGE, tail.join(", "))
}

fn anomaly(kind: AnomalyKind, txns: Vec<usize>, keys: Vec<u64>, explanation: String) -> Anomaly {
    Anomaly { kind, txns, keys, explanation }
}

/// Maps each appended (key, value) to the index of the transaction that
/// appended it; reports values appended more than once.
fn index_appends(history: &[Txn], out: &mut Vec<Anomaly>) -> HashMap<(u64, u64), usize> {
    let mut writers = HashMap::new();
    for (i, t) in history.iter().enumerate() {
        for op in &t.ops {
            let Mop::Append { key, value } = *op else { continue };
            match writers.get(&(key, value)) {
                Some(&j) => {
                    let who = if j == i {
                        format!("twice by {}", tid(history, i))
                    } else {
                        format!("by both {} and {}", tid(history, j), tid(history, i))
                    };
                    let mut txns = vec![id_of(history, j)];
                    if j != i {
                        txns.push(t.id);
                    }
                    out.push(anomaly(
                        AnomalyKind::DuplicateAppend,
                        txns,
                        vec![key],
                        format!("value {value} was appended to key {key} {who}"),
                    ));
                }
                None => {
                    writers.insert((key, value), i);
                }
            }
        }
    }
    writers
}

/// Gathers the completed reads and checks each transaction's internal
/// consistency: a read must show the transaction's own earlier appends at its
/// end, and a second read of a key must equal the first plus the appends in
/// between.
fn collect_reads<'a>(history: &'a [Txn], out: &mut Vec<Anomaly>) -> Vec<Read<'a>> {
    #[derive(Default)]
    struct KeyState {
        /// What the next read must return, once the key has been read.
        expected: Option<Vec<u64>>,
        /// This transaction's appends to the key so far.
        own: Vec<u64>,
    }
    let mut reads = Vec::new();
    for (i, t) in history.iter().enumerate() {
        let mut state: HashMap<u64, KeyState> = HashMap::new();
        for op in &t.ops {
            match op {
                Mop::Append { key, value } => {
                    let s = state.entry(*key).or_default();
                    s.own.push(*value);
                    if let Some(expected) = &mut s.expected {
                        expected.push(*value);
                    }
                }
                Mop::Read { key, values: Some(values) } => {
                    let s = state.entry(*key).or_default();
                    match &s.expected {
                        Some(expected) if expected != values => out.push(anomaly(
                            AnomalyKind::Internal,
                            vec![t.id],
                            vec![*key],
                            format!(
                                "T{} read key {key} as {}, but its earlier read and own appends imply {}",
                                t.id,
                                short(values),
                                short(expected)
                            ),
                        )),
                        None if !values.ends_with(&s.own) => out.push(anomaly(
                            AnomalyKind::Internal,
                            vec![t.id],
                            vec![*key],
                            format!(
                                "T{} read key {key} as {}, which does not end with its own appends {}",
                                t.id,
                                short(values),
                                short(&s.own)
                            ),
                        )),
                        _ => {}
                    }
                    let mut ext = values.len();
                    while ext > 0 && values.get(ext - 1).is_some_and(|v| s.own.contains(v)) {
                        ext -= 1;
                    }
                    s.expected = Some(values.clone());
                    reads.push(Read { txn: i, key: *key, values, ext });
                }
                Mop::Read { values: None, .. } => {}
            }
        }
    }
    reads
}

/// Duplicates within a read, values nobody appended, aborted reads (G1a) and
/// intermediate reads (G1b).
fn check_read_values(history: &[Txn], reads: &[Read], writers: &HashMap<(u64, u64), usize>, out: &mut Vec<Anomaly>) {
    let mut g1a_seen = BTreeSet::new();
    let mut g1b_seen = BTreeSet::new();
    for r in reads {
        let reader = tid(history, r.txn);
        let reader_id = id_of(history, r.txn);

        let mut seen = HashSet::new();
        let mut dups = Vec::new();
        let mut garbage = Vec::new();
        let mut aborted: BTreeMap<usize, Vec<u64>> = BTreeMap::new();
        for &v in r.values {
            if !seen.insert(v) && !dups.contains(&v) {
                dups.push(v);
            }
            match writers.get(&(r.key, v)) {
                None => garbage.push(v),
                Some(&w) if w != r.txn && history.get(w).is_some_and(|t| t.outcome == Outcome::Fail) => {
                    aborted.entry(w).or_default().push(v);
                }
                Some(_) => {}
            }
        }
        if !dups.is_empty() {
            out.push(anomaly(
                AnomalyKind::DuplicateAppend,
                vec![reader_id],
                vec![r.key],
                format!("{reader} read key {} as {}, which holds {dups:?} more than once", r.key, short(r.values)),
            ));
        }
        if !garbage.is_empty() {
            out.push(anomaly(
                AnomalyKind::GarbageRead,
                vec![reader_id],
                vec![r.key],
                format!(
                    "{reader} read key {} as {}, which holds {} that no transaction appended",
                    r.key,
                    short(r.values),
                    short(&garbage)
                ),
            ));
        }
        for (w, vals) in aborted {
            if g1a_seen.insert((r.txn, w, r.key)) {
                out.push(anomaly(
                    AnomalyKind::G1a,
                    vec![reader_id, id_of(history, w)],
                    vec![r.key],
                    format!(
                        "{reader} read key {} as {}, which holds {} appended by {}, which failed",
                        r.key,
                        short(r.values),
                        short(&vals),
                        tid(history, w)
                    ),
                ));
            }
        }

        // G1b: the observed state ends in the middle of another transaction's
        // appends to the key.
        let Some(&last) = r.external().last() else { continue };
        let Some(&w) = writers.get(&(r.key, last)) else { continue };
        let Some(writer) = history.get(w) else { continue };
        if w == r.txn || writer.outcome == Outcome::Fail {
            continue;
        }
        let final_append = writer.ops.iter().rev().find_map(|op| match *op {
            Mop::Append { key, value } if key == r.key => Some(value),
            _ => None,
        });
        if let Some(final_append) = final_append {
            if final_append != last && g1b_seen.insert((r.txn, w, r.key)) {
                out.push(anomaly(
                    AnomalyKind::G1b,
                    vec![reader_id, writer.id],
                    vec![r.key],
                    format!(
                        "{reader} read key {} as {}, ending in {last}, an intermediate append of T{}, \
                         which went on to append {final_append} to key {}",
                        r.key,
                        short(r.values),
                        writer.id,
                        r.key
                    ),
                ));
            }
        }
    }
}

/// Picks each key's longest read as its version order and reports reads
/// that are not prefixes of it.
fn version_orders<'a>(history: &[Txn], reads: &[Read<'a>], out: &mut Vec<Anomaly>) -> BTreeMap<u64, KeyOrder<'a>> {
    let mut by_key: BTreeMap<u64, Vec<&Read<'a>>> = BTreeMap::new();
    for r in reads {
        by_key.entry(r.key).or_default().push(r);
    }
    let mut orders = BTreeMap::new();
    for (key, rs) in by_key {
        // Longest first; among equally long ones the latest to start (it can
        // reveal the most lost acknowledgements).
        let Some(longest) =
            rs.iter().max_by_key(|r| (r.order_view(history).len(), history.get(r.txn).map_or(0, |t| t.start)))
        else {
            continue;
        };
        let order = longest.order_view(history);
        let offenders: Vec<&&Read> = rs.iter().filter(|r| !order.starts_with(r.order_view(history))).collect();
        if let Some(first) = offenders.first() {
            let mut txns = vec![id_of(history, longest.txn)];
            for r in &offenders {
                let id = id_of(history, r.txn);
                if !txns.contains(&id) {
                    txns.push(id);
                }
            }
            out.push(anomaly(
                AnomalyKind::IncompatibleOrder,
                txns,
                vec![key],
                format!(
                    "{} read key {key} as {}, which is not a prefix of {}'s read {} ({} incompatible read(s) of key {key})",
                    tid(history, first.txn),
                    short(first.order_view(history)),
                    tid(history, longest.txn),
                    short(order),
                    offenders.len()
                ),
            ));
        }
        orders.insert(key, KeyOrder { reader: longest.txn, values: order });
    }
    orders
}

/// Which transactions committed: the acknowledged ones and those of unknown
/// outcome whose appends another transaction read.
fn committed(history: &[Txn], reads: &[Read], writers: &HashMap<(u64, u64), usize>) -> Vec<bool> {
    let mut committed: Vec<bool> = history.iter().map(|t| t.outcome == Outcome::Ok).collect();
    for r in reads {
        for v in r.external() {
            if let Some(&w) = writers.get(&(r.key, *v)) {
                if w != r.txn && history.get(w).is_some_and(|t| t.outcome == Outcome::Unknown) {
                    if let Some(c) = committed.get_mut(w) {
                        *c = true;
                    }
                }
            }
        }
    }
    committed
}

/// Acknowledged appends missing from a key's longest read, when that read
/// began after the append was acknowledged.
fn lost_acks(history: &[Txn], orders: &BTreeMap<u64, KeyOrder>, out: &mut Vec<Anomaly>) {
    let sets: BTreeMap<u64, HashSet<u64>> =
        orders.iter().map(|(k, o)| (*k, o.values.iter().copied().collect())).collect();
    for t in history.iter().filter(|t| t.outcome == Outcome::Ok) {
        let mut missing: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
        for op in &t.ops {
            let Mop::Append { key, value } = *op else { continue };
            let (Some(order), Some(set)) = (orders.get(&key), sets.get(&key)) else { continue };
            let Some(reader) = history.get(order.reader) else { continue };
            if reader.start > t.end && !set.contains(&value) {
                missing.entry(key).or_default().push(value);
            }
        }
        for (key, vals) in missing {
            let Some(order) = orders.get(&key) else { continue };
            let Some(reader) = history.get(order.reader) else { continue };
            out.push(anomaly(
                AnomalyKind::LostAck,
                vec![t.id, reader.id],
                vec![key],
                format!(
                    "T{} appended {} to key {key} and was acknowledged at {}, but T{}, which began at {}, \
                     read key {key} as {} without them",
                    t.id,
                    short(&vals),
                    t.end,
                    reader.id,
                    reader.start,
                    short(order.values)
                ),
            ));
        }
    }
}

/// Committed transactions that read the same version of a key (before
/// appending to it themselves) and then appended to it.
fn lost_updates(history: &[Txn], committed: &[bool], out: &mut Vec<Anomaly>) {
    let mut groups: BTreeMap<(u64, &[u64]), Vec<usize>> = BTreeMap::new();
    for (i, t) in history.iter().enumerate() {
        if !committed.get(i).copied().unwrap_or(false) {
            continue;
        }
        let mut appended = BTreeSet::new();
        let mut first_reads: BTreeMap<u64, &[u64]> = BTreeMap::new();
        for op in &t.ops {
            match op {
                Mop::Append { key, .. } => {
                    appended.insert(*key);
                }
                Mop::Read { key, values: Some(values) } if !appended.contains(key) => {
                    first_reads.entry(*key).or_insert(values.as_slice());
                }
                Mop::Read { .. } => {}
            }
        }
        for (key, values) in first_reads {
            if appended.contains(&key) {
                groups.entry((key, values)).or_default().push(t.id);
            }
        }
    }
    for ((key, values), txns) in groups {
        if txns.len() < 2 {
            continue;
        }
        let names: Vec<String> = txns.iter().map(|id| format!("T{id}")).collect();
        out.push(anomaly(
            AnomalyKind::LostUpdate,
            txns,
            vec![key],
            format!("{} all read key {key} as {} and then appended to it", names.join(", "), short(values)),
        ));
    }
}

/// One edge of the dependency graph: which types it has, and for each type
/// the first key that gave it.
#[derive(Clone, Copy)]
struct Edge {
    mask: u8,
    keys: [u64; 3],
}

fn type_index(ty: u8) -> usize {
    ty.trailing_zeros() as usize
}

fn type_name(ty: u8) -> &'static str {
    match ty {
        WW => "ww",
        WR => "wr",
        _ => "rw",
    }
}

/// The dependency graph over the history's transactions (by index); only
/// committed transactions have edges.
struct Graph {
    adj: Vec<Vec<(usize, u8)>>,
    edges: BTreeMap<(usize, usize), Edge>,
}

impl Graph {
    fn build(
        history: &[Txn],
        reads: &[Read],
        writers: &HashMap<(u64, u64), usize>,
        orders: &BTreeMap<u64, KeyOrder>,
        committed: &[bool],
    ) -> Graph {
        let is_committed = |i: usize| committed.get(i).copied().unwrap_or(false);
        let mut edges: BTreeMap<(usize, usize), Edge> = BTreeMap::new();
        let mut add = |from: usize, to: usize, ty: u8, key: u64| {
            if from == to {
                return;
            }
            let e = edges.entry((from, to)).or_insert(Edge { mask: 0, keys: [0; 3] });
            if e.mask & ty == 0 {
                e.mask |= ty;
                if let Some(k) = e.keys.get_mut(type_index(ty)) {
                    *k = key;
                }
            }
        };

        // Per key, the committed versions in order, and each one's position.
        let mut versions: BTreeMap<u64, (Vec<usize>, HashMap<u64, usize>)> = BTreeMap::new();
        for (&key, order) in orders {
            let mut writers_in_order = Vec::new();
            let mut pos = HashMap::new();
            for &v in order.values {
                let Some(&w) = writers.get(&(key, v)) else { continue };
                if !is_committed(w) || pos.contains_key(&v) {
                    continue;
                }
                pos.insert(v, writers_in_order.len());
                writers_in_order.push(w);
            }
            for pair in writers_in_order.windows(2) {
                if let [a, b] = *pair {
                    add(a, b, WW, key);
                }
            }
            versions.insert(key, (writers_in_order, pos));
        }

        for r in reads.iter().filter(|r| is_committed(r.txn)) {
            let ext = r.external();
            if let Some(last) = ext.last() {
                if let Some(&w) = writers.get(&(r.key, *last)) {
                    if is_committed(w) {
                        add(w, r.txn, WR, r.key);
                    }
                }
            }
            let Some((order, pos)) = versions.get(&r.key) else { continue };
            let next = match ext.last() {
                None => Some(0),
                Some(last) => pos.get(last).map(|p| p + 1),
            };
            if let Some(&w) = next.and_then(|n| order.get(n)) {
                add(r.txn, w, RW, r.key);
            }
        }

        let mut adj = vec![Vec::new(); history.len()];
        for (&(from, to), e) in &edges {
            if let Some(list) = adj.get_mut(from) {
                list.push((to, e.mask));
            }
        }
        Graph { adj, edges }
    }

    fn report_cycles(&self, history: &[Txn], out: &mut Vec<Anomaly>) {
        // G0: cycles of write-write edges.
        let (comps, comp_of) = sccs(&self.adj, WW);
        for (c, comp) in comps.iter().enumerate() {
            if let Some((u, v)) = self.edge_within(comp, &comp_of, c, WW) {
                let mut budget = usize::MAX;
                if let Some(path) = bfs(&self.adj, v, u, WW, &comp_of, c, &mut budget) {
                    out.push(self.cycle_anomaly(history, u, WW, &path, WW));
                }
            }
        }

        // G1c: cycles of write-write and write-read edges with a write-read
        // edge (components without one were reported as G0).
        let (comps, comp_of) = sccs(&self.adj, WW | WR);
        for (c, comp) in comps.iter().enumerate() {
            if let Some((u, v)) = self.edge_within(comp, &comp_of, c, WR) {
                let mut budget = usize::MAX;
                if let Some(path) = bfs(&self.adj, v, u, WW | WR, &comp_of, c, &mut budget) {
                    out.push(self.cycle_anomaly(history, u, WR, &path, WW | WR));
                }
            }
        }

        // Cycles through anti-dependencies: G-single when one rw edge closes
        // a ww/wr path, G2-item otherwise.
        let (comps, comp_of) = sccs(&self.adj, ALL);
        for (c, comp) in comps.iter().enumerate() {
            let rw_edges: Vec<(usize, usize)> = comp
                .iter()
                .flat_map(|&u| {
                    self.adj
                        .get(u)
                        .into_iter()
                        .flatten()
                        .filter(|&&(v, m)| m & RW != 0 && comp_of.get(v) == Some(&c))
                        .map(move |&(v, _)| (u, v))
                })
                .collect();
            let Some(&(u0, v0)) = rw_edges.first() else { continue };
            let mut budget = GSINGLE_BUDGET;
            let mut found = false;
            for &(u, v) in &rw_edges {
                if budget == 0 {
                    break;
                }
                if let Some(path) = bfs(&self.adj, v, u, WW | WR, &comp_of, c, &mut budget) {
                    out.push(self.cycle_anomaly(history, u, RW, &path, WW | WR));
                    found = true;
                    break;
                }
            }
            if !found {
                let mut budget = usize::MAX;
                if let Some(path) = bfs(&self.adj, v0, u0, ALL, &comp_of, c, &mut budget) {
                    out.push(self.cycle_anomaly(history, u0, RW, &path, ALL));
                }
            }
        }
    }

    /// Some edge of type `ty` between two members of component `c`.
    fn edge_within(&self, comp: &[usize], comp_of: &[usize], c: usize, ty: u8) -> Option<(usize, usize)> {
        comp.iter().find_map(|&u| {
            self.adj.get(u)?.iter().find(|&&(v, m)| m & ty != 0 && comp_of.get(v) == Some(&c)).map(|&(v, _)| (u, v))
        })
    }

    /// Describes the cycle `start -first_ty-> path[0] -> ... -> path[last] ==
    /// start`, labelling the path's edges with the first type in `mask` each
    /// has (preferring ww, then wr, then rw), and classifies it.
    fn cycle_anomaly(&self, history: &[Txn], start: usize, first_ty: u8, path: &[usize], mask: u8) -> Anomaly {
        let mut nodes = vec![start];
        nodes.extend_from_slice(path);
        let mut text = tid(history, start);
        let mut txns = vec![id_of(history, start)];
        let mut keys = Vec::new();
        let mut types = Vec::new();
        for (i, pair) in nodes.windows(2).enumerate() {
            let [a, b] = *pair else { continue };
            let Some(e) = self.edges.get(&(a, b)) else { continue };
            let ty = if i == 0 {
                first_ty
            } else {
                [WW, WR, RW].into_iter().find(|&t| e.mask & mask & t != 0).unwrap_or(first_ty)
            };
            let key = e.keys.get(type_index(ty)).copied().unwrap_or(0);
            types.push(ty);
            if !keys.contains(&key) {
                keys.push(key);
            }
            text.push_str(&format!(" -{}(key {key})-> {}", type_name(ty), tid(history, b)));
            let id = id_of(history, b);
            if !txns.contains(&id) {
                txns.push(id);
            }
        }
        let rw = types.iter().filter(|&&t| t == RW).count();
        let wr = types.iter().filter(|&&t| t == WR).count();
        let (kind, what) = match (rw, wr) {
            (0, 0) => (AnomalyKind::G0, "write-write dependencies only"),
            (0, _) => (AnomalyKind::G1c, "write-write and write-read dependencies"),
            (1, _) => (AnomalyKind::GSingle, "exactly one read-write anti-dependency"),
            _ => (AnomalyKind::G2Item, "two or more read-write anti-dependencies"),
        };
        anomaly(kind, txns, keys, format!("dependency cycle with {what}: {text}"))
    }
}

/// Strongly connected components with more than one member of the graph
/// restricted to edges whose mask meets `mask` (Tarjan, iterative), and each
/// node's component index (`usize::MAX` when in none).
fn sccs(adj: &[Vec<(usize, u8)>], mask: u8) -> (Vec<Vec<usize>>, Vec<usize>) {
    const UNSEEN: usize = usize::MAX;
    let n = adj.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut comps = Vec::new();
    let mut comp_of = vec![usize::MAX; n];
    let mut next_index = 0;
    let mut calls: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        calls.push((root, 0));
        while let Some(top) = calls.last_mut() {
            let (v, ei) = *top;
            if let Some(&(w, m)) = adj[v].get(ei) {
                top.1 += 1;
                if m & mask == 0 || w >= n {
                    continue;
                }
                if index[w] == UNSEEN {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                calls.pop();
                if let Some(&(p, _)) = calls.last() {
                    low[p] = low[p].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut comp = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    if comp.len() > 1 {
                        comp.sort_unstable();
                        for &w in &comp {
                            comp_of[w] = comps.len();
                        }
                        comps.push(comp);
                    }
                }
            }
        }
    }
    (comps, comp_of)
}

/// A shortest path `from -> ... -> to` (both included) over edges meeting
/// `mask` and nodes of component `c`; spends one unit of `budget` per node
/// expanded and gives up when it runs out.
fn bfs(
    adj: &[Vec<(usize, u8)>],
    from: usize,
    to: usize,
    mask: u8,
    comp_of: &[usize],
    c: usize,
    budget: &mut usize,
) -> Option<Vec<usize>> {
    if from == to {
        return Some(vec![from]);
    }
    let mut prev: HashMap<usize, usize> = HashMap::new();
    let mut queue = VecDeque::new();
    prev.insert(from, from);
    queue.push_back(from);
    while let Some(x) = queue.pop_front() {
        if *budget == 0 {
            return None;
        }
        *budget -= 1;
        for &(y, m) in adj.get(x).into_iter().flatten() {
            if m & mask == 0 || comp_of.get(y) != Some(&c) || prev.contains_key(&y) {
                continue;
            }
            prev.insert(y, x);
            if y == to {
                let mut path = vec![to];
                let mut at = to;
                while at != from {
                    at = *prev.get(&at)?;
                    path.push(at);
                }
                path.reverse();
                return Some(path);
            }
            queue.push_back(y);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txn(id: usize, outcome: Outcome, ops: Vec<Mop>) -> Txn {
        // Sequential in time by default: T(n) runs in [10n, 10n + 5].
        Txn { id, process: id % 4, start: 10 * id as u64, end: 10 * id as u64 + 5, outcome, ops }
    }

    fn ok(id: usize, ops: Vec<Mop>) -> Txn {
        txn(id, Outcome::Ok, ops)
    }

    fn ap(key: u64, value: u64) -> Mop {
        Mop::Append { key, value }
    }

    fn rd(key: u64, values: &[u64]) -> Mop {
        Mop::Read { key, values: Some(values.to_vec()) }
    }

    fn kinds(history: &[Txn]) -> Vec<AnomalyKind> {
        let mut k: Vec<AnomalyKind> = check_list_append(history).iter().map(|a| a.kind).collect();
        k.sort();
        k.dedup();
        k
    }

    fn find(history: &[Txn], kind: AnomalyKind) -> Anomaly {
        let all = check_list_append(history);
        match all.iter().find(|a| a.kind == kind) {
            Some(a) => a.clone(),
            None => panic!("expected {kind}, got {all:#?}"),
        }
    }

    #[test]
    fn serial_history_with_unknown_and_failed_txns_is_clean() {
        let h = vec![
            ok(0, vec![rd(1, &[]), ap(1, 1), ap(2, 1)]),
            ok(1, vec![rd(1, &[1]), ap(1, 2), rd(1, &[1, 2])]),
            // Unknown whose append is observed later: committed.
            txn(2, Outcome::Unknown, vec![ap(2, 2), rd(2, &[1, 2])]),
            // Unknown never observed: left out (its read of its own append is
            // stripped, so the version order does not include 90).
            txn(3, Outcome::Unknown, vec![ap(3, 90), rd(3, &[90])]),
            // Failed, read its own append: no incompatible order.
            txn(4, Outcome::Fail, vec![rd(1, &[1, 2]), ap(1, 99), rd(1, &[1, 2, 99])]),
            // Read of an incomplete op.
            txn(5, Outcome::Unknown, vec![Mop::Read { key: 1, values: None }]),
            ok(6, vec![rd(1, &[1, 2]), rd(2, &[1, 2]), ap(3, 1)]),
            ok(7, vec![rd(1, &[1, 2]), rd(2, &[1, 2]), rd(3, &[1])]),
        ];
        let found = check_list_append(&h);
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn concurrent_reads_of_older_versions_are_clean() {
        // T1 and T2 overlap T3's append in time and read the older version:
        // serializable (real time is not checked except for lost acks).
        let mut h = vec![
            ok(0, vec![ap(1, 1)]),
            ok(1, vec![rd(1, &[1])]),
            ok(2, vec![ap(1, 2)]),
            ok(3, vec![rd(1, &[1])]),
            ok(4, vec![rd(1, &[1, 2])]),
        ];
        h[3].start = 15;
        h[2].end = 40;
        assert!(check_list_append(&h).is_empty());
    }

    #[test]
    fn g0_write_cycle() {
        let h = vec![
            ok(1, vec![ap(1, 1), ap(2, 1)]),
            ok(2, vec![ap(1, 2), ap(2, 2)]),
            ok(3, vec![rd(1, &[1, 2]), rd(2, &[2, 1])]),
        ];
        assert_eq!(kinds(&h), vec![AnomalyKind::G0]);
        let a = find(&h, AnomalyKind::G0);
        assert!(a.explanation.contains("T1") && a.explanation.contains("T2"), "{a}");
        assert!(a.keys.contains(&1) && a.keys.contains(&2));
    }

    #[test]
    fn g1a_aborted_read() {
        let h = vec![txn(1, Outcome::Fail, vec![ap(1, 1)]), ok(2, vec![rd(1, &[1])])];
        assert_eq!(kinds(&h), vec![AnomalyKind::G1a]);
        let a = find(&h, AnomalyKind::G1a);
        assert_eq!(a.txns, vec![2, 1]);
        assert!(a.explanation.contains("T1") && a.explanation.contains("failed"), "{a}");
    }

    #[test]
    fn g1b_intermediate_read() {
        let h = vec![ok(1, vec![ap(1, 1), ap(1, 2)]), ok(2, vec![rd(1, &[1])]), ok(3, vec![rd(1, &[1, 2])])];
        let a = find(&h, AnomalyKind::G1b);
        assert_eq!(a.txns, vec![2, 1]);
        assert_eq!(a.keys, vec![1]);
    }

    #[test]
    fn g1c_circular_information_flow() {
        let h = vec![ok(1, vec![ap(1, 1), rd(2, &[1])]), ok(2, vec![ap(2, 1), rd(1, &[1])])];
        assert_eq!(kinds(&h), vec![AnomalyKind::G1c]);
    }

    #[test]
    fn g_single_read_skew() {
        let h = vec![
            ok(0, vec![ap(1, 1), ap(2, 1)]),
            ok(1, vec![rd(1, &[1]), rd(2, &[1, 2])]),
            ok(2, vec![ap(1, 2), ap(2, 2)]),
            ok(3, vec![rd(1, &[1, 2]), rd(2, &[1, 2])]),
        ];
        assert_eq!(kinds(&h), vec![AnomalyKind::GSingle]);
        let a = find(&h, AnomalyKind::GSingle);
        assert!(a.explanation.contains("T1 -rw(key 1)-> T2 -wr(key 2)-> T1"), "{a}");
    }

    #[test]
    fn g2_item_write_skew() {
        let h = vec![
            ok(0, vec![ap(1, 1), ap(2, 1)]),
            ok(1, vec![rd(1, &[1]), rd(2, &[1]), ap(1, 2)]),
            ok(2, vec![rd(1, &[1]), rd(2, &[1]), ap(2, 2)]),
            ok(3, vec![rd(1, &[1, 2]), rd(2, &[1, 2])]),
        ];
        assert_eq!(kinds(&h), vec![AnomalyKind::G2Item]);
    }

    #[test]
    fn lost_update() {
        let h = vec![
            ok(0, vec![ap(1, 1)]),
            ok(1, vec![rd(1, &[1]), ap(1, 2)]),
            ok(2, vec![rd(1, &[1]), ap(1, 3)]),
            ok(3, vec![rd(1, &[1, 2, 3])]),
        ];
        let a = find(&h, AnomalyKind::LostUpdate);
        assert_eq!(a.txns, vec![1, 2]);
        // The cycle it makes is reported too.
        assert!(kinds(&h).contains(&AnomalyKind::GSingle));
    }

    #[test]
    fn internal_inconsistency() {
        // Own append missing from a later read.
        let h = vec![ok(1, vec![ap(1, 5), rd(1, &[])])];
        assert!(kinds(&h).contains(&AnomalyKind::Internal));
        // Second read does not extend the first by the own append between.
        let h = vec![ok(0, vec![ap(1, 1), ap(1, 2)]), ok(1, vec![rd(1, &[]), ap(1, 3), rd(1, &[1, 3])])];
        let a = find(&h, AnomalyKind::Internal);
        assert_eq!(a.txns, vec![1]);
        // Non-repeatable read within one transaction.
        let h = vec![ok(0, vec![ap(1, 1)]), txn(1, Outcome::Fail, vec![rd(1, &[]), rd(1, &[1])])];
        assert_eq!(kinds(&h), vec![AnomalyKind::Internal]);
    }

    #[test]
    fn duplicate_append() {
        let h = vec![ok(1, vec![ap(1, 1)]), ok(2, vec![rd(1, &[1, 1])])];
        assert!(kinds(&h).contains(&AnomalyKind::DuplicateAppend));
        let h = vec![ok(1, vec![ap(1, 1)]), ok(2, vec![ap(1, 1)])];
        assert_eq!(kinds(&h), vec![AnomalyKind::DuplicateAppend]);
    }

    #[test]
    fn incompatible_order() {
        let h = vec![
            ok(1, vec![ap(1, 1)]),
            ok(2, vec![ap(1, 2)]),
            ok(3, vec![rd(1, &[1, 2])]),
            ok(4, vec![rd(1, &[2, 1])]),
        ];
        let a = find(&h, AnomalyKind::IncompatibleOrder);
        assert_eq!(a.keys, vec![1]);
        assert!(a.txns.contains(&3) && a.txns.contains(&4), "{a}");
    }

    #[test]
    fn lost_ack() {
        let h = vec![ok(1, vec![ap(1, 1)]), ok(2, vec![ap(1, 2)]), ok(10, vec![rd(1, &[2])])];
        assert_eq!(kinds(&h), vec![AnomalyKind::LostAck]);
        let a = find(&h, AnomalyKind::LostAck);
        assert_eq!(a.txns, vec![1, 10]);
        // A concurrent read may miss it.
        let mut h = h;
        h[2].start = 3;
        assert!(check_list_append(&h).is_empty());
    }

    #[test]
    fn unknown_txns_count_only_when_observed() {
        // The G1c cycle of g1c_circular_information_flow, with one side of
        // unknown outcome: its append was read, so it committed.
        let h = vec![ok(1, vec![ap(1, 1), rd(2, &[1])]), txn(2, Outcome::Unknown, vec![ap(2, 1), rd(1, &[1])])];
        assert_eq!(kinds(&h), vec![AnomalyKind::G1c]);
        // Unobserved unknown reading a stale state: left out, no cycle.
        let h = vec![
            ok(1, vec![ap(1, 1)]),
            txn(2, Outcome::Unknown, vec![rd(1, &[]), rd(2, &[]), ap(2, 7)]),
            ok(3, vec![rd(1, &[1]), rd(2, &[])]),
        ];
        assert!(check_list_append(&h).is_empty());
        // A failed transaction's stale read creates no cycle either.
        let h = vec![
            ok(0, vec![ap(1, 1), ap(2, 1)]),
            txn(1, Outcome::Fail, vec![rd(1, &[1]), rd(2, &[1, 2])]),
            ok(2, vec![ap(1, 2), ap(2, 2)]),
            ok(3, vec![rd(1, &[1, 2]), rd(2, &[1, 2])]),
        ];
        assert!(check_list_append(&h).is_empty());
    }

    #[test]
    fn garbage_read() {
        let h = vec![ok(1, vec![rd(1, &[42])])];
        assert_eq!(kinds(&h), vec![AnomalyKind::GarbageRead]);
    }

    #[test]
    fn display_names_kind_and_txns() {
        let h = vec![txn(1, Outcome::Fail, vec![ap(7, 1)]), ok(2, vec![rd(7, &[1])])];
        let s = find(&h, AnomalyKind::G1a).to_string();
        assert!(s.starts_with("G1a: T2 read key 7"), "{s}");
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

    /// A serial execution of random transactions over a few keys, with
    /// overlapping times, some unknown (committed or not) and some failed.
    fn serial_history(rng: &mut Rng, n: usize) -> Vec<Txn> {
        let keys = 6;
        let mut db: Vec<Vec<u64>> = vec![Vec::new(); keys];
        let mut next_value = 1;
        let mut h = Vec::new();
        for id in 0..n {
            let outcome = match rng.below(10) {
                0 => Outcome::Fail,
                1 => Outcome::Unknown,
                _ => Outcome::Ok,
            };
            let applies = match outcome {
                Outcome::Ok => true,
                Outcome::Fail => false,
                Outcome::Unknown => rng.below(2) == 0,
            };
            let mut local = db.clone();
            let mut ops = Vec::new();
            for _ in 0..1 + rng.below(4) {
                let key = rng.below(keys as u64);
                let Some(list) = local.get_mut(key as usize) else { continue };
                if rng.below(2) == 0 {
                    ops.push(Mop::Append { key, value: next_value });
                    list.push(next_value);
                    next_value += 1;
                } else {
                    ops.push(Mop::Read { key, values: Some(list.clone()) });
                }
            }
            if applies {
                db = local;
            }
            // Commit order is id order; times overlap with neighbours, and
            // every transaction's span contains its commit point 100 * id.
            let at = 100 * id as u64;
            let start = at.saturating_sub(rng.below(300));
            let end = at + rng.below(300);
            h.push(Txn { id, process: id % 8, start, end, outcome, ops });
        }
        let final_ops = (0..keys as u64).map(|k| Mop::Read { key: k, values: db.get(k as usize).cloned() }).collect();
        let at = 100 * n as u64 + 1_000;
        h.push(Txn { id: n, process: 99, start: at, end: at + 1, outcome: Outcome::Ok, ops: final_ops });
        h
    }

    #[test]
    fn generated_serial_histories_are_clean() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..20 {
            let h = serial_history(&mut rng, 200);
            let found = check_list_append(&h);
            assert!(found.is_empty(), "{found:#?}");
        }
        let started = std::time::Instant::now();
        let h = serial_history(&mut rng, 3_000);
        assert!(check_list_append(&h).is_empty());
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    }

    #[test]
    fn generated_histories_with_a_swapped_commit_are_flagged() {
        // Swap two reads' results between transactions of a serial history:
        // the checker must notice something (and must never panic).
        let mut rng = Rng(7);
        let mut flagged = 0;
        for _ in 0..30 {
            let mut h = serial_history(&mut rng, 60);
            let reads: Vec<(usize, usize)> = h
                .iter()
                .enumerate()
                .filter(|(_, t)| t.outcome == Outcome::Ok)
                .flat_map(|(i, t)| {
                    t.ops.iter().enumerate().filter(|(_, op)| matches!(op, Mop::Read { .. })).map(move |(j, _)| (i, j))
                })
                .collect();
            // Make a non-empty read of an early transaction return the value
            // list of the final read (a read from the future).
            let last = h.len() - 1;
            let target = reads.iter().find(|&&(i, j)| {
                i < last / 2 && matches!(&h[i].ops[j], Mop::Read { key, values: Some(v) } if *key < 6 && v.len() < 3)
            });
            let Some(&(i, j)) = target else { continue };
            let Mop::Read { key, .. } = h[i].ops[j].clone() else { continue };
            let future = h[last].ops.iter().find_map(|op| match op {
                Mop::Read { key: k, values: Some(v) } if *k == key && v.len() > 4 => Some(v.clone()),
                _ => None,
            });
            let Some(future) = future else { continue };
            h[i].ops[j] = Mop::Read { key, values: Some(future) };
            if !check_list_append(&h).is_empty() {
                flagged += 1;
            }
        }
        assert!(flagged > 0);
    }

    #[test]
    fn arbitrary_histories_do_not_panic() {
        let mut rng = Rng(12345);
        for _ in 0..200 {
            let n = rng.below(12) as usize;
            let h: Vec<Txn> = (0..n)
                .map(|_| {
                    let ops = (0..rng.below(5))
                        .map(|_| {
                            let key = rng.below(3);
                            match rng.below(3) {
                                0 => Mop::Append { key, value: rng.below(6) },
                                1 => Mop::Read { key, values: None },
                                _ => Mop::Read { key, values: Some((0..rng.below(5)).map(|_| rng.below(6)).collect()) },
                            }
                        })
                        .collect();
                    let outcome = [Outcome::Ok, Outcome::Fail, Outcome::Unknown][rng.below(3) as usize];
                    Txn {
                        id: rng.below(4) as usize,
                        process: 0,
                        start: rng.below(50),
                        end: rng.below(50),
                        outcome,
                        ops,
                    }
                })
                .collect();
            for a in check_list_append(&h) {
                assert!(!a.explanation.is_empty());
            }
        }
        assert!(check_list_append(&[]).is_empty());
    }
}

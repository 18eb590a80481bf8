//! Window functions (MySQL 8): the [`WindowNode`] plan node and its
//! execution.
//!
//! A query block with window functions gets one `Plan::Window` between its
//! grouping (and HAVING) and its select list: the node materialises its
//! input, then for each distinct (PARTITION BY, ORDER BY) pair sorts the
//! rows once (a stable sort of the order the previous pair left, so the
//! rows leave in the order of the last window that sorts, as MySQL's do),
//! splits them into partitions and computes every call over that window
//! in one pass per partition. Each call's value becomes one extra column
//! after the input's columns.
//!
//! Frames are positions `[start, end]` in the sorted partition, both
//! non-decreasing from row to row (ROWS offsets count rows; RANGE offsets
//! compare the single ORDER BY key with the current row's key ± the
//! offset, NULL keys being peers of each other only). Aggregates keep a
//! running state while the frame only grows (the default frame, `UNBOUNDED
//! PRECEDING` starts, whole partitions); when its start moves, COUNT, SUM
//! and AVG of exact numbers and BIT_XOR take the passed rows out again,
//! the others are recomputed over the frame (O(rows × frame)). Ranking
//! functions, NTILE, LAG and LEAD ignore frames, as MySQL's do.
//!
//! The materialised rows are bounded by `temptable_max_ram` (estimated
//! bytes): beyond it the statement fails with 1114 instead of growing.

use std::cmp::Ordering;

use crate::error::{DbError, Result};
use crate::sql::exec::{check_killed, run_plan, AggRun, Row};
use crate::sql::expr::{self, BinOp, Ctx, Expr};
use crate::sql::plan::{AggCall, AggFunc, Plan};
use crate::sql::types::TypeKind;
use crate::sql::value::{compare, order_cmp, Value};

/// A window function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WinFunc {
    RowNumber,
    Rank,
    DenseRank,
    PercentRank,
    CumeDist,
    Ntile,
    Lag,
    Lead,
    FirstValue,
    LastValue,
    NthValue,
    /// An aggregate over the frame: [`WinCall::agg`].
    Agg,
}

impl WinFunc {
    pub fn from_name(name: &str) -> Option<WinFunc> {
        Some(match name {
            "row_number" => WinFunc::RowNumber,
            "rank" => WinFunc::Rank,
            "dense_rank" => WinFunc::DenseRank,
            "percent_rank" => WinFunc::PercentRank,
            "cume_dist" => WinFunc::CumeDist,
            "ntile" => WinFunc::Ntile,
            "lag" => WinFunc::Lag,
            "lead" => WinFunc::Lead,
            "first_value" => WinFunc::FirstValue,
            "last_value" => WinFunc::LastValue,
            "nth_value" => WinFunc::NthValue,
            _ => return None,
        })
    }

    /// Does the function read its window's frame (else the partition)?
    pub fn uses_frame(self) -> bool {
        matches!(self, WinFunc::FirstValue | WinFunc::LastValue | WinFunc::NthValue | WinFunc::Agg)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameUnits {
    Rows,
    Range,
}

/// One end of a frame. Offsets are expressions that read no row (a
/// literal or a `?` parameter), checked when the statement runs.
#[derive(Debug, Clone)]
pub enum FrameBound {
    UnboundedPreceding,
    Preceding(Offset),
    CurrentRow,
    Following(Offset),
    UnboundedFollowing,
}

/// `n` or `INTERVAL n unit` of a frame bound.
#[derive(Debug, Clone)]
pub struct Offset {
    pub value: Expr,
    /// The unit of an INTERVAL offset (RANGE over a temporal key).
    pub unit: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Frame {
    pub units: FrameUnits,
    pub start: FrameBound,
    pub end: FrameBound,
}

impl Frame {
    /// The whole partition.
    pub fn whole() -> Self {
        Frame { units: FrameUnits::Rows, start: FrameBound::UnboundedPreceding, end: FrameBound::UnboundedFollowing }
    }
}

/// One window function call.
#[derive(Debug, Clone)]
pub struct WinCall {
    pub func: WinFunc,
    /// The value argument (LAG/LEAD/FIRST_VALUE/LAST_VALUE/NTH_VALUE), then
    /// the offset or bucket count, then LAG/LEAD's default.
    pub args: Vec<Expr>,
    /// The aggregate of a [`WinFunc::Agg`] call (its arguments read the
    /// window's input row).
    pub agg: Option<AggCall>,
    pub frame: Frame,
    /// The function's name for error messages (`lag`, `ntile`, …).
    pub name: String,
    /// The window's printable name (`<unnamed window>` or its name).
    pub window: String,
}

/// The calls that share one (PARTITION BY, ORDER BY) sort.
#[derive(Debug, Clone)]
pub struct WindowSort {
    pub partition: Vec<Expr>,
    /// ORDER BY keys: (expression, ascending).
    pub order: Vec<(Expr, bool)>,
    /// (output column among the node's extra columns, call).
    pub calls: Vec<(usize, WinCall)>,
}

/// `Plan::Window`: the input's rows with one extra column per call.
#[derive(Debug)]
pub struct WindowNode {
    pub input: Plan,
    /// The input's row width (the calls' columns follow).
    pub width: usize,
    pub calls: usize,
    pub sorts: Vec<WindowSort>,
    /// `temptable_max_ram` when the statement was bound.
    pub max_bytes: u64,
}

impl WindowNode {
    /// Every expression of the node (not its input's).
    pub fn exprs(&self) -> Vec<&Expr> {
        let mut v = Vec::new();
        for s in &self.sorts {
            v.extend(s.partition.iter());
            v.extend(s.order.iter().map(|(e, _)| e));
            for (_, c) in &s.calls {
                v.extend(c.args.iter());
                if let Some(a) = &c.agg {
                    v.extend(a.args.iter());
                }
                for b in [&c.frame.start, &c.frame.end] {
                    if let FrameBound::Preceding(o) | FrameBound::Following(o) = b {
                        v.push(&o.value);
                    }
                }
            }
        }
        v
    }
}

/// Rough heap footprint of a row, for the memory limit.
fn row_bytes(r: &[Value]) -> u64 {
    let mut n = (std::mem::size_of::<Row>() + std::mem::size_of_val(r)) as u64;
    for v in r {
        n += match v {
            Value::Str(s) | Value::Enum(_, s) => s.len() as u64,
            Value::Bytes(b) => b.len() as u64,
            _ => 0,
        };
    }
    n
}

fn buffer_full(max: u64) -> DbError {
    DbError::new(
        1114,
        "HY000",
        format!("The window function buffer is full (temptable_max_ram = {max} bytes); the rows of a window are kept in memory"),
    )
}

/// Run a window node: see the module documentation.
pub fn run(node: &WindowNode, ctx: &Ctx, limit: Option<usize>) -> Result<Vec<Row>> {
    let input = run_plan(&node.input, ctx, None)?;
    let mut bytes = 0u64;
    let mut rows: Vec<Row> = Vec::with_capacity(input.len());
    for mut r in input {
        r.resize(node.width + node.calls, Value::Null);
        bytes += row_bytes(&r);
        if bytes > node.max_bytes {
            return Err(buffer_full(node.max_bytes));
        }
        rows.push(r);
    }
    let n = rows.len();
    let mut order: Vec<usize> = (0..n).collect();
    for sort in &node.sorts {
        let mut pkeys: Vec<Vec<Value>> = Vec::with_capacity(n);
        let mut okeys: Vec<Vec<Value>> = Vec::with_capacity(n);
        for r in &rows {
            pkeys.push(sort.partition.iter().map(|e| e.eval(r, ctx)).collect::<Result<_>>()?);
            okeys.push(sort.order.iter().map(|(e, _)| e.eval(r, ctx)).collect::<Result<_>>()?);
            bytes += row_bytes(&pkeys[pkeys.len() - 1]) + row_bytes(&okeys[okeys.len() - 1]);
            if bytes > node.max_bytes {
                return Err(buffer_full(node.max_bytes));
            }
        }
        if !sort.partition.is_empty() || !sort.order.is_empty() {
            order.sort_by(|&a, &b| {
                keys_cmp(&pkeys[a], &pkeys[b], None)
                    .then_with(|| keys_cmp(&okeys[a], &okeys[b], Some(sort.order.as_slice())))
            });
        }
        let mut results: Vec<(usize, usize, Value)> = Vec::new();
        let mut start = 0;
        while start < n {
            let mut end = start + 1;
            while end < n && keys_cmp(&pkeys[order[start]], &pkeys[order[end]], None) == Ordering::Equal {
                end += 1;
            }
            let part = Partition { idx: &order[start..end], rows: &rows, okeys: &okeys, order: &sort.order };
            for (col, call) in &sort.calls {
                let vals = part.compute(call, ctx)?;
                for (pos, v) in vals.into_iter().enumerate() {
                    results.push((part.idx[pos], node.width + col, v));
                }
            }
            start = end;
        }
        for (row, col, v) in results {
            rows[row][col] = v;
        }
    }
    let mut out: Vec<Option<Row>> = rows.into_iter().map(Some).collect();
    let take = limit.unwrap_or(usize::MAX);
    Ok(order.into_iter().take(take).filter_map(|i| out[i].take()).collect())
}

/// Compare two key tuples: ascending, or in the given directions.
fn keys_cmp(a: &[Value], b: &[Value], dirs: Option<&[(Expr, bool)]>) -> Ordering {
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let o = order_cmp(x, y);
        if o != Ordering::Equal {
            let asc = dirs.and_then(|d| d.get(i)).is_none_or(|(_, asc)| *asc);
            return if asc { o } else { o.reverse() };
        }
    }
    Ordering::Equal
}

/// One partition: its rows' indices in window order.
struct Partition<'a> {
    idx: &'a [usize],
    rows: &'a [Row],
    okeys: &'a [Vec<Value>],
    order: &'a [(Expr, bool)],
}

/// An evaluated RANGE offset bound: the value the candidates are compared
/// with, or beyond every value (the arithmetic left the type's range).
enum Edge {
    Value(Value),
    Below,
    Above,
}

impl Partition<'_> {
    fn row(&self, pos: usize) -> &Row {
        &self.rows[self.idx[pos]]
    }

    fn okey(&self, pos: usize) -> &[Value] {
        &self.okeys[self.idx[pos]]
    }

    /// The single ORDER BY key of a RANGE offset frame (checked when bound).
    fn key0(&self, pos: usize) -> &Value {
        self.okey(pos).first().unwrap_or(&Value::Null)
    }

    /// [first, last] positions of each row's peer group.
    fn peers(&self) -> Vec<(usize, usize)> {
        let n = self.idx.len();
        let mut out = vec![(0, 0); n];
        let mut s = 0;
        while s < n {
            let mut e = s;
            while e + 1 < n && keys_cmp(self.okey(s), self.okey(e + 1), None) == Ordering::Equal {
                e += 1;
            }
            for p in out.iter_mut().take(e + 1).skip(s) {
                *p = (s, e);
            }
            s = e + 1;
        }
        out
    }

    fn compute(&self, call: &WinCall, ctx: &Ctx) -> Result<Vec<Value>> {
        let n = self.idx.len();
        let peers = self.peers();
        let mut out = Vec::with_capacity(n);
        match call.func {
            WinFunc::RowNumber => out.extend((1..=n as u64).map(Value::UInt)),
            WinFunc::Rank => out.extend(peers.iter().map(|(s, _)| Value::UInt(*s as u64 + 1))),
            WinFunc::DenseRank => {
                let mut rank = 0u64;
                for (i, (s, _)) in peers.iter().enumerate() {
                    if *s == i {
                        rank += 1;
                    }
                    out.push(Value::UInt(rank));
                }
            }
            WinFunc::PercentRank => out.extend(
                peers.iter().map(|(s, _)| Value::Double(if n <= 1 { 0.0 } else { *s as f64 / (n - 1) as f64 })),
            ),
            WinFunc::CumeDist => out.extend(peers.iter().map(|(_, e)| Value::Double((*e + 1) as f64 / n as f64))),
            WinFunc::Ntile => {
                let k = positive_count(call, 0, ctx)?;
                let k = usize::try_from(k).unwrap_or(usize::MAX);
                out.extend((0..n).map(|i| Value::UInt(ntile_bucket(i, n, k) as u64)));
            }
            WinFunc::Lag | WinFunc::Lead => {
                let off = match call.args.get(1) {
                    Some(_) => offset_count(call, 1, ctx)?,
                    None => 1,
                };
                for i in 0..n {
                    let target = if call.func == WinFunc::Lag {
                        (i as u64).checked_sub(off)
                    } else {
                        (i as u64).checked_add(off).filter(|t| *t < n as u64)
                    };
                    out.push(match target {
                        Some(t) => call.args[0].eval(self.row(t as usize), ctx)?,
                        None => match call.args.get(2) {
                            Some(d) => d.eval(self.row(i), ctx)?,
                            None => Value::Null,
                        },
                    });
                }
            }
            WinFunc::FirstValue | WinFunc::LastValue | WinFunc::NthValue => {
                let nth = if call.func == WinFunc::NthValue { positive_count(call, 1, ctx)? } else { 1 };
                let frames = self.frames(&call.frame, &peers, ctx, &call.window)?;
                for (s, e) in frames {
                    let pos = match call.func {
                        WinFunc::FirstValue => (s <= e).then_some(s),
                        WinFunc::LastValue => (s <= e).then_some(e),
                        _ => {
                            let p = (s as u64).saturating_add(nth - 1);
                            (s <= e && p <= e as u64).then_some(p as usize)
                        }
                    };
                    out.push(match pos {
                        Some(p) => call.args[0].eval(self.row(p), ctx)?,
                        None => Value::Null,
                    });
                }
            }
            WinFunc::Agg => {
                let agg = call.agg.as_ref().ok_or_else(|| DbError::internal("window aggregate without a call"))?;
                let float = agg.ty.kind == TypeKind::Double && matches!(agg.func, AggFunc::Sum | AggFunc::Avg);
                let frames = self.frames(&call.frame, &peers, ctx, &call.window)?;
                // The running state covers [run_s, run_e) of the partition.
                let mut run = AggRun::new(agg, float);
                let (mut run_s, mut run_e) = (0usize, 0usize);
                let mut last: Option<((usize, usize), Value)> = None;
                for (s, e) in frames {
                    let (s, e_excl) = if s <= e { (s, e + 1) } else { (s, s) };
                    if let Some((k, v)) = &last {
                        if *k == (s, e_excl) || (s >= e_excl && k.0 >= k.1) {
                            out.push(v.clone());
                            continue;
                        }
                    }
                    if s != run_s || e_excl < run_e {
                        // A start that moved forward takes its rows out
                        // where the aggregate can; otherwise the frame is
                        // recomputed (KILL QUERY is checked each time).
                        let mut slid = s > run_s && s <= run_e && e_excl >= run_e;
                        while slid && run_s < s {
                            slid = run.remove(self.row(run_s), ctx)?;
                            run_s += 1;
                        }
                        if !slid {
                            check_killed(ctx)?;
                            run = AggRun::new(agg, float);
                            run_s = s;
                            run_e = s;
                        }
                    }
                    while run_e < e_excl {
                        run.add(self.row(run_e), ctx)?;
                        run_e += 1;
                    }
                    let v = run.clone().finish()?;
                    last = Some(((s, e_excl), v.clone()));
                    out.push(v);
                }
            }
        }
        Ok(out)
    }

    /// Each row's frame as positions `(start, end)`, inclusive; empty
    /// when `start > end`.
    fn frames(&self, f: &Frame, peers: &[(usize, usize)], ctx: &Ctx, window: &str) -> Result<Vec<(usize, usize)>> {
        let n = self.idx.len();
        let mut out = Vec::with_capacity(n);
        if n == 0 {
            return Ok(out);
        }
        let last = (n - 1) as i64;
        match f.units {
            FrameUnits::Rows => {
                let off = |o: &Offset| -> Result<i64> {
                    let v = o.value.eval(&[], ctx)?;
                    match v {
                        Value::Int(i) if i >= 0 => Ok(i),
                        Value::UInt(u) => Ok(u.min(i64::MAX as u64) as i64),
                        _ => Err(frame_illegal(window)),
                    }
                };
                let bound = |b: &FrameBound, i: i64| -> Result<i64> {
                    Ok(match b {
                        FrameBound::UnboundedPreceding => 0,
                        FrameBound::UnboundedFollowing => last,
                        FrameBound::CurrentRow => i,
                        FrameBound::Preceding(o) => i.saturating_sub(off(o)?),
                        FrameBound::Following(o) => i.saturating_add(off(o)?),
                    })
                };
                for i in 0..n as i64 {
                    let s = bound(&f.start, i)?.max(0);
                    let e = bound(&f.end, i)?.min(last);
                    out.push(if s > e || s > last || e < 0 { (1, 0) } else { (s as usize, e as usize) });
                }
            }
            FrameUnits::Range => {
                let asc = self.order.first().is_none_or(|(_, a)| *a);
                let offs = [&f.start, &f.end].map(|b| match b {
                    FrameBound::Preceding(o) | FrameBound::Following(o) => Some(o),
                    _ => None,
                });
                let mut vals: [Option<(Value, Option<String>)>; 2] = [None, None];
                for (k, o) in offs.iter().enumerate() {
                    if let Some(o) = o {
                        let v = o.value.eval(&[], ctx)?;
                        if v.is_null() || v.as_f64().is_none_or(|x| x < 0.0) {
                            return Err(frame_illegal(window));
                        }
                        vals[k] = Some((v, o.unit.clone()));
                    }
                }
                for (i, &(ps, pe)) in peers.iter().enumerate() {
                    let s = match &f.start {
                        FrameBound::UnboundedPreceding => 0,
                        FrameBound::CurrentRow => ps,
                        FrameBound::UnboundedFollowing => n,
                        b => {
                            let edge = self.edge(i, b, &vals[0], asc);
                            partition_point(n, |j| self.before_start(i, j, &edge, asc))
                        }
                    };
                    let e_excl = match &f.end {
                        FrameBound::UnboundedFollowing => n,
                        FrameBound::CurrentRow => pe + 1,
                        FrameBound::UnboundedPreceding => 0,
                        b => {
                            let edge = self.edge(i, b, &vals[1], asc);
                            partition_point(n, |j| !self.after_end(i, j, &edge, asc))
                        }
                    };
                    out.push(if s < e_excl { (s, e_excl - 1) } else { (1, 0) });
                }
            }
        }
        Ok(out)
    }

    /// The value a RANGE offset bound of row `i` stands at.
    fn edge(&self, i: usize, b: &FrameBound, off: &Option<(Value, Option<String>)>, asc: bool) -> Edge {
        let Some((off, unit)) = off else { return Edge::Below };
        let cur = self.key0(i);
        if cur.is_null() {
            return Edge::Value(Value::Null);
        }
        // PRECEDING moves toward the partition's start: smaller keys when
        // ascending, larger when descending.
        let toward_start = matches!(b, FrameBound::Preceding(_));
        let subtract = toward_start == asc;
        let shifted = match unit {
            Some(u) => {
                let dt = match cur {
                    Value::Date(d) => Some(d.and_time(chrono::NaiveTime::MIN)),
                    Value::DateTime(dt) => Some(*dt),
                    other => other.to_text().and_then(|s| crate::sql::value::parse_datetime(&s)),
                };
                // A composite amount is text: DATE_SUB marks its unit instead.
                let (amount, unit) = match (subtract, crate::sql::temporal::composite(u).is_some()) {
                    (true, true) => (Some(off.clone()), format!("-{u}")),
                    (true, false) => (negate(off), u.to_string()),
                    (false, _) => (Some(off.clone()), u.to_string()),
                };
                match (dt, amount) {
                    (Some(dt), Some(a)) => crate::sql::temporal::add_interval(dt, &a, &unit).map(Value::DateTime),
                    _ => None,
                }
            }
            None => {
                let op = if subtract { BinOp::Sub } else { BinOp::Add };
                expr::binary(op, cur.clone(), off.clone()).ok().filter(|v| !v.is_null())
            }
        };
        match shifted {
            Some(v) => Edge::Value(v),
            None if subtract => Edge::Below,
            None => Edge::Above,
        }
    }

    /// Is candidate `j` before row `i`'s frame start at `edge`?
    fn before_start(&self, i: usize, j: usize, edge: &Edge, asc: bool) -> bool {
        let cur = self.key0(i);
        let c = self.key0(j);
        // NULL keys sort first ascending, last descending; a NULL current
        // row's offset bounds stand at the NULLs.
        match (cur.is_null(), c.is_null()) {
            (true, true) => return false,
            (true, false) => return !asc,
            (false, true) => return asc,
            _ => {}
        }
        let o = match edge {
            Edge::Value(b) => compare(c, b).unwrap_or(Ordering::Equal),
            Edge::Below => Ordering::Greater,
            Edge::Above => Ordering::Less,
        };
        if asc {
            o == Ordering::Less
        } else {
            o == Ordering::Greater
        }
    }

    /// Is candidate `j` after row `i`'s frame end at `edge`?
    fn after_end(&self, i: usize, j: usize, edge: &Edge, asc: bool) -> bool {
        let cur = self.key0(i);
        let c = self.key0(j);
        match (cur.is_null(), c.is_null()) {
            (true, true) => return false,
            (true, false) => return asc,
            (false, true) => return !asc,
            _ => {}
        }
        let o = match edge {
            Edge::Value(b) => compare(c, b).unwrap_or(Ordering::Equal),
            Edge::Below => Ordering::Greater,
            Edge::Above => Ordering::Less,
        };
        if asc {
            o == Ordering::Greater
        } else {
            o == Ordering::Less
        }
    }
}

/// NTILE(k)'s bucket (1-based) of row `i` of `n`: the first `n % k`
/// buckets hold one row more than the others.
fn ntile_bucket(i: usize, n: usize, k: usize) -> usize {
    let k = k.max(1);
    let (q, r) = (n / k, n % k);
    if q == 0 {
        i + 1
    } else if i < r * (q + 1) {
        i / (q + 1) + 1
    } else {
        (i - r * (q + 1)) / q + r + 1
    }
}

/// The first position in `0..n` where `pred` is false (`pred` true then false).
fn partition_point(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

fn negate(v: &Value) -> Option<Value> {
    Some(match v {
        Value::Int(i) => Value::Int(i.checked_neg()?),
        Value::UInt(u) => Value::Int(i64::try_from(*u).ok()?.checked_neg()?),
        Value::Decimal(d) => Value::Decimal(-*d),
        Value::Double(d) => Value::Double(-*d),
        other => Value::Double(-other.as_f64()?),
    })
}

/// 3586 ER_WINDOW_FRAME_ILLEGAL.
pub fn frame_illegal(window: &str) -> DbError {
    DbError::new(
        3586,
        "HY000",
        format!("Window '{window}': frame start or end is negative, NULL or of non-integral type"),
    )
}

/// The integer argument `i` of a call (LAG/LEAD's offset): not NULL, not
/// negative, integral; 1210 otherwise.
fn offset_count(call: &WinCall, i: usize, ctx: &Ctx) -> Result<u64> {
    let v = call.args.get(i).map(|e| e.eval(&[], ctx)).transpose()?.unwrap_or(Value::Null);
    match v {
        Value::Int(n) if n >= 0 => Ok(n as u64),
        Value::UInt(n) => Ok(n),
        _ => Err(DbError::wrong_arguments(&call.name)),
    }
}

/// NTILE's bucket count or NTH_VALUE's row number: a positive integer.
fn positive_count(call: &WinCall, i: usize, ctx: &Ctx) -> Result<u64> {
    match offset_count(call, i, ctx)? {
        0 => Err(DbError::wrong_arguments(&call.name)),
        n => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_point_finds_the_first_false() {
        assert_eq!(partition_point(0, |_| true), 0);
        assert_eq!(partition_point(5, |j| j < 3), 3);
        assert_eq!(partition_point(5, |_| true), 5);
        assert_eq!(partition_point(5, |_| false), 0);
    }

    #[test]
    fn ntile_buckets_are_as_even_as_possible() {
        let b = |n, k| (0..n).map(|i| ntile_bucket(i, n, k)).collect::<Vec<_>>();
        assert_eq!(b(6, 4), [1, 1, 2, 2, 3, 4]);
        assert_eq!(b(6, 10), [1, 2, 3, 4, 5, 6]);
        assert_eq!(b(7, 3), [1, 1, 1, 2, 2, 3, 3]);
        assert_eq!(b(4, 1), [1, 1, 1, 1]);
        assert_eq!(b(0, 3), Vec::<usize>::new());
    }

    #[test]
    fn negation_of_offsets() {
        assert!(matches!(negate(&Value::Int(3)), Some(Value::Int(-3))));
        assert!(negate(&Value::Int(i64::MIN)).is_none());
        assert!(matches!(negate(&Value::UInt(2)), Some(Value::Int(-2))));
    }

    #[test]
    fn row_bytes_counts_heap_text() {
        let small = row_bytes(&[Value::Int(1)]);
        let big = row_bytes(&[Value::Str("x".repeat(1000))]);
        assert!(big >= small + 1000);
    }
}

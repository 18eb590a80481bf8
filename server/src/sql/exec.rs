//! Plan execution: each node produces its rows in order. Rows are
//! materialised per node (bounded by [`MAX_RESULT_ROWS`]); scans read only
//! the key ranges their access path names and stop early under a LIMIT.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::ops::Bound;

use chrono::NaiveDateTime;
use guocedb_engines::{prefix_successor, Direction, KeyRange};
use rust_decimal::Decimal;

use crate::catalog::keys::{encode_key_value, index_prefix};
use crate::catalog::row::decode_row;
use crate::catalog::{IndexDef, TableDef, PRIMARY_INDEX_ID};
use crate::error::{DbError, Result};
use crate::sql::expr::{BinOp, Ctx, Expr, DIV_PRECISION_INCREMENT};
use crate::sql::plan::{Access, AggCall, AggFunc, JoinKind, Plan, RangeSpec, RecursiveCte, ScanNode, SetOpKind};
use crate::sql::types::{SqlType, TypeKind};
use crate::sql::value::{self, compare, encode_group_key, order_cmp, Value};
use crate::txn::Transaction;

/// Upper bound on rows one plan node may materialise.
pub const MAX_RESULT_ROWS: usize = 50_000_000;

pub type Row = Vec<Value>;

/// What the running statement may read from its session.
#[derive(Debug, Clone, Default)]
pub struct SessionInfo {
    pub database: Option<String>,
    pub user: String,
    pub host: String,
    pub connection_id: u32,
    pub last_insert_id: u64,
    pub row_count: i64,
    pub found_rows: u64,
    /// The session's `time_zone`, seconds east of UTC (see `timezone`).
    pub time_zone: i32,
    /// The session's process-list entry (KILL's flags).
    pub process: Option<std::sync::Arc<crate::process::Process>>,
    /// `max_allowed_packet`: the longest JSON result a function builds
    /// (0: the default, 64 MiB).
    pub max_allowed_packet: usize,
}

/// The environment one statement executes in.
pub struct ExecEnv<'a> {
    pub txn: &'a Transaction,
    pub params: &'a [Value],
    pub session: &'a SessionInfo,
    /// The statement's start time (NOW() is constant within a statement).
    pub now: NaiveDateTime,
    pub rows_read: std::cell::Cell<u64>,
    /// Locking read: every row a scan returns is locked in this mode and
    /// read at its latest committed version (SELECT … FOR UPDATE / FOR
    /// SHARE, and the rows UPDATE and DELETE change).
    pub lock: Option<crate::txn::locks::LockMode>,
}

/// True when `exprs` hold a UDF call that is always evaluated (not behind
/// AND/OR, CASE or a conditional function), so computing it for a whole
/// batch of rows up front changes nothing but the number of boundary
/// crossings. [`take_batched_udfs`] walks the same positions.
fn has_batched_udf(exprs: &[Expr]) -> bool {
    fn visit(e: &Expr) -> bool {
        match e {
            Expr::Udf(..) => true,
            Expr::Bin(op, a, b) if !matches!(op, BinOp::And | BinOp::Or) => visit(a) || visit(b),
            Expr::Unary(_, a) | Expr::Cast(a, _) | Expr::IsNull(a, _) | Expr::IsBool(a, _, _) => visit(a),
            _ => false,
        }
    }
    exprs.iter().any(visit)
}

/// Move each always-evaluated UDF call out of `e` into `calls`, leaving
/// `Col(width + j)` where the j-th one stood.
fn take_batched_udfs(e: &mut Expr, width: usize, calls: &mut Vec<Expr>) {
    match e {
        Expr::Udf(..) => {
            let col = Expr::Col(width + calls.len());
            calls.push(std::mem::replace(e, col));
        }
        Expr::Bin(op, a, b) if !matches!(op, BinOp::And | BinOp::Or) => {
            take_batched_udfs(a, width, calls);
            take_batched_udfs(b, width, calls);
        }
        Expr::Unary(_, a) | Expr::Cast(a, _) | Expr::IsNull(a, _) | Expr::IsBool(a, _, _) => {
            take_batched_udfs(a, width, calls)
        }
        _ => {}
    }
}

/// Evaluate `exprs` over `rows`, calling each always-evaluated UDF once per
/// batch of rows instead of once per row: its results become extra columns
/// that a rewritten copy of the expressions reads.
fn eval_with_batched_udfs(rows: &[Row], exprs: &[Expr], ctx: &Ctx) -> Result<Vec<Row>> {
    let Some(width) = rows.first().map(Vec::len) else { return Ok(Vec::new()) };
    let mut rewritten: Vec<Expr> = exprs.to_vec();
    let mut calls = Vec::new();
    rewritten.iter_mut().for_each(|e| take_batched_udfs(e, width, &mut calls));
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(crate::wasm::BATCH_ROWS) {
        let mut extra: Vec<Vec<Value>> = Vec::with_capacity(calls.len());
        for call in &calls {
            let Expr::Udf(u, args) = call else { return Err(DbError::internal("batched call is not a UDF")) };
            let mut batch = Vec::with_capacity(chunk.len());
            for r in chunk {
                let vals = args.iter().map(|a| a.eval(r, ctx)).collect::<Result<Vec<_>>>()?;
                batch.push(u.encode_args(&vals));
            }
            extra.push(u.call_scalar(&batch)?);
        }
        for (i, r) in chunk.iter().enumerate() {
            let mut wide = Vec::with_capacity(width + extra.len());
            wide.extend_from_slice(r);
            wide.extend(extra.iter().map(|col| col[i].clone()));
            out.push(rewritten.iter().map(|e| e.eval(&wide, ctx)).collect::<Result<Vec<_>>>()?);
        }
    }
    Ok(out)
}

fn check_size(n: usize) -> Result<()> {
    if n > MAX_RESULT_ROWS {
        return Err(DbError::limit("result buffer"));
    }
    Ok(())
}

/// Run `plan`, returning at most `limit` rows when given (a hint: callers
/// still apply their own limits).
pub fn run_plan(plan: &Plan, ctx: &Ctx, limit: Option<usize>) -> Result<Vec<Row>> {
    match plan {
        Plan::Dual => Ok(vec![vec![]]),
        Plan::Scan(node) => Ok(scan(node, ctx, limit)?.into_iter().map(|(_, r)| r).collect()),
        Plan::Values(rows) => rows.iter().map(|r| r.iter().map(|e| e.eval(&[], ctx)).collect()).collect(),
        Plan::TableFunction(u, args) => {
            let vals = args.iter().map(|a| a.eval(&[], ctx)).collect::<Result<Vec<_>>>()?;
            let rows = u.call_table(u.encode_args(&vals))?;
            check_size(rows.len())?;
            Ok(rows)
        }
        Plan::Filter(input, pred) if has_batched_udf(std::slice::from_ref(pred)) => {
            let rows = run_plan(input, ctx, None)?;
            let keep = eval_with_batched_udfs(&rows, std::slice::from_ref(pred), ctx)?;
            let mut out = Vec::new();
            for (r, k) in rows.into_iter().zip(keep) {
                if k.first().and_then(Value::truth) == Some(true) {
                    out.push(r);
                    if limit.is_some_and(|l| out.len() >= l) {
                        break;
                    }
                }
            }
            Ok(out)
        }
        Plan::Filter(input, pred) => {
            let rows = run_plan(input, ctx, None)?;
            let mut out = Vec::new();
            for r in rows {
                if pred.eval(&r, ctx)?.truth() == Some(true) {
                    out.push(r);
                    if limit.is_some_and(|l| out.len() >= l) {
                        break;
                    }
                }
            }
            Ok(out)
        }
        Plan::Project(input, exprs) => {
            let rows = run_plan(input, ctx, limit)?;
            if has_batched_udf(exprs) {
                return eval_with_batched_udfs(&rows, exprs, ctx);
            }
            rows.iter().map(|r| exprs.iter().map(|e| e.eval(r, ctx)).collect()).collect()
        }
        Plan::Join { left, right, kind, on, equi, left_width, right_width } => {
            let l = run_plan(left, ctx, None)?;
            let r = run_plan(right, ctx, None)?;
            join(l, r, *kind, on.as_ref(), equi, *left_width, *right_width, ctx)
        }
        Plan::Aggregate { input, group, aggs } => {
            let rows = run_plan(input, ctx, None)?;
            aggregate(rows, group, aggs, ctx)
        }
        Plan::Sort { input, keys } => {
            let rows = run_plan(input, ctx, None)?;
            let mut decorated: Vec<(Vec<Value>, Row)> = Vec::with_capacity(rows.len());
            for r in rows {
                let k = keys.iter().map(|(e, _)| e.eval(&r, ctx)).collect::<Result<Vec<_>>>()?;
                decorated.push((k, r));
            }
            decorated.sort_by(|a, b| compare_sort_keys(&a.0, &b.0, keys));
            Ok(decorated.into_iter().map(|(_, r)| r).collect())
        }
        Plan::Limit { input, limit: lim, offset } => {
            let lim = eval_count(lim.as_ref(), ctx)?;
            let off = eval_count(offset.as_ref(), ctx)?.unwrap_or(0);
            let hint = lim.map(|l| l.saturating_add(off));
            let rows = run_plan(input, ctx, hint)?;
            Ok(rows.into_iter().skip(off).take(lim.unwrap_or(usize::MAX)).collect())
        }
        Plan::Distinct(input, n, binary) => {
            let rows = run_plan(input, ctx, None)?;
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for r in rows {
                let mut k = Vec::new();
                for (i, v) in r[..*n].iter().enumerate() {
                    match v {
                        // A case-sensitive string: its bytes are the key.
                        Value::Str(s) if binary.get(i) == Some(&true) => {
                            encode_group_key(&Value::Bytes(s.as_bytes().to_vec()), &mut k)
                        }
                        v => encode_group_key(v, &mut k),
                    }
                }
                if seen.insert(k) {
                    out.push(r);
                    if limit.is_some_and(|l| out.len() >= l) {
                        break;
                    }
                }
            }
            Ok(out)
        }
        Plan::Truncate(input, n) => {
            let rows = run_plan(input, ctx, limit)?;
            Ok(rows
                .into_iter()
                .map(|mut r| {
                    r.truncate(*n);
                    r
                })
                .collect())
        }
        Plan::SetOp { left, right, op, all } => {
            let l = run_plan(left, ctx, None)?;
            let r = run_plan(right, ctx, None)?;
            set_op(l, r, *op, *all)
        }
        Plan::WorkTable(work) => Ok(work.lock().map_err(|_| DbError::internal("CTE work table poisoned"))?.clone()),
        Plan::Window(node) => crate::sql::window::run(node, ctx, limit),
        Plan::RecursiveCte(cte) => {
            let r = recursive_cte(cte, ctx);
            if let Ok(mut w) = cte.work.lock() {
                w.clear();
            }
            r
        }
    }
}

/// Run a recursive CTE: the non-recursive part once, then the recursive
/// part over the rows the previous iteration added, until one adds none
/// (or the body's LIMIT + OFFSET rows exist). Every row takes the non-recursive part's
/// column types.
fn recursive_cte(cte: &RecursiveCte, ctx: &Ctx) -> Result<Vec<Row>> {
    let limit = match eval_count(cte.limit.as_ref(), ctx)? {
        Some(l) => Some(l.saturating_add(eval_count(cte.offset.as_ref(), ctx)?.unwrap_or(0))),
        None => None,
    };
    let mut seen = HashSet::new();
    let mut out: Vec<Row> = Vec::new();
    let mut add = |rows: Vec<Row>, out: &mut Vec<Row>| -> Result<Vec<Row>> {
        let mut fresh = Vec::new();
        for row in rows {
            let mut conv = Vec::with_capacity(row.len());
            for (i, v) in row.into_iter().enumerate() {
                conv.push(cte_value(cte, i, v, out.len() + fresh.len() + 1)?);
            }
            if cte.distinct && !seen.insert(row_key(&conv)) {
                continue;
            }
            fresh.push(conv);
        }
        out.extend(fresh.iter().cloned());
        check_size(out.len())?;
        Ok(fresh)
    };
    let mut fresh = add(run_plan(&cte.anchor, ctx, None)?, &mut out)?;
    let mut iterations: u64 = 0;
    while !fresh.is_empty() && limit.is_none_or(|l| out.len() < l) {
        iterations += 1;
        if iterations > cte.max_depth {
            return Err(DbError::new(
                3636,
                "HY000",
                format!(
                    "Recursive query aborted after {iterations} iterations. Try increasing @@cte_max_recursion_depth to a larger value."
                ),
            ));
        }
        *cte.work.lock().map_err(|_| DbError::internal("CTE work table poisoned"))? = fresh;
        let rows = run_plan(&cte.recursive, ctx, None)?;
        fresh = add(rows, &mut out)?;
    }
    Ok(out)
}

/// Convert a CTE row's value to its column's type: strings longer than the
/// column and integers out of its range are errors in strict mode and
/// are cut or clamped otherwise, as storing them in a temporary table is.
fn cte_value(cte: &RecursiveCte, col: usize, v: Value, row: usize) -> Result<Value> {
    let ty = &cte.types[col];
    let fits = matches!(ty.kind, TypeKind::Char | TypeKind::Varchar | TypeKind::Binary | TypeKind::Varbinary)
        || ty.is_integer();
    if !fits || v.is_null() {
        return Ok(v);
    }
    if cte.strict {
        crate::sql::table::coerce(v, &cte.names[col], ty, row)
    } else {
        Ok(crate::sql::table::coerce_lenient(v, ty))
    }
}

/// ORDER BY comparison of two rows' evaluated sort keys; `keys` gives each
/// key's direction (true = ascending). NULLs sort first ascending.
pub fn compare_sort_keys(a: &[Value], b: &[Value], keys: &[(Expr, bool)]) -> Ordering {
    for (i, (_, asc)) in keys.iter().enumerate() {
        let o = order_cmp(&a[i], &b[i]);
        if o != Ordering::Equal {
            return if *asc { o } else { o.reverse() };
        }
    }
    Ordering::Equal
}

fn eval_count(e: Option<&Expr>, ctx: &Ctx) -> Result<Option<usize>> {
    match e {
        None => Ok(None),
        Some(e) => {
            let v = e.eval(&[], ctx)?;
            match v {
                Value::Int(i) if i >= 0 => Ok(Some(i as usize)),
                Value::UInt(u) => Ok(Some(u.min(usize::MAX as u64) as usize)),
                _ => Err(DbError::wrong_arguments("LIMIT")),
            }
        }
    }
}

fn row_key(r: &[Value]) -> Vec<u8> {
    let mut k = Vec::new();
    for v in r {
        encode_group_key(v, &mut k);
    }
    k
}

fn set_op(l: Vec<Row>, r: Vec<Row>, op: SetOpKind, all: bool) -> Result<Vec<Row>> {
    Ok(match op {
        SetOpKind::Union => {
            let mut out = l;
            out.extend(r);
            check_size(out.len())?;
            if all {
                out
            } else {
                let mut seen = HashSet::new();
                out.into_iter().filter(|row| seen.insert(row_key(row))).collect()
            }
        }
        SetOpKind::Intersect | SetOpKind::Except => {
            let mut counts: HashMap<Vec<u8>, usize> = HashMap::new();
            for row in &r {
                *counts.entry(row_key(row)).or_default() += 1;
            }
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for row in l {
                let k = row_key(&row);
                let in_right = counts.get(&k).copied().unwrap_or(0);
                let keep = if op == SetOpKind::Intersect { in_right > 0 } else { in_right == 0 };
                if !keep {
                    continue;
                }
                if all {
                    if op == SetOpKind::Intersect {
                        if let Some(c) = counts.get_mut(&k) {
                            *c -= 1;
                        }
                    }
                    out.push(row);
                } else if seen.insert(k) {
                    out.push(row);
                }
            }
            out
        }
    })
}

/// 1317 once the statement has been killed (`KILL QUERY`): checked per
/// scanned row and per joined pair, where a statement's time goes.
pub(crate) fn check_killed(ctx: &Ctx) -> Result<()> {
    match &ctx.env.session.process {
        Some(p) => p.check(),
        None => Ok(()),
    }
}

#[allow(clippy::too_many_arguments)]
fn join(
    l: Vec<Row>,
    r: Vec<Row>,
    kind: JoinKind,
    on: Option<&Expr>,
    equi: &[(usize, usize)],
    lw: usize,
    rw: usize,
    ctx: &Ctx,
) -> Result<Vec<Row>> {
    let mut out = Vec::new();
    let passes = |row: &Row| -> Result<bool> {
        Ok(match on {
            Some(e) => e.eval(row, ctx)?.truth() == Some(true),
            None => true,
        })
    };
    let key_of = |row: &Row, cols: &mut dyn Iterator<Item = usize>| -> Option<Vec<u8>> {
        let mut k = Vec::new();
        for c in cols {
            let v = &row[c];
            if v.is_null() {
                return None;
            }
            encode_group_key(v, &mut k);
        }
        Some(k)
    };
    match kind {
        JoinKind::Inner | JoinKind::Left => {
            let index: Option<HashMap<Vec<u8>, Vec<usize>>> = if equi.is_empty() {
                None
            } else {
                let mut m: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
                for (i, row) in r.iter().enumerate() {
                    if let Some(k) = key_of(row, &mut equi.iter().map(|(_, rc)| *rc)) {
                        m.entry(k).or_default().push(i);
                    }
                }
                Some(m)
            };
            let all: Vec<usize> = (0..r.len()).collect();
            for lrow in &l {
                let mut matched = false;
                let candidates: &[usize] = match &index {
                    Some(m) => match key_of(lrow, &mut equi.iter().map(|(lc, _)| *lc)) {
                        Some(k) => m.get(&k).map(Vec::as_slice).unwrap_or(&[]),
                        None => &[],
                    },
                    None => &all,
                };
                for &ri in candidates {
                    check_killed(ctx)?;
                    let mut row = Vec::with_capacity(lw + rw);
                    row.extend_from_slice(lrow);
                    row.extend_from_slice(&r[ri]);
                    if passes(&row)? {
                        matched = true;
                        out.push(row);
                        check_size(out.len())?;
                    }
                }
                if !matched && kind == JoinKind::Left {
                    let mut row = lrow.clone();
                    row.extend(std::iter::repeat_n(Value::Null, rw));
                    out.push(row);
                }
            }
        }
        JoinKind::Right => {
            for rrow in &r {
                let mut matched = false;
                for lrow in &l {
                    check_killed(ctx)?;
                    let mut row = Vec::with_capacity(lw + rw);
                    row.extend_from_slice(lrow);
                    row.extend_from_slice(rrow);
                    if passes(&row)? {
                        matched = true;
                        out.push(row);
                        check_size(out.len())?;
                    }
                }
                if !matched {
                    let mut row: Row = std::iter::repeat_n(Value::Null, lw).collect();
                    row.extend_from_slice(rrow);
                    out.push(row);
                }
            }
        }
    }
    Ok(out)
}

// ----- aggregation -----------------------------------------------------------

#[derive(Clone)]
enum Acc {
    Count(i64),
    SumInt(Option<Decimal>),
    SumF(Option<f64>),
    Avg {
        sum: Decimal,
        sumf: f64,
        n: i64,
        float: bool,
    },
    MinMax(Option<Value>),
    Concat(Vec<(Vec<Value>, String)>),
    Any(Option<Value>),
    Bits(u64),
    Moments {
        n: f64,
        mean: f64,
        m2: f64,
    },
    /// A loadable aggregate: the argument rows, fed to the module at finish.
    Wasm(Vec<Vec<guocedb_udf::abi::Value>>),
    /// JSON_ARRAYAGG / JSON_OBJECTAGG.
    Json(crate::sql::jsonfn::AggState),
}

/// One aggregate's running state (also a window aggregate's over its frame).
#[derive(Clone)]
pub(crate) struct AggRun<'a> {
    call: &'a AggCall,
    acc: Acc,
    seen: Option<HashSet<Vec<u8>>>,
    /// Non-NULL values added (and not removed again).
    added: u64,
}

impl<'a> AggRun<'a> {
    pub(crate) fn new(call: &'a AggCall, float_input: bool) -> Self {
        let acc = match call.func {
            AggFunc::CountStar | AggFunc::Count => Acc::Count(0),
            AggFunc::Sum if float_input => Acc::SumF(None),
            AggFunc::Sum => Acc::SumInt(None),
            AggFunc::Avg => Acc::Avg { sum: Decimal::ZERO, sumf: 0.0, n: 0, float: float_input },
            AggFunc::Min | AggFunc::Max => Acc::MinMax(None),
            AggFunc::GroupConcat => Acc::Concat(Vec::new()),
            AggFunc::AnyValue => Acc::Any(None),
            AggFunc::BitAnd => Acc::Bits(u64::MAX),
            AggFunc::BitOr | AggFunc::BitXor => Acc::Bits(0),
            AggFunc::StdPop | AggFunc::StdSamp | AggFunc::VarPop | AggFunc::VarSamp => {
                Acc::Moments { n: 0.0, mean: 0.0, m2: 0.0 }
            }
            AggFunc::Wasm => Acc::Wasm(Vec::new()),
            AggFunc::JsonArrayAgg | AggFunc::JsonObjectAgg => Acc::Json(Default::default()),
        };
        Self { call, acc, seen: if call.distinct { Some(HashSet::new()) } else { None }, added: 0 }
    }

    pub(crate) fn add(&mut self, row: &Row, ctx: &Ctx) -> Result<()> {
        if self.call.func == AggFunc::CountStar {
            if let Acc::Count(n) = &mut self.acc {
                *n += 1;
            }
            return Ok(());
        }
        let vals: Vec<Value> = self.call.args.iter().map(|a| a.eval(row, ctx)).collect::<Result<_>>()?;
        if let (Acc::Wasm(rows), Some(u)) = (&mut self.acc, &self.call.udf) {
            // NULLs go to the function too: a loadable aggregate decides.
            rows.push(u.encode_args(&vals));
            return Ok(());
        }
        if let Acc::Json(st) = &mut self.acc {
            // NULL values are JSON nulls; a NULL key is an error.
            let limit = crate::sql::jsonfn::result_limit(ctx);
            return match vals.as_slice() {
                [k, v] => st.add(Some(k), v, limit),
                [v] => st.add(None, v, limit),
                _ => Ok(()),
            };
        }
        if self.call.func != AggFunc::AnyValue && vals.iter().any(Value::is_null) {
            return Ok(());
        }
        if let Some(seen) = &mut self.seen {
            if !seen.insert(row_key(&vals)) {
                return Ok(());
            }
        }
        let v = vals.into_iter().next().unwrap_or(Value::Null);
        self.added += 1;
        match &mut self.acc {
            Acc::Count(n) => *n += 1,
            Acc::SumInt(s) => {
                let d = v.as_decimal().unwrap_or_default();
                *s = Some(match s {
                    Some(x) => x.checked_add(d).ok_or_else(|| DbError::arith_range("DECIMAL", "sum"))?,
                    None => d,
                });
            }
            Acc::SumF(s) => *s = Some(s.unwrap_or(0.0) + v.as_f64().unwrap_or(0.0)),
            Acc::Avg { sum, sumf, n, float } => {
                if *float {
                    *sumf += v.as_f64().unwrap_or(0.0);
                } else {
                    *sum = sum
                        .checked_add(v.as_decimal().unwrap_or_default())
                        .ok_or_else(|| DbError::arith_range("DECIMAL", "avg"))?;
                }
                *n += 1;
            }
            Acc::MinMax(cur) => {
                let replace = match cur {
                    None => true,
                    Some(c) => {
                        // MIN/MAX of JSON values order them as JSON.
                        let o = if self.call.ty.kind == TypeKind::Json {
                            crate::sql::jsonfn::compare_texts(&v, c)
                        } else {
                            compare(&v, c).unwrap_or(Ordering::Equal)
                        };
                        (self.call.func == AggFunc::Min && o == Ordering::Less)
                            || (self.call.func == AggFunc::Max && o == Ordering::Greater)
                    }
                };
                if replace {
                    *cur = Some(v);
                }
            }
            Acc::Concat(items) => {
                let keys = self.call.order_by.iter().map(|(e, _)| e.eval(row, ctx)).collect::<Result<Vec<_>>>()?;
                let text: String = self
                    .call
                    .args
                    .iter()
                    .map(|a| a.eval(row, ctx).map(|x| x.to_text().unwrap_or_default()))
                    .collect::<Result<Vec<_>>>()?
                    .concat();
                items.push((keys, text));
            }
            Acc::Any(cur) => {
                if cur.is_none() {
                    *cur = Some(v);
                }
            }
            Acc::Bits(b) => {
                let x = match &v {
                    Value::UInt(u) => *u,
                    other => other.as_i128().unwrap_or(0) as u64,
                };
                match self.call.func {
                    AggFunc::BitAnd => *b &= x,
                    AggFunc::BitOr => *b |= x,
                    _ => *b ^= x,
                }
            }
            Acc::Wasm(_) | Acc::Json(_) => {} // fed above
            Acc::Moments { n, mean, m2 } => {
                let x = v.as_f64().unwrap_or(0.0);
                *n += 1.0;
                let d = x - *mean;
                *mean += d / *n;
                *m2 += d * (x - *mean);
            }
        }
        Ok(())
    }

    /// Take a row that [`AggRun::add`] added out again (a window frame's
    /// start moved past it). Only exact accumulations can: COUNT, SUM and
    /// AVG of exact numbers, BIT_XOR; `false` (nothing changed) for the
    /// others, which the caller recomputes.
    pub(crate) fn remove(&mut self, row: &Row, ctx: &Ctx) -> Result<bool> {
        let invertible = self.seen.is_none()
            && match &self.acc {
                Acc::Count(_) | Acc::SumInt(_) => true,
                Acc::Avg { float, .. } => !*float,
                Acc::Bits(_) => self.call.func == AggFunc::BitXor,
                _ => false,
            };
        if !invertible {
            return Ok(false);
        }
        if self.call.func == AggFunc::CountStar {
            if let Acc::Count(n) = &mut self.acc {
                *n -= 1;
            }
            return Ok(true);
        }
        let vals: Vec<Value> = self.call.args.iter().map(|a| a.eval(row, ctx)).collect::<Result<_>>()?;
        if vals.iter().any(Value::is_null) {
            return Ok(true);
        }
        let v = vals.into_iter().next().unwrap_or(Value::Null);
        self.added = self.added.saturating_sub(1);
        match &mut self.acc {
            Acc::Count(n) => *n -= 1,
            Acc::SumInt(s) => {
                if self.added == 0 {
                    *s = None;
                } else if let Some(x) = s {
                    let d = v.as_decimal().unwrap_or_default();
                    *x = x.checked_sub(d).ok_or_else(|| DbError::arith_range("DECIMAL", "sum"))?;
                }
            }
            Acc::Avg { sum, n, .. } => {
                *sum = sum
                    .checked_sub(v.as_decimal().unwrap_or_default())
                    .ok_or_else(|| DbError::arith_range("DECIMAL", "avg"))?;
                *n -= 1;
            }
            Acc::Bits(b) => {
                *b ^= match &v {
                    Value::UInt(u) => *u,
                    other => other.as_i128().unwrap_or(0) as u64,
                }
            }
            _ => {}
        }
        Ok(true)
    }

    pub(crate) fn finish(self) -> Result<Value> {
        if let (Acc::Wasm(rows), Some(u)) = (&self.acc, &self.call.udf) {
            let mut run = u.aggregate()?;
            let h = run.new_group()?;
            for chunk in rows.chunks(crate::wasm::BATCH_ROWS) {
                run.add(h, chunk)?;
            }
            return run.finish(h);
        }
        Ok(match self.acc {
            Acc::Count(n) => Value::Int(n),
            Acc::SumInt(s) => s.map(|d| Value::Decimal(crate::sql::expr::no_neg_zero(d))).unwrap_or(Value::Null),
            Acc::SumF(s) => s.map(Value::Double).unwrap_or(Value::Null),
            Acc::Avg { n: 0, .. } => Value::Null,
            Acc::Avg { sumf, n, float: true, .. } => Value::Double(sumf / n as f64),
            Acc::Avg { sum, n, .. } => {
                let scale = sum.scale() + DIV_PRECISION_INCREMENT;
                let mut q = (sum / Decimal::from(n))
                    .round_dp_with_strategy(scale, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
                q.rescale(scale);
                Value::Decimal(q)
            }
            Acc::MinMax(v) | Acc::Any(v) => v.unwrap_or(Value::Null),
            Acc::Concat(mut items) => {
                if items.is_empty() {
                    return Ok(Value::Null);
                }
                let order = &self.call.order_by;
                if !order.is_empty() {
                    items.sort_by(|a, b| compare_sort_keys(&a.0, &b.0, order));
                }
                let mut s = items.into_iter().map(|(_, t)| t).collect::<Vec<_>>().join(&self.call.separator);
                // group_concat_max_len defaults to 1024 bytes.
                if s.len() > 1024 {
                    let mut cut = 1024;
                    while !s.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    s.truncate(cut);
                }
                Value::Str(s)
            }
            Acc::Bits(b) => Value::UInt(b),
            Acc::Moments { n, m2, .. } => {
                let (num, den) = match self.call.func {
                    AggFunc::StdPop | AggFunc::VarPop => (m2, n),
                    _ => (m2, n - 1.0),
                };
                if n == 0.0 || den <= 0.0 {
                    return Ok(Value::Null);
                }
                let var = num / den;
                Value::Double(if matches!(self.call.func, AggFunc::StdPop | AggFunc::StdSamp) {
                    var.sqrt()
                } else {
                    var
                })
            }
            Acc::Wasm(_) => Value::Null,
            Acc::Json(st) => st.finish(self.call.func == AggFunc::JsonObjectAgg)?,
        })
    }
}

fn aggregate(rows: Vec<Row>, group: &[Expr], aggs: &[AggCall], ctx: &Ctx) -> Result<Vec<Row>> {
    let float_inputs: Vec<bool> =
        aggs.iter().map(|a| a.ty.kind == TypeKind::Double && matches!(a.func, AggFunc::Sum | AggFunc::Avg)).collect();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut groups: Vec<(Row, Vec<AggRun>)> = Vec::new();
    // A group expression marked BinaryCollate (a case-sensitive string)
    // keys on its bytes but yields its text.
    let binary_key: Vec<bool> =
        group.iter().map(|g| matches!(g, Expr::Func(crate::sql::func::Func::BinaryCollate, _))).collect();
    let any_binary = binary_key.contains(&true);
    for r in &rows {
        let gvals = group
            .iter()
            .map(|g| match g {
                Expr::Func(crate::sql::func::Func::BinaryCollate, inner) if inner.len() == 1 => inner[0].eval(r, ctx),
                g => g.eval(r, ctx),
            })
            .collect::<Result<Vec<_>>>()?;
        let key = if any_binary {
            let keyed: Vec<Value> = gvals
                .iter()
                .zip(&binary_key)
                .map(|(v, b)| match (v, b) {
                    (Value::Str(s), true) => Value::Bytes(s.as_bytes().to_vec()),
                    (v, _) => v.clone(),
                })
                .collect();
            row_key(&keyed)
        } else {
            row_key(&gvals)
        };
        let gi = match index.get(&key) {
            Some(&i) => i,
            None => {
                let runs = aggs.iter().zip(&float_inputs).map(|(a, f)| AggRun::new(a, *f)).collect();
                groups.push((gvals, runs));
                index.insert(key, groups.len() - 1);
                groups.len() - 1
            }
        };
        for run in &mut groups[gi].1 {
            run.add(r, ctx)?;
        }
    }
    if groups.is_empty() && group.is_empty() {
        let runs = aggs.iter().zip(&float_inputs).map(|(a, f)| AggRun::new(a, *f)).collect();
        groups.push((vec![], runs));
    }
    groups
        .into_iter()
        .map(|(mut g, runs)| {
            for r in runs {
                g.push(r.finish()?);
            }
            Ok(g)
        })
        .collect()
}

// ----- scans ---------------------------------------------------------------

/// Convert `v` to a column type for key encoding. Returns the converted
/// value and whether the conversion was exact.
/// `v` as a key of a column of type `ty`, and whether the conversion was
/// exact; a TIMESTAMP is moved from the session's zone (`tz`) to UTC, as
/// stored.
fn key_value(v: &Value, ty: &SqlType, tz: i32) -> Option<(Value, bool)> {
    if v.is_null() {
        return None;
    }
    if ty.is_integer() {
        let (lo, hi) = ty.int_range();
        return match v {
            Value::Int(_) | Value::UInt(_) => {
                let i = v.as_i128()?;
                let c = i.clamp(lo, hi);
                Some((int_value(c, ty.unsigned), c == i))
            }
            _ => {
                let f = v.as_f64()?;
                let fl = f.floor();
                let c = (fl as i128).clamp(lo, hi);
                Some((int_value(c, ty.unsigned), fl == f && c as f64 == fl))
            }
        };
    }
    match ty.kind {
        TypeKind::Float | TypeKind::Double => Some((Value::Double(v.as_f64()?), true)),
        TypeKind::Decimal => {
            let d = v.as_decimal()?;
            let mut r = d.trunc_with_scale(ty.scale as u32);
            r.rescale(ty.scale as u32);
            let exact = r == d;
            Some((Value::Decimal(r), exact))
        }
        TypeKind::Date => match v {
            Value::Date(_) => Some((v.clone(), true)),
            Value::DateTime(dt) => Some((Value::Date(dt.date()), dt.time() == chrono::NaiveTime::MIN)),
            other => {
                let dt = value::parse_datetime(&other.to_text()?)?;
                Some((Value::Date(dt.date()), dt.time() == chrono::NaiveTime::MIN))
            }
        },
        TypeKind::DateTime | TypeKind::Timestamp => {
            let dt = match v {
                Value::DateTime(dt) => *dt,
                Value::Date(d) => d.and_time(chrono::NaiveTime::MIN),
                other => value::parse_datetime(&other.to_text()?)?,
            };
            let dt = if ty.kind == TypeKind::Timestamp { crate::sql::timezone::to_utc(dt, tz) } else { dt };
            Some((Value::DateTime(dt), true))
        }
        // Unconvertible values give `None`: the scan then leaves the
        // decision to the residual filter.
        TypeKind::Time => Some((Value::Time(crate::sql::conversion::to_time(v, 6).ok()?), true)),
        TypeKind::Year => Some((Value::Int(crate::sql::conversion::to_year(v).ok()?), true)),
        TypeKind::Bit => {
            let f = v.as_f64()?;
            let fl = f.floor();
            let max = if ty.len >= 64 { u64::MAX as f64 } else { ((1u64 << ty.len) - 1) as f64 };
            let c = fl.clamp(0.0, max);
            Some((Value::UInt(c as u64), fl == f && c == fl))
        }
        TypeKind::Enum => {
            let (n, text) = crate::sql::conversion::to_enum(v, ty.members())?;
            Some((Value::Enum(n, text), true))
        }
        TypeKind::Set => {
            let (n, text) = crate::sql::conversion::to_set(v, ty.members())?;
            Some((Value::Enum(n, text), true))
        }
        _ => Some((Value::Str(v.to_text()?), true)),
    }
}

fn int_value(i: i128, unsigned: bool) -> Value {
    if unsigned {
        Value::UInt(i as u64)
    } else {
        Value::Int(i as i64)
    }
}

/// Build the engine key range for one [`RangeSpec`], or `None` when the
/// range provably matches nothing.
fn build_range(
    table: &TableDef,
    index_cols: &[usize],
    index_id: u32,
    spec: &RangeSpec,
    ctx: &Ctx,
) -> Result<Option<KeyRange>> {
    let mut prefix = index_prefix(table.id, index_id);
    for (i, e) in spec.eq.iter().enumerate() {
        let ty = &table.columns[index_cols[i]].ty;
        let v = e.eval(&[], ctx)?;
        match key_value(&v, ty, ctx.env.session.time_zone) {
            Some((kv, true)) => encode_key_value(&kv, ty, &mut prefix),
            Some((_, false)) | None if v.is_null() || key_value(&v, ty, ctx.env.session.time_zone).is_some() => {
                return Ok(None)
            }
            _ => {
                // Not convertible (e.g. an unparsable date): scan the prefix
                // so far and let the residual filter decide.
                return Ok(Some(KeyRange::prefix(&prefix)));
            }
        }
    }
    let next_col = index_cols.get(spec.eq.len()).map(|c| &table.columns[*c].ty);
    let mut start = Bound::Included(prefix.clone());
    let mut end = match prefix_successor(&prefix) {
        Some(e) => Bound::Excluded(e),
        None => Bound::Unbounded,
    };
    if let Some(ty) = next_col {
        if let Some((e, inclusive)) = &spec.lo {
            let v = e.eval(&[], ctx)?;
            if v.is_null() {
                return Ok(None);
            }
            if let Some((kv, exact)) = key_value(&v, ty, ctx.env.session.time_zone) {
                let mut k = prefix.clone();
                encode_key_value(&kv, ty, &mut k);
                start = if *inclusive || !exact {
                    Bound::Included(k)
                } else {
                    match prefix_successor(&k) {
                        Some(s) => Bound::Included(s),
                        None => return Ok(None),
                    }
                };
            }
        } else {
            // Skip NULLs: a range predicate never matches NULL.
            let mut k = prefix.clone();
            k.push(0x01);
            start = Bound::Included(k);
        }
        if let Some((e, inclusive)) = &spec.hi {
            let v = e.eval(&[], ctx)?;
            if v.is_null() {
                return Ok(None);
            }
            if let Some((kv, exact)) = key_value(&v, ty, ctx.env.session.time_zone) {
                let mut k = prefix.clone();
                // An inexact conversion rounded down: include that value.
                encode_key_value(&kv, ty, &mut k);
                end = if *inclusive || !exact {
                    match prefix_successor(&k) {
                        Some(s) => Bound::Excluded(s),
                        None => Bound::Unbounded,
                    }
                } else {
                    Bound::Excluded(k)
                };
            }
        }
    }
    Ok(Some(KeyRange { start, end }))
}

/// Where a scan puts the rows that pass its filter; with a batched (UDF)
/// filter, rows wait in `keys`/`rows` until a batch is full.
struct Sink<'f> {
    out: Vec<(Vec<u8>, Row)>,
    batch: Option<&'f Expr>,
    keys: Vec<Vec<u8>>,
    rows: Vec<Row>,
}

impl Sink<'_> {
    /// Filter the waiting rows as one batch; true once `limit` rows passed.
    fn flush(&mut self, ctx: &Ctx, limit: Option<usize>) -> Result<bool> {
        let Some(f) = self.batch else { return Ok(false) };
        if self.rows.is_empty() {
            return Ok(false);
        }
        let verdicts = eval_with_batched_udfs(&self.rows, std::slice::from_ref(f), ctx)?;
        for ((k, r), v) in self.keys.drain(..).zip(self.rows.drain(..)).zip(verdicts) {
            if v.first().and_then(Value::truth) == Some(true) {
                self.out.push((k, r));
                check_size(self.out.len())?;
                if limit.is_some_and(|l| self.out.len() >= l) {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }
}

/// Scan a table through its access path. Returns (primary key, row) pairs
/// in key order; at most `limit` rows that pass the filter.
pub fn scan(node: &ScanNode, ctx: &Ctx, limit: Option<usize>) -> Result<Vec<(Vec<u8>, Row)>> {
    let table = &node.table;
    let txn = ctx.env.txn;
    // A filter that calls a UDF is evaluated for batches of rows.
    let batch = match (ctx.env.lock, &node.filter) {
        (None, Some(f)) if has_batched_udf(std::slice::from_ref(f)) => Some(f),
        _ => None,
    };
    let mut out = Sink { out: Vec::new(), batch, keys: Vec::new(), rows: Vec::new() };
    let mut read = 0u64;
    let dir = if node.reverse { Direction::Reverse } else { Direction::Forward };
    let emit = |key: Vec<u8>, row: Row, sink: &mut Sink| -> Result<bool> {
        check_killed(ctx)?;
        let row = match ctx.env.lock {
            None => row,
            Some(mode) => match txn.lock_latest(&key, mode)? {
                Some(bytes) => decode_row(&bytes)?,
                // Deleted by a transaction that committed meanwhile.
                None => return Ok(false),
            },
        };
        // TIMESTAMP values are stored in UTC; the statement sees its zone.
        let row = crate::sql::table::session_form(table, row, ctx.env.session.time_zone);
        if sink.batch.is_some() {
            sink.keys.push(key);
            sink.rows.push(row);
            return if sink.rows.len() >= crate::wasm::BATCH_ROWS { sink.flush(ctx, limit) } else { Ok(false) };
        }
        let keep = match &node.filter {
            Some(f) => f.eval(&row, ctx)?.truth() == Some(true),
            None => true,
        };
        if keep {
            sink.out.push((key, row));
            check_size(sink.out.len())?;
        }
        Ok(limit.is_some_and(|l| sink.out.len() >= l))
    };
    match &node.access {
        Access::Full => {
            let prefix = index_prefix(table.id, PRIMARY_INDEX_ID);
            for item in txn.scan(KeyRange::prefix(&prefix), dir)? {
                let (k, v) = item?;
                read += 1;
                if emit(k, decode_row(&v)?, &mut out)? {
                    break;
                }
            }
        }
        Access::Index { index, ranges } => {
            let mut seen: HashSet<Vec<u8>> = HashSet::new();
            let multi = ranges.len() > 1;
            'ranges: for spec in ranges {
                let Some(range) = build_range(table, &index.columns, index.id, spec, ctx)? else {
                    continue;
                };
                if let (Some(mode), Some(key)) = (ctx.env.lock, exact_primary_key(index, spec, &range)) {
                    // A locking read of one primary key locks that key whether
                    // or not a row is there (as InnoDB locks the gap), and
                    // reads its latest version, not the snapshot's: a row
                    // inserted since the snapshot is seen, and no other
                    // transaction can insert it until this one ends.
                    read += 1;
                    if let Some(bytes) = txn.lock_latest(&key, mode)? {
                        if (!multi || seen.insert(key.clone())) && emit(key, decode_row(&bytes)?, &mut out)? {
                            break 'ranges;
                        }
                    }
                    continue;
                }
                for item in txn.scan(range, dir)? {
                    let (k, v) = item?;
                    read += 1;
                    let (pk, row) = if index.id == PRIMARY_INDEX_ID {
                        (k, decode_row(&v)?)
                    } else {
                        let mut pk = index_prefix(table.id, PRIMARY_INDEX_ID);
                        pk.extend_from_slice(&v);
                        let Some(rowbytes) = txn.get(&pk)? else {
                            return Err(DbError::internal(format!(
                                "index {} of {} points at a missing row",
                                index.name, table.name
                            )));
                        };
                        (pk, decode_row(&rowbytes)?)
                    };
                    if multi && !seen.insert(pk.clone()) {
                        continue;
                    }
                    if emit(pk, row, &mut out)? {
                        break 'ranges;
                    }
                }
            }
        }
    }
    out.flush(ctx, limit)?;
    txn.note_rows_read(read);
    ctx.env.rows_read.set(ctx.env.rows_read.get() + read);
    Ok(out.out)
}

/// The one primary key a range covers when every primary-key column is
/// bound by equality (the range is then `[key, successor(key))`).
fn exact_primary_key(index: &IndexDef, spec: &RangeSpec, range: &KeyRange) -> Option<Vec<u8>> {
    if index.id != PRIMARY_INDEX_ID || spec.eq.len() != index.columns.len() || spec.lo.is_some() || spec.hi.is_some() {
        return None;
    }
    match (&range.start, &range.end) {
        (Bound::Included(k), Bound::Excluded(e)) if prefix_successor(k).as_ref() == Some(e) => Some(k.clone()),
        _ => None,
    }
}

/// Evaluate an expression that reads no row.
pub fn eval_const(e: &Expr, ctx: &Ctx) -> Result<Value> {
    e.eval(&[], ctx)
}

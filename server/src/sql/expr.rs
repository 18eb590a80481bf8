//! Bound expressions: column references resolved to row positions, ready
//! to evaluate against a row. Evaluation follows MySQL's NULL, type and
//! arithmetic rules (integer overflow is an error, `/` gives DECIMAL with
//! four more digits of scale, division by zero gives NULL).

use std::cmp::Ordering;
use std::sync::Arc;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::error::{DbError, Result};
use crate::sql::exec::{self, ExecEnv};
use crate::sql::func;
use crate::sql::json;
use crate::sql::plan::Plan;
use crate::sql::types::{SqlType, TypeKind};
use crate::sql::value::{self, compare, Value};

/// Scale added by `/` (MySQL's `div_precision_increment`).
pub const DIV_PRECISION_INCREMENT: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    IntDiv,
    Mod,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    NullSafeEq,
    And,
    Or,
    Xor,
    BitAnd,
    BitOr,
    BitXor,
    ShiftLeft,
    ShiftRight,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
    BitNot,
}

/// What a subquery expression asks of its query.
#[derive(Debug, Clone)]
pub enum SubqueryKind {
    Scalar,
    Exists,
    /// `lhs IN (subquery)`.
    In(Box<Expr>),
    /// `(a, b, ...) IN (subquery)`.
    InTuple(Vec<Expr>),
    /// `lhs op ANY|SOME|ALL (subquery)`.
    Quantified {
        lhs: Box<Expr>,
        op: BinOp,
        all: bool,
    },
}

/// A subquery inside an expression.
#[derive(Debug)]
pub struct Subquery {
    pub plan: Plan,
    pub kind: SubqueryKind,
    pub negated: bool,
    /// True when the subquery references a column of an enclosing query;
    /// otherwise its result is computed once per statement.
    pub correlated: bool,
    pub ty: SqlType,
    pub cache: std::sync::OnceLock<Vec<Vec<Value>>>,
}

/// A CAST target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CastTarget {
    Signed,
    Unsigned,
    Decimal(u32, u8),
    Double,
    Char(Option<u32>),
    Binary(Option<u32>),
    Date,
    DateTime,
    /// `TIME(fsp)`.
    Time(u32),
    /// `YEAR` (MySQL 8.0.22).
    Year,
    Json,
}

/// A bound expression.
#[derive(Debug, Clone)]
pub enum Expr {
    Lit(Value),
    /// A column of the current row.
    Col(usize),
    /// A column of an enclosing query's current row; depth 1 is the
    /// immediately enclosing query.
    Outer {
        depth: usize,
        idx: usize,
    },
    /// A `?` parameter of a prepared statement.
    Param(usize),
    Unary(UnOp, Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    IsNull(Box<Expr>, bool),
    /// `e IS [NOT] TRUE|FALSE`: (expr, value, negated).
    IsBool(Box<Expr>, bool, bool),
    InList {
        e: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    Between {
        e: Box<Expr>,
        lo: Box<Expr>,
        hi: Box<Expr>,
        negated: bool,
    },
    Like {
        e: Box<Expr>,
        pat: Box<Expr>,
        escape: char,
        negated: bool,
    },
    Case {
        operand: Option<Box<Expr>>,
        whens: Vec<(Expr, Expr)>,
        else_: Option<Box<Expr>>,
    },
    Cast(Box<Expr>, CastTarget),
    Func(func::Func, Vec<Expr>),
    Subquery(Arc<Subquery>),
    /// RAND([seed]): MySQL's generator, so seeded sequences match MySQL.
    /// A constant (or absent) seed starts one sequence per statement; a
    /// seed that reads the row reseeds on every row.
    Rand(Arc<parking_lot::Mutex<MysqlRand>>, Option<Box<Expr>>),
    /// A loadable (Wasm) scalar function.
    Udf(Arc<crate::wasm::Udf>, Vec<Expr>),
    /// A JSON function, operator or comparison (`jsonfn.rs`).
    Json(Box<crate::sql::jsonfn::JsonCall>),
}

/// The pseudo-random generator behind MySQL's RAND().
#[derive(Debug, Clone, Copy)]
pub struct MysqlRand {
    seed1: u64,
    seed2: u64,
    /// Set once a row-independent seed expression has been applied.
    seeded: bool,
}

impl MysqlRand {
    const MAX: u64 = 0x3FFF_FFFF;

    /// The sequence RAND(n) starts.
    pub fn from_seed(n: u32) -> Self {
        let s1 = n.wrapping_mul(0x10001).wrapping_add(55_555_555) as u64;
        let s2 = n.wrapping_mul(0x1000_0001) as u64;
        Self { seed1: s1 % Self::MAX, seed2: s2 % Self::MAX, seeded: true }
    }

    /// A generator whose seed expression has not been evaluated yet.
    pub fn unseeded() -> Self {
        Self { seeded: false, ..Self::from_seed(0) }
    }

    pub fn next_f64(&mut self) -> f64 {
        self.seed1 = (self.seed1 * 3 + self.seed2) % Self::MAX;
        self.seed2 = (self.seed1 + self.seed2 + 33) % Self::MAX;
        self.seed1 as f64 / Self::MAX as f64
    }
}

/// Per-evaluation context: parameters, enclosing rows, and the executor
/// environment subqueries run in.
pub struct Ctx<'a> {
    pub env: &'a ExecEnv<'a>,
    pub outer: Vec<Vec<Value>>,
}

impl Expr {
    pub fn lit(v: Value) -> Self {
        Expr::Lit(v)
    }

    /// True when the expression reads no column of the current row (it may
    /// read parameters and enclosing rows).
    pub fn is_row_independent(&self) -> bool {
        let mut indep = true;
        self.walk(&mut |e| {
            if matches!(e, Expr::Col(_)) {
                indep = false;
            }
            if let Expr::Subquery(s) = e {
                if s.correlated {
                    indep = false;
                }
            }
        });
        indep
    }

    /// Visit every node (not descending into subqueries).
    pub fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Lit(_) | Expr::Col(_) | Expr::Outer { .. } | Expr::Param(_) => {}
            Expr::Unary(_, e) | Expr::IsNull(e, _) | Expr::IsBool(e, _, _) | Expr::Cast(e, _) => e.walk(f),
            Expr::Bin(_, a, b) => {
                a.walk(f);
                b.walk(f);
            }
            Expr::InList { e, list, .. } => {
                e.walk(f);
                list.iter().for_each(|x| x.walk(f));
            }
            Expr::Between { e, lo, hi, .. } => {
                e.walk(f);
                lo.walk(f);
                hi.walk(f);
            }
            Expr::Like { e, pat, .. } => {
                e.walk(f);
                pat.walk(f);
            }
            Expr::Case { operand, whens, else_ } => {
                if let Some(o) = operand {
                    o.walk(f);
                }
                for (w, t) in whens {
                    w.walk(f);
                    t.walk(f);
                }
                if let Some(e) = else_ {
                    e.walk(f);
                }
            }
            Expr::Func(_, args) | Expr::Udf(_, args) => args.iter().for_each(|x| x.walk(f)),
            Expr::Json(c) => c.args.iter().for_each(|x| x.walk(f)),
            Expr::Rand(_, seed) => {
                if let Some(s) = seed {
                    s.walk(f);
                }
            }
            Expr::Subquery(s) => match &s.kind {
                SubqueryKind::In(e) | SubqueryKind::Quantified { lhs: e, .. } => e.walk(f),
                SubqueryKind::InTuple(es) => es.iter().for_each(|e| e.walk(f)),
                _ => {}
            },
        }
    }

    /// Columns of the current row this expression reads.
    pub fn columns_used(&self) -> Vec<usize> {
        let mut v = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Col(i) = e {
                v.push(*i);
            }
        });
        v
    }

    /// Rewrite column references (used when a plan's row layout changes).
    pub fn map_columns(&mut self, f: &dyn Fn(usize) -> usize) {
        match self {
            Expr::Col(i) => *i = f(*i),
            Expr::Lit(_) | Expr::Outer { .. } | Expr::Param(_) => {}
            Expr::Unary(_, e) | Expr::IsNull(e, _) | Expr::IsBool(e, _, _) | Expr::Cast(e, _) => e.map_columns(f),
            Expr::Bin(_, a, b) => {
                a.map_columns(f);
                b.map_columns(f);
            }
            Expr::InList { e, list, .. } => {
                e.map_columns(f);
                list.iter_mut().for_each(|x| x.map_columns(f));
            }
            Expr::Between { e, lo, hi, .. } => {
                e.map_columns(f);
                lo.map_columns(f);
                hi.map_columns(f);
            }
            Expr::Like { e, pat, .. } => {
                e.map_columns(f);
                pat.map_columns(f);
            }
            Expr::Case { operand, whens, else_ } => {
                if let Some(o) = operand {
                    o.map_columns(f);
                }
                for (w, t) in whens {
                    w.map_columns(f);
                    t.map_columns(f);
                }
                if let Some(e) = else_ {
                    e.map_columns(f);
                }
            }
            Expr::Func(_, args) | Expr::Udf(_, args) => args.iter_mut().for_each(|x| x.map_columns(f)),
            Expr::Json(c) => c.args.iter_mut().for_each(|x| x.map_columns(f)),
            Expr::Rand(_, seed) => {
                if let Some(s) = seed {
                    s.map_columns(f);
                }
            }
            Expr::Subquery(_) => {
                // Correlated references inside a subquery are Outer refs to
                // the enclosing row; callers re-bind rather than remap them.
            }
        }
    }

    #[recursive::recursive]
    pub fn eval(&self, row: &[Value], ctx: &Ctx) -> Result<Value> {
        match self {
            Expr::Lit(v) => Ok(v.clone()),
            Expr::Col(i) => row.get(*i).cloned().ok_or_else(|| DbError::internal("column index out of range")),
            Expr::Outer { depth, idx } => {
                let n = ctx.outer.len();
                ctx.outer
                    .get(n.wrapping_sub(*depth))
                    .and_then(|r| r.get(*idx))
                    .cloned()
                    .ok_or_else(|| DbError::internal("outer column out of range"))
            }
            Expr::Param(i) => {
                ctx.env.params.get(*i).cloned().ok_or_else(|| DbError::wrong_arguments("mysqld_stmt_execute"))
            }
            Expr::Unary(op, e) => unary(*op, e.eval(row, ctx)?),
            Expr::Bin(BinOp::And, a, b) => {
                let l = a.eval(row, ctx)?.truth();
                if l == Some(false) {
                    return Ok(Value::Int(0));
                }
                let r = b.eval(row, ctx)?.truth();
                Ok(match (l, r) {
                    (_, Some(false)) => Value::Int(0),
                    (Some(true), Some(true)) => Value::Int(1),
                    _ => Value::Null,
                })
            }
            Expr::Bin(BinOp::Or, a, b) => {
                let l = a.eval(row, ctx)?.truth();
                if l == Some(true) {
                    return Ok(Value::Int(1));
                }
                let r = b.eval(row, ctx)?.truth();
                Ok(match (l, r) {
                    (_, Some(true)) => Value::Int(1),
                    (Some(false), Some(false)) => Value::Int(0),
                    _ => Value::Null,
                })
            }
            Expr::Bin(op, a, b) => binary(*op, a.eval(row, ctx)?, b.eval(row, ctx)?),
            Expr::IsNull(e, neg) => Ok(bool_val(e.eval(row, ctx)?.is_null() != *neg)),
            Expr::IsBool(e, want, neg) => {
                let t = e.eval(row, ctx)?.truth();
                Ok(bool_val((t == Some(*want)) != *neg))
            }
            Expr::InList { e, list, negated } => {
                let v = e.eval(row, ctx)?;
                if v.is_null() {
                    return Ok(Value::Null);
                }
                let mut saw_null = false;
                for item in list {
                    let x = item.eval(row, ctx)?;
                    match compare(&v, &x) {
                        Some(Ordering::Equal) => return Ok(bool_val(!negated)),
                        None => saw_null = true,
                        _ => {}
                    }
                }
                Ok(if saw_null { Value::Null } else { bool_val(*negated) })
            }
            Expr::Between { e, lo, hi, negated } => {
                let v = e.eval(row, ctx)?;
                let l = compare(&v, &lo.eval(row, ctx)?).map(|o| o != Ordering::Less);
                let h = compare(&v, &hi.eval(row, ctx)?).map(|o| o != Ordering::Greater);
                let r = match (l, h) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                };
                Ok(match r {
                    None => Value::Null,
                    Some(b) => bool_val(b != *negated),
                })
            }
            Expr::Like { e, pat, escape, negated } => {
                let v = e.eval(row, ctx)?;
                let p = pat.eval(row, ctx)?;
                // Binary strings (and case-sensitive collations, whose
                // values arrive as bytes) match exactly.
                let exact = matches!(v, Value::Bytes(_)) || matches!(p, Value::Bytes(_));
                match (v.to_text(), p.to_text()) {
                    (Some(s), Some(p)) => Ok(bool_val(like_match(&s, &p, *escape, !exact) != *negated)),
                    _ => Ok(Value::Null),
                }
            }
            Expr::Case { operand, whens, else_ } => {
                let op = match operand {
                    Some(o) => Some(o.eval(row, ctx)?),
                    None => None,
                };
                for (w, t) in whens {
                    let wv = w.eval(row, ctx)?;
                    let hit = match &op {
                        Some(o) => compare(o, &wv) == Some(Ordering::Equal),
                        None => wv.truth() == Some(true),
                    };
                    if hit {
                        return t.eval(row, ctx);
                    }
                }
                match else_ {
                    Some(e) => e.eval(row, ctx),
                    None => Ok(Value::Null),
                }
            }
            Expr::Cast(e, t) => cast(e.eval(row, ctx)?, *t),
            Expr::Func(f, args) => func::call(f, args, row, ctx),
            Expr::Json(c) => crate::sql::jsonfn::eval(c, row, ctx),
            Expr::Udf(u, args) => {
                let vals = args.iter().map(|a| a.eval(row, ctx)).collect::<Result<Vec<_>>>()?;
                let out = u.call_scalar(&[u.encode_args(&vals)])?;
                out.into_iter().next().ok_or_else(|| DbError::internal("UDF returned no value"))
            }
            Expr::Rand(state, seed) => {
                let mut st = state.lock();
                if let Some(s) = seed {
                    if !st.seeded || !s.is_row_independent() {
                        let n = s.eval(row, ctx)?.as_i64().unwrap_or(0);
                        *st = MysqlRand::from_seed(n as u32);
                    }
                }
                Ok(Value::Double(st.next_f64()))
            }
            Expr::Subquery(sq) => eval_subquery(sq, row, ctx),
        }
    }
}

fn eval_subquery(sq: &Subquery, row: &[Value], ctx: &Ctx) -> Result<Value> {
    let run = |ctx: &Ctx| -> Result<Vec<Vec<Value>>> {
        let mut outer = ctx.outer.clone();
        outer.push(row.to_vec());
        let sub = Ctx { env: ctx.env, outer };
        let limit = match sq.kind {
            SubqueryKind::Exists => Some(1),
            SubqueryKind::Scalar => Some(2),
            SubqueryKind::In(_) | SubqueryKind::InTuple(_) | SubqueryKind::Quantified { .. } => None,
        };
        exec::run_plan(&sq.plan, &sub, limit)
    };
    let owned;
    let rows: &Vec<Vec<Value>> = if sq.correlated {
        owned = run(ctx)?;
        &owned
    } else {
        if sq.cache.get().is_none() {
            let r = run(ctx)?;
            let _ = sq.cache.set(r);
        }
        sq.cache.get().ok_or_else(|| DbError::internal("subquery cache"))?
    };
    match &sq.kind {
        SubqueryKind::Exists => Ok(bool_val(rows.is_empty() == sq.negated)),
        SubqueryKind::Scalar => match rows.len() {
            0 => Ok(Value::Null),
            1 => Ok(rows[0].first().cloned().unwrap_or(Value::Null)),
            _ => Err(DbError::subquery_rows()),
        },
        SubqueryKind::InTuple(lhs) => {
            let vals = lhs.iter().map(|e| e.eval(row, ctx)).collect::<Result<Vec<_>>>()?;
            let mut saw_null = false;
            for r in rows {
                let mut all_eq = Some(true);
                for (v, x) in vals.iter().zip(r) {
                    match compare(v, x) {
                        Some(Ordering::Equal) => {}
                        None => all_eq = all_eq.and(None),
                        Some(_) => {
                            all_eq = Some(false);
                            break;
                        }
                    }
                }
                match all_eq {
                    Some(true) => return Ok(bool_val(!sq.negated)),
                    None => saw_null = true,
                    Some(false) => {}
                }
            }
            Ok(if saw_null { Value::Null } else { bool_val(sq.negated) })
        }
        SubqueryKind::Quantified { lhs, op, all } => {
            let v = lhs.eval(row, ctx)?;
            let mut saw_null = false;
            for r in rows {
                let x = r.first().cloned().unwrap_or(Value::Null);
                match binary(*op, v.clone(), x)?.truth() {
                    None => saw_null = true,
                    Some(true) if !all => return Ok(bool_val(true)),
                    Some(false) if *all => return Ok(bool_val(false)),
                    _ => {}
                }
            }
            Ok(if saw_null { Value::Null } else { bool_val(*all) })
        }
        SubqueryKind::In(lhs) => {
            let v = lhs.eval(row, ctx)?;
            if v.is_null() {
                return Ok(if rows.is_empty() { bool_val(sq.negated) } else { Value::Null });
            }
            let mut saw_null = false;
            for r in rows {
                let x = r.first().cloned().unwrap_or(Value::Null);
                match compare(&v, &x) {
                    Some(Ordering::Equal) => return Ok(bool_val(!sq.negated)),
                    None => saw_null = true,
                    _ => {}
                }
            }
            Ok(if saw_null { Value::Null } else { bool_val(sq.negated) })
        }
    }
}

pub fn bool_val(b: bool) -> Value {
    Value::Int(b as i64)
}

fn unary(op: UnOp, v: Value) -> Result<Value> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    Ok(match op {
        UnOp::Not => bool_val(v.truth() == Some(false)),
        UnOp::BitNot => Value::UInt(!(v.as_i128().unwrap_or(0) as u64)),
        UnOp::Neg => match v {
            Value::Int(i) => match i.checked_neg() {
                Some(n) => Value::Int(n),
                None => return Err(DbError::arith_range("BIGINT", &format!("-({i})"))),
            },
            Value::UInt(u) => {
                if u <= i64::MAX as u64 + 1 {
                    Value::Int((u as i128).wrapping_neg() as i64)
                } else {
                    return Err(DbError::arith_range("BIGINT", &format!("-({u})")));
                }
            }
            Value::Decimal(d) => Value::Decimal(no_neg_zero(-d)),
            Value::Double(d) => Value::Double(if d == 0.0 { 0.0 } else { -d }),
            other => Value::Double(0.0 - other.as_f64().unwrap_or(0.0)),
        },
    })
}

/// The numeric class an arithmetic operand behaves as.
#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum NumClass {
    Int,
    Decimal,
    Double,
}

fn num_class(v: &Value) -> NumClass {
    match v {
        Value::Int(_) | Value::UInt(_) => NumClass::Int,
        Value::Decimal(_) => NumClass::Decimal,
        Value::Date(_) | Value::DateTime(_) | Value::Bit(..) => NumClass::Int,
        Value::Time(t) if t % 1_000_000 == 0 => NumClass::Int,
        Value::Time(_) => NumClass::Decimal,
        _ => NumClass::Double,
    }
}

fn is_unsigned(v: &Value) -> bool {
    matches!(v, Value::UInt(_) | Value::Bit(..))
}

fn int_result(r: i128, unsigned: bool, expr: &dyn Fn() -> String) -> Result<Value> {
    if unsigned {
        if (0..=u64::MAX as i128).contains(&r) {
            Ok(Value::UInt(r as u64))
        } else {
            Err(DbError::arith_range("BIGINT UNSIGNED", &expr()))
        }
    } else if (i64::MIN as i128..=i64::MAX as i128).contains(&r) {
        Ok(Value::Int(r as i64))
    } else {
        Err(DbError::arith_range("BIGINT", &expr()))
    }
}

pub fn binary(op: BinOp, a: Value, b: Value) -> Result<Value> {
    use BinOp::*;
    if op == NullSafeEq {
        return Ok(bool_val(match (a.is_null(), b.is_null()) {
            (true, true) => true,
            (false, false) => compare(&a, &b) == Some(Ordering::Equal),
            _ => false,
        }));
    }
    if a.is_null() || b.is_null() {
        return Ok(Value::Null);
    }
    match op {
        Eq | NotEq | Lt | LtEq | Gt | GtEq => {
            let Some(o) = compare(&a, &b) else {
                return Ok(Value::Null);
            };
            Ok(bool_val(match op {
                Eq => o == Ordering::Equal,
                NotEq => o != Ordering::Equal,
                Lt => o == Ordering::Less,
                LtEq => o != Ordering::Greater,
                Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            }))
        }
        Xor => Ok(bool_val(a.truth() != b.truth())),
        BitAnd | BitOr | BitXor | ShiftLeft | ShiftRight => {
            let x = to_u64_bits(&a);
            let y = to_u64_bits(&b);
            Ok(Value::UInt(match op {
                BitAnd => x & y,
                BitOr => x | y,
                BitXor => x ^ y,
                ShiftLeft => {
                    if y >= 64 {
                        0
                    } else {
                        x << y
                    }
                }
                _ => {
                    if y >= 64 {
                        0
                    } else {
                        x >> y
                    }
                }
            }))
        }
        Add | Sub | Mul | Div | IntDiv | Mod => arith(op, a, b),
        And | Or | NullSafeEq => Err(DbError::internal("logical op in arith")),
    }
}

fn to_u64_bits(v: &Value) -> u64 {
    match v {
        Value::UInt(u) => *u,
        other => other.as_i128().unwrap_or(0) as u64,
    }
}

fn op_symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::IntDiv => "DIV",
        BinOp::Mod => "%",
        _ => "?",
    }
}

fn arith(op: BinOp, a: Value, b: Value) -> Result<Value> {
    use BinOp::*;
    let class = num_class(&a).max(num_class(&b));
    let show =
        || format!("({} {} {})", a.to_text().unwrap_or_default(), op_symbol(op), b.to_text().unwrap_or_default());
    if op == IntDiv {
        // Integer division: truncates toward zero; by zero gives NULL.
        let (x, y) = match class {
            NumClass::Int => (
                Decimal::from_i128_with_scale(a.as_i128().unwrap_or(0), 0),
                Decimal::from_i128_with_scale(b.as_i128().unwrap_or(0), 0),
            ),
            _ => (a.as_decimal().unwrap_or_default(), b.as_decimal().unwrap_or_default()),
        };
        if class == NumClass::Double {
            let (fx, fy) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
            if fy == 0.0 {
                return Ok(Value::Null);
            }
            let q = (fx / fy).trunc();
            return int_result(q as i128, false, &show);
        }
        if y.is_zero() {
            return Ok(Value::Null);
        }
        let q = (x / y).trunc();
        return int_result(q.to_i128().unwrap_or(0), is_unsigned(&a) || is_unsigned(&b), &show);
    }
    match class {
        NumClass::Int if op != Div => {
            let (x, y) = (a.as_i128().unwrap_or(0), b.as_i128().unwrap_or(0));
            let unsigned = is_unsigned(&a) || is_unsigned(&b);
            let r = match op {
                Add => x + y,
                Sub => x - y,
                Mul => match x.checked_mul(y) {
                    Some(r) => r,
                    None => return Err(DbError::arith_range("BIGINT", &show())),
                },
                Mod => {
                    if y == 0 {
                        return Ok(Value::Null);
                    }
                    let r = x % y;
                    return int_result(r, is_unsigned(&a), &show);
                }
                _ => unreachable_op()?,
            };
            int_result(r, unsigned, &show)
        }
        NumClass::Int | NumClass::Decimal => {
            let (x, y) = (a.as_decimal().unwrap_or_default(), b.as_decimal().unwrap_or_default());
            let r = match op {
                Add => x.checked_add(y),
                Sub => x.checked_sub(y),
                Mul => x.checked_mul(y),
                Mod => {
                    if y.is_zero() {
                        return Ok(Value::Null);
                    }
                    x.checked_rem(y)
                }
                Div => {
                    if y.is_zero() {
                        return Ok(Value::Null);
                    }
                    let scale = x.scale() + DIV_PRECISION_INCREMENT;
                    x.checked_div(y).map(|q| {
                        let mut q =
                            q.round_dp_with_strategy(scale, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
                        q.rescale(scale);
                        q
                    })
                }
                _ => None,
            };
            match r {
                Some(d) => Ok(Value::Decimal(no_neg_zero(d))),
                None => Err(DbError::arith_range("DECIMAL", &show())),
            }
        }
        NumClass::Double => {
            let (x, y) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
            let r = match op {
                Add => x + y,
                Sub => x - y,
                Mul => x * y,
                Div => {
                    if y == 0.0 {
                        return Ok(Value::Null);
                    }
                    x / y
                }
                Mod => {
                    if y == 0.0 {
                        return Ok(Value::Null);
                    }
                    x % y
                }
                _ => unreachable_op()?,
            };
            if r.is_finite() {
                Ok(Value::Double(r))
            } else {
                Err(DbError::arith_range("DOUBLE", &show()))
            }
        }
    }
}

/// MySQL has no negative zero: `-0` and `0 * -1` print as `0`.
pub fn no_neg_zero(mut d: Decimal) -> Decimal {
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    d
}

fn unreachable_op<T>() -> Result<T> {
    Err(DbError::internal("unexpected arithmetic operator"))
}

/// SQL LIKE with `%`, `_` and an escape character; case- and
/// accent-insensitive like the default collation when `fold`, else exact.
pub fn like_match(s: &str, pat: &str, escape: char, fold: bool) -> bool {
    let key = |x: &str| if fold { value::collate_key(x).chars().collect() } else { x.chars().collect::<Vec<char>>() };
    let (s, p) = (key(s), key(pat));
    let escape = if fold { escape.to_lowercase().next().unwrap_or(escape) } else { escape };
    // Iterative matcher with backtracking on the last '%'.
    let (mut si, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() {
            let c = p[pi];
            if c == escape && pi + 1 < p.len() {
                if p[pi + 1] == s[si] {
                    si += 1;
                    pi += 2;
                    continue;
                }
            } else if c == '%' {
                star = Some((pi, si));
                pi += 1;
                continue;
            } else if c == '_' || c == s[si] {
                si += 1;
                pi += 1;
                continue;
            }
        }
        match star {
            Some((sp, ss)) => {
                pi = sp + 1;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    pi == p.len()
}

/// `CAST(v AS t)`.
pub fn cast(v: Value, t: CastTarget) -> Result<Value> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    Ok(match t {
        CastTarget::Signed => match v {
            Value::UInt(u) => Value::Int(u as i64),
            Value::Str(s) => Value::Int(int_prefix(&s)),
            other => Value::Int(other.as_i64().unwrap_or(0)),
        },
        CastTarget::Unsigned => match v {
            Value::Int(i) => Value::UInt(i as u64),
            Value::UInt(u) => Value::UInt(u),
            other => {
                let f = other.as_f64().unwrap_or(0.0);
                if f < 0.0 {
                    Value::UInt(value::round_f64_to_i64(f) as u64)
                } else if f >= 1.8446744073709552e19 {
                    Value::UInt(u64::MAX)
                } else {
                    Value::UInt(f.round() as u64)
                }
            }
        },
        CastTarget::Decimal(p, s) => {
            let d = v.as_decimal().unwrap_or_default();
            Value::Decimal(fit_decimal(d, p, s))
        }
        CastTarget::Double => Value::Double(v.as_f64().unwrap_or(0.0)),
        CastTarget::Char(n) => {
            let s = v.to_text().unwrap_or_default();
            Value::Str(match n {
                Some(n) => s.chars().take(n as usize).collect(),
                None => s,
            })
        }
        CastTarget::Binary(n) => {
            let mut b = v.to_bytes().unwrap_or_default();
            if let Some(n) = n {
                b.resize(n as usize, 0);
            }
            Value::Bytes(b)
        }
        CastTarget::Date => match v {
            Value::Date(d) => Value::Date(d),
            Value::DateTime(dt) => Value::Date(dt.date()),
            other => match value::parse_date(&other.to_text().unwrap_or_default()) {
                Some(d) => Value::Date(d),
                None => Value::Null,
            },
        },
        CastTarget::DateTime => match v {
            Value::DateTime(dt) => Value::DateTime(dt),
            Value::Date(d) => Value::DateTime(d.and_time(chrono::NaiveTime::MIN)),
            other => match value::parse_datetime(&other.to_text().unwrap_or_default()) {
                Some(d) => Value::DateTime(d),
                None => Value::Null,
            },
        },
        // Not a time: NULL; beyond ±838:59:59: the nearest end (MySQL warns).
        CastTarget::Time(fsp) => match crate::sql::conversion::to_time(&v, fsp) {
            Ok(t) | Err(value::TimeError::OutOfRange(t)) => Value::Time(t),
            Err(value::TimeError::Invalid) => Value::Null,
        },
        CastTarget::Year => match crate::sql::conversion::to_year(&v) {
            Ok(y) => Value::Int(y),
            Err(_) => Value::Null,
        },
        CastTarget::Json => Value::Str(cast_json(v)?),
    })
}

/// `CAST(v AS JSON)`: text must be a JSON document (3141 otherwise);
/// numbers become JSON numbers, temporal values JSON strings.
fn cast_json(v: Value) -> Result<String> {
    let r = match v {
        Value::Str(s) => json::normalize(s.as_bytes()),
        Value::Bytes(b) => json::normalize(&b),
        Value::Int(i) => Ok(i.to_string()),
        Value::UInt(u) | Value::Bit(u, _) => Ok(u.to_string()),
        Value::Decimal(d) => Ok(d.to_string()),
        Value::Double(d) => json::normalize(value::format_double(d).as_bytes()),
        Value::Enum(_, s) => Ok(json::string(&s)),
        other => Ok(crate::sql::jsonfn::sql_to_json(&other).to_text()),
    };
    r.map_err(|e| {
        if e.too_deep {
            DbError::json_too_deep()
        } else {
            DbError::invalid_json_arg(1, "cast_as_json", e.message, e.position)
        }
    })
}

/// The integer prefix of a string, as CAST(... AS SIGNED) reads it
/// ("3.7" is 3, "12abc" is 12), saturating at the i64 bounds.
fn int_prefix(s: &str) -> i64 {
    let t = s.trim_start();
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    match t[..i].parse::<i128>() {
        Ok(v) => v.clamp(i64::MIN as i128, i64::MAX as i128) as i64,
        Err(_) => 0,
    }
}

/// Round `d` to `scale` digits and clamp it to DECIMAL(p, s)'s range.
pub fn fit_decimal(d: Decimal, precision: u32, scale: u8) -> Decimal {
    // rust_decimal holds 28 digits: a wider DECIMAL(p, s) keeps what fits
    // (scale at most 28) and is bounded only by that.
    let scale = u32::from(scale).min(28);
    let mut r = d.round_dp_with_strategy(scale, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    r.rescale(scale);
    if precision > 28 {
        return r;
    }
    let max = Decimal::from_i128_with_scale(10i128.pow(precision.max(scale)) - 1, scale);
    if r > max {
        max
    } else if r < -max {
        -max
    } else {
        r
    }
}

/// Result type of an arithmetic expression from its operand types.
pub fn arith_type(op: BinOp, a: &SqlType, b: &SqlType) -> SqlType {
    // A TIME with fractional seconds counts as a decimal of that scale.
    let time_dec = |t: &SqlType| t.kind == TypeKind::Time && t.len > 0;
    let is_dec = |t: &SqlType| t.kind == TypeKind::Decimal || time_dec(t);
    // JSON operands are numbers parsed from text, as strings are: DOUBLE.
    let is_dbl = |t: &SqlType| {
        t.is_float() || t.is_string() || t.is_binary() || matches!(t.kind, TypeKind::Null | TypeKind::Json)
    };
    if op == BinOp::IntDiv {
        return SqlType::bigint();
    }
    if is_dbl(a) || is_dbl(b) {
        return SqlType::double();
    }
    let scale_of = |t: &SqlType| {
        if time_dec(t) {
            t.len as u8
        } else if is_dec(t) {
            t.scale
        } else {
            0
        }
    };
    if op == BinOp::Div {
        let s = (scale_of(a) as u32 + DIV_PRECISION_INCREMENT).min(30) as u8;
        return SqlType::decimal(65, s);
    }
    if is_dec(a) || is_dec(b) {
        let s = match op {
            BinOp::Mul => (scale_of(a) + scale_of(b)).min(30),
            _ => scale_of(a).max(scale_of(b)),
        };
        return SqlType::decimal(65, s);
    }
    let mut t = SqlType::bigint();
    t.unsigned = (a.unsigned || b.unsigned) && op != BinOp::Sub;
    t
}

/// Unify the result types of branches (CASE, IF, COALESCE, UNION).
pub fn unify_types(types: &[SqlType]) -> SqlType {
    let non_null: Vec<&SqlType> = types.iter().filter(|t| t.kind != TypeKind::Null).collect();
    let Some(first) = non_null.first() else {
        return SqlType::null();
    };
    if non_null.iter().all(|t| t.is_integer()) {
        let mut t = SqlType::bigint();
        t.unsigned = non_null.iter().all(|t| t.unsigned);
        if non_null.iter().all(|t| t.kind == first.kind) {
            return (*first).clone();
        }
        return t;
    }
    if non_null.iter().all(|t| t.is_numeric()) {
        if non_null.iter().any(|t| t.is_float()) {
            return SqlType::double();
        }
        let scale = non_null.iter().map(|t| if t.kind == TypeKind::Decimal { t.scale } else { 0 }).max().unwrap_or(0);
        return SqlType::decimal(65, scale);
    }
    // YEAR, BIT, TIME, JSON and spatial branches of one type keep it.
    if non_null.iter().all(|t| t.kind == first.kind)
        && matches!(
            first.kind,
            TypeKind::Year | TypeKind::Bit | TypeKind::Time | TypeKind::Json | TypeKind::Geometry(_)
        )
    {
        let mut t = (*first).clone();
        t.len = non_null.iter().map(|t| t.len).max().unwrap_or(t.len);
        return t;
    }
    if non_null.iter().all(|t| t.is_temporal()) {
        return (*first).clone();
    }
    if non_null.iter().any(|t| t.is_binary()) {
        return SqlType::new(TypeKind::Blob);
    }
    let len = non_null.iter().map(|t| t.display_len() / 4).max().unwrap_or(0);
    SqlType::varchar(len.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Value {
        Value::Decimal(s.parse().unwrap())
    }

    #[test]
    fn like_patterns() {
        assert!(like_match("abc", "a%", '\\', true));
        assert!(like_match("abc", "_b_", '\\', true));
        assert!(like_match("ABC", "abc", '\\', true));
        assert!(!like_match("abc", "a_", '\\', true));
        assert!(like_match("a%c", "a\\%c", '\\', true));
        assert!(!like_match("abc", "a\\%c", '\\', true));
        assert!(like_match("", "%", '\\', true));
        assert!(like_match("mississippi", "%iss%ppi", '\\', true));
    }

    #[test]
    fn division_gives_decimal_with_four_more_digits() {
        assert_eq!(binary(BinOp::Div, Value::Int(7), Value::Int(2)).unwrap(), d("3.5000"));
        assert_eq!(binary(BinOp::Div, Value::Int(1), Value::Int(3)).unwrap(), d("0.3333"));
        assert_eq!(binary(BinOp::Div, Value::Int(1), Value::Int(0)).unwrap(), Value::Null);
        assert_eq!(binary(BinOp::IntDiv, Value::Int(-7), Value::Int(2)).unwrap(), Value::Int(-3));
        assert_eq!(binary(BinOp::Mod, Value::Int(-7), Value::Int(3)).unwrap(), Value::Int(-1));
    }

    #[test]
    fn integer_overflow_is_an_error() {
        let e = binary(BinOp::Add, Value::Int(i64::MAX), Value::Int(1)).unwrap_err();
        assert_eq!(e.code, 1690);
        let e = binary(BinOp::Sub, Value::UInt(0), Value::UInt(1)).unwrap_err();
        assert_eq!(e.code, 1690);
        assert_eq!(binary(BinOp::Mul, Value::Int(3), Value::Double(0.5)).unwrap(), Value::Double(1.5));
    }

    #[test]
    fn null_propagates_except_null_safe_equality() {
        assert_eq!(binary(BinOp::Add, Value::Null, Value::Int(1)).unwrap(), Value::Null);
        assert_eq!(binary(BinOp::Eq, Value::Null, Value::Null).unwrap(), Value::Null);
        assert_eq!(binary(BinOp::NullSafeEq, Value::Null, Value::Null).unwrap(), Value::Int(1));
        assert_eq!(binary(BinOp::Eq, Value::Str("1.0".into()), Value::Int(1)).unwrap(), Value::Int(1));
    }

    #[test]
    fn casts() {
        assert_eq!(cast(Value::Str("3.7".into()), CastTarget::Signed).unwrap(), Value::Int(3));
        assert_eq!(cast(Value::Double(3.5), CastTarget::Signed).unwrap(), Value::Int(4));
        assert_eq!(cast(Value::Int(-1), CastTarget::Unsigned).unwrap(), Value::UInt(u64::MAX));
        assert_eq!(cast(d("2.345"), CastTarget::Decimal(5, 2)).unwrap(), d("2.35"));
        // More digits than rust_decimal holds: capped, not a panic.
        assert_eq!(cast(d("1.5"), CastTarget::Decimal(29, 2)).unwrap(), d("1.50"));
        assert_eq!(cast(d("1"), CastTarget::Decimal(65, 30)).unwrap(), d("1.0000000000000000000000000000"));
        assert_eq!(cast(d("123456"), CastTarget::Decimal(30, 2)).unwrap(), d("123456.00"));
    }
}

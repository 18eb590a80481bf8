//! Binding and planning: a parsed statement becomes a tree of [`Plan`]
//! nodes whose expressions reference row positions, not names.
//!
//! The binder resolves names against a scope chain (the FROM clause of the
//! current query and of every enclosing query, for correlated subqueries),
//! types every output column, rewrites aggregate queries into an
//! [`Plan::Aggregate`] node plus expressions over its output, pushes WHERE
//! conjuncts down to the table they read, and picks an index access path
//! for each table scan from those conjuncts.

use std::sync::Arc;

use rust_decimal::Decimal;
use sqlparser::ast;

use crate::catalog::{Catalog, IndexDef, TableDef};
use crate::error::{DbError, Result};
use crate::sql::expr::{self, BinOp, CastTarget, Expr, Subquery, SubqueryKind, UnOp};
use crate::sql::func;
use crate::sql::jsonfn::{self, ArgKind, JsonCall, JsonFn};
use crate::sql::types::{SqlType, TypeKind};
use crate::sql::value::Value;

mod bind_window;
use bind_window::{named_windows, resolve_window, window_alias_use};

/// Metadata of one output column.
#[derive(Debug, Clone)]
pub struct ColumnInfo {
    pub name: String,
    /// The table alias (or name) the column came from, if any.
    pub table: Option<String>,
    pub org_table: String,
    pub db: String,
    pub ty: SqlType,
    pub nullable: bool,
    /// The right-hand copy of a `USING`/`NATURAL` join column: reachable
    /// only when qualified, and left out of `*`.
    pub hidden: bool,
}

impl ColumnInfo {
    pub fn expr(name: impl Into<String>, ty: SqlType) -> Self {
        Self {
            name: name.into(),
            table: None,
            org_table: String::new(),
            db: String::new(),
            ty,
            nullable: true,
            hidden: false,
        }
    }
}

/// A key range over an index, with bounds as expressions evaluated at
/// execution time (they may read parameters and enclosing rows).
#[derive(Debug, Clone)]
pub struct RangeSpec {
    /// Equality values for a prefix of the index columns.
    pub eq: Vec<Expr>,
    /// Bounds on the next index column: (value, inclusive).
    pub lo: Option<(Expr, bool)>,
    pub hi: Option<(Expr, bool)>,
}

/// How a scan reads its table.
#[derive(Debug, Clone)]
pub enum Access {
    /// Every row of the primary index.
    Full,
    /// Only the given ranges of one index (primary or secondary).
    Index { index: IndexDef, ranges: Vec<RangeSpec> },
}

#[derive(Debug, Clone)]
pub struct ScanNode {
    pub table: Arc<TableDef>,
    pub access: Access,
    /// Residual predicate over the table's columns.
    pub filter: Option<Expr>,
    /// Read in descending key order (ORDER BY … DESC on the key).
    pub reverse: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    Left,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggFunc {
    CountStar,
    Count,
    Sum,
    Avg,
    Min,
    Max,
    GroupConcat,
    AnyValue,
    BitAnd,
    BitOr,
    BitXor,
    StdPop,
    StdSamp,
    VarPop,
    VarSamp,
    /// JSON_ARRAYAGG(v): its argument is converted to JSON text.
    JsonArrayAgg,
    /// JSON_OBJECTAGG(k, v): the key as given, the value as JSON text.
    JsonObjectAgg,
    /// A loadable (Wasm) aggregate: `AggCall::udf`.
    Wasm,
}

#[derive(Debug, Clone)]
pub struct AggCall {
    pub func: AggFunc,
    pub args: Vec<Expr>,
    pub distinct: bool,
    pub separator: String,
    pub order_by: Vec<(Expr, bool)>,
    pub ty: SqlType,
    /// The function of an `AggFunc::Wasm` call.
    pub udf: Option<Arc<crate::wasm::Udf>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOpKind {
    Union,
    Intersect,
    Except,
}

/// A query plan. Every node produces rows of a fixed width.
#[derive(Debug)]
pub enum Plan {
    /// One row with no columns (`SELECT` without FROM).
    Dual,
    Scan(ScanNode),
    Values(Vec<Vec<Expr>>),
    Filter(Box<Plan>, Expr),
    Project(Box<Plan>, Vec<Expr>),
    Join {
        left: Box<Plan>,
        right: Box<Plan>,
        kind: JoinKind,
        on: Option<Expr>,
        /// Equi-join pairs (left column, right column) usable for a hash join.
        equi: Vec<(usize, usize)>,
        left_width: usize,
        right_width: usize,
    },
    Aggregate {
        input: Box<Plan>,
        group: Vec<Expr>,
        aggs: Vec<AggCall>,
    },
    Sort {
        input: Box<Plan>,
        keys: Vec<(Expr, bool)>,
    },
    Limit {
        input: Box<Plan>,
        limit: Option<Expr>,
        offset: Option<Expr>,
    },
    /// Remove duplicate rows, comparing the first `n` columns;
    /// columns flagged in the list (case-sensitive strings) compare by bytes.
    Distinct(Box<Plan>, usize, Vec<bool>),
    SetOp {
        left: Box<Plan>,
        right: Box<Plan>,
        op: SetOpKind,
        all: bool,
    },
    /// Keep only the first `n` columns (drops hidden ORDER BY columns).
    Truncate(Box<Plan>, usize),
    /// The rows of a loadable table function called with these arguments.
    TableFunction(Arc<crate::wasm::Udf>, Vec<Expr>),
    /// The working table of a recursive CTE: the rows the previous
    /// iteration produced (read by the recursive query blocks).
    WorkTable(WorkTable),
    /// Window functions over the input's rows: each call's value is one
    /// more column after the input's (`sql::window`).
    Window(Box<crate::sql::window::WindowNode>),
    /// A recursive common table expression: `anchor` once, then
    /// `recursive` over the previous iteration's rows (put in `work`) until
    /// an iteration produces no new rows.
    RecursiveCte(Box<RecursiveCte>),
}

/// Rows shared between a [`Plan::RecursiveCte`] and the
/// [`Plan::WorkTable`] nodes of its recursive query blocks.
pub type WorkTable = Arc<std::sync::Mutex<Vec<Vec<Value>>>>;

#[derive(Debug)]
pub struct RecursiveCte {
    pub name: String,
    pub anchor: Plan,
    pub recursive: Plan,
    pub work: WorkTable,
    /// UNION DISTINCT: a row already produced is not produced again (and
    /// does not feed the next iteration).
    pub distinct: bool,
    /// `cte_max_recursion_depth` when the statement was bound.
    pub max_depth: u64,
    /// Column names and types, taken from the non-recursive part: every
    /// row is converted to them.
    pub names: Vec<String>,
    pub types: Vec<SqlType>,
    /// Strict sql_mode: a value that does not fit is an error (else cut).
    pub strict: bool,
    /// The body's LIMIT and OFFSET: recursion stops once their sum of
    /// rows exists (a `Plan::Limit` above cuts the result).
    pub limit: Option<Expr>,
    pub offset: Option<Expr>,
}

/// A common table expression in scope while binding.
#[derive(Debug, Clone)]
struct CteDef {
    name: String,
    /// The explicit column list, if any.
    columns: Vec<String>,
    query: Arc<ast::Query>,
    /// Declared under `WITH RECURSIVE` (its body sees itself).
    recursive: bool,
    /// How many entries of `Binder::ctes` its body sees.
    visible: usize,
    /// While its recursive query blocks are bound: the working table and
    /// its columns, the query nesting level the reference must be at, and
    /// the references seen in the current block.
    work: Option<(WorkTable, Vec<ColumnInfo>, usize)>,
    self_refs: usize,
}

/// Read-only access to session variables during binding.
pub trait VarSource {
    fn user_var(&self, name: &str) -> Value;
    fn system_var(&self, name: &str, global: bool) -> Result<Value>;
    fn current_db(&self) -> Option<&str>;
    /// A system table whose rows depend on the server's or the session's
    /// state rather than the catalog (information_schema.PROCESSLIST,
    /// SESSION_VARIABLES, …): its columns and rows, or `None`.
    fn system_table(&self, _db: &str, _table: &str) -> Option<(Vec<ColumnInfo>, Vec<Vec<Value>>)> {
        None
    }
}

/// One level of name resolution: the columns a FROM clause produces.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub cols: Vec<ColumnInfo>,
}

impl Scope {
    fn resolve(&self, qualifier: Option<&str>, name: &str, clause: &str) -> Result<Option<usize>> {
        let mut found = None;
        for (i, c) in self.cols.iter().enumerate() {
            if !c.name.eq_ignore_ascii_case(name) {
                continue;
            }
            match qualifier {
                Some(q) => {
                    if c.table.as_deref() != Some(q) {
                        continue;
                    }
                }
                None => {
                    if c.hidden || c.table.as_deref() == Some("__new") {
                        continue;
                    }
                }
            }
            if found.is_some() {
                return Err(DbError::ambiguous_column(name, clause));
            }
            found = Some(i);
        }
        Ok(found)
    }
}

/// State for binding expressions of an aggregate query.
pub struct AggState {
    /// GROUP BY expressions as written and as bound against the FROM scope.
    group_ast: Vec<ast::Expr>,
    group: Vec<Expr>,
    aggs: Vec<AggCall>,
    /// Types of the FROM scope's columns.
    base_types: Vec<SqlType>,
    /// For each FROM-scope column, the scope positions of its table's
    /// primary key (a column is functionally dependent on those).
    pk_deps: Vec<Option<Vec<usize>>>,
    /// `db.table.column` of each FROM-scope column, for error messages.
    col_names: Vec<String>,
    /// sql_mode has ONLY_FULL_GROUP_BY.
    strict: bool,
    has_group_by: bool,
    /// Which select-list expression (1-based) and clause is being bound.
    position: (usize, &'static str),
}

pub struct Binder<'a> {
    pub catalog: &'a Catalog,
    pub vars: &'a dyn VarSource,
    /// Enclosing scopes, innermost last.
    outer: Vec<Scope>,
    /// Number of `?` placeholders seen so far.
    pub param_count: usize,
    /// Depth of nested subqueries, to bound recursion.
    depth: usize,
    /// The statement's SQL text, for naming result columns as written.
    source: Option<&'a str>,
    /// Common table expressions in scope, innermost last.
    ctes: Vec<CteDef>,
    /// Query expressions being bound, nested (a recursive reference must
    /// be at its CTE's own level, not in a subquery or derived table).
    level: usize,
    /// CTE references bound so far in this statement (each reference binds
    /// the CTE's body again, so nested references could multiply).
    cte_binds: usize,
    /// The window functions of the query block whose select list or ORDER
    /// BY is being bound; `None` where window functions may not stand
    /// (3593).
    win: Option<WinState>,
}

/// Window calls bound in a select list refer to their result as
/// `Expr::Col(WIN_BASE + k)` until the window node's input width is known.
const WIN_BASE: usize = 1 << 40;

/// The window functions of one query block, while it is bound.
struct WinState {
    /// The WINDOW clause: (name, definition).
    named: Vec<(String, ast::WindowSpec)>,
    calls: Vec<BoundWinCall>,
}

struct BoundWinCall {
    /// The text of the effective PARTITION BY and ORDER BY: calls with the
    /// same text share one sort.
    sort_key: String,
    /// Position of the named window a call names (`OVER w`) in the WINDOW
    /// clause; named windows run first, as MySQL runs them.
    rank: usize,
    partition: Vec<Expr>,
    order: Vec<(Expr, bool)>,
    call: crate::sql::window::WinCall,
    ty: SqlType,
    nullable: bool,
}

/// A window definition with its references to named windows followed.
struct ResolvedWindow {
    /// `<unnamed window>` or the window's name, for messages.
    name: String,
    partition: Vec<ast::Expr>,
    order: Vec<ast::OrderByExpr>,
    frame: Option<ast::WindowFrame>,
}

const MAX_SUBQUERY_DEPTH: usize = 32;
const MAX_CTE_BINDS: usize = 10_000;

/// The bound form of a SELECT: its plan and output columns.
pub struct BoundQuery {
    pub plan: Plan,
    pub columns: Vec<ColumnInfo>,
}

fn ident_name(i: &ast::Ident) -> String {
    i.value.clone()
}

/// The parts of an object name as strings.
pub fn object_name_parts(n: &ast::ObjectName) -> Vec<String> {
    n.0.iter()
        .map(|p| match p {
            ast::ObjectNamePart::Identifier(i) => i.value.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// Split `[db.]name`, defaulting db to the session's current database.
pub fn split_table_name(n: &ast::ObjectName, current: Option<&str>) -> Result<(String, String)> {
    let parts = object_name_parts(n);
    match parts.as_slice() {
        [t] => Ok((current.ok_or_else(DbError::no_db)?.to_string(), t.clone())),
        [d, t] => Ok((d.clone(), t.clone())),
        _ => Err(DbError::parse(n.to_string())),
    }
}

/// A constant compared with a YEAR column reads as a year, as MySQL stores
/// it into the column's type first: `y = 24` means 2024, `y = '0'` 2000.
fn year_constant(other: &Expr, constant: Expr, scope: &Scope) -> Expr {
    let Expr::Col(i) = other else { return constant };
    if scope.cols.get(*i).is_none_or(|c| c.ty.kind != TypeKind::Year) {
        return constant;
    }
    match &constant {
        Expr::Lit(v) if !v.is_null() => match crate::sql::conversion::to_year(v) {
            Ok(y) => Expr::Lit(Value::Int(y)),
            Err(_) => constant,
        },
        _ => constant,
    }
}

pub fn value_type(v: &Value) -> SqlType {
    match v {
        Value::Null => SqlType::null(),
        Value::Int(i) => SqlType { len: i.to_string().len() as u32, ..SqlType::bigint() },
        Value::UInt(_) => SqlType { unsigned: true, ..SqlType::bigint() },
        Value::Double(_) => SqlType::double(),
        Value::Decimal(d) => {
            SqlType::decimal((d.mantissa().unsigned_abs().to_string().len() as u32).max(d.scale() + 1), d.scale() as u8)
        }
        Value::Str(s) => SqlType::varchar(s.chars().count() as u32),
        Value::Bytes(b) => SqlType { len: b.len() as u32, ..SqlType::new(TypeKind::Varbinary) },
        Value::Date(_) => SqlType::new(TypeKind::Date),
        Value::DateTime(_) => SqlType::new(TypeKind::DateTime),
        Value::Time(t) => SqlType { len: if t % 1_000_000 != 0 { 6 } else { 0 }, ..SqlType::new(TypeKind::Time) },
        Value::Bit(_, m) => SqlType { len: *m as u32, ..SqlType::new(TypeKind::Bit) },
        Value::Enum(_, s) => SqlType::varchar(s.chars().count() as u32),
    }
}

/// Parse a numeric literal as MySQL types it.
pub fn number_literal(s: &str) -> Result<Value> {
    if s.contains(['e', 'E']) {
        return s.parse::<f64>().map(Value::Double).map_err(|_| DbError::parse(s));
    }
    if s.contains('.') {
        return match s.parse::<Decimal>() {
            Ok(d) => Ok(Value::Decimal(d)),
            Err(_) => s.parse::<f64>().map(Value::Double).map_err(|_| DbError::parse(s)),
        };
    }
    if let Ok(i) = s.parse::<i64>() {
        return Ok(Value::Int(i));
    }
    if let Ok(u) = s.parse::<u64>() {
        return Ok(Value::UInt(u));
    }
    match s.parse::<Decimal>() {
        Ok(d) => Ok(Value::Decimal(d)),
        Err(_) => s.parse::<f64>().map(Value::Double).map_err(|_| DbError::parse(s)),
    }
}

pub fn agg_func(name: &str) -> Option<AggFunc> {
    Some(match name.to_ascii_lowercase().as_str() {
        "count" => AggFunc::Count,
        "sum" => AggFunc::Sum,
        "avg" => AggFunc::Avg,
        "min" => AggFunc::Min,
        "max" => AggFunc::Max,
        "group_concat" => AggFunc::GroupConcat,
        "any_value" => AggFunc::AnyValue,
        "bit_and" => AggFunc::BitAnd,
        "bit_or" => AggFunc::BitOr,
        "bit_xor" => AggFunc::BitXor,
        "std" | "stddev" | "stddev_pop" => AggFunc::StdPop,
        "stddev_samp" => AggFunc::StdSamp,
        "variance" | "var_pop" => AggFunc::VarPop,
        "var_samp" => AggFunc::VarSamp,
        "json_arrayagg" => AggFunc::JsonArrayAgg,
        "json_objectagg" => AggFunc::JsonObjectAgg,
        _ => return None,
    })
}

fn function_name(f: &ast::Function) -> String {
    object_name_parts(&f.name).last().cloned().unwrap_or_default()
}

/// True when `e` contains an aggregate call outside any subquery; `is_agg`
/// says which function names are aggregates.
pub fn contains_aggregate_in(e: &ast::Expr, is_agg: &dyn Fn(&str) -> bool) -> bool {
    let rec = |x: &ast::Expr| contains_aggregate_in(x, is_agg);
    use ast::Expr as E;
    match e {
        E::Function(f) => {
            if f.over.is_none() && is_agg(&function_name(f)) {
                return true;
            }
            if let Some(ast::WindowType::WindowSpec(spec)) = &f.over {
                if spec.partition_by.iter().any(&rec) || spec.order_by.iter().any(|o| rec(&o.expr)) {
                    return true;
                }
            }
            match &f.args {
                ast::FunctionArguments::List(l) => l.args.iter().any(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e))
                    | ast::FunctionArg::Named { arg: ast::FunctionArgExpr::Expr(e), .. } => rec(e),
                    _ => false,
                }),
                _ => false,
            }
        }
        E::BinaryOp { left, right, .. } => rec(left) || rec(right),
        E::UnaryOp { expr, .. }
        | E::Nested(expr)
        | E::IsNull(expr)
        | E::IsNotNull(expr)
        | E::IsTrue(expr)
        | E::IsFalse(expr)
        | E::IsNotTrue(expr)
        | E::IsNotFalse(expr)
        | E::Cast { expr, .. }
        | E::Collate { expr, .. } => rec(expr),
        E::Between { expr, low, high, .. } => rec(expr) || rec(low) || rec(high),
        E::In { expr, target: ast::InTarget::List(list), .. } => rec(expr) || list.iter().any(&rec),
        E::In { expr, .. } => rec(expr),
        E::Like { expr, pattern, .. } => rec(expr) || rec(pattern),
        E::Case { operand, conditions, else_result, .. } => {
            operand.as_deref().is_some_and(&rec)
                || conditions.iter().any(|c| rec(&c.condition) || rec(&c.result))
                || else_result.as_deref().is_some_and(&rec)
        }
        E::Tuple(v) => v.iter().any(&rec),
        _ => false,
    }
}

impl<'a> Binder<'a> {
    /// Operands compared with each other (`=`, `<`, IN, BETWEEN, LIKE): when
    /// all are strings and one has a case-sensitive collation (`_bin`,
    /// `COLLATE …_bin`), they compare as bytes — each is wrapped in
    /// [`func::Func::BinaryCollate`].
    fn collate_operands(&self, exprs: Vec<Expr>, scope: &Scope, agg: Option<&AggState>) -> Vec<Expr> {
        let types: Vec<SqlType> = exprs.iter().map(|e| self.infer_in(e, scope, agg)).collect();
        let strings = types.iter().all(|t| t.is_string() || t.kind == TypeKind::Null);
        if !strings || !types.iter().any(|t| t.case_sensitive) {
            return exprs;
        }
        exprs.into_iter().map(|e| Expr::Func(func::Func::BinaryCollate, vec![e])).collect()
    }

    /// True when the session's `sql_mode` contains `flag` (upper case;
    /// a prefix such as `STRICT_` matches any mode starting so).
    fn sql_mode_has(&self, flag: &str) -> bool {
        self.vars
            .system_var("sql_mode", false)
            .ok()
            .and_then(|v| v.to_text())
            .is_some_and(|m| m.to_ascii_uppercase().contains(flag))
    }

    /// True when `e` contains a call of a built-in or loadable aggregate.
    pub fn contains_aggregate(&self, e: &ast::Expr) -> bool {
        contains_aggregate_in(e, &|n| agg_func(n).is_some() || self.aggregate_udf(n).is_some())
    }

    /// The loadable aggregate function named `name`, if any.
    fn aggregate_udf(&self, name: &str) -> Option<&Arc<crate::catalog::Function>> {
        if self.catalog.functions.is_empty() {
            return None;
        }
        self.catalog.functions.get(&name.to_ascii_lowercase()).filter(|f| f.def.kind == crate::wasm::UdfKind::Aggregate)
    }

    pub fn new(catalog: &'a Catalog, vars: &'a dyn VarSource) -> Self {
        Self {
            catalog,
            vars,
            outer: Vec::new(),
            param_count: 0,
            depth: 0,
            source: None,
            ctes: Vec::new(),
            level: 0,
            cte_binds: 0,
            win: None,
        }
    }

    /// Bring the CTEs of a `WITH … UPDATE/DELETE` into scope (their names
    /// were checked by [`check_cte_names`]).
    pub fn with_ctes(mut self, w: &ast::With) -> Self {
        let _ = self.push_ctes(w);
        self
    }

    /// Name unaliased result columns by their text in `sql`, as MySQL does.
    pub fn with_source(mut self, sql: Option<&'a str>) -> Self {
        self.source = sql;
        self
    }

    /// The text of `e` as written in the statement, when known.
    fn written(&self, e: &ast::Expr) -> Option<String> {
        use sqlparser::ast::Spanned;
        let src = self.source?;
        let span = e.span();
        let mut start = byte_offset(src, span.start.line, span.start.column)?;
        let mut end = byte_offset(src, span.end.line, span.end.column)?;
        if start > end || end > src.len() {
            return None;
        }
        let b = src.as_bytes();
        let skip_ws_fwd = |mut i: usize| {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            i
        };
        // A function's span stops at its name: take the argument list.
        if matches!(e, ast::Expr::Function(_)) {
            let i = skip_ws_fwd(end);
            if b.get(i) == Some(&b'(') {
                end = matching_paren(b, i)? + 1;
            }
        }
        let back_ws = |mut i: usize| {
            while i > 0 && b[i - 1].is_ascii_whitespace() {
                i -= 1;
            }
            i
        };
        let ends_with_word = |i: usize, w: &str| {
            i >= w.len()
                && src.get(i - w.len()..i).is_some_and(|x| x.eq_ignore_ascii_case(w))
                && (i == w.len() || !(b[i - w.len() - 1].is_ascii_alphanumeric() || b[i - w.len() - 1] == b'_'))
        };
        // Special forms (CAST(x AS t), EXTRACT(...), (SELECT ...)) span only
        // their inner part; unary operators span only their operand; nested
        // parentheses are left out. Widen until the text is balanced.
        let keywords = [
            "cast",
            "convert",
            "extract",
            "substring",
            "substr",
            "trim",
            "position",
            "ceil",
            "ceiling",
            "floor",
            "exists",
        ];
        let special = matches!(
            e,
            ast::Expr::Cast { .. }
                | ast::Expr::Convert { .. }
                | ast::Expr::Extract { .. }
                | ast::Expr::Substring { .. }
                | ast::Expr::Trim { .. }
                | ast::Expr::Position { .. }
                | ast::Expr::Ceil { .. }
                | ast::Expr::Floor { .. }
                | ast::Expr::Exists { .. }
                | ast::Expr::Subquery(_)
                | ast::Expr::Nested(_)
        );
        for _ in 0..64 {
            let (old_start, old_end) = (start, end);
            let text = src.get(start..end)?;
            // Depth through the text: dipping below zero means an opening
            // parenthesis is missing before it; ending above zero, a
            // closing one after it.
            let (mut depth, mut min) = (0i64, 0i64);
            for c in text.bytes() {
                match c {
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        min = min.min(depth);
                    }
                    _ => {}
                }
            }
            let (open, close) = if min < 0 {
                (0, 1)
            } else if depth > 0 {
                (1, 0)
            } else {
                (0, 0)
            };
            let before = back_ws(start);
            if open > close {
                let i = skip_ws_fwd(end);
                if b.get(i) == Some(&b')') {
                    end = i + 1;
                }
            } else if close > open {
                if before > 0 && b[before - 1] == b'(' {
                    start = before - 1;
                    // `CAST (`, `f(`: the word before the parenthesis belongs too.
                    let k = back_ws(start);
                    let mut w = k;
                    while w > 0 && (b[w - 1].is_ascii_alphanumeric() || b[w - 1] == b'_') {
                        w -= 1;
                    }
                    if w < k && (k == start || keywords.iter().any(|kw| ends_with_word(k, kw))) {
                        start = w;
                    }
                }
            } else if special && before > 0 && b[before - 1] == b'(' {
                let open_at = before - 1;
                let kw_end = back_ws(open_at);
                if let Some(k) = keywords.iter().find(|k| ends_with_word(kw_end, k)) {
                    start = kw_end - k.len();
                } else if matches!(e, ast::Expr::Subquery(_) | ast::Expr::Nested(_)) {
                    start = open_at;
                }
                if start != old_start {
                    end = matching_paren(b, open_at)? + 1;
                }
            } else if let ast::Expr::UnaryOp { .. } = e {
                if before > 0 && b[before - 1] == b'(' {
                    start = before - 1;
                    end = matching_paren(b, start)? + 1;
                } else if before > 0 && matches!(b[before - 1], b'-' | b'+' | b'~' | b'!') {
                    start = before - 1;
                } else if ends_with_word(before, "not") {
                    start = before - 3;
                }
            }
            if (start, end) == (old_start, old_end) {
                break;
            }
        }
        // A window function's name runs on through its OVER clause.
        if matches!(e, ast::Expr::Function(f) if f.over.is_some()) {
            let i = skip_ws_fwd(end);
            if src.get(i..i + 4).is_some_and(|w| w.eq_ignore_ascii_case("over")) {
                let j = skip_ws_fwd(i + 4);
                if b.get(j) == Some(&b'(') {
                    end = matching_paren(b, j)? + 1;
                } else {
                    let mut k = j;
                    while k < b.len() && (b[k].is_ascii_alphanumeric() || b[k] == b'_' || b[k] == b'`') {
                        k += 1;
                    }
                    end = k;
                }
            }
        }
        let text = src.get(start..end)?.trim();
        (!text.is_empty()).then(|| text.to_string())
    }

    fn current_db(&self) -> Option<&str> {
        self.vars.current_db()
    }

    // ----- queries ---------------------------------------------------------

    #[recursive::recursive]
    pub fn bind_query(&mut self, q: &ast::Query) -> Result<BoundQuery> {
        let saved = self.ctes.len();
        self.level += 1;
        let r = match &q.with {
            Some(w) => self.push_ctes(w).and_then(|()| self.bind_query_body(q)),
            None => self.bind_query_body(q),
        };
        self.level -= 1;
        self.ctes.truncate(saved);
        r
    }

    fn bind_query_body(&mut self, q: &ast::Query) -> Result<BoundQuery> {
        let order_by: &[ast::OrderByExpr] = match &q.order_by {
            Some(ast::OrderBy { kind: ast::OrderByKind::Expressions(v), .. }) => v,
            Some(_) => return Err(DbError::unsupported("ORDER BY ALL")),
            None => &[],
        };
        let (limit, offset) = self.bind_limit(q.limit_clause.as_ref())?;
        let mut bound = match q.body.as_ref() {
            ast::SetExpr::Select(s) => self.bind_select(s, order_by)?,
            other => {
                let mut b = self.bind_set_expr(other)?;
                if !order_by.is_empty() {
                    let mut keys = Vec::new();
                    for o in order_by {
                        let idx = self.output_position(&o.expr, &b.columns)?;
                        let key = json_sort_key(Expr::Col(idx), &b.columns[idx].ty);
                        keys.push((key, !matches!(o.options.sort, Some(ast::OrderBySort::Desc))));
                    }
                    b.plan = Plan::Sort { input: Box::new(b.plan), keys };
                }
                b
            }
        };
        if limit.is_some() || offset.is_some() {
            bound.plan = Plan::Limit { input: Box::new(bound.plan), limit, offset };
        }
        Ok(bound)
    }

    fn bind_limit(&mut self, l: Option<&ast::LimitClause>) -> Result<(Option<Expr>, Option<Expr>)> {
        let scope = Scope::default();
        let mut b = |e: &ast::Expr| -> Result<Expr> { self.bind_expr(e, &scope, &mut None, "LIMIT") };
        Ok(match l {
            None => (None, None),
            Some(ast::LimitClause::LimitOffset { limit, offset, .. }) => {
                (limit.as_ref().map(&mut b).transpose()?, offset.as_ref().map(|o| b(&o.value)).transpose()?)
            }
            Some(ast::LimitClause::OffsetCommaLimit { offset, limit }) => (Some(b(limit)?), Some(b(offset)?)),
        })
    }

    /// Resolve an ORDER BY item of a set operation to an output position.
    fn output_position(&self, e: &ast::Expr, cols: &[ColumnInfo]) -> Result<usize> {
        match e {
            ast::Expr::Value(v) => match &v.value {
                ast::Value::Number(n, _) => {
                    let k: usize = n.parse().map_err(|_| DbError::parse(n))?;
                    if k == 0 || k > cols.len() {
                        return Err(DbError::unknown_column(n, "order clause"));
                    }
                    Ok(k - 1)
                }
                _ => Err(DbError::unsupported("ORDER BY constant")),
            },
            ast::Expr::Identifier(i) => cols
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(&i.value))
                .ok_or_else(|| DbError::unknown_column(&i.value, "order clause")),
            ast::Expr::CompoundIdentifier(parts) => {
                let name = parts.last().map(|i| i.value.clone()).unwrap_or_default();
                cols.iter()
                    .position(|c| c.name.eq_ignore_ascii_case(&name))
                    .ok_or_else(|| DbError::unknown_column(&name, "order clause"))
            }
            other => Err(DbError::unknown_column(&other.to_string(), "order clause")),
        }
    }

    fn bind_set_expr(&mut self, s: &ast::SetExpr) -> Result<BoundQuery> {
        match s {
            ast::SetExpr::Select(sel) => self.bind_select(sel, &[]),
            ast::SetExpr::Query(q) => self.bind_query(q),
            ast::SetExpr::Values(v) => self.bind_values(v),
            ast::SetExpr::SetOperation { left, op, set_quantifier, right } => {
                let l = self.bind_set_expr(left)?;
                let r = self.bind_set_expr(right)?;
                let op = match op {
                    ast::SetOperator::Union => SetOpKind::Union,
                    ast::SetOperator::Intersect => SetOpKind::Intersect,
                    ast::SetOperator::Except | ast::SetOperator::Minus => SetOpKind::Except,
                };
                set_op_bound(l, r, op, matches!(set_quantifier, ast::SetQuantifier::All))
            }
            _ => Err(DbError::unsupported(s.to_string())),
        }
    }

    fn bind_values(&mut self, v: &ast::Values) -> Result<BoundQuery> {
        let scope = Scope::default();
        let mut rows = Vec::new();
        let mut types: Vec<Vec<SqlType>> = Vec::new();
        for r in &v.rows {
            let mut row = Vec::new();
            let mut tys = Vec::new();
            for e in r.iter() {
                let b = self.bind_expr(e, &scope, &mut None, "field list")?;
                tys.push(self.infer(&b, &scope));
                row.push(b);
            }
            if let Some(first) = rows.first() {
                let first: &Vec<Expr> = first;
                if first.len() != row.len() {
                    return Err(DbError::value_count(rows.len() + 1));
                }
            }
            rows.push(row);
            types.push(tys);
        }
        let width = rows.first().map(|r| r.len()).unwrap_or(0);
        let columns = (0..width)
            .map(|i| {
                let t: Vec<SqlType> = types.iter().map(|r| r[i].clone()).collect();
                ColumnInfo::expr(format!("column_{i}"), expr::unify_types(&t))
            })
            .collect();
        Ok(BoundQuery { plan: Plan::Values(rows), columns })
    }

    /// Bind the FROM clause into a plan and its scope. WHERE conjuncts that
    /// read one table are pushed into that table's scan.
    fn bind_from(
        &mut self,
        from: &[ast::TableWithJoins],
        where_: Option<&ast::Expr>,
    ) -> Result<(Plan, Scope, Option<Expr>)> {
        // Flatten into sources joined left to right.
        struct Src {
            plan: Plan,
            cols: Vec<ColumnInfo>,
            kind: JoinKind,
            on: Option<ast::Expr>,
            using: Vec<String>,
            natural: bool,
        }
        let mut srcs: Vec<Src> = Vec::new();
        for (ti, twj) in from.iter().enumerate() {
            let (plan, cols) = self.bind_table_factor(&twj.relation)?;
            let _ = ti;
            srcs.push(Src { plan, cols, kind: JoinKind::Inner, on: None, using: vec![], natural: false });
            for j in &twj.joins {
                let (plan, cols) = self.bind_table_factor(&j.relation)?;
                let (kind, constraint) = match &j.join_operator {
                    ast::JoinOperator::Join(c) | ast::JoinOperator::Inner(c) | ast::JoinOperator::StraightJoin(c) => {
                        (JoinKind::Inner, Some(c))
                    }
                    ast::JoinOperator::CrossJoin(c) => (JoinKind::Inner, Some(c)),
                    ast::JoinOperator::Left(c) | ast::JoinOperator::LeftOuter(c) => (JoinKind::Left, Some(c)),
                    ast::JoinOperator::Right(c) | ast::JoinOperator::RightOuter(c) => (JoinKind::Right, Some(c)),
                    other => {
                        return Err(DbError::unsupported(
                            format!("{other:?}").split('(').next().unwrap_or("join").to_string(),
                        ))
                    }
                };
                let mut s = Src { plan, cols, kind, on: None, using: vec![], natural: false };
                match constraint {
                    Some(ast::JoinConstraint::On(e)) => s.on = Some(e.clone()),
                    Some(ast::JoinConstraint::Using(names)) => {
                        s.using =
                            names.iter().map(|n| object_name_parts(n).last().cloned().unwrap_or_default()).collect()
                    }
                    Some(ast::JoinConstraint::Natural) => s.natural = true,
                    _ => {}
                }
                srcs.push(s);
            }
        }
        let mut quals = std::collections::HashSet::new();
        for s in &srcs {
            // A parenthesized join brings several tables: each must be new.
            let mut own: Vec<&String> = s.cols.iter().filter_map(|c| c.table.as_ref()).collect();
            own.dedup();
            own.sort_unstable();
            own.dedup();
            for q in own {
                if !quals.insert(q.clone()) {
                    return Err(DbError::new(1066, "42000", format!("Not unique table/alias: '{q}'")));
                }
            }
        }
        if srcs.is_empty() {
            return Ok((
                Plan::Dual,
                Scope::default(),
                where_.map(|w| self.bind_expr(w, &Scope::default(), &mut None, "where clause")).transpose()?,
            ));
        }
        // Offsets of each source in the combined row.
        let mut offsets = Vec::new();
        let mut scope = Scope::default();
        for s in &srcs {
            offsets.push(scope.cols.len());
            scope.cols.extend(s.cols.iter().cloned());
        }
        // Which sources may be null-extended (WHERE can't be pushed there).
        let mut nullable = vec![false; srcs.len()];
        for (i, s) in srcs.iter().enumerate() {
            match s.kind {
                JoinKind::Left => nullable[i] = true,
                JoinKind::Right => (0..i).for_each(|k| nullable[k] = true),
                JoinKind::Inner => {}
            }
        }
        for (i, s) in srcs.iter().enumerate() {
            if nullable[i] {
                for c in &mut scope.cols[offsets[i]..offsets[i] + s.cols.len()] {
                    c.nullable = true;
                }
            }
        }
        let source_of = |col: usize| offsets.iter().rposition(|&o| o <= col).unwrap_or(0);

        // Bind WHERE and split into conjuncts.
        let mut conjuncts = Vec::new();
        if let Some(w) = where_ {
            if self.contains_aggregate(w) {
                return Err(DbError::group_func());
            }
            let e = self.bind_expr(w, &scope, &mut None, "where clause")?;
            split_and(e, &mut conjuncts);
        }
        let mut pushed: Vec<Vec<Expr>> = (0..srcs.len()).map(|_| Vec::new()).collect();
        let mut remaining = Vec::new();
        for c in conjuncts {
            let used = c.columns_used();
            let has_corr = has_correlated_subquery(&c);
            let srcset: std::collections::BTreeSet<usize> = used.iter().map(|&u| source_of(u)).collect();
            if !has_corr && srcset.len() == 1 {
                let s = *srcset.iter().next().unwrap_or(&0);
                if !nullable[s] && matches!(srcs[s].plan, Plan::Scan(_)) {
                    let off = offsets[s];
                    let mut c = c;
                    c.map_columns(&|i| i - off);
                    pushed[s].push(c);
                    continue;
                }
            }
            remaining.push(c);
        }

        // Build the join tree left-deep.
        let mut width = 0;
        let mut plan: Option<Plan> = None;
        let mut join_scope = Scope::default();
        let srcs_len = srcs.len();
        for (i, (mut s, push)) in srcs.into_iter().zip(pushed).enumerate() {
            if let Plan::Scan(node) = &mut s.plan {
                let f = push.into_iter().reduce(|a, b| Expr::Bin(BinOp::And, Box::new(a), Box::new(b)));
                node.filter = f;
                choose_access(node);
            }
            let w = s.cols.len();
            join_scope.cols.extend(s.cols.iter().cloned());
            plan = Some(match plan.take() {
                None => s.plan,
                Some(left) => {
                    let mut on = match &s.on {
                        Some(e) => Some(self.bind_expr(e, &join_scope, &mut None, "on clause")?),
                        None => None,
                    };
                    let mut using = s.using.clone();
                    if s.natural {
                        using = s
                            .cols
                            .iter()
                            .filter(|c| join_scope.cols[..width].iter().any(|l| l.name.eq_ignore_ascii_case(&c.name)))
                            .map(|c| c.name.clone())
                            .collect();
                    }
                    for name in &using {
                        if let Some(r) = s.cols.iter().position(|c| c.name.eq_ignore_ascii_case(name)) {
                            join_scope.cols[width + r].hidden = true;
                            scope.cols[width + r].hidden = true;
                        }
                        let l = join_scope.cols[..width]
                            .iter()
                            .position(|c| c.name.eq_ignore_ascii_case(name))
                            .ok_or_else(|| DbError::unknown_column(name, "from clause"))?;
                        let r = s
                            .cols
                            .iter()
                            .position(|c| c.name.eq_ignore_ascii_case(name))
                            .ok_or_else(|| DbError::unknown_column(name, "from clause"))?;
                        let eq = Expr::Bin(BinOp::Eq, Box::new(Expr::Col(l)), Box::new(Expr::Col(width + r)));
                        on = Some(match on {
                            Some(o) => Expr::Bin(BinOp::And, Box::new(o), Box::new(eq)),
                            None => eq,
                        });
                    }
                    // Inner joins also take WHERE conjuncts that become
                    // evaluable here.
                    if s.kind == JoinKind::Inner && i < srcs_len {
                        let avail = width + w;
                        let mut keep = Vec::new();
                        for c in remaining.drain(..) {
                            let used = c.columns_used();
                            if !has_correlated_subquery(&c)
                                && !used.is_empty()
                                && used.iter().all(|&u| u < avail)
                                && !(0..=i).any(|k| nullable[k])
                            {
                                on = Some(match on {
                                    Some(o) => Expr::Bin(BinOp::And, Box::new(o), Box::new(c)),
                                    None => c,
                                });
                            } else {
                                keep.push(c);
                            }
                        }
                        remaining = keep;
                    }
                    let equi = on.as_ref().map(|o| equi_pairs(o, width, w, &join_scope)).unwrap_or_default();
                    Plan::Join {
                        left: Box::new(left),
                        right: Box::new(s.plan),
                        kind: s.kind,
                        on,
                        equi,
                        left_width: width,
                        right_width: w,
                    }
                }
            });
            width += w;
        }
        let residual = remaining.into_iter().reduce(|a, b| Expr::Bin(BinOp::And, Box::new(a), Box::new(b)));
        Ok((plan.unwrap_or(Plan::Dual), scope, residual))
    }

    fn bind_table_factor(&mut self, tf: &ast::TableFactor) -> Result<(Plan, Vec<ColumnInfo>)> {
        match tf {
            ast::TableFactor::Table { name, alias, args, .. } => {
                if let Some(a) = args {
                    return self.bind_table_function(name, &a.args, alias.as_ref());
                }
                let parts = object_name_parts(name);
                if parts.len() == 1 && parts[0].eq_ignore_ascii_case("dual") && alias.is_none() {
                    return Ok((Plan::Dual, vec![]));
                }
                if parts.len() == 1 {
                    if let Some(i) = self.ctes.iter().rposition(|c| c.name == parts[0]) {
                        return self.bind_cte_ref(i, alias.as_ref().map(|a| ident_name(&a.name)));
                    }
                }
                let (db, tname) = split_table_name(name, self.current_db())?;
                let system = if let Some(t) = self.vars.system_table(&db, &tname) {
                    Some(t)
                } else if db.eq_ignore_ascii_case("information_schema") {
                    Some(
                        crate::sql::show::information_schema(self.catalog, &tname)
                            .ok_or_else(|| DbError::no_table("information_schema", &tname))?,
                    )
                } else {
                    crate::sql::show::function_table(self.catalog, &db, &tname)
                };
                if let Some((mut cols, rows)) = system {
                    let qual = alias.as_ref().map(|a| ident_name(&a.name)).unwrap_or_else(|| tname.clone());
                    for c in &mut cols {
                        c.table = Some(qual.clone());
                    }
                    let rows = rows.into_iter().map(|r| r.into_iter().map(Expr::Lit).collect()).collect();
                    return Ok((Plan::Values(rows), cols));
                }
                if let Some(view) = self.catalog.view(&db, &tname).cloned() {
                    return self.bind_view(&view, alias.as_ref().map(|a| ident_name(&a.name)));
                }
                let t = self.catalog.require_table(&db, &tname)?.clone();
                let qual = alias.as_ref().map(|a| ident_name(&a.name)).unwrap_or_else(|| tname.clone());
                let cols = t
                    .columns
                    .iter()
                    .map(|c| ColumnInfo {
                        name: c.name.clone(),
                        table: Some(qual.clone()),
                        org_table: t.name.clone(),
                        db: t.db.clone(),
                        ty: c.ty.clone(),
                        nullable: c.nullable,
                        hidden: false,
                    })
                    .collect();
                Ok((Plan::Scan(ScanNode { table: t, access: Access::Full, filter: None, reverse: false }), cols))
            }
            ast::TableFactor::Derived { subquery, alias, .. } => {
                let Some(alias) = alias else {
                    return Err(DbError::new(1248, "42000", "Every derived table must have its own alias"));
                };
                // A derived table cannot see the enclosing FROM (no LATERAL).
                let saved = std::mem::take(&mut self.outer);
                let b = self.bind_query(subquery);
                self.outer = saved;
                let b = b?;
                let qual = ident_name(&alias.name);
                let mut cols: Vec<ColumnInfo> = b.columns;
                for (i, c) in cols.iter_mut().enumerate() {
                    c.table = Some(qual.clone());
                    if let Some(a) = alias.columns.get(i) {
                        c.name = a.name.value.clone();
                    }
                }
                Ok((b.plan, cols))
            }
            ast::TableFactor::NestedJoin { table_with_joins, .. } => {
                let (plan, scope, residual) = self.bind_from(std::slice::from_ref(table_with_joins), None)?;
                let plan = match residual {
                    Some(r) => Plan::Filter(Box::new(plan), r),
                    None => plan,
                };
                Ok((plan, scope.cols))
            }
            other => Err(DbError::unsupported(other.to_string())),
        }
    }

    fn bind_view(&mut self, view: &crate::catalog::ViewDef, alias: Option<String>) -> Result<(Plan, Vec<ColumnInfo>)> {
        if self.depth >= MAX_SUBQUERY_DEPTH {
            return Err(DbError::new(1462, "HY000", format!("`{}`.`{}` contains view recursion", view.db, view.name)));
        }
        let mut stmts = crate::sql::parse(&view.query)?;
        let Some(ast::Statement::Query(q)) = stmts.pop() else {
            return Err(DbError::internal(format!("view {}.{} has no query", view.db, view.name)));
        };
        // A view sees neither the enclosing FROM nor the statement's CTEs.
        let saved = std::mem::take(&mut self.outer);
        let saved_ctes = std::mem::take(&mut self.ctes);
        self.depth += 1;
        let b = self.bind_query(&q);
        self.depth -= 1;
        self.outer = saved;
        self.ctes = saved_ctes;
        let b = b?;
        let qual = alias.unwrap_or_else(|| view.name.clone());
        let mut cols = b.columns;
        for (i, c) in cols.iter_mut().enumerate() {
            c.table = Some(qual.clone());
            if let Some(n) = view.columns.get(i) {
                c.name = n.clone();
            }
        }
        Ok((b.plan, cols))
    }

    // ----- common table expressions ----------------------------------------

    /// Bring the CTEs of a `WITH` clause into scope (the caller drops them).
    fn push_ctes(&mut self, w: &ast::With) -> Result<()> {
        let first = self.ctes.len();
        for cte in &w.cte_tables {
            let name = ident_name(&cte.alias.name);
            if self.ctes[first..].iter().any(|c| c.name == name) {
                return Err(DbError::new(1066, "42000", format!("Not unique table/alias: '{name}'")));
            }
            let at = self.ctes.len();
            self.ctes.push(CteDef {
                name,
                columns: cte.alias.columns.iter().map(|c| c.name.value.clone()).collect(),
                query: Arc::new((*cte.query).clone()),
                recursive: w.recursive,
                visible: if w.recursive { at + 1 } else { at },
                work: None,
                self_refs: 0,
            });
        }
        Ok(())
    }

    /// A reference to the CTE `self.ctes[i]` in a FROM clause: its working
    /// table inside its own recursive query block, otherwise its body bound
    /// in the scope of its definition (each reference binds it anew).
    fn bind_cte_ref(&mut self, i: usize, alias: Option<String>) -> Result<(Plan, Vec<ColumnInfo>)> {
        let qual = alias.unwrap_or_else(|| self.ctes[i].name.clone());
        if let Some((work, cols, level)) = self.ctes[i].work.clone() {
            self.ctes[i].self_refs += 1;
            if level != self.level || self.ctes[i].self_refs > 1 {
                return Err(DbError::new(
                    3577,
                    "HY000",
                    format!(
                        "In recursive query block of Recursive Common Table Expression '{}', the recursive table must be referenced only once, and not in any subquery",
                        self.ctes[i].name
                    ),
                ));
            }
            let cols = cols.into_iter().map(|c| ColumnInfo { table: Some(qual.clone()), ..c }).collect();
            return Ok((Plan::WorkTable(work), cols));
        }
        if self.depth >= MAX_SUBQUERY_DEPTH {
            return Err(DbError::new(1436, "HY000", "Thread stack overrun: subqueries nested too deeply"));
        }
        self.cte_binds += 1;
        if self.cte_binds > MAX_CTE_BINDS {
            return Err(DbError::limit("common table expression references"));
        }
        let def = self.ctes[i].clone();
        // The body sees the CTEs defined before it (and itself when
        // recursive), none of the enclosing FROM clauses.
        let later = self.ctes.split_off(def.visible);
        let outer = std::mem::take(&mut self.outer);
        self.depth += 1;
        let r = if def.recursive && references_table(&def.query.body, &def.name) {
            self.bind_recursive_cte(def.visible - 1, &def)
        } else {
            self.bind_query(&def.query).and_then(|b| Ok((b.plan, rename_cte_columns(&def, b.columns)?)))
        };
        self.depth -= 1;
        self.outer = outer;
        self.ctes.extend(later);
        let (plan, mut cols) = r?;
        for c in &mut cols {
            c.table = Some(qual.clone());
        }
        Ok((plan, cols))
    }

    /// Bind the body of a recursive CTE (`self.ctes[idx]`): non-recursive
    /// query blocks first, then the recursive ones, joined by UNION.
    fn bind_recursive_cte(&mut self, idx: usize, def: &CteDef) -> Result<(Plan, Vec<ColumnInfo>)> {
        let name = &def.name;
        let q = &def.query;
        let not_yet =
            |what: &str| DbError::new(1235, "42000", format!("This version of MySQL doesn't yet support '{what}'"));
        if q.order_by.is_some() {
            return Err(not_yet("ORDER BY over UNION in recursive Common Table Expression"));
        }
        if q.with.is_some() {
            return Err(DbError::unsupported("WITH inside a recursive common table expression"));
        }
        let mut blocks = Vec::new();
        let mut distinct = false;
        flatten_union(&q.body, &mut blocks, &mut distinct);
        if blocks.len() < 2 {
            return Err(DbError::new(
                3573,
                "HY000",
                format!("Recursive Common Table Expression '{name}' should contain a UNION"),
            ));
        }
        let recursive: Vec<bool> = blocks.iter().map(|b| references_table(b, name)).collect();
        let anchors = recursive.iter().take_while(|r| !**r).count();
        if anchors == 0 || recursive[anchors..].iter().any(|r| !r) {
            return Err(DbError::new(
                3574,
                "HY000",
                format!(
                    "Recursive Common Table Expression '{name}' should have one or more non-recursive query blocks followed by one or more recursive ones"
                ),
            ));
        }
        // The non-recursive part, which types the columns.
        let mut anchor: Option<BoundQuery> = None;
        for b in &blocks[..anchors] {
            let bound = self.bind_set_expr(b)?;
            anchor = Some(match anchor {
                None => bound,
                Some(l) => set_op_bound(l, bound, SetOpKind::Union, !distinct)?,
            });
        }
        let anchor = anchor.ok_or_else(|| DbError::internal("recursive CTE without anchor"))?;
        let mut columns = rename_cte_columns(def, anchor.columns)?;
        for c in &mut columns {
            c.table = Some(name.clone());
        }
        let work: WorkTable = Arc::default();
        let mut rec_plan: Option<Plan> = None;
        for b in &blocks[anchors..] {
            if let ast::SetExpr::Select(s) = b {
                if s.distinct.is_some() {
                    return Err(not_yet(
                        "ORDER BY / LIMIT / SELECT DISTINCT in recursive query block of Common Table Expression",
                    ));
                }
                let grouped = match &s.group_by {
                    ast::GroupByExpr::Expressions(v, _) => !v.is_empty(),
                    ast::GroupByExpr::All(_) => true,
                };
                let aggregated = grouped
                    || s.having.is_some()
                    || s.projection.iter().any(|i| match i {
                        ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                            self.contains_aggregate(e) || contains_window(e)
                        }
                        _ => false,
                    });
                if aggregated {
                    return Err(DbError::new(
                        3575,
                        "HY000",
                        format!(
                            "Recursive Common Table Expression '{name}' can contain neither aggregation nor window functions in recursive query block"
                        ),
                    ));
                }
            } else if let ast::SetExpr::Query(inner) = b {
                if inner.order_by.is_some() || inner.limit_clause.is_some() {
                    return Err(not_yet(
                        "ORDER BY / LIMIT / SELECT DISTINCT in recursive query block of Common Table Expression",
                    ));
                }
            }
            self.ctes[idx].work = Some((work.clone(), columns.clone(), self.level));
            self.ctes[idx].self_refs = 0;
            let r = self.bind_set_expr(b);
            self.ctes[idx].work = None;
            let bound = r?;
            if bound.columns.len() != columns.len() {
                return Err(DbError::new(
                    1222,
                    "21000",
                    "The used SELECT statements have a different number of columns",
                ));
            }
            for (c, r) in columns.iter_mut().zip(&bound.columns) {
                c.nullable |= r.nullable;
            }
            rec_plan = Some(match rec_plan {
                None => bound.plan,
                Some(l) => {
                    Plan::SetOp { left: Box::new(l), right: Box::new(bound.plan), op: SetOpKind::Union, all: true }
                }
            });
        }
        let recursive = rec_plan.ok_or_else(|| DbError::internal("recursive CTE without recursive part"))?;
        let max_depth = self
            .vars
            .system_var("cte_max_recursion_depth", false)
            .ok()
            .and_then(|v| v.as_i128())
            .map(|d| d.clamp(0, u32::MAX as i128) as u64)
            .unwrap_or(1000);
        let strict = self.sql_mode_has("STRICT_");
        // LIMIT/OFFSET of the whole CTE body stop the recursion early.
        let (limit, offset) = self.bind_limit(q.limit_clause.as_ref())?;
        let mut plan = Plan::RecursiveCte(Box::new(RecursiveCte {
            name: name.clone(),
            anchor: anchor.plan,
            recursive,
            work,
            distinct,
            max_depth,
            names: columns.iter().map(|c| c.name.clone()).collect(),
            types: columns.iter().map(|c| c.ty.clone()).collect(),
            strict,
            limit: limit.clone(),
            offset: offset.clone(),
        }));
        if limit.is_some() || offset.is_some() {
            plan = Plan::Limit { input: Box::new(plan), limit, offset };
        }
        Ok((plan, columns))
    }

    fn bind_select(&mut self, s: &ast::Select, order_by: &[ast::OrderByExpr]) -> Result<BoundQuery> {
        // Each query block has its own window functions; only its select
        // list and ORDER BY may call them.
        let saved = self.win.take();
        let r = self.bind_select_block(s, order_by);
        self.win = saved;
        r
    }

    fn bind_select_block(&mut self, s: &ast::Select, order_by: &[ast::OrderByExpr]) -> Result<BoundQuery> {
        if s.into.is_some() {
            return Err(DbError::unsupported("SELECT ... INTO"));
        }
        let (mut plan, scope, residual) = self.bind_from(&s.from, s.selection.as_ref())?;
        if let Some(r) = residual {
            plan = Plan::Filter(Box::new(plan), r);
        }
        let group_exprs: &[ast::Expr] = match &s.group_by {
            ast::GroupByExpr::Expressions(v, _) => v,
            ast::GroupByExpr::All(_) => return Err(DbError::unsupported("GROUP BY ALL")),
        };
        // HAVING makes a query aggregate only with an aggregate in it
        // (`SELECT id FROM t HAVING id > 1` filters like WHERE, as in MySQL).
        let is_agg = !group_exprs.is_empty()
            || s.having.as_ref().is_some_and(|h| self.contains_aggregate(h))
            || s.projection.iter().any(|p| match p {
                ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                    self.contains_aggregate(e)
                }
                _ => false,
            })
            || order_by.iter().any(|o| self.contains_aggregate(&o.expr))
            || s.named_window.iter().any(|w| match &w.1 {
                ast::NamedWindowExpr::WindowSpec(spec) => {
                    spec.partition_by.iter().any(|e| self.contains_aggregate(e))
                        || spec.order_by.iter().any(|o| self.contains_aggregate(&o.expr))
                }
                _ => false,
            });
        let named = named_windows(&s.named_window)?;
        // An alias of a window function in HAVING is 3594 (checked before
        // the select list, whose binding may fail for other reasons first).
        if let Some(h) = &s.having {
            let window_aliases: Vec<&str> = s
                .projection
                .iter()
                .filter_map(|p| match p {
                    ast::SelectItem::ExprWithAlias { expr, alias } if contains_window(expr) => {
                        Some(alias.value.as_str())
                    }
                    _ => None,
                })
                .collect();
            let mut found = None;
            let _ = ast::visit_expressions(h, |e: &ast::Expr| {
                if let ast::Expr::Identifier(id) = e {
                    if let Some(a) = window_aliases.iter().find(|a| a.eq_ignore_ascii_case(&id.value)) {
                        found = Some(a.to_string());
                        return std::ops::ControlFlow::Break(());
                    }
                }
                std::ops::ControlFlow::Continue(())
            });
            if let Some(a) = found {
                return Err(window_alias_use(&a));
            }
        }

        // Expand the select list (wildcards) into (ast expr or column, name).
        enum Item<'x> {
            Ast(&'x ast::Expr, String),
            Column(usize),
        }
        let mut items: Vec<Item> = Vec::new();
        for p in &s.projection {
            match p {
                ast::SelectItem::Wildcard(_) => {
                    if scope.cols.is_empty() {
                        return Err(DbError::new(1096, "HY000", "No tables used"));
                    }
                    items.extend((0..scope.cols.len()).filter(|i| !scope.cols[*i].hidden).map(Item::Column));
                }
                ast::SelectItem::QualifiedWildcard(kind, _) => {
                    let q = match kind {
                        ast::SelectItemQualifiedWildcardKind::ObjectName(n) => {
                            object_name_parts(n).last().cloned().unwrap_or_default()
                        }
                        ast::SelectItemQualifiedWildcardKind::Expr(e) => e.to_string(),
                    };
                    let before = items.len();
                    items.extend(
                        scope
                            .cols
                            .iter()
                            .enumerate()
                            .filter(|(_, c)| c.table.as_deref() == Some(q.as_str()))
                            .map(|(i, _)| Item::Column(i)),
                    );
                    if items.len() == before {
                        return Err(DbError::new(1051, "42S02", format!("Unknown table '{q}'")));
                    }
                }
                ast::SelectItem::UnnamedExpr(e) => {
                    let name = match e {
                        ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_) | ast::Expr::Value(_) => {
                            display_name(e)
                        }
                        _ => self.written(e).unwrap_or_else(|| display_name(e)),
                    };
                    items.push(Item::Ast(e, name))
                }
                ast::SelectItem::ExprWithAlias { expr, alias } => items.push(Item::Ast(expr, alias.value.clone())),
                ast::SelectItem::ExprWithAliases { .. } => return Err(DbError::unsupported("multiple aliases")),
            }
        }

        let mut agg = if is_agg {
            let mut st = AggState {
                group_ast: Vec::new(),
                group: Vec::new(),
                aggs: Vec::new(),
                base_types: scope.cols.iter().map(|c| c.ty.clone()).collect(),
                pk_deps: self.pk_dependencies(&scope),
                col_names: scope.cols.iter().map(|c| format!("{}.{}.{}", c.db, c.org_table, c.name)).collect(),
                strict: self.sql_mode_has("ONLY_FULL_GROUP_BY"),
                has_group_by: !group_exprs.is_empty(),
                position: (0, "SELECT list"),
            };
            for g in group_exprs {
                // GROUP BY may name a select alias or a position.
                let resolved: ast::Expr = match g {
                    ast::Expr::Value(v) if matches!(v.value, ast::Value::Number(..)) => {
                        let n: usize = v.value.to_string().parse().map_err(|_| DbError::parse(g.to_string()))?;
                        match items.get(n.wrapping_sub(1)) {
                            Some(Item::Ast(e, _)) => (*e).clone(),
                            Some(Item::Column(i)) => {
                                ast::Expr::Identifier(ast::Ident::new(scope.cols[*i].name.clone()))
                            }
                            None => return Err(DbError::unknown_column(&g.to_string(), "group statement")),
                        }
                    }
                    ast::Expr::Identifier(id) if scope.resolve(None, &id.value, "group statement")?.is_none() => {
                        match items.iter().find(|it| matches!(it, Item::Ast(_, n) if n.eq_ignore_ascii_case(&id.value)))
                        {
                            Some(Item::Ast(e, _)) if contains_window(e) => return Err(window_alias_use(&id.value)),
                            Some(Item::Ast(e, _)) => (*e).clone(),
                            _ => g.clone(),
                        }
                    }
                    _ => g.clone(),
                };
                if self.contains_aggregate(&resolved) {
                    return Err(DbError::new(1056, "42000", format!("Can't group on '{}'", display_name(&resolved))));
                }
                let b = self.bind_expr(&resolved, &scope, &mut None, "group statement")?;
                // A case-sensitive string groups byte for byte: the marker
                // tells the aggregate node to key the group on the bytes
                // (its output keeps the text).
                let ty = self.infer(&b, &scope);
                let b = if ty.case_sensitive && ty.is_string() {
                    Expr::Func(func::Func::BinaryCollate, vec![b])
                } else {
                    b
                };
                st.group_ast.push(resolved);
                st.group.push(b);
            }
            Some(st)
        } else {
            None
        };

        // The WINDOW clause's definitions are checked even when unused.
        self.win = Some(WinState { named: named.clone(), calls: Vec::new() });
        for (name, spec) in &named {
            let rw = resolve_window(&named, spec, Some(name.as_str()))?;
            let saved = self.win.take();
            let r = self.bind_window(&rw, &scope, &mut agg);
            self.win = saved;
            r?;
        }

        // Bind the select list.
        let mut exprs = Vec::new();
        let mut columns = Vec::new();
        for (pos, it) in items.iter().enumerate() {
            if let Some(st) = agg.as_mut() {
                st.position = (pos + 1, "SELECT list");
            }
            match it {
                Item::Column(i) => {
                    let e = match &mut agg {
                        Some(st) => agg_column(st, *i)?,
                        None => Expr::Col(*i),
                    };
                    exprs.push(e);
                    columns.push(scope.cols[*i].clone());
                }
                Item::Ast(e, name) => {
                    let b = self.bind_expr(e, &scope, &mut agg, "field list")?;
                    let ty = self.infer_in(&b, &scope, agg.as_ref());
                    let mut info = ColumnInfo::expr(name.clone(), ty);
                    let win_nullable = match &b {
                        Expr::Col(i) if *i >= WIN_BASE => {
                            self.win.as_ref().and_then(|w| w.calls.get(*i - WIN_BASE)).map(|c| c.nullable)
                        }
                        _ => None,
                    };
                    if let Expr::Col(i) = &b {
                        if agg.is_none() && *i < scope.cols.len() {
                            let src = &scope.cols[*i];
                            info = ColumnInfo { name: name.clone(), ..src.clone() };
                        }
                    }
                    if let ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_) = e {
                        if let Some(st) = &agg {
                            if let Expr::Col(g) = &b {
                                if let Some(Expr::Col(src)) = st.group.get(*g) {
                                    info = ColumnInfo { name: name.clone(), ..scope.cols[*src].clone() };
                                }
                            }
                        }
                    }
                    info.nullable = info.nullable || !matches!(b, Expr::Col(_));
                    if let Some(n) = win_nullable {
                        info.nullable = n;
                    }
                    exprs.push(b);
                    columns.push(info);
                }
            }
        }
        let visible = exprs.len();

        // HAVING.
        let having = match &s.having {
            Some(h) => {
                let aliases: Vec<(String, ast::Expr)> = items
                    .iter()
                    .filter_map(|it| match it {
                        Item::Ast(e, n) => Some((n.clone(), (*e).clone())),
                        Item::Column(_) => None,
                    })
                    .collect();
                let win = self.win.take();
                let r = self.bind_having(h, &scope, &mut agg, &aliases);
                self.win = win;
                Some(r?)
            }
            None => None,
        };

        // ORDER BY: alias, position, or expression (hidden column).
        let mut sort_keys = Vec::new();
        for (pos, o) in order_by.iter().enumerate() {
            if let Some(st) = agg.as_mut() {
                st.position = (pos + 1, "ORDER BY clause");
            }
            let asc = !matches!(o.options.sort, Some(ast::OrderBySort::Desc));
            let pos = match &o.expr {
                ast::Expr::Value(v) if matches!(v.value, ast::Value::Number(..)) => {
                    let n: usize = v.value.to_string().parse().map_err(|_| DbError::parse(o.expr.to_string()))?;
                    if n == 0 || n > visible {
                        return Err(DbError::unknown_column(&n.to_string(), "order clause"));
                    }
                    Some(n - 1)
                }
                // A select-list name (alias or column) wins over a FROM column.
                ast::Expr::Identifier(id) => columns.iter().position(|c| c.name.eq_ignore_ascii_case(&id.value)),
                _ => None,
            };
            match pos {
                Some(p) => sort_keys.push((json_sort_key(sort_key(p, &columns[p].ty), &columns[p].ty), asc)),
                None => {
                    let b = self.bind_expr(&o.expr, &scope, &mut agg, "order clause")?;
                    let ty = self.infer_in(&b, &scope, agg.as_ref());
                    // Reuse an identical select item if there is one.
                    let idx = exprs.len();
                    exprs.push(b);
                    sort_keys.push((json_sort_key(sort_key(idx, &ty), &ty), asc));
                }
            }
        }

        // Window functions run over the grouped rows (or the FROM rows):
        // their results follow the input's columns.
        let base = match &agg {
            Some(st) => st.group.len() + st.aggs.len(),
            None => scope.cols.len(),
        };
        let calls = self.win.take().map(|w| w.calls).unwrap_or_default();
        if !calls.is_empty() {
            for e in &mut exprs {
                e.map_columns(&|i| if i >= WIN_BASE { base + (i - WIN_BASE) } else { i });
            }
        }
        if let Some(st) = agg {
            plan = Plan::Aggregate { input: Box::new(plan), group: st.group, aggs: st.aggs };
            if let Some(h) = having {
                plan = Plan::Filter(Box::new(plan), h);
            }
        } else if let Some(h) = having {
            // HAVING without aggregation filters like WHERE over the select
            // list (MySQL allows aliases there).
            plan = Plan::Filter(Box::new(plan), h);
        }
        if !calls.is_empty() {
            plan = self.window_node(plan, base, calls);
        }
        plan = Plan::Project(Box::new(plan), exprs.clone());
        let width = exprs.len();
        if matches!(s.distinct, Some(ast::Distinct::Distinct)) {
            let binary = columns.iter().take(visible).map(|c| c.ty.case_sensitive && c.ty.is_string()).collect();
            plan = Plan::Distinct(Box::new(plan), visible, binary);
        }
        if !sort_keys.is_empty() {
            plan = Plan::Sort { input: Box::new(plan), keys: sort_keys };
        }
        if width != visible {
            plan = Plan::Truncate(Box::new(plan), visible);
        }
        Ok(BoundQuery { plan, columns })
    }

    /// Bind HAVING: identifiers naming a select alias (and no FROM column)
    /// stand for that select expression, as MySQL allows.
    fn bind_having(
        &mut self,
        h: &ast::Expr,
        scope: &Scope,
        agg: &mut Option<AggState>,
        aliases: &[(String, ast::Expr)],
    ) -> Result<Expr> {
        let mut h = h.clone();
        let mut window_alias = None;
        // A select alias wins over a FROM column of its name unless that
        // column is grouped on (MySQL prefers the GROUP BY column then).
        let grouped: Vec<String> = agg
            .as_ref()
            .map(|st| {
                st.group_ast
                    .iter()
                    .filter_map(|g| match g {
                        ast::Expr::Identifier(i) => Some(i.value.to_ascii_lowercase()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        // Names inside an aggregate's arguments are FROM columns, never
        // aliases: hide the aggregate calls while aliases are replaced.
        let mut hide = HideAggregates { binder: self, hidden: Vec::new() };
        let _ = ast::VisitMut::visit(&mut h, &mut hide);
        let hidden = hide.hidden;
        let _ = ast::visit_expressions_mut(&mut h, |e| {
            if let ast::Expr::Identifier(id) = e {
                if id.value.starts_with(HIDDEN_AGGREGATE) {
                    return std::ops::ControlFlow::<()>::Continue(());
                }
                let column = !matches!(scope.resolve(None, &id.value, "having clause"), Ok(None));
                if !column || !grouped.contains(&id.value.to_ascii_lowercase()) {
                    if let Some((_, a)) = aliases.iter().find(|(n, _)| n.eq_ignore_ascii_case(&id.value)) {
                        if contains_window(a) {
                            window_alias.get_or_insert_with(|| id.value.clone());
                        }
                        *e = ast::Expr::Nested(Box::new(a.clone()));
                    }
                }
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
        if let Some(a) = window_alias {
            return Err(window_alias_use(&a));
        }
        let _ = ast::visit_expressions_mut(&mut h, |e| {
            if let ast::Expr::Identifier(id) = e {
                if let Some(n) = id.value.strip_prefix(HIDDEN_AGGREGATE).and_then(|n| n.parse::<usize>().ok()) {
                    if let Some(orig) = hidden.get(n) {
                        *e = orig.clone();
                    }
                }
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
        self.bind_expr(&h, scope, agg, "having clause")
    }

    // ----- expressions ------------------------------------------------------

    /// Bind an expression against `scope` (and the enclosing scopes). With
    /// `agg` set, aggregate calls and GROUP BY expressions become references
    /// into the aggregate node's output.
    #[recursive::recursive]
    pub fn bind_expr(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        agg: &mut Option<AggState>,
        clause: &str,
    ) -> Result<Expr> {
        use ast::Expr as E;
        if let Some(st) = agg.as_mut() {
            if let Some(g) = st.group_ast.iter().position(|g| g == e) {
                return Ok(Expr::Col(g));
            }
            if let E::Function(f) = e {
                let name = function_name(f);
                if let (Some(af), None) = (agg_func(&name), &f.over) {
                    return self.bind_agg_call(af, f, scope, agg, &name);
                }
                if let (Some(u), None) = (self.aggregate_udf(&name).map(|f| f.udf.clone()), &f.over) {
                    return self.bind_udf_agg_call(u, f, scope, agg);
                }
            }
            if let E::Identifier(_) | E::CompoundIdentifier(_) = e {
                let b = self.bind_expr(e, scope, &mut None, clause)?;
                return Ok(match b {
                    Expr::Col(i) => match agg.as_mut() {
                        Some(st) => agg_column(st, i)?,
                        None => Expr::Col(i),
                    },
                    other => other,
                });
            }
        }
        let mut rec = |this: &mut Self, x: &ast::Expr| this.bind_expr(x, scope, agg, clause);
        Ok(match e {
            E::Identifier(id) => self.bind_column(None, id, scope, clause)?,
            E::CompoundIdentifier(parts) => {
                let n = parts.len();
                if n >= 2 && parts[0].value.starts_with("@@") {
                    let scope_name = parts[0].value.trim_start_matches('@').to_ascii_lowercase();
                    let global = scope_name == "global";
                    let name = parts[1..].iter().map(|p| p.value.clone()).collect::<Vec<_>>().join(".");
                    return Ok(Expr::Lit(self.vars.system_var(&name, global)?));
                }
                match n {
                    2 => self.bind_column(Some(&parts[0].value), &parts[1], scope, clause)?,
                    3 => self.bind_column(Some(&parts[1].value), &parts[2], scope, clause)?,
                    _ => return Err(DbError::unknown_column(&e.to_string(), clause)),
                }
            }
            E::Value(v) => self.bind_value(&v.value)?,
            E::TypedString(ts) => {
                // MySQL's grammar takes only a string after DATE/TIME/TIMESTAMP.
                let s = match &ts.value.value {
                    ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
                    other => return Err(DbError::parse(other)),
                };
                let (target, name) = match ts.data_type {
                    ast::DataType::Date => (CastTarget::Date, "DATE"),
                    ast::DataType::Datetime(_) | ast::DataType::Timestamp(..) => (CastTarget::DateTime, "DATETIME"),
                    ast::DataType::Time(..) => (CastTarget::Time(6), "TIME"),
                    _ => (CastTarget::Char(None), ""),
                };
                match expr::cast(Value::Str(s.clone()), target)? {
                    Value::Null if !name.is_empty() => {
                        return Err(DbError::new(1525, "HY000", format!("Incorrect {name} value: '{s}'")))
                    }
                    v => Expr::Lit(v),
                }
            }
            E::Nested(x) => rec(self, x)?,
            E::UnaryOp { op, expr } => {
                let inner = rec(self, expr)?;
                match op {
                    ast::UnaryOperator::Minus => match inner {
                        Expr::Lit(Value::Int(i)) if i != i64::MIN => Expr::Lit(Value::Int(-i)),
                        Expr::Lit(Value::UInt(u)) if u == i64::MAX as u64 + 1 => Expr::Lit(Value::Int(i64::MIN)),
                        Expr::Lit(Value::Decimal(d)) => Expr::Lit(Value::Decimal(expr::no_neg_zero(-d))),
                        Expr::Lit(Value::Double(d)) if d != 0.0 => Expr::Lit(Value::Double(-d)),
                        other => Expr::Unary(UnOp::Neg, Box::new(other)),
                    },
                    ast::UnaryOperator::Plus => inner,
                    ast::UnaryOperator::Not | ast::UnaryOperator::BangNot => Expr::Unary(UnOp::Not, Box::new(inner)),
                    ast::UnaryOperator::BitwiseNot => Expr::Unary(UnOp::BitNot, Box::new(inner)),
                    other => return Err(DbError::unsupported(format!("operator {other}"))),
                }
            }
            E::BinaryOp { left, op, right }
                if matches!((left.as_ref(), right.as_ref()), (E::Tuple(a), E::Tuple(b)) if a.len() == b.len() && a.len() > 1)
                    && matches!(op, ast::BinaryOperator::Eq | ast::BinaryOperator::NotEq) =>
            {
                let (E::Tuple(a), E::Tuple(b)) = (left.as_ref(), right.as_ref()) else {
                    return Err(DbError::internal("tuple"));
                };
                let mut all: Option<Expr> = None;
                for (x, y) in a.iter().zip(b) {
                    let eq = Expr::Bin(BinOp::Eq, Box::new(rec(self, x)?), Box::new(rec(self, y)?));
                    all = Some(match all {
                        Some(p) => Expr::Bin(BinOp::And, Box::new(p), Box::new(eq)),
                        None => eq,
                    });
                }
                let all = all.unwrap_or(Expr::Lit(Value::Int(1)));
                if matches!(op, ast::BinaryOperator::NotEq) {
                    Expr::Unary(UnOp::Not, Box::new(all))
                } else {
                    all
                }
            }
            E::BinaryOp { left, op: op @ (ast::BinaryOperator::Plus | ast::BinaryOperator::Minus), right }
                if matches!(right.as_ref(), E::Interval(_)) || matches!(left.as_ref(), E::Interval(_)) =>
            {
                let sign = if matches!(op, ast::BinaryOperator::Minus) { -1 } else { 1 };
                let (date, iv) = if matches!(right.as_ref(), E::Interval(_)) { (left, right) } else { (right, left) };
                if sign < 0 && matches!(left.as_ref(), E::Interval(_)) {
                    return Err(DbError::parse("INTERVAL - date"));
                }
                let d = self.bind_expr(date, scope, agg, clause)?;
                self.bind_interval_add(d, iv, sign, scope, agg, clause)?
            }
            // `->` binds tighter than any operator in MySQL (it follows a
            // column); the parser gives it a low precedence, so
            // `j -> '$.a' + 1` arrives as `j -> ('$.a' + 1)`: re-associate.
            E::BinaryOp { left, op: op @ (ast::BinaryOperator::Arrow | ast::BinaryOperator::LongArrow), right }
                if matches!(right.as_ref(), E::BinaryOp { .. })
                    || matches!(left.as_ref(), E::BinaryOp { op: lop, .. }
                        if !matches!(lop, ast::BinaryOperator::Arrow | ast::BinaryOperator::LongArrow)) =>
            {
                let fixed = match (left.as_ref(), right.as_ref()) {
                    (_, E::BinaryOp { left: rl, op: rop, right: rr }) => E::BinaryOp {
                        left: Box::new(E::BinaryOp { left: left.clone(), op: op.clone(), right: rl.clone() }),
                        op: rop.clone(),
                        right: rr.clone(),
                    },
                    (E::BinaryOp { left: ll, op: lop, right: lr }, _) => E::BinaryOp {
                        left: ll.clone(),
                        op: lop.clone(),
                        right: Box::new(E::BinaryOp { left: lr.clone(), op: op.clone(), right: right.clone() }),
                    },
                    _ => return Err(DbError::internal("arrow operands")),
                };
                rec(self, &fixed)?
            }
            E::BinaryOp { left, op: op @ (ast::BinaryOperator::Arrow | ast::BinaryOperator::LongArrow), right } => {
                let l = rec(self, left)?;
                let r = rec(self, right)?;
                let extract = self.json_call(JsonFn::Extract, "json_extract", vec![l, r], scope, agg.as_ref());
                if matches!(op, ast::BinaryOperator::LongArrow) {
                    self.json_call(JsonFn::Unquote, "json_unquote", vec![extract], scope, agg.as_ref())
                } else {
                    extract
                }
            }
            E::MemberOf(m) => {
                let v = rec(self, &m.value)?;
                let arr = rec(self, &m.array)?;
                let ast_v = Some(m.value.as_ref());
                let kinds = vec![
                    json_kind(&v, ast_v, &self.infer_in(&v, scope, agg.as_ref())),
                    json_kind(&arr, None, &self.infer_in(&arr, scope, agg.as_ref())),
                ];
                Expr::Json(Box::new(JsonCall {
                    f: JsonFn::MemberOf,
                    name: "member of",
                    args: vec![v, arr],
                    kinds,
                    returning: None,
                }))
            }
            E::BinaryOp { left, op, right } => {
                let l = rec(self, left)?;
                let r = rec(self, right)?;
                let op = match op {
                    ast::BinaryOperator::Plus => BinOp::Add,
                    ast::BinaryOperator::Minus => BinOp::Sub,
                    ast::BinaryOperator::Multiply => BinOp::Mul,
                    ast::BinaryOperator::Divide => BinOp::Div,
                    ast::BinaryOperator::Modulo => BinOp::Mod,
                    ast::BinaryOperator::MyIntegerDivide | ast::BinaryOperator::DuckIntegerDivide => BinOp::IntDiv,
                    ast::BinaryOperator::Eq => BinOp::Eq,
                    ast::BinaryOperator::NotEq => BinOp::NotEq,
                    ast::BinaryOperator::Lt => BinOp::Lt,
                    ast::BinaryOperator::LtEq => BinOp::LtEq,
                    ast::BinaryOperator::Gt => BinOp::Gt,
                    ast::BinaryOperator::GtEq => BinOp::GtEq,
                    ast::BinaryOperator::Spaceship => BinOp::NullSafeEq,
                    ast::BinaryOperator::And => BinOp::And,
                    ast::BinaryOperator::Or => BinOp::Or,
                    ast::BinaryOperator::Xor => BinOp::Xor,
                    ast::BinaryOperator::BitwiseAnd => BinOp::BitAnd,
                    ast::BinaryOperator::BitwiseOr => BinOp::BitOr,
                    ast::BinaryOperator::BitwiseXor => BinOp::BitXor,
                    ast::BinaryOperator::PGBitwiseShiftLeft => BinOp::ShiftLeft,
                    ast::BinaryOperator::PGBitwiseShiftRight => BinOp::ShiftRight,
                    ast::BinaryOperator::StringConcat if self.sql_mode_has("PIPES_AS_CONCAT") => {
                        return Ok(Expr::Func(func::Func::Concat, vec![l, r]));
                    }
                    ast::BinaryOperator::StringConcat => BinOp::Or,
                    other => return Err(DbError::unsupported(format!("operator {other}"))),
                };
                let (l, r) = if matches!(
                    op,
                    BinOp::Eq | BinOp::NotEq | BinOp::Lt | BinOp::LtEq | BinOp::Gt | BinOp::GtEq | BinOp::NullSafeEq
                ) {
                    let r = year_constant(&l, r, scope);
                    let l = year_constant(&r, l, scope);
                    let mut both = self.collate_operands(vec![l, r], scope, agg.as_ref()).into_iter();
                    match (both.next(), both.next()) {
                        (Some(l), Some(r)) => (l, r),
                        _ => return Err(DbError::internal("comparison operands")),
                    }
                } else {
                    (l, r)
                };
                let comparison = matches!(
                    op,
                    BinOp::Eq | BinOp::NotEq | BinOp::Lt | BinOp::LtEq | BinOp::Gt | BinOp::GtEq | BinOp::NullSafeEq
                );
                if comparison && (self.is_json(&l, scope, agg.as_ref()) || self.is_json(&r, scope, agg.as_ref())) {
                    // Either side JSON: both compare as JSON values.
                    return Ok(self.json_call(JsonFn::Compare(op), "json_compare", vec![l, r], scope, agg.as_ref()));
                }
                Expr::Bin(op, Box::new(l), Box::new(r))
            }
            E::IsNull(x) => Expr::IsNull(Box::new(rec(self, x)?), false),
            E::IsNotNull(x) => Expr::IsNull(Box::new(rec(self, x)?), true),
            E::IsTrue(x) => Expr::IsBool(Box::new(rec(self, x)?), true, false),
            E::IsNotTrue(x) => Expr::IsBool(Box::new(rec(self, x)?), true, true),
            E::IsFalse(x) => Expr::IsBool(Box::new(rec(self, x)?), false, false),
            E::IsNotFalse(x) => Expr::IsBool(Box::new(rec(self, x)?), false, true),
            E::IsUnknown(x) => Expr::IsNull(Box::new(rec(self, x)?), false),
            E::IsNotUnknown(x) => Expr::IsNull(Box::new(rec(self, x)?), true),
            E::In { expr, target: ast::InTarget::Subquery(subquery), negated, .. } if matches!(expr.as_ref(), E::Tuple(t) if t.len() > 1) =>
            {
                let E::Tuple(items) = expr.as_ref() else { return Err(DbError::internal("tuple")) };
                let lhs = items.iter().map(|x| rec(self, x)).collect::<Result<Vec<_>>>()?;
                let n = lhs.len();
                self.bind_subquery_cols(subquery, scope, SubqueryKind::InTuple(lhs), *negated, n)?
            }
            E::In { expr, target: ast::InTarget::List(list), negated, .. } if matches!(expr.as_ref(), E::Tuple(t) if t.len() > 1) =>
            {
                // (a, b) IN ((1, 2), (3, 4)) is (a = 1 AND b = 2) OR (a = 3 AND b = 4).
                let E::Tuple(items) = expr.as_ref() else { return Err(DbError::internal("tuple")) };
                let lhs = items.iter().map(|x| rec(self, x)).collect::<Result<Vec<_>>>()?;
                let mut any: Option<Expr> = None;
                for t in list {
                    let E::Tuple(rhs) = t else { return Err(DbError::operand_columns(lhs.len())) };
                    if rhs.len() != lhs.len() {
                        return Err(DbError::operand_columns(lhs.len()));
                    }
                    let mut all: Option<Expr> = None;
                    for (l, r) in lhs.iter().zip(rhs) {
                        let eq = Expr::Bin(BinOp::Eq, Box::new(l.clone()), Box::new(rec(self, r)?));
                        all = Some(match all {
                            Some(a) => Expr::Bin(BinOp::And, Box::new(a), Box::new(eq)),
                            None => eq,
                        });
                    }
                    let all = all.unwrap_or(Expr::Lit(Value::Int(1)));
                    any = Some(match any {
                        Some(a) => Expr::Bin(BinOp::Or, Box::new(a), Box::new(all)),
                        None => all,
                    });
                }
                let any = any.unwrap_or(Expr::Lit(Value::Int(0)));
                if *negated {
                    Expr::Unary(UnOp::Not, Box::new(any))
                } else {
                    any
                }
            }
            E::In { expr, target: ast::InTarget::List(list), negated, .. } => {
                let e = rec(self, expr)?;
                let list = list
                    .iter()
                    .map(|x| rec(self, x).map(|v| year_constant(&e, v, scope)))
                    .collect::<Result<Vec<_>>>()?;
                let a = agg.as_ref();
                if self.is_json(&e, scope, a) || list.iter().any(|x| self.is_json(x, scope, a)) {
                    // JSON compares as JSON: `e = x1 OR e = x2 …` (the same
                    // TRUE/FALSE/NULL answer as IN).
                    let mut any: Option<Expr> = None;
                    for x in list {
                        let eq =
                            self.json_call(JsonFn::Compare(BinOp::Eq), "json_compare", vec![e.clone(), x], scope, a);
                        any = Some(match any {
                            Some(p) => Expr::Bin(BinOp::Or, Box::new(p), Box::new(eq)),
                            None => eq,
                        });
                    }
                    let any = any.unwrap_or(Expr::Lit(Value::Int(0)));
                    return Ok(if *negated { Expr::Unary(UnOp::Not, Box::new(any)) } else { any });
                }
                let mut all = self.collate_operands(std::iter::once(e).chain(list).collect(), scope, a);
                let e = all.remove(0);
                Expr::InList { e: Box::new(e), list: all, negated: *negated }
            }
            E::In { expr, target: ast::InTarget::Subquery(subquery), negated, .. } => {
                let lhs = rec(self, expr)?;
                self.bind_subquery(subquery, scope, SubqueryKind::In(Box::new(lhs)), *negated)?
            }
            E::AnyOp { left, compare_op, right, .. } | E::AllOp { left, compare_op, right } => {
                let all = matches!(e, E::AllOp { .. });
                let ast::Expr::Subquery(q) = right.as_ref() else {
                    return Err(DbError::unsupported("ANY/ALL over a non-subquery"));
                };
                let lhs = rec(self, left)?;
                let op = match compare_op {
                    ast::BinaryOperator::Eq => BinOp::Eq,
                    ast::BinaryOperator::NotEq => BinOp::NotEq,
                    ast::BinaryOperator::Lt => BinOp::Lt,
                    ast::BinaryOperator::LtEq => BinOp::LtEq,
                    ast::BinaryOperator::Gt => BinOp::Gt,
                    ast::BinaryOperator::GtEq => BinOp::GtEq,
                    other => return Err(DbError::unsupported(format!("{other} ANY/ALL"))),
                };
                self.bind_subquery(q, scope, SubqueryKind::Quantified { lhs: Box::new(lhs), op, all }, false)?
            }
            E::Exists { subquery, negated } => self.bind_subquery(subquery, scope, SubqueryKind::Exists, *negated)?,
            E::Subquery(q) => self.bind_subquery(q, scope, SubqueryKind::Scalar, false)?,
            E::Between { expr, negated, low, high } => {
                let (e, lo, hi) = (rec(self, expr)?, rec(self, low)?, rec(self, high)?);
                let a = agg.as_ref();
                if [&e, &lo, &hi].iter().any(|x| self.is_json(x, scope, a)) {
                    // JSON compares as JSON: `e >= lo AND e <= hi`.
                    let ge =
                        self.json_call(JsonFn::Compare(BinOp::GtEq), "json_compare", vec![e.clone(), lo], scope, a);
                    let le = self.json_call(JsonFn::Compare(BinOp::LtEq), "json_compare", vec![e, hi], scope, a);
                    let both = Expr::Bin(BinOp::And, Box::new(ge), Box::new(le));
                    return Ok(if *negated { Expr::Unary(UnOp::Not, Box::new(both)) } else { both });
                }
                let mut parts = self.collate_operands(vec![e, lo, hi], scope, a).into_iter().map(Box::new);
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(e), Some(lo), Some(hi)) => Expr::Between { e, lo, hi, negated: *negated },
                    _ => return Err(DbError::internal("BETWEEN operands")),
                }
            }
            // `s REGEXP p` / `s RLIKE p`: REGEXP_LIKE(s, p).
            E::RLike { negated, expr, pattern, .. } => {
                let m = Expr::Func(func::Func::RegexpLike, vec![rec(self, expr)?, rec(self, pattern)?]);
                if *negated {
                    Expr::Unary(UnOp::Not, Box::new(m))
                } else {
                    m
                }
            }
            E::Like { negated, expr, pattern, escape_char, .. }
            | E::ILike { negated, expr, pattern, escape_char, .. } => {
                let esc = match escape_char.as_deref() {
                    Some(ast::Expr::Value(v)) => match &v.value {
                        ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                            s.chars().next().unwrap_or('\\')
                        }
                        _ => '\\',
                    },
                    Some(_) => return Err(DbError::wrong_arguments("ESCAPE")),
                    None => '\\',
                };
                let parts = vec![rec(self, expr)?, rec(self, pattern)?];
                let parts = self.collate_operands(parts, scope, agg.as_ref());
                let mut parts = parts.into_iter().map(Box::new);
                match (parts.next(), parts.next()) {
                    (Some(e), Some(pat)) => Expr::Like { e, pat, escape: esc, negated: *negated },
                    _ => return Err(DbError::internal("LIKE operands")),
                }
            }
            E::Case { operand, conditions, else_result, .. } => {
                let operand = operand.as_ref().map(|o| rec(self, o)).transpose()?.map(Box::new);
                let mut whens = Vec::new();
                for c in conditions {
                    whens.push((rec(self, &c.condition)?, rec(self, &c.result)?));
                }
                let else_ = else_result.as_ref().map(|x| rec(self, x)).transpose()?.map(Box::new);
                Expr::Case { operand, whens, else_ }
            }
            E::Cast { expr, data_type, .. } => {
                let inner = rec(self, expr)?;
                let target = cast_target(data_type)?;
                self.bind_cast(inner, Some(expr), target, scope, agg.as_ref())
            }
            E::Convert { expr, data_type: Some(dt), .. } => {
                let inner = rec(self, expr)?;
                let target = cast_target(dt)?;
                self.bind_cast(inner, Some(expr), target, scope, agg.as_ref())
            }
            E::Convert { expr, data_type: None, .. } => rec(self, expr)?,
            E::Collate { expr, collation } => {
                let name = object_name_parts(collation).join(".");
                crate::sql::charset::resolve(None, Some(&name))?;
                let f = if crate::sql::charset::is_case_sensitive(&name) {
                    func::Func::BinaryCollate
                } else {
                    func::Func::CiCollate
                };
                Expr::Func(f, vec![rec(self, expr)?])
            }
            E::Ceil { expr, .. } => Expr::Func(func::Func::Ceil, vec![rec(self, expr)?]),
            E::Floor { expr, .. } => Expr::Func(func::Func::Floor, vec![rec(self, expr)?]),
            E::Position { expr, r#in } => Expr::Func(func::Func::Locate, vec![rec(self, expr)?, rec(self, r#in)?]),
            E::Substring { expr, substring_from, substring_for, .. } => {
                let mut args = vec![rec(self, expr)?];
                args.push(match substring_from {
                    Some(f) => rec(self, f)?,
                    None => Expr::Lit(Value::Int(1)),
                });
                if let Some(f) = substring_for {
                    args.push(rec(self, f)?);
                }
                Expr::Func(func::Func::Substring, args)
            }
            E::Trim { expr, trim_where, trim_what, .. } => {
                if trim_what.is_some() {
                    return Err(DbError::unsupported("TRIM(... FROM ...)"));
                }
                let f = match trim_where {
                    Some(ast::TrimWhereField::Leading) => func::Func::LTrim,
                    Some(ast::TrimWhereField::Trailing) => func::Func::RTrim,
                    _ => func::Func::Trim,
                };
                Expr::Func(f, vec![rec(self, expr)?])
            }
            E::Function(f) => self.bind_function(f, scope, agg, clause)?,
            E::Tuple(items) if items.len() == 1 => rec(self, &items[0])?,
            E::Tuple(_) => return Err(DbError::operand_columns(1)),
            E::Interval(_) => return Err(DbError::parse("INTERVAL outside date arithmetic")),
            E::Extract { field, expr, .. } => {
                let unit = field.to_string();
                if !crate::sql::temporal::is_unit(&unit) {
                    return Err(DbError::parse(unit));
                }
                Expr::Func(func::Func::Extract, vec![Expr::Lit(Value::Str(unit)), rec(self, expr)?])
            }
            // A character set introducer: `_binary'…'` is a binary string
            // (drivers send client-side bound bytes so); `_utf8mb4'…'` and
            // the like are text, as the connection's always is.
            E::Prefixed { prefix, value } if prefix.value.starts_with('_') => match rec(self, value)? {
                Expr::Lit(Value::Str(s)) if prefix.value.eq_ignore_ascii_case("_binary") => {
                    Expr::Lit(Value::Bytes(s.into_bytes()))
                }
                other => other,
            },
            other => return Err(DbError::unsupported(format!("expression {other}"))),
        })
    }

    fn bind_value(&mut self, v: &ast::Value) -> Result<Expr> {
        Ok(Expr::Lit(match v {
            ast::Value::Number(n, _) => number_literal(n)?,
            ast::Value::SingleQuotedString(s)
            | ast::Value::DoubleQuotedString(s)
            | ast::Value::NationalStringLiteral(s) => Value::Str(s.clone()),
            ast::Value::HexStringLiteral(h) => Value::Bytes(decode_hex(h)?),
            // b'0101': a bit-value literal, a number that is a binary string
            // in string context (up to 64 bits a BIT value).
            ast::Value::SingleQuotedByteStringLiteral(s) | ast::Value::DoubleQuotedByteStringLiteral(s) => {
                if !s.bytes().all(|b| b == b'0' || b == b'1') {
                    return Err(DbError::parse(format!("b'{s}'")));
                }
                let digits = s.trim_start_matches('0');
                if digits.len() <= 64 {
                    let n = digits.bytes().fold(0u64, |acc, b| (acc << 1) | (b - b'0') as u64);
                    Value::Bit(n, s.len().clamp(1, 64) as u8)
                } else {
                    let n = digits.len().div_ceil(8);
                    let mut bytes = vec![0u8; n];
                    for (i, b) in digits.bytes().rev().enumerate() {
                        bytes[n - 1 - i / 8] |= (b - b'0') << (i % 8);
                    }
                    Value::Bytes(bytes)
                }
            }
            ast::Value::Boolean(b) => Value::Int(*b as i64),
            ast::Value::Null => Value::Null,
            ast::Value::Placeholder(p) if p.starts_with('?') => {
                // `number_placeholders` rewrote `?` to `?N` in text order.
                let i = match p[1..].parse::<usize>() {
                    Ok(i) => i,
                    Err(_) => self.param_count,
                };
                self.param_count = self.param_count.max(i + 1);
                return Ok(Expr::Param(i));
            }
            ast::Value::Placeholder(p) if p.starts_with('@') => Value::Null,
            other => return Err(DbError::unsupported(format!("literal {other}"))),
        }))
    }

    fn bind_column(&mut self, qualifier: Option<&str>, id: &ast::Ident, scope: &Scope, clause: &str) -> Result<Expr> {
        let name = &id.value;
        if qualifier.is_none() && id.quote_style.is_none() {
            if let Some(var) = name.strip_prefix("@@") {
                let (global, var) = match var.split_once('.') {
                    Some((s, v)) => (s.eq_ignore_ascii_case("global"), v),
                    None => (false, var),
                };
                return Ok(Expr::Lit(self.vars.system_var(var, global)?));
            }
            if let Some(var) = name.strip_prefix('@') {
                return Ok(Expr::Lit(self.vars.user_var(var.trim_matches('`'))));
            }
        }
        if let Some(i) = scope.resolve(qualifier, name, clause)? {
            return Ok(Expr::Col(i));
        }
        for (d, s) in self.outer.iter().rev().enumerate() {
            if let Some(i) = s.resolve(qualifier, name, clause)? {
                return Ok(Expr::Outer { depth: d + 1, idx: i });
            }
        }
        let full = match qualifier {
            Some(q) => format!("{q}.{name}"),
            None => name.clone(),
        };
        Err(DbError::unknown_column(&full, clause))
    }

    /// Bind a subquery that must return `n` columns.
    fn bind_subquery_cols(
        &mut self,
        q: &ast::Query,
        scope: &Scope,
        kind: SubqueryKind,
        negated: bool,
        n: usize,
    ) -> Result<Expr> {
        self.outer.push(scope.clone());
        self.depth += 1;
        let r = self.bind_query(q);
        self.depth -= 1;
        self.outer.pop();
        let b = r?;
        if b.columns.len() != n {
            return Err(DbError::operand_columns(n));
        }
        let correlated = plan_references_outer(&b.plan, 1);
        Ok(Expr::Subquery(Arc::new(Subquery {
            plan: b.plan,
            kind,
            negated,
            correlated,
            ty: SqlType::int(),
            cache: std::sync::OnceLock::new(),
        })))
    }

    fn bind_subquery(&mut self, q: &ast::Query, scope: &Scope, kind: SubqueryKind, negated: bool) -> Result<Expr> {
        if self.depth >= MAX_SUBQUERY_DEPTH {
            return Err(DbError::new(1436, "HY000", "Thread stack overrun: subqueries nested too deeply"));
        }
        self.outer.push(scope.clone());
        self.depth += 1;
        let r = self.bind_query(q);
        self.depth -= 1;
        self.outer.pop();
        let b = r?;
        if !matches!(kind, SubqueryKind::Exists) && b.columns.len() != 1 {
            return Err(DbError::operand_columns(1));
        }
        let correlated = plan_references_outer(&b.plan, 1);
        let ty = b.columns.first().map(|c| c.ty.clone()).unwrap_or(SqlType::bigint());
        Ok(Expr::Subquery(Arc::new(Subquery {
            plan: b.plan,
            kind,
            negated,
            correlated,
            ty,
            cache: std::sync::OnceLock::new(),
        })))
    }

    fn bind_function(
        &mut self,
        f: &ast::Function,
        scope: &Scope,
        agg: &mut Option<AggState>,
        clause: &str,
    ) -> Result<Expr> {
        let name = function_name(f);
        if f.over.is_some() {
            return self.bind_window_call(f, scope, agg);
        }
        if crate::sql::window::WinFunc::from_name(&name.to_ascii_lowercase()).is_some() {
            // MySQL's grammar requires OVER after a window function.
            return Err(DbError::parse(f.to_string()));
        }
        if agg_func(&name).is_some() {
            // An aggregate outside an aggregate context (e.g. in WHERE).
            return Err(DbError::group_func());
        }
        let lname = name.to_ascii_lowercase();
        if let Some(e) = self.bind_temporal_function(&lname, f, scope, agg, clause)? {
            return Ok(e);
        }
        if let Some(spec) = jsonfn::lookup(&lname) {
            return self.bind_json_function(spec, f, &name, scope, agg, clause);
        }
        let args = self.function_args(f, scope, agg, clause)?;
        if lname == "rand" {
            if args.len() > 1 {
                return Err(DbError::param_count(&name));
            }
            let mut seed = args.into_iter().next();
            let start = match &seed {
                None => expr::MysqlRand::from_seed(crate::env::random_u64() as u32),
                Some(Expr::Lit(v)) => expr::MysqlRand::from_seed(v.as_i64().unwrap_or(0) as u32),
                Some(_) => expr::MysqlRand::unseeded(),
            };
            if matches!(seed, Some(Expr::Lit(_))) {
                seed = None;
            }
            return Ok(Expr::Rand(Arc::new(parking_lot::Mutex::new(start)), seed.map(Box::new)));
        }
        let Some(func) = func::lookup(&lname) else {
            if let Some(f) = self.catalog.functions.get(&lname) {
                return match f.def.kind {
                    crate::wasm::UdfKind::Scalar => {
                        f.udf.check_arity(args.len())?;
                        Ok(Expr::Udf(f.udf.clone(), args))
                    }
                    crate::wasm::UdfKind::Aggregate => Err(DbError::group_func()),
                    crate::wasm::UdfKind::Table => Err(DbError::new(
                        1064,
                        "42000",
                        format!("'{name}' is a table function: use it in FROM, e.g. SELECT * FROM {name}(…)"),
                    )),
                };
            }
            return Err(DbError::unknown_function(&format!("{}.{}", self.current_db().unwrap_or(""), name)));
        };
        let (lo, hi) = func::arity(func);
        if args.len() < lo || args.len() > hi {
            return Err(DbError::param_count(&name));
        }
        Ok(Expr::Func(func, args))
    }

    /// A JSON function: its arguments, how each is read (JSON, boolean or
    /// SQL value) and JSON_VALUE's RETURNING type.
    fn bind_json_function(
        &mut self,
        spec: (JsonFn, &'static str, usize, usize),
        f: &ast::Function,
        name: &str,
        scope: &Scope,
        agg: &mut Option<AggState>,
        clause: &str,
    ) -> Result<Expr> {
        let (jf, jname, lo, hi) = spec;
        let mut returning = None;
        let asts: Vec<&ast::Expr> = match &f.args {
            ast::FunctionArguments::None => Vec::new(),
            ast::FunctionArguments::Subquery(_) => return Err(DbError::param_count(name)),
            ast::FunctionArguments::List(l) => {
                for c in &l.clauses {
                    match c {
                        ast::FunctionArgumentClause::JsonReturningClause(r) if jf == JsonFn::Value => {
                            returning = Some(cast_target(&r.data_type)?)
                        }
                        other => return Err(DbError::parse(other.to_string())),
                    }
                }
                l.args
                    .iter()
                    .map(|a| match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Ok(e),
                        other => Err(DbError::parse(other.to_string())),
                    })
                    .collect::<Result<_>>()?
            }
        };
        if asts.len() < lo || asts.len() > hi || !jsonfn::count_ok(jf, asts.len()) {
            return Err(DbError::param_count(name));
        }
        let args = asts.iter().map(|e| self.bind_expr(e, scope, agg, clause)).collect::<Result<Vec<_>>>()?;
        let kinds = args
            .iter()
            .zip(&asts)
            .map(|(e, a)| json_kind(e, Some(a), &self.infer_in(e, scope, agg.as_ref())))
            .collect();
        Ok(Expr::Json(Box::new(JsonCall { f: jf, name: jname, args, kinds, returning })))
    }

    /// CAST(inner AS target) where JSON is involved: a JSON value read as
    /// a number or a temporal value loses its quotes first; a boolean
    /// becomes JSON true/false; JSON cast to JSON stays as it is.
    fn bind_cast(
        &self,
        inner: Expr,
        ast_inner: Option<&ast::Expr>,
        target: CastTarget,
        scope: &Scope,
        agg: Option<&AggState>,
    ) -> Expr {
        let ty = self.infer_in(&inner, scope, agg);
        let kind = json_kind(&inner, ast_inner, &ty);
        match (kind, target) {
            (ArgKind::Json, CastTarget::Json) => inner,
            (ArgKind::Json, CastTarget::Char(None)) => Expr::Cast(Box::new(inner), target),
            (ArgKind::Json, CastTarget::Char(_) | CastTarget::Binary(_)) => Expr::Cast(Box::new(inner), target),
            (ArgKind::Json, _) => {
                let scalar = Expr::Json(Box::new(JsonCall {
                    f: JsonFn::ToScalar,
                    name: "cast",
                    args: vec![inner],
                    kinds: vec![ArgKind::Json],
                    returning: None,
                }));
                Expr::Cast(Box::new(scalar), target)
            }
            (ArgKind::Bool, CastTarget::Json) => Expr::Json(Box::new(JsonCall {
                f: JsonFn::ToJson,
                name: "cast_as_json",
                args: vec![inner],
                kinds: vec![ArgKind::Bool],
                returning: None,
            })),
            _ => Expr::Cast(Box::new(inner), target),
        }
    }

    /// A JSON operation over bound arguments (`->`, MEMBER OF, comparisons).
    fn json_call(&self, f: JsonFn, name: &'static str, args: Vec<Expr>, scope: &Scope, agg: Option<&AggState>) -> Expr {
        let kinds = args.iter().map(|e| json_kind(e, None, &self.infer_in(e, scope, agg))).collect();
        Expr::Json(Box::new(JsonCall { f, name, args, kinds, returning: None }))
    }

    fn is_json(&self, e: &Expr, scope: &Scope, agg: Option<&AggState>) -> bool {
        self.infer_in(e, scope, agg).kind == TypeKind::Json
    }

    /// DATE_ADD/DATE_SUB/ADDDATE/SUBDATE (with INTERVAL) and TIMESTAMPDIFF,
    /// whose arguments are units and intervals rather than expressions.
    fn bind_temporal_function(
        &mut self,
        lname: &str,
        f: &ast::Function,
        scope: &Scope,
        agg: &mut Option<AggState>,
        clause: &str,
    ) -> Result<Option<Expr>> {
        let sign = match lname {
            "date_add" | "adddate" => 1,
            "date_sub" | "subdate" => -1,
            "timestampdiff" => 0,
            "timestampadd" => 2,
            _ => return Ok(None),
        };
        let ast::FunctionArguments::List(list) = &f.args else { return Err(DbError::param_count(lname)) };
        let args: Vec<&ast::Expr> = list
            .args
            .iter()
            .map(|a| match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Ok(e),
                _ => Err(DbError::param_count(lname)),
            })
            .collect::<Result<_>>()?;
        if sign == 2 {
            // TIMESTAMPADD(unit, n, datetime): DATE_ADD(datetime, INTERVAL n unit).
            let [u, n, d] = args.as_slice() else { return Err(DbError::param_count(lname)) };
            let unit = match u {
                ast::Expr::Identifier(i) => i.value.to_ascii_uppercase(),
                other => other.to_string().to_ascii_uppercase(),
            };
            if crate::sql::temporal::unit(&unit).is_none() {
                return Err(DbError::parse(unit));
            }
            let n = self.bind_expr(n, scope, agg, clause)?;
            let d = self.bind_expr(d, scope, agg, clause)?;
            return Ok(Some(Expr::Func(func::Func::DateAdd, vec![d, n, Expr::Lit(Value::Str(unit))])));
        }
        if sign == 0 {
            let [u, a, b] = args.as_slice() else { return Err(DbError::param_count(lname)) };
            let unit = match u {
                ast::Expr::Identifier(i) => i.value.clone(),
                other => other.to_string(),
            };
            if crate::sql::temporal::unit(&unit).is_none() {
                return Err(DbError::parse(unit));
            }
            let a = self.bind_expr(a, scope, agg, clause)?;
            let b = self.bind_expr(b, scope, agg, clause)?;
            return Ok(Some(Expr::Func(func::Func::TimestampDiff, vec![Expr::Lit(Value::Str(unit)), a, b])));
        }
        let [d, iv] = args.as_slice() else { return Err(DbError::param_count(lname)) };
        let date = self.bind_expr(d, scope, agg, clause)?;
        Ok(Some(self.bind_interval_add(date, iv, sign, scope, agg, clause)?))
    }

    /// `date ± INTERVAL n unit` (a bare number means days, as ADDDATE does).
    fn bind_interval_add(
        &mut self,
        date: Expr,
        iv: &ast::Expr,
        sign: i64,
        scope: &Scope,
        agg: &mut Option<AggState>,
        clause: &str,
    ) -> Result<Expr> {
        let (amount, unit) = match iv {
            ast::Expr::Interval(i) => {
                if i.last_field.is_some() {
                    return Err(DbError::unsupported("INTERVAL … TO …"));
                }
                let unit = match &i.leading_field {
                    Some(f) => f.to_string(),
                    None => return Err(DbError::parse("INTERVAL without a unit")),
                };
                if !crate::sql::temporal::is_unit(&unit) {
                    return Err(DbError::unsupported(format!("INTERVAL unit {unit}")));
                }
                (self.bind_expr(&i.value, scope, agg, clause)?, unit)
            }
            other => (self.bind_expr(other, scope, agg, clause)?, "DAY".to_string()),
        };
        // A composite amount is text ('1 1:1:1'): negating it as a number
        // would lose it, so DATE_SUB marks the unit instead.
        let (amount, unit) = match (sign < 0, crate::sql::temporal::composite(&unit).is_some()) {
            (true, true) => (amount, format!("-{unit}")),
            (true, false) => (Expr::Unary(UnOp::Neg, Box::new(amount)), unit),
            (false, _) => (amount, unit),
        };
        Ok(Expr::Func(func::Func::DateAdd, vec![date, amount, Expr::Lit(Value::Str(unit))]))
    }

    fn function_args(
        &mut self,
        f: &ast::Function,
        scope: &Scope,
        agg: &mut Option<AggState>,
        clause: &str,
    ) -> Result<Vec<Expr>> {
        match &f.args {
            ast::FunctionArguments::None => Ok(vec![]),
            ast::FunctionArguments::Subquery(q) => {
                Ok(vec![self.bind_subquery(q, scope, SubqueryKind::Scalar, false)?])
            }
            ast::FunctionArguments::List(l) => l
                .args
                .iter()
                .map(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => self.bind_expr(e, scope, agg, clause),
                    other => Err(DbError::unsupported(format!("argument {other}"))),
                })
                .collect(),
        }
    }

    fn bind_agg_call(
        &mut self,
        func: AggFunc,
        f: &ast::Function,
        scope: &Scope,
        agg: &mut Option<AggState>,
        name: &str,
    ) -> Result<Expr> {
        let ast::FunctionArguments::List(list) = &f.args else {
            return Err(DbError::param_count(name));
        };
        let distinct = matches!(list.duplicate_treatment, Some(ast::DuplicateTreatment::Distinct));
        let mut args = Vec::new();
        let mut func = func;
        for a in &list.args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard) if func == AggFunc::Count => {
                    func = AggFunc::CountStar
                }
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                    if self.contains_aggregate(e) {
                        return Err(DbError::group_func());
                    }
                    // A window function in an aggregate's argument is 3593.
                    let win = self.win.take();
                    let r = self.bind_expr(e, scope, &mut None, "field list");
                    self.win = win;
                    args.push(r?);
                }
                _ => return Err(DbError::parse(f.to_string())),
            }
        }
        if distinct {
            // DISTINCT over a case-sensitive string tells values apart by
            // their bytes.
            args = args
                .into_iter()
                .map(|a| {
                    let ty = self.infer(&a, scope);
                    if ty.case_sensitive && ty.is_string() {
                        Expr::Func(func::Func::BinaryCollate, vec![a])
                    } else {
                        a
                    }
                })
                .collect();
        }
        let mut separator = ",".to_string();
        let mut order_by = Vec::new();
        for c in &list.clauses {
            match c {
                ast::FunctionArgumentClause::Separator(v) => {
                    separator = match &v.value {
                        ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
                        other => other.to_string(),
                    }
                }
                ast::FunctionArgumentClause::OrderBy(obs) => {
                    for o in obs {
                        let e = self.bind_expr(&o.expr, scope, &mut None, "order clause")?;
                        let ty = self.infer(&e, scope);
                        let e = if ty.case_sensitive && ty.is_string() {
                            Expr::Func(func::Func::BinaryCollate, vec![e])
                        } else {
                            e
                        };
                        order_by.push((e, !matches!(o.options.sort, Some(ast::OrderBySort::Desc))));
                    }
                }
                _ => return Err(DbError::unsupported(c.to_string())),
            }
        }
        let want = match func {
            AggFunc::CountStar => 0,
            AggFunc::GroupConcat | AggFunc::Count if distinct => args.len().max(1),
            AggFunc::GroupConcat => args.len().max(1),
            AggFunc::JsonObjectAgg => 2,
            _ => 1,
        };
        if args.len() != want {
            return Err(DbError::param_count(name));
        }
        let Some(st) = agg.as_mut() else {
            return Err(DbError::group_func());
        };
        let arg_ty =
            args.first().map(|a| infer_type(a, &st.base_types, &self.outer_types())).unwrap_or(SqlType::bigint());
        let ty = agg_type(func, arg_ty)?;
        let mut args = args;
        if matches!(func, AggFunc::JsonArrayAgg | AggFunc::JsonObjectAgg) {
            // The value (the last argument) is collected as JSON text.
            if let Some(v) = args.pop() {
                let ast_v = list.args.last().and_then(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Some(e),
                    _ => None,
                });
                let vty = infer_type(&v, &st.base_types, &self.outer_types());
                args.push(json_value_arg(func, v, ast_v, &vty));
            }
        }
        let call = AggCall { func, args, distinct, separator, order_by, ty, udf: None };
        let idx = st.group.len() + st.aggs.len();
        st.aggs.push(call);
        Ok(Expr::Col(idx))
    }

    /// `FROM f(args…)`: a loadable table function. Its arguments may not
    /// read the rows of other tables in the same FROM clause.
    fn bind_table_function(
        &mut self,
        name: &ast::ObjectName,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
    ) -> Result<(Plan, Vec<ColumnInfo>)> {
        let fname = object_name_parts(name).last().cloned().unwrap_or_default();
        let lname = fname.to_ascii_lowercase();
        let Some(f) = self.catalog.functions.get(&lname).filter(|f| f.def.kind == crate::wasm::UdfKind::Table).cloned()
        else {
            return Err(DbError::unknown_function(&format!("{}.{}", self.current_db().unwrap_or(""), fname)));
        };
        let empty = Scope { cols: Vec::new() };
        let args = args
            .iter()
            .map(|a| match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                    self.bind_expr(e, &empty, &mut None, "from clause")
                }
                other => Err(DbError::parse(other.to_string())),
            })
            .collect::<Result<Vec<_>>>()?;
        f.udf.check_arity(args.len())?;
        let qual = alias.map(|a| ident_name(&a.name)).unwrap_or_else(|| fname.clone());
        let cols = f
            .udf
            .columns
            .iter()
            .map(|(n, t)| ColumnInfo {
                name: n.clone(),
                table: Some(qual.clone()),
                org_table: fname.clone(),
                db: String::new(),
                ty: match t {
                    guocedb_udf::abi::Type::Int => SqlType::bigint(),
                    guocedb_udf::abi::Type::Real => SqlType::double(),
                    guocedb_udf::abi::Type::Decimal => SqlType::decimal(65, 30),
                    guocedb_udf::abi::Type::Bytes => SqlType { len: 65535, ..SqlType::new(TypeKind::Blob) },
                    _ => SqlType::text(),
                },
                nullable: true,
                hidden: false,
            })
            .collect();
        Ok((Plan::TableFunction(f.udf.clone(), args), cols))
    }

    /// A loadable aggregate's call: its arguments are bound against the
    /// input rows, like a built-in aggregate's.
    fn bind_udf_agg_call(
        &mut self,
        udf: Arc<crate::wasm::Udf>,
        f: &ast::Function,
        scope: &Scope,
        agg: &mut Option<AggState>,
    ) -> Result<Expr> {
        let args = self.function_args(f, scope, &mut None, "field list")?;
        udf.check_arity(args.len())?;
        let Some(st) = agg.as_mut() else {
            return Err(DbError::group_func());
        };
        let ty = match udf.ret {
            crate::wasm::ReturnType::Integer => SqlType::bigint(),
            crate::wasm::ReturnType::Real => SqlType::double(),
            crate::wasm::ReturnType::Decimal => SqlType::decimal(65, 30),
            _ => SqlType::text(),
        };
        let call = AggCall {
            func: AggFunc::Wasm,
            args,
            distinct: false,
            separator: String::new(),
            order_by: Vec::new(),
            ty,
            udf: Some(udf),
        };
        let idx = st.group.len() + st.aggs.len();
        st.aggs.push(call);
        Ok(Expr::Col(idx))
    }

    /// For each scope column of a base table with a primary key, the scope
    /// positions of that key's columns.
    fn pk_dependencies(&self, scope: &Scope) -> Vec<Option<Vec<usize>>> {
        scope
            .cols
            .iter()
            .map(|c| {
                let t = self.catalog.table(&c.db, &c.org_table)?;
                let pk = t.primary_key()?;
                pk.columns
                    .iter()
                    .map(|&k| {
                        scope
                            .cols
                            .iter()
                            .position(|o| o.table == c.table && o.name.eq_ignore_ascii_case(&t.columns[k].name))
                    })
                    .collect()
            })
            .collect()
    }

    fn outer_types(&self) -> Vec<Vec<SqlType>> {
        self.outer.iter().map(|s| s.cols.iter().map(|c| c.ty.clone()).collect()).collect()
    }

    /// The type of a bound expression over `scope`.
    pub fn infer(&self, e: &Expr, scope: &Scope) -> SqlType {
        let cols: Vec<SqlType> = scope.cols.iter().map(|c| c.ty.clone()).collect();
        infer_type(e, &cols, &self.outer_types())
    }

    fn infer_in(&self, e: &Expr, scope: &Scope, agg: Option<&AggState>) -> SqlType {
        let mut cols: Vec<SqlType> = match agg {
            None => scope.cols.iter().map(|c| c.ty.clone()).collect(),
            Some(st) => {
                let mut cols: Vec<SqlType> =
                    st.group.iter().map(|g| infer_type(g, &st.base_types, &self.outer_types())).collect();
                cols.extend(st.aggs.iter().map(|a| a.ty.clone()));
                cols
            }
        };
        // Window results (`WIN_BASE + k`) follow the window's input row.
        match self.win.as_ref().filter(|w| !w.calls.is_empty()) {
            Some(w) => {
                let base = cols.len();
                cols.extend(w.calls.iter().map(|c| c.ty.clone()));
                let mut e = e.clone();
                e.map_columns(&|i| if i >= WIN_BASE { base + (i - WIN_BASE) } else { i });
                infer_type(&e, &cols, &self.outer_types())
            }
            None => infer_type(e, &cols, &self.outer_types()),
        }
    }
}

/// The result type of a built-in aggregate over an argument of `arg_ty`.
fn agg_type(func: AggFunc, arg_ty: SqlType) -> Result<SqlType> {
    Ok(match func {
        AggFunc::CountStar | AggFunc::Count => SqlType::bigint(),
        AggFunc::Sum | AggFunc::Avg if arg_ty.is_float() || arg_ty.is_string() || arg_ty.kind == TypeKind::Null => {
            SqlType::double()
        }
        AggFunc::Sum => SqlType::decimal(65, if arg_ty.kind == TypeKind::Decimal { arg_ty.scale } else { 0 }),
        AggFunc::Avg => SqlType::decimal(65, (if arg_ty.kind == TypeKind::Decimal { arg_ty.scale } else { 0 }) + 4),
        AggFunc::Min | AggFunc::Max | AggFunc::AnyValue => arg_ty,
        AggFunc::GroupConcat => SqlType::text(),
        AggFunc::BitAnd | AggFunc::BitOr | AggFunc::BitXor => SqlType { unsigned: true, ..SqlType::bigint() },
        AggFunc::StdPop | AggFunc::StdSamp | AggFunc::VarPop | AggFunc::VarSamp => SqlType::double(),
        AggFunc::JsonArrayAgg | AggFunc::JsonObjectAgg => SqlType::new(TypeKind::Json),
        AggFunc::Wasm => return Err(DbError::internal("a loadable aggregate bound as a built-in")),
    })
}

/// Reference to FROM-scope column `i` from an aggregate query's select list:
/// the group key when it is grouped, else its value in the group's first
/// row (MySQL without ONLY_FULL_GROUP_BY).
fn agg_column(st: &mut AggState, i: usize) -> Result<Expr> {
    let grouped = |st: &AggState, c: usize| st.group.iter().position(|g| matches!(g, Expr::Col(x) if *x == c));
    if let Some(g) = grouped(st, i) {
        return Ok(Expr::Col(g));
    }
    let dependent =
        st.pk_deps.get(i).and_then(|d| d.as_ref()).is_some_and(|pk| pk.iter().all(|c| grouped(st, *c).is_some()));
    if st.strict && !dependent {
        let col = st.col_names.get(i).cloned().unwrap_or_default();
        let (n, clause) = st.position;
        return Err(if st.has_group_by {
            DbError::new(
                1055,
                "42000",
                format!("Expression #{n} of {clause} is not in GROUP BY clause and contains nonaggregated column '{col}' which is not functionally dependent on columns in GROUP BY clause; this is incompatible with sql_mode=only_full_group_by"),
            )
        } else {
            DbError::new(
                1140,
                "42000",
                format!("In aggregated query without GROUP BY, expression #{n} of {clause} contains nonaggregated column '{col}'; this is incompatible with sql_mode=only_full_group_by"),
            )
        });
    }
    let ty = st.base_types.get(i).cloned().unwrap_or(SqlType::null());
    let idx = st.group.len() + st.aggs.len();
    st.aggs.push(AggCall {
        func: AggFunc::AnyValue,
        args: vec![Expr::Col(i)],
        distinct: false,
        separator: String::new(),
        order_by: vec![],
        ty,
        udf: None,
    });
    Ok(Expr::Col(idx))
}

/// Index of the `)` matching the `(` at `open` (quotes respected).
fn matching_paren(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = open;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) if c == b'\\' && q != b'`' => i += 1,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'\'' | b'"' | b'`' => quote = Some(c),
                b'(' => depth += 1,
                b')' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// Byte offset of a 1-based (line, column-in-chars) location in `src`.
fn byte_offset(src: &str, line: u64, column: u64) -> Option<usize> {
    if line == 0 || column == 0 {
        return None;
    }
    let mut offset = 0usize;
    for (i, l) in src.split('\n').enumerate() {
        if i as u64 + 1 == line {
            let col = (column - 1) as usize;
            return match l.char_indices().nth(col) {
                Some((b, _)) => Some(offset + b),
                None if col == l.chars().count() => Some(offset + l.len()),
                None => None,
            };
        }
        offset += l.len() + 1;
    }
    None
}

fn display_name(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Identifier(i) => i.value.clone(),
        ast::Expr::CompoundIdentifier(parts) => parts.last().map(|p| p.value.clone()).unwrap_or_default(),
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
            other => other.to_string(),
        },
        other => other.to_string(),
    }
}

fn decode_hex(h: &str) -> Result<Vec<u8>> {
    if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(DbError::parse(format!("X'{h}'")));
    }
    let h = if h.len() % 2 == 1 { format!("0{h}") } else { h.to_string() };
    (0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16).map_err(|_| DbError::parse(&h))).collect()
}

pub fn cast_target(dt: &ast::DataType) -> Result<CastTarget> {
    use ast::DataType as D;
    Ok(match dt {
        D::Signed | D::SignedInteger | D::Int(_) | D::Integer(_) | D::BigInt(_) => CastTarget::Signed,
        D::Unsigned | D::UnsignedInteger | D::IntUnsigned(_) | D::BigIntUnsigned(_) => CastTarget::Unsigned,
        D::Decimal(info) | D::Numeric(info) | D::Dec(info) => {
            let (p, s) = match info {
                ast::ExactNumberInfo::None => (10, 0),
                ast::ExactNumberInfo::Precision(p) => (*p as u32, 0),
                ast::ExactNumberInfo::PrecisionAndScale(p, s) => (*p as u32, *s as u8),
            };
            CastTarget::Decimal(p, s)
        }
        D::Double(_) | D::DoublePrecision | D::Float(_) | D::Real => CastTarget::Double,
        D::Char(l) | D::Character(l) | D::Varchar(l) => CastTarget::Char(match l {
            Some(ast::CharacterLength::IntegerLength { length, .. }) => Some(*length as u32),
            _ => None,
        }),
        D::Text | D::String(_) => CastTarget::Char(None),
        D::Binary(l) => CastTarget::Binary(l.map(|x| x as u32)),
        D::Date => CastTarget::Date,
        D::Datetime(_) | D::Timestamp(..) => CastTarget::DateTime,
        D::Time(fsp, _) => match fsp.unwrap_or(0) {
            p @ 0..=6 => CastTarget::Time(p as u32),
            p => {
                return Err(DbError::new(
                    1426,
                    "42000",
                    format!("Too-big precision {p} specified for 'CAST'. Maximum is 6."),
                ))
            }
        },
        D::JSON => CastTarget::Json,
        D::Custom(n, _) if object_name_parts(n).last().is_some_and(|s| s.eq_ignore_ascii_case("year")) => {
            CastTarget::Year
        }
        D::Custom(n, _) if object_name_parts(n).last().is_some_and(|s| s.eq_ignore_ascii_case("signed")) => {
            CastTarget::Signed
        }
        // MySQL's grammar has no other CAST targets (CAST(x AS INT) included).
        other => return Err(DbError::parse(format!("{other})"))),
    })
}

fn split_and(e: Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::Bin(BinOp::And, a, b) => {
            split_and(*a, out);
            split_and(*b, out);
        }
        other => out.push(other),
    }
}

fn has_correlated_subquery(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        if let Expr::Subquery(s) = x {
            if s.correlated {
                found = true;
            }
        }
        if let Expr::Outer { .. } = x {
            found = true;
        }
    });
    found
}

/// 1066 when one WITH clause names two CTEs alike.
pub fn check_cte_names(w: &ast::With) -> Result<()> {
    for (i, c) in w.cte_tables.iter().enumerate() {
        if w.cte_tables[..i].iter().any(|d| d.alias.name.value == c.alias.name.value) {
            return Err(DbError::new(1066, "42000", format!("Not unique table/alias: '{}'", c.alias.name.value)));
        }
    }
    Ok(())
}

/// Give a CTE's columns the names of its column list, if it has one.
fn rename_cte_columns(def: &CteDef, mut cols: Vec<ColumnInfo>) -> Result<Vec<ColumnInfo>> {
    if def.columns.is_empty() {
        return Ok(cols);
    }
    if def.columns.len() != cols.len() {
        return Err(DbError::new(
            1353,
            "HY000",
            "In definition of view, derived table or common table expression, SELECT list and column names list have different column counts",
        ));
    }
    for (c, n) in cols.iter_mut().zip(&def.columns) {
        c.name = n.clone();
    }
    Ok(cols)
}

/// Does `body` name the unqualified table `name` anywhere (FROM clauses,
/// subqueries, derived tables)?
fn references_table(body: &ast::SetExpr, name: &str) -> bool {
    ast::visit_relations(body, |rel: &ast::ObjectName| {
        let parts = object_name_parts(rel);
        if parts.len() == 1 && parts[0] == name {
            std::ops::ControlFlow::Break(())
        } else {
            std::ops::ControlFlow::Continue(())
        }
    })
    .is_break()
}

/// True when `e` calls a window function (`… OVER (…)`).
fn contains_window(e: &ast::Expr) -> bool {
    ast::visit_expressions(e, |x: &ast::Expr| match x {
        ast::Expr::Function(f) if f.over.is_some() => std::ops::ControlFlow::Break(()),
        _ => std::ops::ControlFlow::Continue(()),
    })
    .is_break()
}

/// The query blocks of a chain of UNIONs, in order; `distinct` is set
/// when any of the UNIONs is DISTINCT. Plain parenthesised blocks are
/// unwrapped.
fn flatten_union<'q>(s: &'q ast::SetExpr, out: &mut Vec<&'q ast::SetExpr>, distinct: &mut bool) {
    match s {
        ast::SetExpr::SetOperation { op: ast::SetOperator::Union, set_quantifier, left, right } => {
            flatten_union(left, out, distinct);
            if !matches!(set_quantifier, ast::SetQuantifier::All) {
                *distinct = true;
            }
            flatten_union(right, out, distinct);
        }
        ast::SetExpr::Query(q) if q.with.is_none() && q.order_by.is_none() && q.limit_clause.is_none() => {
            flatten_union(&q.body, out, distinct)
        }
        other => out.push(other),
    }
}

/// `l <op> [ALL] r` with the set operation's column checks and types.
fn set_op_bound(l: BoundQuery, r: BoundQuery, op: SetOpKind, all: bool) -> Result<BoundQuery> {
    if l.columns.len() != r.columns.len() {
        return Err(DbError::new(1222, "21000", "The used SELECT statements have a different number of columns"));
    }
    let columns = l
        .columns
        .iter()
        .zip(&r.columns)
        .map(|(a, b)| ColumnInfo {
            ty: expr::unify_types(&[a.ty.clone(), b.ty.clone()]),
            nullable: a.nullable || b.nullable,
            ..a.clone()
        })
        .collect();
    Ok(BoundQuery { plan: Plan::SetOp { left: Box::new(l.plan), right: Box::new(r.plan), op, all }, columns })
}

/// Does `plan` reference a row of a query `depth` levels out?
fn plan_references_outer(plan: &Plan, depth: usize) -> bool {
    let mut found = false;
    let mut check = |e: &Expr| {
        e.walk(&mut |x| match x {
            Expr::Outer { depth: d, .. } if *d >= depth => found = true,
            Expr::Subquery(s) if plan_references_outer(&s.plan, depth + 1) => found = true,
            _ => {}
        })
    };
    visit_plan_exprs(plan, &mut check);
    found
}

/// Call `f` on every expression in `plan` (not inside subqueries).
pub fn visit_plan_exprs(plan: &Plan, f: &mut dyn FnMut(&Expr)) {
    match plan {
        Plan::Dual => {}
        Plan::Scan(s) => {
            if let Some(fl) = &s.filter {
                f(fl);
            }
            if let Access::Index { ranges, .. } = &s.access {
                for r in ranges {
                    r.eq.iter().for_each(&mut *f);
                    if let Some((e, _)) = &r.lo {
                        f(e);
                    }
                    if let Some((e, _)) = &r.hi {
                        f(e);
                    }
                }
            }
        }
        Plan::Values(rows) => rows.iter().flatten().for_each(f),
        Plan::TableFunction(_, args) => args.iter().for_each(f),
        Plan::Filter(p, e) => {
            visit_plan_exprs(p, f);
            f(e);
        }
        Plan::Project(p, es) => {
            visit_plan_exprs(p, f);
            es.iter().for_each(f);
        }
        Plan::Join { left, right, on, .. } => {
            visit_plan_exprs(left, f);
            visit_plan_exprs(right, f);
            if let Some(o) = on {
                f(o);
            }
        }
        Plan::Aggregate { input, group, aggs } => {
            visit_plan_exprs(input, f);
            group.iter().for_each(&mut *f);
            for a in aggs {
                a.args.iter().for_each(&mut *f);
                a.order_by.iter().for_each(|(e, _)| f(e));
            }
        }
        Plan::Sort { input, keys } => {
            visit_plan_exprs(input, f);
            keys.iter().for_each(|(e, _)| f(e));
        }
        Plan::Limit { input, limit, offset } => {
            visit_plan_exprs(input, f);
            if let Some(l) = limit {
                f(l);
            }
            if let Some(o) = offset {
                f(o);
            }
        }
        Plan::Distinct(p, ..) | Plan::Truncate(p, _) => visit_plan_exprs(p, f),
        Plan::SetOp { left, right, .. } => {
            visit_plan_exprs(left, f);
            visit_plan_exprs(right, f);
        }
        Plan::WorkTable(_) => {}
        Plan::Window(w) => {
            visit_plan_exprs(&w.input, f);
            w.exprs().into_iter().for_each(&mut *f);
        }
        Plan::RecursiveCte(r) => {
            visit_plan_exprs(&r.anchor, f);
            visit_plan_exprs(&r.recursive, f);
        }
    }
}

/// The type a CAST to `target` gives.
pub fn cast_type(target: CastTarget) -> SqlType {
    match target {
        CastTarget::Signed => SqlType::bigint(),
        CastTarget::Unsigned => SqlType { unsigned: true, ..SqlType::bigint() },
        CastTarget::Decimal(p, s) => SqlType::decimal(p, s),
        CastTarget::Double => SqlType::double(),
        CastTarget::Char(n) => SqlType::varchar(n.unwrap_or(255)),
        CastTarget::Binary(n) => SqlType { len: n.unwrap_or(255), ..SqlType::new(TypeKind::Varbinary) },
        CastTarget::Date => SqlType::new(TypeKind::Date),
        CastTarget::DateTime => SqlType::new(TypeKind::DateTime),
        CastTarget::Time(fsp) => SqlType { len: fsp, ..SqlType::new(TypeKind::Time) },
        CastTarget::Year => SqlType { len: 4, ..SqlType::new(TypeKind::Year) },
        CastTarget::Json => SqlType::new(TypeKind::Json),
    }
}

/// An ORDER BY key: a JSON value sorts by its JSON order, anything else
/// as it is.
fn json_sort_key(e: Expr, ty: &SqlType) -> Expr {
    if ty.kind != TypeKind::Json {
        return e;
    }
    Expr::Json(Box::new(JsonCall {
        f: JsonFn::SortKey,
        name: "order by",
        args: vec![e],
        kinds: vec![ArgKind::Json],
        returning: None,
    }))
}

/// Whether a bound expression is boolean-valued in MySQL's sense (TRUE and
/// FALSE, comparisons, logic operators): JSON turns those into true/false.
fn is_boolean_expr(e: &Expr, ast_e: Option<&ast::Expr>) -> bool {
    if let Some(ast::Expr::Value(v)) = ast_e {
        if matches!(v.value, ast::Value::Boolean(_)) {
            return true;
        }
    }
    match e {
        Expr::Bin(op, ..) => matches!(
            op,
            BinOp::Eq
                | BinOp::NotEq
                | BinOp::Lt
                | BinOp::LtEq
                | BinOp::Gt
                | BinOp::GtEq
                | BinOp::NullSafeEq
                | BinOp::And
                | BinOp::Or
                | BinOp::Xor
        ),
        Expr::Unary(UnOp::Not, _)
        | Expr::IsNull(..)
        | Expr::IsBool(..)
        | Expr::InList { .. }
        | Expr::Between { .. }
        | Expr::Like { .. } => true,
        Expr::Json(c) => matches!(c.f, JsonFn::Compare(_) | JsonFn::MemberOf),
        _ => false,
    }
}

/// How a JSON function reads an argument of type `ty`.
/// The value argument of JSON_ARRAYAGG / JSON_OBJECTAGG (grouped or as a
/// window function), converted to the JSON text the aggregate collects.
fn json_value_arg(func: AggFunc, v: Expr, ast_v: Option<&ast::Expr>, ty: &SqlType) -> Expr {
    let kind = json_kind(&v, ast_v, ty);
    Expr::Json(Box::new(JsonCall {
        f: JsonFn::ToJson,
        name: if func == AggFunc::JsonArrayAgg { "json_arrayagg" } else { "json_objectagg" },
        args: vec![v],
        kinds: vec![kind],
        returning: None,
    }))
}

fn json_kind(e: &Expr, ast_e: Option<&ast::Expr>, ty: &SqlType) -> ArgKind {
    if ty.kind == TypeKind::Json {
        ArgKind::Json
    } else if is_boolean_expr(e, ast_e) {
        ArgKind::Bool
    } else {
        ArgKind::Sql
    }
}

/// Type of a bound expression given the types of the row it reads.
pub fn infer_type(e: &Expr, cols: &[SqlType], outer: &[Vec<SqlType>]) -> SqlType {
    let t = |x: &Expr| infer_type(x, cols, outer);
    match e {
        Expr::Lit(v) => value_type(v),
        Expr::Col(i) => cols.get(*i).cloned().unwrap_or(SqlType::null()),
        Expr::Outer { depth, idx } => {
            outer.get(outer.len().wrapping_sub(*depth)).and_then(|s| s.get(*idx)).cloned().unwrap_or(SqlType::null())
        }
        Expr::Param(_) => SqlType::varchar(255),
        Expr::Unary(UnOp::Neg, x) => {
            let it = t(x);
            if it.is_integer() {
                SqlType::bigint()
            } else if it.kind == TypeKind::Decimal {
                it
            } else {
                SqlType::double()
            }
        }
        Expr::Unary(UnOp::BitNot, _) => SqlType { unsigned: true, ..SqlType::bigint() },
        Expr::Unary(UnOp::Not, _) => SqlType::int(),
        Expr::Bin(op, a, b) => match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::IntDiv | BinOp::Mod => {
                expr::arith_type(*op, &t(a), &t(b))
            }
            BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::ShiftLeft | BinOp::ShiftRight => {
                SqlType { unsigned: true, ..SqlType::bigint() }
            }
            _ => SqlType::int(),
        },
        Expr::IsNull(..) | Expr::IsBool(..) | Expr::InList { .. } | Expr::Between { .. } | Expr::Like { .. } => {
            SqlType::int()
        }
        Expr::Case { whens, else_, .. } => {
            let mut ts: Vec<SqlType> = whens.iter().map(|(_, r)| t(r)).collect();
            ts.push(else_.as_deref().map(t).unwrap_or(SqlType::null()));
            expr::unify_types(&ts)
        }
        Expr::Cast(_, target) => cast_type(*target),
        Expr::Json(c) => jsonfn::result_type(c),
        Expr::Func(f, args) => {
            let ts: Vec<SqlType> = args.iter().map(t).collect();
            func::result_type(*f, &ts)
        }
        Expr::Rand(..) => SqlType::double(),
        Expr::Udf(u, _) => match u.ret {
            crate::wasm::ReturnType::Integer => SqlType::bigint(),
            crate::wasm::ReturnType::Real => SqlType::double(),
            crate::wasm::ReturnType::Decimal => SqlType::decimal(65, 30),
            _ => SqlType { len: 65535, ..SqlType::new(TypeKind::Text) },
        },
        Expr::Subquery(s) => match s.kind {
            SubqueryKind::Scalar => s.ty.clone(),
            _ => SqlType::int(),
        },
    }
}

/// Equality conjuncts of `on` that compare a left column with a right
/// column of the same type class: candidates for a hash join.
fn equi_pairs(on: &Expr, left_width: usize, right_width: usize, scope: &Scope) -> Vec<(usize, usize)> {
    let mut conj = Vec::new();
    split_and(on.clone(), &mut conj);
    let mut out = Vec::new();
    for c in conj {
        if let Expr::Bin(BinOp::Eq, a, b) = &c {
            if let (Expr::Col(x), Expr::Col(y)) = (a.as_ref(), b.as_ref()) {
                let (l, r) = if *x < left_width && *y >= left_width {
                    (*x, *y)
                } else if *y < left_width && *x >= left_width {
                    (*y, *x)
                } else {
                    continue;
                };
                if r >= left_width + right_width {
                    continue;
                }
                let (tl, tr) = (scope.cols[l].ty.clone(), scope.cols[r].ty.clone());
                let same_class = (tl.is_integer() && tr.is_integer())
                    || (tl.is_string() && tr.is_string())
                    || (tl.kind == tr.kind && tl.scale == tr.scale);
                if same_class {
                    out.push((l, r - left_width));
                }
            }
        }
    }
    out
}

// ----- access path selection ---------------------------------------------------

/// A predicate on one column usable for an index range.
enum ColPred {
    Eq(Expr),
    In(Vec<Expr>),
    Lo(Expr, bool),
    Hi(Expr, bool),
}

fn column_predicate(c: &Expr, table: &TableDef) -> Option<(usize, ColPred)> {
    let usable = |col: usize, v: &Expr| -> bool {
        if !v.is_row_independent() {
            return false;
        }
        let ct = &table.columns[col].ty;
        if matches!(ct.kind, TypeKind::Json | TypeKind::Geometry(_)) {
            return false;
        }
        // A string column compared with a number compares numerically:
        // the index order does not help. A BIT compares with text as a
        // number, not as the text's bytes.
        match v {
            Expr::Lit(Value::Str(_)) => {
                ct.is_string() || ct.is_numeric() || ct.is_temporal() || ct.kind == TypeKind::Year
            }
            Expr::Lit(Value::Null) => false,
            Expr::Lit(_) => !ct.is_string() && !ct.is_binary(),
            Expr::Param(_) => !ct.is_string() && !ct.is_binary(),
            _ => false,
        }
    };
    // Operands wrapped for a case-sensitive comparison are plain again when
    // the column itself is case-sensitive: its index keys are the bytes.
    let cs_col = |e: &Expr| matches!(unwrap_collate(e), Expr::Col(i) if table.columns[*i].ty.case_sensitive);
    let plain = |e: &Expr, col_cs: bool| -> Expr {
        if col_cs {
            unwrap_collate(e).clone()
        } else {
            e.clone()
        }
    };
    match c {
        Expr::Bin(op, a, b) => {
            let cs = cs_col(a) || cs_col(b);
            let (a, b) = (plain(a, cs), plain(b, cs));
            let (col, v, flipped) = match (&a, &b) {
                (Expr::Col(i), v) => (*i, v, false),
                (v, Expr::Col(i)) => (*i, v, true),
                _ => return None,
            };
            if !usable(col, v) {
                return None;
            }
            let op = if flipped {
                match op {
                    BinOp::Lt => BinOp::Gt,
                    BinOp::LtEq => BinOp::GtEq,
                    BinOp::Gt => BinOp::Lt,
                    BinOp::GtEq => BinOp::LtEq,
                    o => *o,
                }
            } else {
                *op
            };
            let v = v.clone();
            // ENUM and SET index in number order but compare as text: only
            // equality can use the index.
            if table.columns[col].ty.is_enum_or_set() && op != BinOp::Eq {
                return None;
            }
            Some((
                col,
                match op {
                    BinOp::Eq => ColPred::Eq(v),
                    BinOp::Lt => ColPred::Hi(v, false),
                    BinOp::LtEq => ColPred::Hi(v, true),
                    BinOp::Gt => ColPred::Lo(v, false),
                    BinOp::GtEq => ColPred::Lo(v, true),
                    _ => return None,
                },
            ))
        }
        Expr::InList { e, list, negated: false } => {
            let cs = cs_col(e);
            let list: Vec<Expr> = list.iter().map(|v| plain(v, cs)).collect();
            match plain(e, cs) {
                Expr::Col(i) if !list.is_empty() && list.len() <= 1000 && list.iter().all(|v| usable(i, v)) => {
                    Some((i, ColPred::In(list)))
                }
                _ => None,
            }
        }
        Expr::Between { e, lo, hi, negated: false } => {
            let cs = cs_col(e);
            let (lo, hi) = (plain(lo, cs), plain(hi, cs));
            match plain(e, cs) {
                Expr::Col(i) if usable(i, &lo) && usable(i, &hi) && !table.columns[i].ty.is_enum_or_set() => {
                    Some((i, ColPred::Lo(Expr::Bin(BinOp::And, Box::new(lo), Box::new(hi)), true)))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// Choose the index access for a scan from its filter's conjuncts: the
/// index with the longest equality prefix (then a range on the next column)
/// wins; the primary key wins ties. The filter stays as a residual check,
/// so a range only has to contain every matching row.
/// The name an aggregate call hidden by [`HideAggregates`] stands under
/// (a prefix no identifier can have).
const HIDDEN_AGGREGATE: &str = "\u{1}aggregate";

/// Replaces each aggregate call (outermost first, not descending into it)
/// with a placeholder identifier, keeping the calls.
struct HideAggregates<'b, 'a> {
    binder: &'b Binder<'a>,
    hidden: Vec<ast::Expr>,
}

impl ast::VisitorMut for HideAggregates<'_, '_> {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &mut ast::Expr) -> std::ops::ControlFlow<()> {
        if let ast::Expr::Function(f) = e {
            let name = function_name(f);
            if f.over.is_none() && (agg_func(&name).is_some() || self.binder.aggregate_udf(&name).is_some()) {
                let placeholder =
                    ast::Expr::Identifier(ast::Ident::new(format!("{HIDDEN_AGGREGATE}{}", self.hidden.len())));
                self.hidden.push(std::mem::replace(e, placeholder));
            }
        }
        std::ops::ControlFlow::Continue(())
    }
}

/// An ORDER BY key over output column `i`: its value, or its bytes when
/// the column has a case-sensitive collation.
fn sort_key(i: usize, ty: &SqlType) -> Expr {
    if ty.case_sensitive && ty.is_string() {
        Expr::Func(func::Func::BinaryCollate, vec![Expr::Col(i)])
    } else {
        Expr::Col(i)
    }
}

/// `e` without a [`func::Func::BinaryCollate`] wrapper.
fn unwrap_collate(e: &Expr) -> &Expr {
    match e {
        Expr::Func(func::Func::BinaryCollate, args) if args.len() == 1 => &args[0],
        other => other,
    }
}

pub fn choose_access(node: &mut ScanNode) {
    let Some(filter) = &node.filter else { return };
    let mut conj = Vec::new();
    split_and(filter.clone(), &mut conj);
    let preds: Vec<(usize, ColPred)> = conj.iter().filter_map(|c| column_predicate(c, &node.table)).collect();
    if preds.is_empty() {
        return;
    }
    let mut best: Option<(usize, IndexDef, Vec<RangeSpec>)> = None;
    let mut indexes: Vec<&IndexDef> = node.table.indexes.iter().filter(|i| i.primary).collect();
    indexes.extend(node.table.indexes.iter().filter(|i| !i.primary));
    for idx in indexes {
        let mut eq_sets: Vec<Vec<Expr>> = vec![vec![]];
        let mut score = 0usize;
        let mut lo = None;
        let mut hi = None;
        for &col in &idx.columns {
            let eq = preds.iter().find_map(|(c, p)| match p {
                ColPred::Eq(v) if *c == col => Some(vec![v.clone()]),
                _ => None,
            });
            let inl = preds.iter().find_map(|(c, p)| match p {
                ColPred::In(vs) if *c == col => Some(vs.clone()),
                _ => None,
            });
            if let Some(vals) = eq.or(inl) {
                if eq_sets.len() * vals.len() > 1000 {
                    break;
                }
                eq_sets = eq_sets
                    .into_iter()
                    .flat_map(|prefix| {
                        vals.iter().map(move |v| {
                            let mut p = prefix.clone();
                            p.push(v.clone());
                            p
                        })
                    })
                    .collect();
                score += 10;
                continue;
            }
            for (c, p) in &preds {
                if *c != col {
                    continue;
                }
                match p {
                    ColPred::Lo(Expr::Bin(BinOp::And, a, b), true) => {
                        lo = Some(((**a).clone(), true));
                        hi = Some(((**b).clone(), true));
                    }
                    ColPred::Lo(v, inc) => lo = Some((v.clone(), *inc)),
                    ColPred::Hi(v, inc) => hi = Some((v.clone(), *inc)),
                    _ => {}
                }
            }
            if lo.is_some() || hi.is_some() {
                score += 3;
            }
            break;
        }
        if score == 0 {
            continue;
        }
        if idx.primary {
            score += 1;
        }
        if idx.unique && score >= 10 * idx.columns.len() {
            score += 5;
        }
        if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            let ranges = eq_sets.into_iter().map(|eq| RangeSpec { eq, lo: lo.clone(), hi: hi.clone() }).collect();
            best = Some((score, idx.clone(), ranges));
        }
    }
    if let Some((_, index, ranges)) = best {
        node.access = Access::Index { index, ranges };
    }
}

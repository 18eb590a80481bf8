//! Binding window functions: `f(…) OVER (…)`, `OVER w` and the WINDOW
//! clause become [`WinCall`]s of the query block's `Plan::Window`, with
//! MySQL 8's checks and error codes (3579–3596, 1210, 1235).
//!
//! A call's window is resolved by following its references to named
//! windows (a reference inherits PARTITION BY and ORDER BY, never a
//! frame); its PARTITION BY and ORDER BY are bound against the window's
//! input row (the grouped row in an aggregate query, so `SUM(SUM(x)) OVER
//! (ORDER BY COUNT(*))` works) and its frame is checked and made explicit.
//! The call itself stands in the select list as `Col(WIN_BASE + k)` until
//! the block's input width is known.

use super::*;
use crate::sql::window::{Frame, FrameBound, FrameUnits, Offset, WinCall, WinFunc, WindowNode, WindowSort};

const UNNAMED: &str = "<unnamed window>";

/// 1235 ER_NOT_SUPPORTED_YET in MySQL's words.
fn not_yet(what: &str) -> DbError {
    DbError::new(1235, "42000", format!("This version of MySQL doesn't yet support '{what}'"))
}

/// 3593 ER_WINDOW_INVALID_WINDOW_FUNC_USE (MySQL's message ends in `.'`).
pub(super) fn invalid_use(name: &str) -> DbError {
    DbError::new(3593, "HY000", format!("You cannot use the window function '{name}' in this context.'"))
}

/// 3594 ER_WINDOW_INVALID_WINDOW_FUNC_ALIAS_USE.
pub(super) fn window_alias_use(alias: &str) -> DbError {
    DbError::new(
        3594,
        "HY000",
        format!("You cannot use the alias '{alias}' of an expression containing a window function in this context.'"),
    )
}

fn no_such_window(name: &str) -> DbError {
    DbError::new(3579, "HY000", format!("Window name '{name}' is not defined."))
}

fn window_error(code: u16, message: String) -> DbError {
    DbError::new(code, "HY000", message)
}

/// The WINDOW clause's definitions; 3591 for a name defined twice.
pub(super) fn named_windows(defs: &[ast::NamedWindowDefinition]) -> Result<Vec<(String, ast::WindowSpec)>> {
    let mut out: Vec<(String, ast::WindowSpec)> = Vec::new();
    for d in defs {
        let name = d.0.value.clone();
        let spec = match &d.1 {
            ast::NamedWindowExpr::WindowSpec(s) => s.clone(),
            // `WINDOW w2 AS w1` is not MySQL's grammar (`AS (w1)` is).
            ast::NamedWindowExpr::NamedWindow(i) => return Err(DbError::parse(format!("{i}"))),
        };
        if out.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
            return Err(window_error(3591, format!("Window '{name}' is defined twice.")));
        }
        out.push((name, spec));
    }
    Ok(out)
}

/// Follow `spec`'s references to named windows: the root's PARTITION BY,
/// the one ORDER BY along the chain, `spec`'s own frame.
pub(super) fn resolve_window(
    named: &[(String, ast::WindowSpec)],
    spec: &ast::WindowSpec,
    own: Option<&str>,
) -> Result<ResolvedWindow> {
    let name = own.map(str::to_string).unwrap_or_else(|| UNNAMED.to_string());
    let mut partition = spec.partition_by.clone();
    let mut order = spec.order_by.clone();
    let mut orderer = (!order.is_empty()).then(|| name.clone());
    let mut seen: Vec<String> = own.map(|n| n.to_ascii_lowercase()).into_iter().collect();
    let mut cur = spec;
    while let Some(r) = &cur.window_name {
        let Some((aname, anc)) = named.iter().find(|(n, _)| n.eq_ignore_ascii_case(&r.value)) else {
            return Err(no_such_window(&r.value));
        };
        let key = aname.to_ascii_lowercase();
        if seen.contains(&key) {
            return Err(window_error(3580, "There is a circularity in the window dependency graph.".into()));
        }
        seen.push(key);
        if !cur.partition_by.is_empty() {
            return Err(window_error(3581, "A window which depends on another cannot define partitioning.".into()));
        }
        if anc.window_frame.is_some() {
            return Err(window_error(
                3582,
                format!("Window '{aname}' has a frame definition, so cannot be referenced by another window."),
            ));
        }
        if !anc.order_by.is_empty() {
            if let Some(o) = &orderer {
                return Err(window_error(
                    3583,
                    format!("Window '{o}' cannot inherit '{aname}' since both contain an ORDER BY clause."),
                ));
            }
            orderer = Some(aname.clone());
            order = anc.order_by.clone();
        }
        if !anc.partition_by.is_empty() {
            partition = anc.partition_by.clone();
        }
        cur = anc;
    }
    Ok(ResolvedWindow { name, partition, order, frame: spec.window_frame.clone() })
}

/// An argument MySQL's grammar takes as an integer: a literal, `?` or `@var`.
fn integer_argument(e: &ast::Expr) -> bool {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => n.bytes().all(|b| b.is_ascii_digit()),
            ast::Value::Placeholder(_) => true,
            _ => false,
        },
        ast::Expr::Identifier(i) => i.quote_style.is_none() && i.value.starts_with('@') && !i.value.starts_with("@@"),
        _ => false,
    }
}

impl Binder<'_> {
    /// `f(…) OVER …` in a select list or ORDER BY: a call of the query
    /// block's window node; 3593 anywhere else.
    pub(super) fn bind_window_call(
        &mut self,
        f: &ast::Function,
        scope: &Scope,
        agg: &mut Option<AggState>,
    ) -> Result<Expr> {
        let lname = function_name(f).to_ascii_lowercase();
        let Some(over) = &f.over else { return Err(DbError::internal("window call without OVER")) };
        let Some(state) = self.win.as_ref() else { return Err(invalid_use(&lname)) };
        let named = state.named.clone();
        let wf = WinFunc::from_name(&lname);
        let af = agg_func(&lname);
        if lname == "group_concat" {
            return Err(not_yet("group_concat as window function"));
        }
        if wf.is_none() && matches!(af, None | Some(AggFunc::AnyValue)) {
            return Err(DbError::parse(f.to_string()));
        }
        if matches!(f.null_treatment, Some(ast::NullTreatment::IgnoreNulls)) {
            return Err(not_yet("IGNORE NULLS"));
        }
        let mut star = false;
        let mut args: Vec<&ast::Expr> = Vec::new();
        match &f.args {
            ast::FunctionArguments::None => {}
            ast::FunctionArguments::List(l) => {
                if matches!(l.duplicate_treatment, Some(ast::DuplicateTreatment::Distinct)) {
                    return Err(not_yet("<window function>(DISTINCT ..)"));
                }
                for c in &l.clauses {
                    match c {
                        ast::FunctionArgumentClause::IgnoreOrRespectNulls(ast::NullTreatment::IgnoreNulls) => {
                            return Err(not_yet("IGNORE NULLS"))
                        }
                        ast::FunctionArgumentClause::IgnoreOrRespectNulls(ast::NullTreatment::RespectNulls) => {}
                        _ => return Err(DbError::parse(f.to_string())),
                    }
                }
                for a in &l.args {
                    match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => args.push(e),
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard)
                            if lname == "count" && !star && l.args.len() == 1 =>
                        {
                            star = true
                        }
                        _ => return Err(DbError::parse(f.to_string())),
                    }
                }
            }
            ast::FunctionArguments::Subquery(_) => return Err(DbError::parse(f.to_string())),
        }
        let (spec, own, rank) = match over {
            ast::WindowType::NamedWindow(id) => {
                let Some(i) = named.iter().position(|(n, _)| n.eq_ignore_ascii_case(&id.value)) else {
                    return Err(no_such_window(&id.value));
                };
                (named[i].1.clone(), Some(named[i].0.clone()), i)
            }
            ast::WindowType::WindowSpec(s) => (s.clone(), None, usize::MAX),
        };
        let rw = resolve_window(&named, &spec, own.as_deref())?;
        // Nothing inside the call may be a window function.
        let win = self.win.take();
        let r = self.bind_window_parts(wf, af, star, &args, &rw, &lname, scope, agg);
        self.win = win;
        let (partition, order, call, ty, nullable) = r?;
        let sort_key = format!(
            "{}|{}",
            rw.partition.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(","),
            rw.order.iter().map(|o| o.to_string()).collect::<Vec<_>>().join(",")
        );
        let st = self.win.as_mut().ok_or_else(|| DbError::internal("window state vanished"))?;
        st.calls.push(BoundWinCall { sort_key, rank, partition, order, call, ty, nullable });
        Ok(Expr::Col(WIN_BASE + st.calls.len() - 1))
    }

    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    fn bind_window_parts(
        &mut self,
        wf: Option<WinFunc>,
        af: Option<AggFunc>,
        star: bool,
        args: &[&ast::Expr],
        rw: &ResolvedWindow,
        lname: &str,
        scope: &Scope,
        agg: &mut Option<AggState>,
    ) -> Result<(Vec<Expr>, Vec<(Expr, bool)>, WinCall, SqlType, bool)> {
        let (partition, order, frame) = self.bind_window(rw, scope, agg)?;
        let syntax = || {
            DbError::parse(format!("{lname}({})", args.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")))
        };
        let wrong = || DbError::wrong_arguments(lname);
        let mut bound = Vec::new();
        for a in args {
            bound.push(self.bind_expr(a, scope, agg, "field list")?);
        }
        let ty_of = |this: &Self, e: &Expr, agg: &Option<AggState>| this.infer_in(e, scope, agg.as_ref());
        let unsigned = SqlType { unsigned: true, ..SqlType::bigint() };
        let mut call = WinCall {
            func: WinFunc::Agg,
            args: Vec::new(),
            agg: None,
            frame,
            name: lname.to_string(),
            window: rw.name.clone(),
        };
        let (ty, nullable) = match wf {
            Some(w @ (WinFunc::RowNumber | WinFunc::Rank | WinFunc::DenseRank)) => {
                if !args.is_empty() || star {
                    return Err(syntax());
                }
                call.func = w;
                (unsigned, false)
            }
            Some(w @ (WinFunc::PercentRank | WinFunc::CumeDist)) => {
                if !args.is_empty() || star {
                    return Err(syntax());
                }
                call.func = w;
                (SqlType::double(), false)
            }
            Some(WinFunc::Ntile) => {
                if args.len() != 1 || !integer_argument(args[0]) {
                    return Err(syntax());
                }
                if matches!(bound[0], Expr::Lit(Value::Int(n)) if n <= 0) {
                    return Err(wrong());
                }
                call.func = WinFunc::Ntile;
                call.args = bound;
                (unsigned, false)
            }
            Some(w @ (WinFunc::Lag | WinFunc::Lead)) => {
                if args.is_empty() || args.len() > 3 || (args.len() >= 2 && !integer_argument(args[1])) {
                    return Err(syntax());
                }
                let t0 = ty_of(self, &bound[0], agg);
                let ty = match bound.get(2) {
                    Some(d) => {
                        let td = ty_of(self, d, agg);
                        let ty = expr::unify_types(&[t0.clone(), td.clone()]);
                        // (rust_decimal holds 28 digits: see DECIMAL in
                        // ARCHITECTURE.md's departures.)
                        let target = if ty.kind == TypeKind::Decimal {
                            Some(CastTarget::Decimal(ty.len.clamp(1, 28), ty.scale))
                        } else if ty.is_float() {
                            Some(CastTarget::Double)
                        } else if ty.is_string() {
                            Some(CastTarget::Char(None))
                        } else {
                            None
                        };
                        if let Some(target) = target {
                            for (i, t) in [(0, &t0), (2, &td)] {
                                if t.kind != ty.kind || t.scale != ty.scale {
                                    let e = std::mem::replace(&mut bound[i], Expr::Lit(Value::Null));
                                    bound[i] = Expr::Cast(Box::new(e), target);
                                }
                            }
                        }
                        ty
                    }
                    None => t0,
                };
                call.func = w;
                call.args = bound;
                (ty, true)
            }
            Some(w @ (WinFunc::FirstValue | WinFunc::LastValue)) => {
                if args.len() != 1 {
                    return Err(syntax());
                }
                let ty = ty_of(self, &bound[0], agg);
                call.func = w;
                call.args = bound;
                (ty, true)
            }
            Some(WinFunc::NthValue) => {
                if args.len() != 2 {
                    return Err(syntax());
                }
                if !bound[1].is_row_independent() || has_correlated_subquery(&bound[1]) {
                    return Err(wrong());
                }
                if let Expr::Lit(v) = &bound[1] {
                    if !matches!(v, Value::Int(n) if *n >= 1) && !matches!(v, Value::UInt(n) if *n >= 1) {
                        return Err(wrong());
                    }
                }
                let ty = ty_of(self, &bound[0], agg);
                call.func = WinFunc::NthValue;
                call.args = bound;
                (ty, true)
            }
            Some(WinFunc::Agg) | None => {
                let func = match af {
                    Some(AggFunc::Count) if star => AggFunc::CountStar,
                    Some(AggFunc::JsonObjectAgg) if !star && bound.len() == 2 => AggFunc::JsonObjectAgg,
                    Some(f) if !star && bound.len() == 1 && f != AggFunc::JsonObjectAgg => f,
                    _ => return Err(syntax()),
                };
                let arg_ty = bound.first().map(|a| ty_of(self, a, agg)).unwrap_or(SqlType::bigint());
                let ty = agg_type(func, arg_ty)?;
                if matches!(func, AggFunc::JsonArrayAgg | AggFunc::JsonObjectAgg) {
                    // The value (the last argument) is collected as JSON
                    // text, as for the grouped aggregate.
                    if let Some(v) = bound.pop() {
                        let vty = ty_of(self, &v, agg);
                        bound.push(super::json_value_arg(func, v, args.last().copied(), &vty));
                    }
                }
                call.agg = Some(AggCall {
                    func,
                    args: bound,
                    distinct: false,
                    separator: String::new(),
                    order_by: Vec::new(),
                    ty: ty.clone(),
                    udf: None,
                });
                (ty, !matches!(func, AggFunc::Count | AggFunc::CountStar))
            }
        };
        Ok((partition, order, call, ty, nullable))
    }

    /// Bind a resolved window's PARTITION BY and ORDER BY and check its
    /// frame.
    #[allow(clippy::type_complexity)]
    pub(super) fn bind_window(
        &mut self,
        rw: &ResolvedWindow,
        scope: &Scope,
        agg: &mut Option<AggState>,
    ) -> Result<(Vec<Expr>, Vec<(Expr, bool)>, Frame)> {
        let mut partition = Vec::new();
        for e in &rw.partition {
            partition.push(self.bind_window_key(e, &rw.name, scope, agg, "window partition by")?);
        }
        let mut order = Vec::new();
        let mut types = Vec::new();
        for o in &rw.order {
            if o.options.nulls_first.is_some() || o.with_fill.is_some() {
                return Err(DbError::parse(o.to_string()));
            }
            let e = self.bind_window_key(&o.expr, &rw.name, scope, agg, "window order by")?;
            types.push(self.infer_in(&e, scope, agg.as_ref()));
            order.push((e, !matches!(o.options.sort, Some(ast::OrderBySort::Desc))));
        }
        let frame = self.bind_frame(rw, &types, scope, agg)?;
        Ok((partition, order, frame))
    }

    fn bind_window_key(
        &mut self,
        e: &ast::Expr,
        window: &str,
        scope: &Scope,
        agg: &mut Option<AggState>,
        clause: &str,
    ) -> Result<Expr> {
        if let ast::Expr::Value(v) = e {
            if matches!(v.value, ast::Value::Number(..)) {
                return Err(window_error(
                    3592,
                    format!("Window '{window}': ORDER BY or PARTITION BY uses legacy position indication which is not supported, use expression."),
                ));
            }
        }
        if contains_window(e) {
            return Err(window_error(
                3595,
                format!("You cannot nest a window function in the specification of window '{window}'."),
            ));
        }
        self.bind_expr(e, scope, agg, clause)
    }

    /// The window's frame, its default made explicit: RANGE UNBOUNDED
    /// PRECEDING to the current row's last peer with an ORDER BY, the
    /// whole partition without.
    fn bind_frame(
        &mut self,
        rw: &ResolvedWindow,
        types: &[SqlType],
        scope: &Scope,
        agg: &mut Option<AggState>,
    ) -> Result<Frame> {
        let Some(f) = &rw.frame else {
            return Ok(if rw.order.is_empty() {
                Frame::whole()
            } else {
                Frame { units: FrameUnits::Range, start: FrameBound::UnboundedPreceding, end: FrameBound::CurrentRow }
            });
        };
        let name = &rw.name;
        let units = match f.units {
            ast::WindowFrameUnits::Rows => FrameUnits::Rows,
            ast::WindowFrameUnits::Range => FrameUnits::Range,
            ast::WindowFrameUnits::Groups => return Err(not_yet("GROUPS")),
        };
        let end = match &f.end_bound {
            Some(b) => b.clone(),
            // The one-bound form starts the frame: MySQL's grammar has no
            // FOLLOWING there.
            None if matches!(f.start_bound, ast::WindowFrameBound::Following(_)) => {
                return Err(DbError::parse(f.start_bound.to_string()))
            }
            None => ast::WindowFrameBound::CurrentRow,
        };
        let offset_of = |b: &ast::WindowFrameBound| match b {
            ast::WindowFrameBound::Preceding(Some(e)) | ast::WindowFrameBound::Following(Some(e)) => {
                Some(e.as_ref().clone())
            }
            _ => None,
        };
        if units == FrameUnits::Range {
            for b in [&f.start_bound, &end] {
                let Some(e) = offset_of(b) else { continue };
                let key = types.first();
                let numeric = key.is_some_and(|t| t.is_numeric() || t.kind == TypeKind::Year);
                let temporal = key.is_some_and(|t| t.is_temporal());
                if types.len() != 1 || !(numeric || temporal) {
                    return Err(window_error(
                        3587,
                        format!("Window '{name}' with RANGE N PRECEDING/FOLLOWING frame requires exactly one ORDER BY expression, of numeric or temporal type"),
                    ));
                }
                let interval = matches!(e, ast::Expr::Interval(_));
                if temporal && !interval {
                    return Err(window_error(
                        3588,
                        format!("Window '{name}' with RANGE frame has ORDER BY expression of datetime type. Only INTERVAL bound value allowed."),
                    ));
                }
                if numeric && interval {
                    return Err(window_error(
                        3589,
                        format!("Window '{name}' with RANGE frame has ORDER BY expression of numeric type, INTERVAL bound value not allowed."),
                    ));
                }
                if key.is_some_and(|t| t.kind == TypeKind::Time) {
                    return Err(DbError::unsupported("RANGE frames over TIME"));
                }
            }
        }
        if matches!(f.start_bound, ast::WindowFrameBound::Following(None)) {
            return Err(window_error(3584, format!("Window '{name}': frame start cannot be UNBOUNDED FOLLOWING.")));
        }
        if matches!(end, ast::WindowFrameBound::Preceding(None)) {
            return Err(window_error(3585, format!("Window '{name}': frame end cannot be UNBOUNDED PRECEDING.")));
        }
        use ast::WindowFrameBound as B;
        if matches!(
            (&f.start_bound, &end),
            (B::CurrentRow, B::Preceding(Some(_))) | (B::Following(Some(_)), B::CurrentRow | B::Preceding(Some(_)))
        ) {
            return Err(crate::sql::window::frame_illegal(name));
        }
        let start = self.bind_frame_bound(&f.start_bound, units, name, scope, agg)?;
        let end = self.bind_frame_bound(&end, units, name, scope, agg)?;
        Ok(Frame { units, start, end })
    }

    fn bind_frame_bound(
        &mut self,
        b: &ast::WindowFrameBound,
        units: FrameUnits,
        window: &str,
        scope: &Scope,
        agg: &mut Option<AggState>,
    ) -> Result<FrameBound> {
        let (e, preceding) = match b {
            ast::WindowFrameBound::CurrentRow => return Ok(FrameBound::CurrentRow),
            ast::WindowFrameBound::Preceding(None) => return Ok(FrameBound::UnboundedPreceding),
            ast::WindowFrameBound::Following(None) => return Ok(FrameBound::UnboundedFollowing),
            ast::WindowFrameBound::Preceding(Some(e)) => (e.as_ref(), true),
            ast::WindowFrameBound::Following(Some(e)) => (e.as_ref(), false),
        };
        let offset = match e {
            ast::Expr::Interval(iv) => {
                if units == FrameUnits::Rows {
                    return Err(window_error(
                        3596,
                        format!("Window '{window}': INTERVAL can only be used with RANGE frames."),
                    ));
                }
                if iv.last_field.is_some() {
                    return Err(DbError::unsupported("composite INTERVAL units in a window frame"));
                }
                let unit = match &iv.leading_field {
                    Some(f) => f.to_string(),
                    None => return Err(DbError::parse("INTERVAL without a unit")),
                };
                let unit = match crate::sql::temporal::unit(&unit) {
                    Some(u) => u.to_string(),
                    None if crate::sql::temporal::composite(&unit).is_some() => unit.to_ascii_uppercase(),
                    None => return Err(DbError::unsupported(format!("INTERVAL unit {unit}"))),
                };
                let v = self.bind_expr(&iv.value, scope, agg, "window frame bound")?;
                if !v.is_row_independent() || matches!(v, Expr::Subquery(_)) || has_correlated_subquery(&v) {
                    return Err(window_error(3590, format!("Window '{window}' has a non-constant frame bound.")));
                }
                Offset { value: v, unit: Some(unit) }
            }
            ast::Expr::Value(v) if matches!(v.value, ast::Value::Number(..) | ast::Value::Placeholder(_)) => {
                Offset { value: self.bind_value(&v.value)?, unit: None }
            }
            other => return Err(DbError::parse(other.to_string())),
        };
        if let Expr::Lit(v) = &offset.value {
            let bad = match units {
                FrameUnits::Rows => !matches!(v, Value::Int(i) if *i >= 0) && !matches!(v, Value::UInt(_)),
                FrameUnits::Range => v.is_null() || v.as_f64().is_none_or(|x| x < 0.0),
            };
            if bad {
                return Err(crate::sql::window::frame_illegal(window));
            }
        }
        Ok(if preceding { FrameBound::Preceding(offset) } else { FrameBound::Following(offset) })
    }

    /// The query block's window node over `input` (rows `base` wide).
    pub(super) fn window_node(&self, input: Plan, base: usize, calls: Vec<BoundWinCall>) -> Plan {
        let n = calls.len();
        let mut groups: Vec<(usize, String, WindowSort)> = Vec::new();
        for (k, c) in calls.into_iter().enumerate() {
            match groups.iter_mut().find(|g| g.1 == c.sort_key) {
                Some(g) => {
                    g.0 = g.0.min(c.rank);
                    g.2.calls.push((k, c.call));
                }
                None => groups.push((
                    c.rank,
                    c.sort_key,
                    WindowSort { partition: c.partition, order: c.order, calls: vec![(k, c.call)] },
                )),
            }
        }
        groups.sort_by_key(|g| g.0);
        let max_bytes = self
            .vars
            .system_var("temptable_max_ram", false)
            .ok()
            .and_then(|v| v.as_i128())
            .map(|v| v.clamp(0, u64::MAX as i128) as u64)
            .unwrap_or(1 << 30);
        Plan::Window(Box::new(WindowNode {
            input,
            width: base,
            calls: n,
            sorts: groups.into_iter().map(|g| g.2).collect(),
            max_bytes,
        }))
    }
}

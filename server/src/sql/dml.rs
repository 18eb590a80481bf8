//! INSERT, REPLACE, UPDATE and DELETE.
//!
//! Each statement reads what it needs first (target rows, source rows),
//! then writes through its transaction; a failure anywhere leaves the
//! transaction to be dropped, so nothing of the statement is applied.

use std::ops::ControlFlow;

use chrono::NaiveDateTime;
use sqlparser::ast;

use crate::catalog::row::decode_row;
use crate::catalog::{Catalog, TableDef};
use crate::db::Database;
use crate::error::{DbError, Result};
use crate::sql::constraints::table_scope;
use crate::sql::exec::{self, ExecEnv, SessionInfo};
use crate::sql::expr::{Ctx, Expr};
use crate::sql::fk::Writer;
use crate::sql::plan::{self, Access, Binder, ScanNode, Scope, VarSource};
use crate::sql::table::{self, OnDuplicate};
use crate::sql::value::Value;
use crate::sql::QueryResult;
use crate::txn::Transaction;

/// A row with its full primary key.
type KeyedRow = (Vec<u8>, Vec<Value>);

/// What a statement runs with, besides its transaction.
pub struct StmtCtx<'a> {
    pub db: &'a Database,
    pub catalog: &'a Catalog,
    pub info: &'a SessionInfo,
    pub vars: &'a dyn VarSource,
    pub params: &'a [Value],
    pub now: NaiveDateTime,
    /// The statement's SQL text (names result columns as written).
    pub source: Option<&'a str>,
    /// `WITH … UPDATE` / `WITH … DELETE`: the CTEs its subqueries see.
    pub with: Option<&'a ast::With>,
}

impl<'a> StmtCtx<'a> {
    pub fn env<'t>(&'t self, txn: &'t Transaction) -> ExecEnv<'t> {
        ExecEnv {
            txn,
            params: self.params,
            session: self.info,
            now: self.now,
            rows_read: std::cell::Cell::new(0),
            lock: None,
        }
    }

    /// The same context with the CTEs of a `WITH` clause in scope.
    pub fn with_clause<'w>(&'w self, with: Option<&'w ast::With>) -> StmtCtx<'w> {
        StmtCtx {
            db: self.db,
            catalog: self.catalog,
            info: self.info,
            vars: self.vars,
            params: self.params,
            now: self.now,
            source: self.source,
            with,
        }
    }

    pub fn binder(&self) -> Binder<'a> {
        let b = Binder::new(self.catalog, self.vars).with_source(self.source);
        match self.with {
            Some(w) => b.with_ctes(w),
            None => b,
        }
    }
}

/// 3105 ER_NON_DEFAULT_VALUE_FOR_GENERATED_COLUMN.
fn generated_value(t: &TableDef, col: usize) -> DbError {
    DbError::new(
        3105,
        "HY000",
        format!(
            "The value specified for generated column '{}' in table '{}' is not allowed.",
            t.columns[col].name, t.name
        ),
    )
}

fn is_default_keyword(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"))
}

/// 1288 when the target of `WITH … UPDATE/DELETE` names one of its CTEs.
fn check_not_cte(ctx: &StmtCtx, name: &ast::ObjectName, verb: &str) -> Result<()> {
    if let (Some(w), [n]) = (ctx.with, plan::object_name_parts(name).as_slice()) {
        if w.cte_tables.iter().any(|c| c.alias.name.value == *n) {
            return Err(DbError::new(1288, "HY000", format!("The target table {n} of the {verb} is not updatable")));
        }
    }
    Ok(())
}

fn resolve_table<'c>(ctx: &'c StmtCtx, name: &ast::ObjectName) -> Result<&'c std::sync::Arc<TableDef>> {
    let (db, t) = plan::split_table_name(name, ctx.info.database.as_deref())?;
    ctx.catalog.require_table(&db, &t)
}

/// Rewrite `VALUES(col)` in ON DUPLICATE KEY UPDATE to a reference to the
/// row that failed to insert.
fn rewrite_values_fn(e: &ast::Expr) -> ast::Expr {
    let mut e = e.clone();
    let _ = ast::visit_expressions_mut(&mut e, |x| {
        if let ast::Expr::Function(f) = x {
            let name = plan::object_name_parts(&f.name).last().cloned().unwrap_or_default();
            if name.eq_ignore_ascii_case("values") {
                if let ast::FunctionArguments::List(l) = &f.args {
                    if let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::Identifier(id)))] =
                        l.args.as_slice()
                    {
                        *x = ast::Expr::CompoundIdentifier(vec![ast::Ident::new("__new"), id.clone()]);
                    }
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
    e
}

fn assignment_column(t: &TableDef, a: &ast::Assignment) -> Result<usize> {
    let name = match &a.target {
        ast::AssignmentTarget::ColumnName(n) => plan::object_name_parts(n).last().cloned().unwrap_or_default(),
        ast::AssignmentTarget::Tuple(_) => return Err(DbError::unsupported("tuple assignment")),
    };
    t.column_index(&name).ok_or_else(|| DbError::unknown_column(&name, "field list"))
}

pub fn insert(ctx: &StmtCtx, txn: &mut Transaction, ins: &ast::Insert) -> Result<QueryResult> {
    let name = match &ins.table {
        ast::TableObject::TableName(n) => n,
        _ => return Err(DbError::unsupported("INSERT INTO TABLE FUNCTION")),
    };
    let table = resolve_table(ctx, name)?.clone();
    let mode = if ins.replace_into {
        OnDuplicate::Replace
    } else if ins.ignore {
        OnDuplicate::Ignore
    } else {
        OnDuplicate::Error
    };
    // Target columns.
    let mut targets: Vec<usize> = Vec::new();
    for c in &ins.columns {
        let n = plan::object_name_parts(c).last().cloned().unwrap_or_default();
        let i = table.column_index(&n).ok_or_else(|| DbError::unknown_column(&n, "field list"))?;
        if targets.contains(&i) {
            return Err(DbError::new(1110, "42000", format!("Column '{n}' specified twice")));
        }
        targets.push(i);
    }
    // Source rows: Some(expr) per target, None for DEFAULT.
    let mut binder = ctx.binder();
    let empty = Scope::default();
    let mut source_rows: Vec<Vec<Option<Value>>> = Vec::new();
    {
        let env = ctx.env(txn);
        let ectx = Ctx { env: &env, outer: vec![] };
        if !ins.assignments.is_empty() {
            targets.clear();
            let mut row = Vec::new();
            for a in &ins.assignments {
                targets.push(assignment_column(&table, a)?);
                row.push(if is_default_keyword(&a.value) {
                    None
                } else {
                    Some(binder.bind_expr(&a.value, &empty, &mut None, "field list")?.eval(&[], &ectx)?)
                });
            }
            source_rows.push(row);
        } else if let Some(src) = &ins.source {
            if targets.is_empty() {
                targets = (0..table.columns.len()).collect();
            }
            match src.body.as_ref() {
                ast::SetExpr::Values(values) if src.order_by.is_none() && src.limit_clause.is_none() => {
                    for (ri, r) in values.rows.iter().enumerate() {
                        if r.len() != targets.len() && !(r.is_empty() && ins.columns.is_empty()) {
                            return Err(DbError::value_count(ri + 1));
                        }
                        let mut row = Vec::with_capacity(r.len());
                        for e in r.iter() {
                            if is_default_keyword(e) {
                                row.push(None);
                            } else {
                                let b = binder.bind_expr(e, &empty, &mut None, "field list")?;
                                row.push(Some(b.eval(&[], &ectx)?));
                            }
                        }
                        if r.is_empty() {
                            row = vec![None; targets.len()];
                        }
                        source_rows.push(row);
                    }
                }
                _ => {
                    let bq = binder.bind_query(src)?;
                    if bq.columns.len() != targets.len() {
                        return Err(DbError::value_count(1));
                    }
                    for r in exec::run_plan(&bq.plan, &ectx, None)? {
                        source_rows.push(r.into_iter().map(Some).collect());
                    }
                }
            }
        } else {
            return Err(DbError::parse("INSERT without values"));
        }
    }
    // ON DUPLICATE KEY UPDATE assignments, bound over (existing row, new row).
    let odku: Vec<(usize, Expr)> = match &ins.on {
        Some(ast::OnInsert::DuplicateKeyUpdate(assigns)) => {
            let mut scope = table_scope(&table, &table.name);
            scope.cols.extend(table_scope(&table, "__new").cols);
            assigns
                .iter()
                .map(|a| {
                    Ok((
                        assignment_column(&table, a)?,
                        binder.bind_expr(&rewrite_values_fn(&a.value), &scope, &mut None, "field list")?,
                    ))
                })
                .collect::<Result<_>>()?
        }
        Some(_) => return Err(DbError::unsupported("ON CONFLICT")),
        None => vec![],
    };

    // A generated column takes only DEFAULT (3105). Outside strict mode a
    // value is ignored instead, as MariaDB does — mariadb-dump writes the
    // values of generated columns and loads them with sql_mode=''.
    let strict = ctx
        .vars
        .system_var("sql_mode", false)
        .ok()
        .and_then(|v| v.to_text())
        .is_some_and(|m| m.to_ascii_uppercase().contains("STRICT_"));
    for (k, &col) in targets.iter().enumerate() {
        if table.columns[col].generated.is_some() && source_rows.iter().any(|r| r.get(k).is_some_and(Option::is_some)) {
            if strict {
                return Err(generated_value(&table, col));
            }
            for r in source_rows.iter_mut() {
                if let Some(v) = r.get_mut(k) {
                    *v = None;
                }
            }
        }
    }
    let writer = Writer::new(ctx);
    let counters = ctx.db.counters.get(table.id);
    let auto_col = table.auto_increment_column();
    let now = Value::DateTime(ctx.now);
    let mut affected = 0u64;
    let mut first_auto: Option<u64> = None;
    for (ri, src) in source_rows.into_iter().enumerate() {
        let rownum = ri + 1;
        let mut row: Vec<Option<Value>> = vec![None; table.columns.len()];
        for (k, v) in targets.iter().zip(src) {
            row[*k] = v;
        }
        // Values and checks first; AUTO_INCREMENT values are taken only for
        // rows that pass them (a failed row does not use up an id).
        let ignore = mode == OnDuplicate::Ignore;
        let mut full = Vec::with_capacity(row.len());
        for (i, (c, v)) in table.columns.iter().zip(row).enumerate() {
            if c.generated.is_some() {
                // Computed below, once every other column has its value.
                full.push(Value::Null);
                continue;
            }
            let v = match v {
                Some(v) => v,
                None => match c.default_value(&now) {
                    Ok(v) => v,
                    Err(_) if ignore => table::implicit_default(&c.ty),
                    Err(e) => return Err(e),
                },
            };
            let v = match table::coerce_column(v.clone(), c, rownum) {
                Ok(v) => v,
                Err(_) if ignore => table::coerce_lenient(v, &c.ty),
                Err(e) => return Err(e),
            };
            let v = if v.is_null() && !c.nullable && Some(i) != auto_col {
                if !ignore {
                    return Err(DbError::null_column(&c.name));
                }
                table::coerce_lenient(table::implicit_default(&c.ty), &c.ty)
            } else {
                v
            };
            full.push(v);
        }
        if let Some(i) = auto_col {
            let c = &table.columns[i];
            let n = full[i].as_i128().unwrap_or(0);
            if full[i].is_null() || n == 0 {
                let gen = table::next_auto_value(txn, &table, i, &counters)?;
                first_auto.get_or_insert(gen);
                full[i] = table::coerce(Value::UInt(gen), &c.name, &c.ty, rownum)?;
            } else if n > 0 {
                table::observe_auto_value(txn, &table, i, n as u64, &counters)?;
            }
        }
        match writer.finish_row(txn, &table, &mut full, rownum) {
            Ok(()) => {}
            // INSERT IGNORE skips a row that fails a CHECK constraint.
            Err(e) if ignore && e.code == 3819 => continue,
            Err(e) => return Err(e),
        }
        if odku.is_empty() {
            let mark = txn.mark();
            affected += match writer.insert(txn, &table, &full, mode, &counters) {
                // INSERT IGNORE skips a row without its parent too.
                Err(e) if ignore && e.code == 1452 => {
                    txn.rollback_to(mark);
                    0
                }
                r => r?,
            };
            continue;
        }
        for (i, c) in table.columns.iter().enumerate() {
            if !c.nullable && full[i].is_null() {
                return Err(DbError::null_column(&c.name));
            }
        }
        match table::find_conflict(txn, &table, &full, None)? {
            None => {
                let key = table::new_row_key(txn, &table, &full, &counters)?;
                table::write_row(txn, &table, &key, &full)?;
                writer.check_parents(txn, &table, &full, None)?;
                affected += 1;
            }
            Some((_, existing_key)) => {
                let Some(old) = txn.lock_latest(&existing_key, crate::txn::locks::LockMode::Exclusive)? else {
                    continue;
                };
                let old_row = table::session_form(&table, decode_row(&old)?, txn.time_zone());
                let mut work = old_row.clone();
                {
                    let env = ctx.env(txn);
                    let ectx = Ctx { env: &env, outer: vec![] };
                    for (col, e) in &odku {
                        if table.columns[*col].generated.is_some() {
                            return Err(generated_value(&table, *col));
                        }
                        let mut both = work.clone();
                        both.extend(full.iter().cloned());
                        let v = e.eval(&both, &ectx)?;
                        work[*col] = table::coerce_column(v, &table.columns[*col], rownum)?;
                    }
                }
                if work != old_row {
                    writer.finish_row(txn, &table, &mut work, rownum)?;
                    writer.update(txn, &table, &existing_key, &old_row, &work, 0, &[table.id])?;
                    affected += 2;
                }
            }
        }
    }
    Ok(QueryResult::Ok { affected, last_insert_id: first_auto.unwrap_or(0), info: String::new() })
}

/// Rows of `table` matching `selection`, with their primary keys, in the
/// order of `order_by`, at most `limit`.
fn target_rows(
    ctx: &StmtCtx,
    txn: &Transaction,
    table: &std::sync::Arc<TableDef>,
    qualifier: &str,
    selection: Option<&ast::Expr>,
    order_by: &[ast::OrderByExpr],
    limit: Option<&ast::Expr>,
) -> Result<(Vec<KeyedRow>, Scope)> {
    let scope = table_scope(table, qualifier);
    let mut binder = ctx.binder();
    let filter = selection.map(|w| binder.bind_expr(w, &scope, &mut None, "where clause")).transpose()?;
    let mut node = ScanNode { table: table.clone(), access: Access::Full, filter, reverse: false };
    plan::choose_access(&mut node);
    let keys: Vec<(Expr, bool)> = order_by
        .iter()
        .map(|o| {
            Ok((
                binder.bind_expr(&o.expr, &scope, &mut None, "order clause")?,
                !matches!(o.options.sort, Some(ast::OrderBySort::Desc)),
            ))
        })
        .collect::<Result<_>>()?;
    let limit_e = limit.map(|l| binder.bind_expr(l, &Scope::default(), &mut None, "LIMIT")).transpose()?;
    // The rows to change are locked and read at their latest version.
    let mut env = ctx.env(txn);
    env.lock = Some(crate::txn::locks::LockMode::Exclusive);
    let ectx = Ctx { env: &env, outer: vec![] };
    let lim = match &limit_e {
        Some(e) => match e.eval(&[], &ectx)? {
            Value::Int(i) if i >= 0 => Some(i as usize),
            Value::UInt(u) => Some(u as usize),
            _ => return Err(DbError::wrong_arguments("LIMIT")),
        },
        None => None,
    };
    let mut rows = exec::scan(&node, &ectx, if keys.is_empty() { lim } else { None })?;
    if !keys.is_empty() {
        let mut dec: Vec<(Vec<Value>, KeyedRow)> = Vec::with_capacity(rows.len());
        for r in rows {
            let k = keys.iter().map(|(e, _)| e.eval(&r.1, &ectx)).collect::<Result<Vec<_>>>()?;
            dec.push((k, r));
        }
        dec.sort_by(|a, b| exec::compare_sort_keys(&a.0, &b.0, &keys));
        rows = dec.into_iter().map(|(_, r)| r).collect();
        if let Some(l) = lim {
            rows.truncate(l);
        }
    }
    Ok((rows, scope))
}

fn single_table(twj: &ast::TableWithJoins) -> Result<(&ast::ObjectName, Option<String>)> {
    if !twj.joins.is_empty() {
        return Err(DbError::unsupported("multi-table UPDATE/DELETE"));
    }
    match &twj.relation {
        ast::TableFactor::Table { name, alias, .. } => Ok((name, alias.as_ref().map(|a| a.name.value.clone()))),
        _ => Err(DbError::unsupported("UPDATE/DELETE of a derived table")),
    }
}

pub fn update(ctx: &StmtCtx, txn: &mut Transaction, up: &ast::Update) -> Result<QueryResult> {
    if up.from.is_some() {
        return Err(DbError::unsupported("UPDATE ... FROM"));
    }
    let (name, alias) = single_table(&up.table)?;
    check_not_cte(ctx, name, "UPDATE")?;
    let table = resolve_table(ctx, name)?.clone();
    let qualifier = alias.unwrap_or_else(|| table.name.clone());
    let (rows, scope) =
        target_rows(ctx, txn, &table, &qualifier, up.selection.as_ref(), &up.order_by, up.limit.as_ref())?;
    let mut binder = ctx.binder();
    let mut assigns: Vec<(usize, Expr)> = Vec::new();
    for a in &up.assignments {
        let col = assignment_column(&table, a)?;
        if table.columns[col].generated.is_some() {
            // `SET g = DEFAULT` leaves it to be computed; anything else is 3105.
            if is_default_keyword(&a.value) {
                continue;
            }
            return Err(generated_value(&table, col));
        }
        assigns.push((col, binder.bind_expr(&a.value, &scope, &mut None, "field list")?));
    }
    let writer = Writer::new(ctx);
    let matched = rows.len() as u64;
    let mut changed = 0u64;
    let now = Value::DateTime(ctx.now);
    for (ri, (key, old)) in rows.into_iter().enumerate() {
        let mut work = old.clone();
        {
            let env = ctx.env(txn);
            let ectx = Ctx { env: &env, outer: vec![] };
            for (col, e) in &assigns {
                let v = if let Expr::Lit(v) = e { v.clone() } else { e.eval(&work, &ectx)? };
                let c = &table.columns[*col];
                work[*col] = table::coerce_column(v, c, ri + 1)?;
            }
        }
        if work == old {
            continue;
        }
        for (i, c) in table.columns.iter().enumerate() {
            if c.on_update_now && !assigns.iter().any(|(k, _)| *k == i) {
                work[i] = table::coerce(c.now_at_precision(&now), &c.name, &c.ty, ri + 1)?;
            }
        }
        writer.finish_row(txn, &table, &mut work, ri + 1)?;
        writer.update(txn, &table, &key, &old, &work, 0, &[table.id])?;
        changed += 1;
    }
    Ok(QueryResult::Ok {
        affected: changed,
        last_insert_id: 0,
        info: format!("Rows matched: {matched}  Changed: {changed}  Warnings: 0"),
    })
}

pub fn delete(ctx: &StmtCtx, txn: &mut Transaction, del: &ast::Delete) -> Result<QueryResult> {
    let from = match &del.from {
        ast::FromTable::WithFromKeyword(v) | ast::FromTable::WithoutKeyword(v) => v,
    };
    if from.len() != 1 || !del.tables.is_empty() || del.using.is_some() {
        return Err(DbError::unsupported("multi-table DELETE"));
    }
    let (name, alias) = single_table(&from[0])?;
    check_not_cte(ctx, name, "DELETE")?;
    let table = resolve_table(ctx, name)?.clone();
    let qualifier = alias.unwrap_or_else(|| table.name.clone());
    let (rows, _) =
        target_rows(ctx, txn, &table, &qualifier, del.selection.as_ref(), &del.order_by, del.limit.as_ref())?;
    let writer = Writer::new(ctx);
    let mut n = 0u64;
    for (key, row) in rows {
        // A cascade from an earlier row of a self-referencing table may
        // have deleted this one already.
        if txn.lock_latest(&key, crate::txn::locks::LockMode::Exclusive)?.is_none() {
            continue;
        }
        writer.delete(txn, &table, &key, &row, 0)?;
        n += 1;
    }
    Ok(QueryResult::ok(n))
}

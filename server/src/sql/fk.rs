//! Writing rows with a table's constraints: FOREIGN KEY checks and
//! referential actions, CHECK constraints and generated columns.
//!
//! [`Writer`] is what INSERT, UPDATE and DELETE write through (one per
//! statement). It works as InnoDB does, row by row:
//!
//! - **Child rows** (insert, or an update that changes a foreign key's
//!   columns, all non-NULL): the parent row must exist. It is found through
//!   the parent's primary key or a unique index on the referenced columns
//!   (any index that starts with them otherwise) and locked shared, so a
//!   concurrent delete of the parent waits for this transaction; its
//!   latest committed version decides. Missing: 1452.
//! - **Parent rows** (delete, or an update of referenced columns): the
//!   referencing rows are found through the child's foreign-key index at
//!   the latest committed state (the parent row is locked exclusively by
//!   then, so no new child can slip in) and locked. RESTRICT / NO ACTION
//!   (the default): any child is 1451, checked before the row changes;
//!   CASCADE deletes or updates the children, SET NULL sets their columns
//!   to NULL — recursively, at most 15 levels deep (3008). An ON UPDATE
//!   action that would change a table an update higher in the same
//!   cascade changed acts as RESTRICT, as in InnoDB (so a self-referencing
//!   ON UPDATE CASCADE only works for rows without children).
//! - `SET foreign_key_checks = 0` turns all of it off (no checks, no
//!   actions), as mariadb-dump relies on.
//!
//! A failure anywhere fails the statement, and statement undo in the
//! transaction removes everything it wrote, cascades included.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use guocedb_engines::{Direction, KeyRange};

use crate::catalog::keys::{encode_key_value, index_prefix};
use crate::catalog::row::decode_row;
use crate::catalog::{Catalog, ForeignKeyDef, TableDef};
use crate::error::{DbError, Result};
use crate::sql::constraints::RowRules;
use crate::sql::dml::StmtCtx;
use crate::sql::exec::ExecEnv;
use crate::sql::show::fk_definition;
use crate::sql::table::{self, OnDuplicate, TableCounters};
use crate::sql::value::Value;
use crate::txn::locks::LockMode;
use crate::txn::Transaction;

/// InnoDB's limit on nested cascades (`FK_MAX_CASCADE_DEL`).
pub const MAX_CASCADE_DEPTH: usize = 15;

/// Children a cascade reads and handles at a time.
const CASCADE_BATCH: usize = 1024;

/// A referential action, as stored (`None`: RESTRICT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Restrict,
    Cascade,
    SetNull,
}

fn action(a: &Option<String>) -> Action {
    match a.as_deref() {
        Some("CASCADE") => Action::Cascade,
        Some("SET NULL") => Action::SetNull,
        _ => Action::Restrict,
    }
}

/// 1452 ER_NO_REFERENCED_ROW_2.
pub fn no_parent(child: &TableDef, fk: &ForeignKeyDef) -> DbError {
    DbError::new(
        1452,
        "23000",
        format!(
            "Cannot add or update a child row: a foreign key constraint fails (`{}`.`{}`, {})",
            child.db,
            child.name,
            fk_definition(fk)
        ),
    )
}

/// 1451 ER_ROW_IS_REFERENCED_2.
fn referenced(child: &TableDef, fk: &ForeignKeyDef) -> DbError {
    DbError::new(
        1451,
        "23000",
        format!(
            "Cannot delete or update a parent row: a foreign key constraint fails (`{}`.`{}`, {})",
            child.db,
            child.name,
            fk_definition(fk)
        ),
    )
}

/// 3008 ER_FK_DEPTH_EXCEEDED.
fn too_deep() -> DbError {
    DbError::new(3008, "HY000", format!("Foreign key cascade delete/update exceeds max depth of {MAX_CASCADE_DEPTH}."))
}

/// Positions of `names` in `t` (`None` if one is missing).
pub fn positions(t: &TableDef, names: &[String]) -> Option<Vec<usize>> {
    names.iter().map(|n| t.column_index(n)).collect()
}

/// The memcomparable encoding of `vals` as the columns `pos` of `t` key them.
/// The stored key form of `vals` (the session's values of columns `pos`
/// of `t`): a TIMESTAMP moves from the session's zone `tz` to UTC, as
/// `table` stores it.
fn encode(t: &TableDef, pos: &[usize], vals: &[Value], tz: i32) -> Vec<u8> {
    let mut out = Vec::new();
    for (&p, v) in pos.iter().zip(vals) {
        let ty = &t.columns[p].ty;
        match v {
            Value::DateTime(dt) if ty.kind == crate::sql::types::TypeKind::Timestamp && tz != 0 => {
                encode_key_value(&Value::DateTime(crate::sql::timezone::to_utc(*dt, tz)), ty, &mut out)
            }
            _ => encode_key_value(v, ty, &mut out),
        }
    }
    out
}

fn values_at(row: &[Value], pos: &[usize]) -> Vec<Value> {
    pos.iter().map(|&p| row.get(p).cloned().unwrap_or(Value::Null)).collect()
}

/// The referenced table of `fk` (declared on `child`), if it exists.
pub fn parent_table<'c>(catalog: &'c Catalog, child: &TableDef, fk: &ForeignKeyDef) -> Option<&'c Arc<TableDef>> {
    catalog.table(fk.ref_db.as_deref().unwrap_or(&child.db), &fk.ref_table)
}

/// Whether `fk` of `child` references `parent`.
fn references(child: &TableDef, fk: &ForeignKeyDef, parent: &TableDef) -> bool {
    fk.ref_db.as_deref().unwrap_or(&child.db) == parent.db && fk.ref_table == parent.name
}

/// Rows of `t` whose columns `pos` equal `vals` (encoded as `t` keys them),
/// at the latest committed state plus this transaction's writes, each
/// locked in `mode` — at most `limit`. Found through an index starting
/// with those columns when there is one.
fn rows_matching(
    txn: &Transaction,
    t: &TableDef,
    pos: &[usize],
    vals: &[Value],
    mode: LockMode,
    limit: usize,
) -> Result<Vec<(Vec<u8>, Vec<Value>)>> {
    let enc = encode(t, pos, vals, txn.time_zone());
    let primary = table::primary_prefix(t);
    let n = pos.len();
    let index = t.indexes.iter().find(|i| i.columns.len() >= n && i.columns[..n] == *pos);
    // Exactly the primary key: one point read.
    if index.is_some_and(|i| i.primary && i.columns.len() == n) {
        let mut key = primary.clone();
        key.extend_from_slice(&enc);
        return Ok(match txn.lock_latest(&key, mode)? {
            Some(b) => vec![(key, table::session_form(t, decode_row(&b)?, txn.time_zone()))],
            None => vec![],
        });
    }
    let (prefix, via_index) = match index {
        Some(idx) if idx.primary => {
            let mut p = primary.clone();
            p.extend_from_slice(&enc);
            (p, false)
        }
        Some(idx) => {
            let mut p = index_prefix(t.id, idx.id);
            p.extend_from_slice(&enc);
            (p, true)
        }
        None => (primary.clone(), false),
    };
    let mut out = Vec::new();
    for item in txn.scan_latest(KeyRange::prefix(&prefix), Direction::Forward)? {
        let (k, v) = item?;
        let key = if via_index {
            let mut key = primary.clone();
            key.extend_from_slice(&v);
            key
        } else {
            k
        };
        if let Some(b) = txn.lock_latest(&key, mode)? {
            // Rows go on to `table` functions, which take the session form.
            let row = table::session_form(t, decode_row(&b)?, txn.time_zone());
            if encode(t, pos, &values_at(&row, pos), txn.time_zone()) == enc {
                out.push((key, row));
                if out.len() >= limit {
                    break;
                }
            }
        }
    }
    Ok(out)
}

/// Whether the parent row `fk` of `child` needs for `row` exists (locking
/// it shared). True when a referencing column is NULL.
pub fn parent_exists(
    catalog: &Catalog,
    txn: &Transaction,
    child: &TableDef,
    fk: &ForeignKeyDef,
    row: &[Value],
) -> Result<bool> {
    let cpos = positions(child, &fk.columns).ok_or_else(|| DbError::internal("foreign key column missing"))?;
    let vals = values_at(row, &cpos);
    if vals.iter().any(Value::is_null) {
        return Ok(true);
    }
    let Some(parent) = parent_table(catalog, child, fk) else {
        return Ok(false);
    };
    let Some(ppos) = positions(parent, &fk.ref_columns) else {
        return Ok(false);
    };
    // A unique secondary index on exactly the referenced columns: lock its
    // entry, then the row it points to.
    if parent.primary_key().is_none_or(|pk| pk.columns != ppos) {
        if let Some(idx) = parent.secondary_indexes().find(|i| i.unique && i.columns == ppos) {
            let mut key = index_prefix(parent.id, idx.id);
            key.extend_from_slice(&encode(parent, &ppos, &vals, txn.time_zone()));
            let Some(suffix) = txn.lock_latest(&key, LockMode::Shared)? else {
                return Ok(false);
            };
            let mut pk = table::primary_prefix(parent);
            pk.extend_from_slice(&suffix);
            return Ok(txn.lock_latest(&pk, LockMode::Shared)?.is_some());
        }
    }
    Ok(!rows_matching(txn, parent, &ppos, &vals, LockMode::Shared, 1)?.is_empty())
}

/// The foreign keys referencing one table: (child table, index in its
/// `foreign_keys`).
type Referencing = Vec<(Arc<TableDef>, usize)>;

/// Writes rows of one statement with their tables' constraints.
pub struct Writer<'a> {
    pub ctx: &'a StmtCtx<'a>,
    /// `foreign_key_checks`.
    pub checks: bool,
    rules: RefCell<HashMap<u64, Rc<RowRules>>>,
    children: RefCell<HashMap<u64, Rc<Referencing>>>,
}

impl<'a> Writer<'a> {
    pub fn new(ctx: &'a StmtCtx<'a>) -> Self {
        let checks = ctx.vars.system_var("foreign_key_checks", false).ok().and_then(|v| v.truth()).unwrap_or(true);
        Writer { ctx, checks, rules: RefCell::new(HashMap::new()), children: RefCell::new(HashMap::new()) }
    }

    /// The generated columns and CHECK constraints of `t`, bound once.
    pub fn rules(&self, t: &TableDef) -> Result<Rc<RowRules>> {
        if let Some(r) = self.rules.borrow().get(&t.id) {
            return Ok(r.clone());
        }
        let r = Rc::new(RowRules::new(t, self.ctx.catalog, self.ctx.vars)?);
        self.rules.borrow_mut().insert(t.id, r.clone());
        Ok(r)
    }

    /// Compute `row`'s generated columns and check its CHECK constraints.
    pub fn finish_row(&self, txn: &Transaction, t: &TableDef, row: &mut [Value], rownum: usize) -> Result<()> {
        let rules = self.rules(t)?;
        if rules.is_empty() {
            return Ok(());
        }
        let env: ExecEnv = self.ctx.env(txn);
        rules.apply(t, &env, row, rownum)
    }

    /// The foreign keys (table, index in its `foreign_keys`) referencing `t`.
    fn children(&self, t: &TableDef) -> Rc<Referencing> {
        if let Some(c) = self.children.borrow().get(&t.id) {
            return c.clone();
        }
        let mut v = Vec::new();
        for c in self.ctx.catalog.tables.values() {
            for (i, fk) in c.foreign_keys.iter().enumerate() {
                if references(c, fk, t) {
                    v.push((c.clone(), i));
                }
            }
        }
        let v = Rc::new(v);
        self.children.borrow_mut().insert(t.id, v.clone());
        v
    }

    /// Check every foreign key of `t` for a new row (1452).
    pub fn check_parents(&self, txn: &Transaction, t: &TableDef, row: &[Value], old: Option<&[Value]>) -> Result<()> {
        if !self.checks {
            return Ok(());
        }
        for fk in &t.foreign_keys {
            if let Some(old) = old {
                let pos = positions(t, &fk.columns).ok_or_else(|| DbError::internal("foreign key column missing"))?;
                if encode(t, &pos, &values_at(old, &pos), 0) == encode(t, &pos, &values_at(row, &pos), 0) {
                    continue;
                }
            }
            if !parent_exists(self.ctx.catalog, txn, t, fk, row)? {
                return Err(no_parent(t, fk));
            }
        }
        Ok(())
    }

    /// Insert a complete row (generated columns and checks already done),
    /// as [`table::insert_row`] does, with REPLACE's deletes going through
    /// [`Writer::delete`] and the row's parents checked.
    pub fn insert(
        &self,
        txn: &mut Transaction,
        t: &TableDef,
        row: &[Value],
        mode: OnDuplicate,
        counters: &parking_lot::Mutex<TableCounters>,
    ) -> Result<u64> {
        if !self.checks || (t.foreign_keys.is_empty() && self.children(t).is_empty()) {
            return table::insert_row(txn, t, row, mode, counters);
        }
        for (i, c) in t.columns.iter().enumerate() {
            if !c.nullable && row[i].is_null() {
                return Err(DbError::null_column(&c.name));
            }
        }
        let mut affected = 1;
        while let Some((idx, existing)) = table::find_conflict(txn, t, row, None)? {
            match mode {
                OnDuplicate::Error => return Err(table::conflict_error(t, &idx, row)),
                OnDuplicate::Ignore => return Ok(0),
                OnDuplicate::Replace => {
                    let Some(old) = txn.lock_latest(&existing, LockMode::Exclusive)? else {
                        break;
                    };
                    let old_row = table::session_form(t, decode_row(&old)?, txn.time_zone());
                    self.delete(txn, t, &existing, &old_row, 0)?;
                    affected += 1;
                }
            }
        }
        let key = table::new_row_key(txn, t, row, counters)?;
        table::write_row(txn, t, &key, row)?;
        self.check_parents(txn, t, row, None)?;
        Ok(affected)
    }

    /// Delete a row, applying the ON DELETE actions of the foreign keys
    /// that reference its table. `depth`: how deep in a cascade.
    pub fn delete(&self, txn: &mut Transaction, t: &TableDef, key: &[u8], row: &[Value], depth: usize) -> Result<()> {
        if depth >= MAX_CASCADE_DEPTH {
            return Err(too_deep());
        }
        if !self.checks {
            return table::delete_row(txn, t, key, row);
        }
        let children = self.children(t);
        let mut actions = Vec::new();
        for (c, i) in children.iter() {
            let fk = &c.foreign_keys[*i];
            let (Some(ppos), Some(cpos)) = (positions(t, &fk.ref_columns), positions(c, &fk.columns)) else {
                continue;
            };
            let vals = values_at(row, &ppos);
            if vals.iter().any(Value::is_null) {
                continue;
            }
            match action(&fk.on_delete) {
                Action::Restrict => {
                    if !rows_matching(txn, c, &cpos, &vals, LockMode::Shared, 1)?.is_empty() {
                        return Err(referenced(c, fk));
                    }
                }
                a => actions.push((c.clone(), cpos, vals, a)),
            }
        }
        table::delete_row(txn, t, key, row)?;
        for (c, cpos, vals, a) in actions {
            // In batches, so a parent with many children never holds them
            // all in memory; a handled child no longer matches.
            loop {
                let batch = rows_matching(txn, &c, &cpos, &vals, LockMode::Exclusive, CASCADE_BATCH)?;
                let more = batch.len() == CASCADE_BATCH;
                self.delete_children(txn, &c, &cpos, a, batch, depth)?;
                if !more {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Apply an ON DELETE action to children `rows` of table `c`.
    fn delete_children(
        &self,
        txn: &mut Transaction,
        c: &TableDef,
        cpos: &[usize],
        a: Action,
        rows: Vec<(Vec<u8>, Vec<Value>)>,
        depth: usize,
    ) -> Result<()> {
        for (ck, crow) in rows {
            if a == Action::Cascade {
                self.delete(txn, c, &ck, &crow, depth + 1)?;
            } else {
                let mut new = crow.clone();
                for &p in cpos {
                    new[p] = Value::Null;
                }
                for &p in cpos {
                    if !c.columns[p].nullable {
                        return Err(DbError::null_column(&c.columns[p].name));
                    }
                }
                self.finish_row(txn, c, &mut new, 1)?;
                self.update(txn, c, &ck, &crow, &new, depth + 1, &[c.id])?;
            }
        }
        Ok(())
    }

    /// Replace `old` at `key` with `new` (generated columns and checks
    /// already done), applying the ON UPDATE actions of the foreign keys
    /// referencing changed columns and checking the row's own. `updated`:
    /// the tables updates higher in this cascade changed (the statement's
    /// own table first). Returns the new primary key.
    #[allow(clippy::too_many_arguments)]
    pub fn update(
        &self,
        txn: &mut Transaction,
        t: &TableDef,
        key: &[u8],
        old: &[Value],
        new: &[Value],
        depth: usize,
        updated: &[u64],
    ) -> Result<Vec<u8>> {
        if depth >= MAX_CASCADE_DEPTH {
            return Err(too_deep());
        }
        if !self.checks {
            return table::update_row(txn, t, key, old, new);
        }
        let children = self.children(t);
        let mut actions = Vec::new();
        for (c, i) in children.iter() {
            let fk = &c.foreign_keys[*i];
            let (Some(ppos), Some(cpos)) = (positions(t, &fk.ref_columns), positions(c, &fk.columns)) else {
                continue;
            };
            let old_vals = values_at(old, &ppos);
            let new_vals = values_at(new, &ppos);
            if old_vals.iter().any(Value::is_null) || encode(t, &ppos, &old_vals, 0) == encode(t, &ppos, &new_vals, 0) {
                continue;
            }
            match action(&fk.on_update) {
                Action::Restrict => {
                    if !rows_matching(txn, c, &cpos, &old_vals, LockMode::Shared, 1)?.is_empty() {
                        return Err(referenced(c, fk));
                    }
                }
                a => {
                    // References are checked before the row changes, as
                    // InnoDB does.
                    if updated.contains(&c.id)
                        && !rows_matching(txn, c, &cpos, &old_vals, LockMode::Exclusive, 1)?.is_empty()
                    {
                        return Err(referenced(c, fk));
                    }
                    actions.push((c.clone(), cpos, old_vals, new_vals, a));
                }
            }
        }
        let new_key = table::update_row(txn, t, key, old, new)?;
        for (c, cpos, old_vals, new_vals, a) in actions {
            let mut chain = updated.to_vec();
            chain.push(c.id);
            // In batches (see `delete`); an updated child no longer matches.
            loop {
                let rows = rows_matching(txn, &c, &cpos, &old_vals, LockMode::Exclusive, CASCADE_BATCH)?;
                let more = rows.len() == CASCADE_BATCH;
                self.update_children(txn, &c, &cpos, &new_vals, a, rows, depth, &chain)?;
                if !more {
                    break;
                }
            }
        }
        self.check_parents(txn, t, new, Some(old))?;
        Ok(new_key)
    }

    /// Apply an ON UPDATE (or ON DELETE SET NULL) action to children `rows`.
    #[allow(clippy::too_many_arguments)]
    fn update_children(
        &self,
        txn: &mut Transaction,
        c: &TableDef,
        cpos: &[usize],
        new_vals: &[Value],
        a: Action,
        rows: Vec<(Vec<u8>, Vec<Value>)>,
        depth: usize,
        chain: &[u64],
    ) -> Result<()> {
        for (ck, crow) in rows {
            let mut cnew = crow.clone();
            for (k, &p) in cpos.iter().enumerate() {
                let col = &c.columns[p];
                cnew[p] = match a {
                    Action::Cascade => table::coerce_column(new_vals[k].clone(), col, 1)?,
                    _ if !col.nullable => return Err(DbError::null_column(&col.name)),
                    _ => Value::Null,
                };
            }
            self.finish_row(txn, c, &mut cnew, 1)?;
            self.update(txn, c, &ck, &crow, &cnew, depth + 1, chain)?;
        }
        Ok(())
    }
}

//! LOAD DATA LOCAL INFILE in a session: checking the statement before the
//! client sends its file, then turning the file's rows into INSERT (or
//! INSERT IGNORE / REPLACE) statements run in one transaction, so the load
//! is atomic like any other statement.
//!
//! Rows without user variables or SET go in batches of one multi-row
//! statement with `?` parameters; rows that assign `@vars` or use SET run
//! one statement each (the variables are read when the statement binds).

use std::collections::HashMap;

use super::{Diagnostic, Session};
use crate::error::{DbError, Result};
use crate::sql::load::{self, Field, LoadSpec, OnDup, Target};
use crate::sql::plan::VarSource;
use crate::sql::value::Value;
use crate::sql::QueryResult;

/// Parameters per batched INSERT.
const BATCH_PARAMS: usize = 8_192;

/// Warnings kept for SHOW WARNINGS (MySQL's max_error_count default).
const MAX_KEPT_WARNINGS: usize = 1_024;

fn quote_ident(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

fn field_value(f: &Field) -> Value {
    match f {
        None => Value::Null,
        Some(b) => match std::str::from_utf8(b) {
            Ok(s) => Value::Str(s.to_string()),
            Err(_) => Value::Bytes(b.clone()),
        },
    }
}

impl Session {
    /// Check a LOAD DATA statement before any file is read: it parses,
    /// LOCAL is enabled on both sides (`client_local`: the client set
    /// CLIENT_LOCAL_FILES), and the table exists.
    pub fn prepare_load(&mut self, sql: &str, client_local: bool) -> Result<LoadSpec> {
        let spec = load::parse(sql)?;
        if !spec.local {
            return Err(DbError::new(
                1290,
                "HY000",
                "The MySQL server is running with the --secure-file-priv option so it cannot execute this statement",
            ));
        }
        let server_local = self.system_var("local_infile", true).ok().and_then(|v| v.truth()).unwrap_or(false);
        if !client_local || !server_local {
            return Err(DbError::new(
                3948,
                "42000",
                "Loading local data is disabled; this must be enabled on both the client and server sides",
            ));
        }
        let db = self.load_db(&spec)?;
        let cat = self.db.catalog();
        if cat.view(&db, &spec.table).is_some() {
            return Err(DbError::new(
                1288,
                "HY000",
                format!("The target table {} of the LOAD is not updatable", spec.table),
            ));
        }
        cat.require_table(&db, &spec.table)?;
        Ok(spec)
    }

    fn load_db(&self, spec: &LoadSpec) -> Result<String> {
        spec.db.clone().or_else(|| self.info.database.clone()).ok_or_else(DbError::no_db)
    }

    /// Load `data` (the client's file) as `spec` says. `sql` is the
    /// statement's text, for the process list.
    pub fn load_data(&mut self, sql: &str, spec: &LoadSpec, data: &[u8]) -> Result<QueryResult> {
        self.db.questions.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let process = self.info.process.clone();
        if let Some(p) = &process {
            p.begin(self.info.database.as_deref(), sql);
        }
        let r = self.load_in_transaction(spec, data);
        if let Some(p) = &process {
            p.end(self.info.database.as_deref());
        }
        match &r {
            Ok((res, warnings)) => {
                if let QueryResult::Ok { affected, .. } = res {
                    self.info.row_count = *affected as i64;
                }
                self.raised_warnings = warnings.len();
                self.warnings = warnings.clone();
                self.warnings.truncate(MAX_KEPT_WARNINGS);
            }
            Err(e) => {
                self.raised_warnings = 1;
                self.warnings = vec![("Error".into(), e.code, e.message.clone())];
            }
        }
        r.map(|(res, _)| res)
    }

    /// Run the load as one statement: in the open transaction (undone to
    /// where it started on error), or in a transaction of its own.
    fn load_in_transaction(&mut self, spec: &LoadSpec, data: &[u8]) -> Result<(QueryResult, Vec<Diagnostic>)> {
        let own = self.open.is_none();
        let autocommit = self.autocommit();
        if own {
            self.begin(false, false)?;
        }
        let mark = self.open.as_ref().map(|o| o.txn.mark());
        match self.load_rows(spec, data) {
            Ok(r) => {
                if own && autocommit {
                    self.commit()?;
                }
                Ok(r)
            }
            Err(e) => {
                if own {
                    self.open = None;
                } else if let (Some(open), Some(mark)) = (self.open.as_mut(), mark) {
                    open.txn.rollback_to(mark);
                }
                Err(e)
            }
        }
    }

    fn load_rows(&mut self, spec: &LoadSpec, data: &[u8]) -> Result<(QueryResult, Vec<Diagnostic>)> {
        let rows = load::split_rows(data, spec)?;
        let db = self.load_db(spec)?;
        let table = self.db.catalog().require_table(&db, &spec.table)?.clone();
        let targets: Vec<Target> = if spec.targets.is_empty() {
            table.columns.iter().map(|c| Target::Column(c.name.clone())).collect()
        } else {
            spec.targets.clone()
        };
        let mut columns: Vec<String> = Vec::new();
        for t in &targets {
            if let Target::Column(c) = t {
                if !table.columns.iter().any(|d| d.name.eq_ignore_ascii_case(c)) {
                    return Err(DbError::unknown_column(c, "field list"));
                }
                columns.push(quote_ident(c));
            }
        }
        for (c, _) in &spec.set {
            if !table.columns.iter().any(|d| d.name.eq_ignore_ascii_case(c)) {
                return Err(DbError::unknown_column(c, "field list"));
            }
            columns.push(quote_ident(c));
        }
        let verb = match spec.on_dup {
            OnDup::Replace => "REPLACE",
            _ if spec.ignore() => "INSERT IGNORE",
            _ => "INSERT",
        };
        let head =
            format!("{verb} INTO {}.{} ({}) VALUES ", quote_ident(&db), quote_ident(&table.name), columns.join(","));
        // Short and long rows: warnings when IGNORE applies or the mode is
        // not strict, else errors.
        let strict = !spec.ignore()
            && self.system_var("sql_mode", false).ok().and_then(|v| v.to_text()).is_some_and(|m| m.contains("STRICT_"));
        let mut warnings = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let n = i + 1;
            let (code, msg) = if r.len() < targets.len() {
                (1261, format!("Row {n} doesn't contain data for all columns"))
            } else if r.len() > targets.len() {
                (1262, format!("Row {n} was truncated; it contained more data than there were input columns"))
            } else {
                continue;
            };
            if strict {
                return Err(DbError::new(code, "01000", msg));
            }
            warnings.push(("Warning".to_string(), code, msg));
        }
        let per_row = targets.iter().any(|t| matches!(t, Target::Var(_))) || !spec.set.is_empty();
        let mut affected = 0u64;
        if per_row {
            let mut cache: HashMap<usize, sqlparser::ast::Statement> = HashMap::new();
            // A SET expression may read a column loaded from the row: it
            // reads the field through a hidden user variable instead.
            let hidden = |j: usize| format!("__guocedb_load_{j}");
            let sets: Vec<String> = spec
                .set
                .iter()
                .map(|(_, e)| {
                    let mut e = e.clone();
                    let _ = sqlparser::ast::visit_expressions_mut(&mut e, |x| {
                        let name = match x {
                            sqlparser::ast::Expr::Identifier(i) => Some(i.value.clone()),
                            sqlparser::ast::Expr::CompoundIdentifier(p) => p.last().map(|i| i.value.clone()),
                            _ => None,
                        };
                        let pos = name.and_then(|n| {
                            targets.iter().position(|t| matches!(t, Target::Column(c) if c.eq_ignore_ascii_case(&n)))
                        });
                        if let Some(j) = pos {
                            *x =
                                sqlparser::ast::Expr::Identifier(sqlparser::ast::Ident::new(format!("@{}", hidden(j))));
                        }
                        std::ops::ControlFlow::<()>::Continue(())
                    });
                    e.to_string()
                })
                .collect();
            let mut result = Ok(());
            for row in &rows {
                let mut values = Vec::new();
                let mut params = Vec::new();
                for (j, t) in targets.iter().enumerate() {
                    let v = row.get(j).map(field_value).unwrap_or(Value::Null);
                    match t {
                        Target::Var(name) => self.set_user_var(name, v)?,
                        Target::Column(_) => {
                            self.set_user_var(&hidden(j), v)?;
                            match row.get(j) {
                                Some(f) => {
                                    values.push("?");
                                    params.push(field_value(f));
                                }
                                None => values.push("DEFAULT"),
                            }
                        }
                    }
                }
                let present = row.len().min(targets.len());
                let stmt = match cache.entry(present) {
                    std::collections::hash_map::Entry::Occupied(e) => e.get().clone(),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        let list: Vec<&str> = values.iter().copied().chain(sets.iter().map(String::as_str)).collect();
                        let text = format!("{head}({})", list.join(","));
                        let stmt = crate::sql::parse(&text)?.into_iter().next().ok_or_else(|| DbError::parse(&text))?;
                        e.insert(stmt).clone()
                    }
                };
                match self.load_statement(&stmt, &params) {
                    Ok(n) => affected += n,
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
            for j in 0..targets.len() {
                self.user_vars.remove(&hidden(j));
            }
            result?;
        } else {
            let width = targets.len().max(1);
            let per_batch = (BATCH_PARAMS / width).max(1);
            for chunk in rows.chunks(per_batch) {
                let mut text = head.clone();
                let mut params = Vec::with_capacity(chunk.len() * width);
                for (i, row) in chunk.iter().enumerate() {
                    text.push_str(if i == 0 { "(" } else { ",(" });
                    for j in 0..targets.len() {
                        if j > 0 {
                            text.push(',');
                        }
                        match row.get(j) {
                            Some(f) => {
                                text.push('?');
                                params.push(field_value(f));
                            }
                            None => text.push_str("DEFAULT"),
                        }
                    }
                    text.push(')');
                }
                let stmt = crate::sql::parse(&text)?.into_iter().next().ok_or_else(|| DbError::parse(&text))?;
                affected += self.load_statement(&stmt, &params)?;
            }
        }
        let records = rows.len() as u64;
        let (deleted, skipped) = match spec.on_dup {
            OnDup::Replace => (affected.saturating_sub(records), 0),
            _ => (0, records.saturating_sub(affected)),
        };
        let info = format!("Records: {records}  Deleted: {deleted}  Skipped: {skipped}  Warnings: {}", warnings.len());
        Ok((QueryResult::Ok { affected, last_insert_id: 0, info }, warnings))
    }

    /// Run one generated INSERT; its affected-row count.
    fn load_statement(&mut self, stmt: &sqlparser::ast::Statement, params: &[Value]) -> Result<u64> {
        match self.execute_statement(stmt, params)? {
            QueryResult::Ok { affected, .. } => Ok(affected),
            QueryResult::Rows { .. } => Err(DbError::internal("LOAD DATA insert returned rows")),
        }
    }
}

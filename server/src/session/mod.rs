//! One connection's state — current database, variables, prepared
//! statements, the values `LAST_INSERT_ID()` and friends report — and the
//! dispatch of each statement to the SQL layer.
//!
//! A session never holds engine state between statements: each statement
//! runs in its own transaction (retried on a write conflict), under a
//! shared schema lock that DDL takes exclusively.

mod load;
mod vars;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::NaiveDateTime;
use sqlparser::ast;

use crate::db::Database;
use crate::error::{DbError, Result};
use crate::sql::dml::StmtCtx;
use crate::sql::exec::{self, SessionInfo};
use crate::sql::expr::Ctx;
use crate::sql::plan::{self, Access, ColumnInfo, Plan, VarSource};
use crate::sql::value::Value;
use crate::sql::{ddl, dml, show, udf, QueryResult};
use crate::txn::{Mark, Transaction};

pub use vars::system_variable_defaults;

/// How often an autocommit statement is retried after a write conflict.
const MAX_CONFLICT_RETRIES: usize = 64;
/// User variables one session may hold.
pub const MAX_USER_VARIABLES: usize = 65_536;
/// Prepared statements one session may hold (MySQL's
/// max_prepared_stmt_count is global; this is per connection).
pub const MAX_PREPARED_PER_SESSION: usize = 16_382;

/// A statement prepared with COM_STMT_PREPARE.
pub struct Prepared {
    pub statement: Arc<ast::Statement>,
    pub params: usize,
    pub columns: Vec<plan::ColumnInfo>,
    /// The text the statement was parsed from.
    pub sql: String,
}

/// A transaction that spans statements: BEGIN … COMMIT, or the statements
/// run while autocommit is off.
struct OpenTxn {
    txn: Transaction,
    read_only: bool,
    /// `Database::schema_version` when the transaction started.
    schema_version: u64,
    /// A plain BEGIN takes its snapshot at the first statement, as InnoDB
    /// takes its read view at the first consistent read.
    snapshot_pending: bool,
    savepoints: Vec<(String, Mark)>,
}

/// One SHOW WARNINGS row: level (Note, Warning, Error), code, message.
pub type Diagnostic = (String, u16, String);

pub struct Session {
    pub db: Arc<Database>,
    pub info: SessionInfo,
    vars: BTreeMap<String, Value>,
    user_vars: HashMap<String, Value>,
    /// SQL-level prepared statements (`PREPARE name FROM …`): name → id in
    /// `prepared`.
    sql_prepared: HashMap<String, u32>,
    pub prepared: HashMap<u32, Prepared>,
    next_stmt_id: u32,
    warnings: Vec<Diagnostic>,
    /// Warnings the running statement raised, which become `warnings` when
    /// it succeeds.
    pending_warnings: Vec<Diagnostic>,
    /// How many warnings the last statement raised (SHOW WARNINGS keeps the
    /// list but raises none).
    raised_warnings: usize,
    /// Set while a statement runs inline on the I/O thread: a row lock that
    /// would have to wait fails at once (1205) and the statement is re-run
    /// where it may block (see `prepared_may_try_inline`).
    pub no_wait: bool,
    /// Park row-lock waits instead of blocking (simulator builds, where no
    /// thread may block): a single statement stopped at a taken lock fails
    /// with `PARKED`, undoes itself and sets `parked`; the connection
    /// awaits a release and runs it again. Multi-statement texts never
    /// park (re-running them would repeat their earlier statements).
    pub park: bool,
    /// Set when the last statement parked (see `park`).
    pub parked: bool,
    /// `park` applies to the statement being executed.
    park_now: bool,
    /// A `LOCK TABLES` is in effect (accepted, locks nothing): the next
    /// `UNLOCK TABLES` commits, as MySQL's does only then.
    locked_tables: bool,
    /// Rows read by this session's statements (`Innodb_rows_read`).
    pub rows_read: u64,
    /// The SQL text of the statement being executed.
    current_sql: Option<String>,
    /// The open multi-statement transaction, if any.
    open: Option<OpenTxn>,
}

impl VarSource for Session {
    fn user_var(&self, name: &str) -> Value {
        self.user_vars.get(&name.to_ascii_lowercase()).cloned().unwrap_or(Value::Null)
    }

    fn system_var(&self, name: &str, global: bool) -> Result<Value> {
        let n = name.to_ascii_lowercase();
        let n = n.strip_prefix("session.").or_else(|| n.strip_prefix("local.")).unwrap_or(&n).to_string();
        if n == "last_insert_id" || n == "identity" {
            return Ok(Value::UInt(self.info.last_insert_id));
        }
        if n == "warning_count" || n == "error_count" {
            let errors = n == "error_count";
            let count = self.warnings.iter().filter(|w| (w.0 == "Error") == errors).count();
            return Ok(Value::UInt(count as u64));
        }
        if !global {
            if let Some(v) = self.vars.get(&n) {
                return Ok(v.clone());
            }
        }
        if let Some(v) = self.db.globals.read().get(&n) {
            return Ok(v.clone());
        }
        vars::default_value(&self.db, &n).ok_or_else(|| DbError::unknown_variable(name))
    }

    fn current_db(&self) -> Option<&str> {
        self.info.database.as_deref()
    }

    fn system_table(&self, db: &str, table: &str) -> Option<(Vec<ColumnInfo>, Vec<Vec<Value>>)> {
        let (db, table) = (db.to_ascii_lowercase(), table.to_ascii_lowercase());
        // (global scope, upper-case names and table name)
        let (global, upper) = match (db.as_str(), table.as_str()) {
            ("information_schema", "processlist") => {
                let names = &["ID", "USER", "HOST", "DB", "COMMAND", "TIME", "STATE", "INFO"];
                let rows = self.process_rows(true);
                return Some((show::system_columns(names, &rows, "information_schema", "PROCESSLIST"), rows));
            }
            // MySQL 5.7's tables (MariaDB keeps them) print names in upper case;
            // MySQL 8's performance_schema ones as SHOW VARIABLES does.
            ("information_schema", "session_variables") => (false, true),
            ("information_schema", "global_variables") => (true, true),
            ("performance_schema", "session_variables") => (false, false),
            ("performance_schema", "global_variables") => (true, false),
            _ => return None,
        };
        let rows: Vec<Vec<Value>> = vars::variable_rows(self, global)
            .into_iter()
            .map(|(n, v)| vec![Value::Str(if upper { n.to_ascii_uppercase() } else { n }), Value::Str(v)])
            .collect();
        let shown = if upper { table.to_ascii_uppercase() } else { table };
        let names = &["VARIABLE_NAME", "VARIABLE_VALUE"];
        Some((show::system_columns(names, &rows, &db, &shown), rows))
    }
}

/// The bare word DEFAULT as the value of a SET.
fn is_default_keyword(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"))
}

fn now_datetime() -> NaiveDateTime {
    chrono::DateTime::from_timestamp_micros(crate::env::now_micros()).map(|d| d.naive_utc()).unwrap_or_default()
}

/// Strip leading comments (but keep `/*!` executable comments, whose body
/// we run as MySQL does).
fn strip_leading_comments(sql: &str) -> &str {
    let mut s = sql.trim_start();
    loop {
        if s.starts_with("/*") && !s.starts_with("/*!") {
            match s.find("*/") {
                Some(e) => s = s[e + 2..].trim_start(),
                None => return "",
            }
        } else if s.starts_with("-- ") || s.starts_with("#") {
            match s.find('\n') {
                Some(e) => s = s[e + 1..].trim_start(),
                None => return "",
            }
        } else {
            return s;
        }
    }
}

/// Rename each `?` placeholder to `?N`, N its position in the statement
/// text, so parameters bind in text order whatever order the binder visits
/// clauses in. Returns the number of placeholders.
fn number_placeholders(stmt: &mut ast::Statement) -> usize {
    let mut spans = Vec::new();
    let _ = ast::visit_expressions(stmt, |e| {
        if let ast::Expr::Value(v) = e {
            if matches!(&v.value, ast::Value::Placeholder(p) if p == "?") {
                spans.push((v.span.start.line, v.span.start.column));
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    spans.sort_unstable();
    let _ = ast::visit_expressions_mut(stmt, |e| {
        if let ast::Expr::Value(v) = e {
            if matches!(&v.value, ast::Value::Placeholder(p) if p == "?") {
                let pos = (v.span.start.line, v.span.start.column);
                if let Ok(i) = spans.binary_search(&pos) {
                    v.value = ast::Value::Placeholder(format!("?{i}"));
                }
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    spans.len()
}

/// MySQL's `a MOD b` operator, which the parser does not know, becomes
/// `a % b` (the `MOD(a, b)` function form is left alone). Quoted text is
/// never touched.
fn rewrite_mod_operator(sql: &str) -> std::borrow::Cow<'_, str> {
    if !sql.to_ascii_lowercase().contains("mod") {
        return std::borrow::Cow::Borrowed(sql);
    }
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            out.push(c as char);
            if c == b'\\' && i + 1 < b.len() {
                out.push(b[i + 1] as char);
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if c == b'\'' || c == b'"' || c == b'`' {
            quote = Some(c);
            out.push(c as char);
            i += 1;
            continue;
        }
        let is_ident = |x: u8| x.is_ascii_alphanumeric() || x == b'_' || x == b'$' || x >= 0x80;
        if i + 3 <= b.len()
            && b[i..i + 3].eq_ignore_ascii_case(b"mod")
            && (i == 0 || !is_ident(b[i - 1]))
            && (i + 3 == b.len() || !is_ident(b[i + 3]))
        {
            let next = b[i + 3..].iter().find(|x| !x.is_ascii_whitespace());
            if next != Some(&b'(') {
                out.push('%');
                i += 3;
                continue;
            }
        }
        // Copy one UTF-8 character.
        let len = match c {
            0x00..=0x7F => 1,
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
        out.push_str(&sql[i..(i + len).min(sql.len())]);
        i += len;
    }
    std::borrow::Cow::Owned(out)
}

/// Unwrap `/*!NNNNN body */` executable comments into `body`.
fn unwrap_executable_comments(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(start) = rest.find("/*!") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let digits = after.bytes().take_while(|b| b.is_ascii_digit()).count();
        let body = &after[digits..];
        match body.find("*/") {
            Some(end) => {
                out.push_str(&body[..end]);
                rest = &body[end + 2..];
            }
            None => {
                out.push_str(body);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// 1243 for a prepared-statement name nobody prepared.
fn unknown_handler(name: &str, what: &str) -> DbError {
    DbError::new(1243, "HY000", format!("Unknown prepared statement handler ({name}) given to {what}"))
}

/// The text of one quoted SQL string literal ('…' or "…", with doubled
/// quotes and backslash escapes), or `None` if `s` is not exactly one.
fn sql_string_literal(s: &str) -> Option<String> {
    let mut chars = s.chars();
    let q = chars.next().filter(|c| *c == '\'' || *c == '"')?;
    let mut out = String::new();
    let mut rest: Vec<char> = chars.collect();
    if rest.pop() != Some(q) {
        return None;
    }
    let mut i = 0;
    while i < rest.len() {
        let c = rest[i];
        if c == '\\' && i + 1 < rest.len() {
            out.push(match rest[i + 1] {
                'n' => '\n',
                't' => '\t',
                '0' => '\0',
                other => other,
            });
            i += 2;
        } else if c == q {
            if rest.get(i + 1) != Some(&q) {
                return None; // a lone quote inside: not one literal
            }
            out.push(q);
            i += 2;
        } else {
            out.push(c);
            i += 1;
        }
    }
    Some(out)
}

/// For `SELECT … INTO @a, …`: the user variables (without `@`) and the
/// query without its INTO. `None` for any other query; INTO a table, an
/// OUTFILE/DUMPFILE or a local variable is refused.
fn select_into_targets(q: &ast::Query) -> Result<Option<(Vec<String>, ast::Query)>> {
    let ast::SetExpr::Select(sel) = q.body.as_ref() else { return Ok(None) };
    let Some(into) = &sel.into else { return Ok(None) };
    if into.table || into.temporary || into.unlogged {
        return Err(DbError::unsupported("SELECT … INTO TABLE"));
    }
    let mut names = Vec::with_capacity(into.targets.len());
    for t in &into.targets {
        let text = t.to_string();
        match text.strip_prefix('@').filter(|n| !n.is_empty() && !n.starts_with('@')) {
            Some(n) => names.push(n.trim_matches('`').trim_matches('\'').to_string()),
            None => return Err(DbError::new(1327, "42000", format!("Undeclared variable: {text}"))),
        }
    }
    let mut plain = q.clone();
    if let ast::SetExpr::Select(s) = plain.body.as_mut() {
        s.into = None;
    }
    Ok(Some((names, plain)))
}

fn words(sql: &str, n: usize) -> Vec<String> {
    sql.split(|c: char| c.is_whitespace() || c == ';' || c == '(' || c == '=')
        .filter(|w| !w.is_empty())
        .take(n)
        .map(|w| w.to_ascii_lowercase())
        .collect()
}

/// MySQL takes `NAMES …` and `CHARACTER SET …` / `CHARSET …` as items of
/// any SET list (sqlx connects with `SET sql_mode=…, time_zone='+00:00',
/// NAMES utf8mb4 COLLATE utf8mb4_unicode_ci`); sqlparser only as the whole
/// statement. The connection character set is always utf8mb4, so those
/// items are accepted and dropped, as a lone `SET NAMES` is. Returns the
/// SET statement left without them (`Some("")` when nothing is), or `None`
/// when `sql` is not one SET statement with such an item.
fn set_without_charset_items(sql: &str) -> Option<String> {
    let head = sql.get(..3)?;
    let rest = sql.get(3..)?;
    if !head.eq_ignore_ascii_case("set") || !rest.starts_with(|c: char| c.is_whitespace()) {
        return None;
    }
    let items = split_top_level_commas(rest)?;
    let is_charset_item = |item: &str| {
        let lower = item.trim().to_ascii_lowercase();
        let after =
            |kw: &str| lower.strip_prefix(kw).filter(|r| r.starts_with(char::is_whitespace)).map(str::trim_start);
        let value = after("names").or_else(|| after("charset")).or_else(|| {
            after("character").and_then(|r| r.strip_prefix("set")).filter(|r| r.starts_with(char::is_whitespace))
        });
        value.is_some_and(|v| !v.starts_with('=') && !v.starts_with(":="))
    };
    if !items.iter().any(|i| is_charset_item(i)) {
        return None;
    }
    let kept: Vec<&str> = items.iter().map(|i| i.trim()).filter(|i| !is_charset_item(i)).collect();
    Some(if kept.is_empty() { String::new() } else { format!("SET {}", kept.join(", ")) })
}

/// `s` split at the commas outside parentheses, quotes and backticks;
/// `None` if it holds a `;` there too (more than one statement) or a quote
/// is not closed.
fn split_top_level_commas(s: &str) -> Option<Vec<&str>> {
    let bytes = s.as_bytes();
    let (mut items, mut depth, mut start, mut i) = (Vec::new(), 0usize, 0, 0);
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => return None,
                        Some(b'\\') if q != b'`' => i += 2,
                        Some(&c) if c == q && bytes.get(i + 1) == Some(&q) => i += 2,
                        Some(&c) if c == q => break,
                        Some(_) => i += 1,
                    }
                }
            }
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                items.push(&s[start..i]);
                start = i + 1;
            }
            b';' if depth == 0 => return None,
            _ => {}
        }
        i += 1;
    }
    items.push(&s[start..]);
    Some(items)
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches('`').trim_matches('\'').trim_matches('"').to_string()
}

/// The LIKE pattern of a `SHOW … LIKE 'x'` tail, if any.
fn like_tail(sql: &str) -> Option<String> {
    let lower = sql.to_ascii_lowercase();
    let i = lower.find(" like ")?;
    Some(unquote(sql[i + 6..].trim().trim_end_matches(';')))
}

fn show_filter(f: Option<&ast::ShowStatementFilter>) -> Result<Option<String>> {
    match f {
        None => Ok(None),
        Some(ast::ShowStatementFilter::Like(p))
        | Some(ast::ShowStatementFilter::ILike(p))
        | Some(ast::ShowStatementFilter::NoKeyword(p)) => Ok(Some(p.clone())),
        Some(ast::ShowStatementFilter::Where(_)) => Err(DbError::unsupported("SHOW ... WHERE")),
    }
}

fn show_options_filter(o: &ast::ShowStatementOptions) -> Result<Option<String>> {
    match &o.filter_position {
        Some(ast::ShowStatementFilterPosition::Infix(f)) | Some(ast::ShowStatementFilterPosition::Suffix(f)) => {
            show_filter(Some(f))
        }
        None => Ok(None),
    }
}

impl Drop for Session {
    /// A session leaves the process list with its connection.
    fn drop(&mut self) {
        if let Some(p) = self.info.process.take() {
            self.db.processes.unregister(&p);
        }
    }
}

/// Stack a statement may use: the binder and evaluator grow onto heap
/// segments by themselves (`#[recursive]`), but the smaller walkers over a
/// statement nested [`crate::sql::depth::MAX_NESTING`] levels deep need
/// room too. Server threads have 32 MiB; a caller on a smaller stack (a
/// test thread, an embedding) runs the statement on a fresh segment.
const STATEMENT_STACK_RED_ZONE: usize = 16 << 20;
const STATEMENT_STACK: usize = 64 << 20;

fn with_statement_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(STATEMENT_STACK_RED_ZONE, STATEMENT_STACK, f)
}

impl Session {
    /// Parse statement text under the session's `sql_mode`
    /// (PIPES_AS_CONCAT changes what `||` means and how it binds).
    fn parse_sql(&self, sql: &str) -> Result<Vec<ast::Statement>> {
        let pipes = self
            .system_var("sql_mode", false)
            .ok()
            .and_then(|v| v.to_text())
            .is_some_and(|m| m.to_ascii_uppercase().contains("PIPES_AS_CONCAT"));
        crate::sql::parse_in_mode(sql, pipes)
    }

    /// The process list as SHOW [FULL] PROCESSLIST and
    /// information_schema.PROCESSLIST show it (without FULL, statement
    /// text is cut to 100 characters).
    fn process_rows(&self, full: bool) -> Vec<Vec<Value>> {
        self.db
            .processes
            .rows()
            .into_iter()
            .map(|r| {
                let info = r.info.map(|i| if full { i } else { i.chars().take(100).collect() });
                vec![
                    Value::Int(i64::from(r.id)),
                    Value::Str(r.user),
                    Value::Str(r.host),
                    r.db.map_or(Value::Null, Value::Str),
                    Value::Str(r.command.into()),
                    Value::Int(r.time_secs),
                    Value::Str(if r.command == "Query" { "executing".into() } else { String::new() }),
                    info.map_or(Value::Null, Value::Str),
                ]
            })
            .collect()
    }

    pub fn new(db: Arc<Database>, user: &str, host: &str) -> Self {
        let connection_id = db.next_connection_id();
        let process = Some(db.processes.register(connection_id, user, host));
        let max_allowed_packet = db.config.max_allowed_packet;
        let mut s = Self {
            db,
            info: SessionInfo {
                user: user.to_string(),
                host: host.to_string(),
                connection_id,
                process,
                max_allowed_packet,
                ..Default::default()
            },
            vars: BTreeMap::new(),
            user_vars: HashMap::new(),
            sql_prepared: HashMap::new(),
            prepared: HashMap::new(),
            next_stmt_id: 1,
            warnings: Vec::new(),
            pending_warnings: Vec::new(),
            raised_warnings: 0,
            no_wait: false,
            park: false,
            parked: false,
            park_now: false,
            locked_tables: false,
            rows_read: 0,
            current_sql: None,
            open: None,
        };
        s.refresh_time_zone();
        s
    }

    /// Run SQL text (one or more `;`-separated statements).
    pub fn execute(&mut self, sql: &str) -> Vec<Result<QueryResult>> {
        let process = self.info.process.clone();
        if let Some(p) = &process {
            p.begin(self.info.database.as_deref(), sql);
        }
        let r = with_statement_stack(|| self.execute_text(sql));
        if let Some(p) = &process {
            p.end(self.info.database.as_deref());
        }
        r
    }

    /// Take over connection id `id` (a session replacing another on the
    /// same connection), in the process list too.
    pub fn adopt_connection_id(&mut self, id: u32) {
        if let Some(p) = self.info.process.take() {
            self.db.processes.unregister(&p);
        }
        self.info.connection_id = id;
        self.info.process = Some(self.db.processes.register(id, &self.info.user, &self.info.host));
    }

    /// True once KILL CONNECTION named this session.
    pub fn connection_killed(&self) -> bool {
        self.info.process.as_ref().is_some_and(|p| p.connection_killed())
    }

    fn execute_text(&mut self, sql: &str) -> Vec<Result<QueryResult>> {
        self.db.questions.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let text = strip_leading_comments(sql);
        let text = if text.contains("/*!") { unwrap_executable_comments(text) } else { text.to_string() };
        let text = strip_leading_comments(&text).trim().trim_end_matches(';').trim().to_string();
        if text.is_empty() {
            return vec![Err(DbError::new(1065, "42000", "Query was empty"))];
        }
        self.raised_warnings = 0;
        if let Some(r) = self.special_statement(&text) {
            return vec![r];
        }
        let text = rewrite_mod_operator(&text).into_owned();
        self.current_sql = Some(text.clone());
        let stmts = match self.parse_sql(&text) {
            Ok(s) => s,
            Err(e) => return vec![Err(e)],
        };
        let mut out = Vec::new();
        self.park_now = self.park && stmts.len() == 1;
        for s in &stmts {
            let r = self.execute_statement(s, &[]);
            let failed = r.is_err();
            self.parked |= matches!(&r, Err(e) if e.is_parked());
            out.push(r);
            if failed {
                break;
            }
        }
        self.park_now = false;
        if out.is_empty() {
            out.push(Err(DbError::new(1065, "42000", "Query was empty")));
        }
        out
    }

    /// Statements handled before sqlparser (it does not parse them, or
    /// parses them differently from MySQL).
    /// `PREPARE name FROM 'text'` or `PREPARE name FROM @var`.
    fn sql_prepare(&mut self, sql: &str) -> Result<QueryResult> {
        let t = sql.trim().trim_end_matches(';').trim();
        // "prepare" <name> "from" <source>
        let after = t[7..].trim_start();
        let name_end = after.find(char::is_whitespace).ok_or_else(|| DbError::parse(t))?;
        let name = after[..name_end].trim_matches('`').to_string();
        let rest = after[name_end..].trim_start();
        let source =
            rest.get(4..).filter(|_| rest[..4].eq_ignore_ascii_case("from")).ok_or_else(|| DbError::parse(rest))?;
        let source = source.trim();
        let text = if let Some(var) = source.strip_prefix('@') {
            match self.user_var(var.trim_matches('`')) {
                Value::Null => return Err(DbError::parse("NULL")),
                v => v.to_text().unwrap_or_default(),
            }
        } else {
            sql_string_literal(source).ok_or_else(|| DbError::parse(source))?
        };
        if let Some(old) = self.sql_prepared.remove(&name) {
            self.close_prepared(old);
        }
        let (id, _) = self.prepare(&text)?;
        self.sql_prepared.insert(name, id);
        Ok(QueryResult::Ok { affected: 0, last_insert_id: 0, info: "Statement prepared".into() })
    }

    /// `EXECUTE name [USING @a, @b, …]`.
    fn sql_execute(&mut self, sql: &str) -> Result<QueryResult> {
        let t = sql.trim().trim_end_matches(';').trim();
        let after = t[7..].trim_start();
        let (name, using) = match after.find(char::is_whitespace) {
            Some(i) => (&after[..i], after[i..].trim_start()),
            None => (after, ""),
        };
        let name = name.trim_matches('`').to_string();
        let id = *self.sql_prepared.get(&name).ok_or_else(|| unknown_handler(&name, "EXECUTE"))?;
        let mut params = Vec::new();
        if !using.is_empty() {
            let vars = using
                .get(5..)
                .filter(|_| using[..5].eq_ignore_ascii_case("using"))
                .ok_or_else(|| DbError::parse(using))?;
            for v in vars.split(',') {
                let v = v.trim();
                let var = v.strip_prefix('@').ok_or_else(|| DbError::parse(v))?;
                params.push(self.user_var(var.trim_matches('`')));
            }
        }
        let expected = self.prepared.get(&id).map_or(0, |p| p.params);
        if params.len() != expected {
            return Err(DbError::wrong_arguments("EXECUTE"));
        }
        // Counted once, as the EXECUTE statement.
        self.db.questions.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        self.execute_prepared(id, &params)
    }

    /// `SHOW TABLE STATUS [{FROM | IN} db] [LIKE 'pattern']`.
    fn show_table_status(&self, sql: &str) -> Result<QueryResult> {
        // Tokens after SHOW TABLE STATUS: identifiers may be `quoted`, the
        // pattern is a 'string'.
        let rest: Vec<&str> = sql.split_whitespace().skip(3).collect();
        let unquote = |t: &str| t.trim_matches('`').to_string();
        let (mut db, mut like) = (self.info.database.clone(), None);
        let mut i = 0;
        while i < rest.len() {
            match rest[i].to_ascii_lowercase().as_str() {
                "from" | "in" if i + 1 < rest.len() => {
                    db = Some(unquote(rest[i + 1]));
                    i += 2;
                }
                "like" if i + 1 < rest.len() => {
                    let p = rest[i + 1..].join(" ");
                    let p = p.trim();
                    let unq = p.strip_prefix('\'').and_then(|p| p.strip_suffix('\''));
                    like = Some(unq.ok_or_else(|| DbError::parse(p))?.replace("''", "'"));
                    break;
                }
                _ => return Err(DbError::parse(rest[i..].join(" "))),
            }
        }
        let db = db.ok_or_else(DbError::no_db)?;
        let cat = self.db.catalog();
        if !cat.databases.contains_key(&db) {
            return Err(DbError::unknown_db(&db));
        }
        Ok(show::show_table_status(&cat, &db, like.as_deref()))
    }

    fn special_statement(&mut self, sql: &str) -> Option<Result<QueryResult>> {
        let w = words(sql, 6);
        let w: Vec<&str> = w.iter().map(String::as_str).collect();
        Some(match w.as_slice() {
            ["begin"] | ["begin", "work"] => self.begin(false, false),
            ["start", "transaction", rest @ ..] => {
                let rest = rest.join(" ");
                self.begin(rest.contains("read only"), rest.contains("consistent snapshot"))
            }
            ["xa", ..] => Err(DbError::unsupported("XA transactions")),
            // The protocol layer runs LOAD DATA LOCAL (it fetches the file
            // from the client); here there is no client to ask.
            ["load", "data", ..] => self.prepare_load(sql, false).map(|_| QueryResult::ok(0)),
            ["prepare", _, "from", ..] => self.sql_prepare(sql),
            ["execute", ..] => self.sql_execute(sql),
            ["deallocate", "prepare", name] | ["drop", "prepare", name] => {
                let name = name.trim_matches('`').to_string();
                match self.sql_prepared.remove(&name) {
                    Some(id) => {
                        self.close_prepared(id);
                        Ok(QueryResult::ok(0))
                    }
                    None => Err(unknown_handler(&name, "DEALLOCATE PREPARE")),
                }
            }
            ["kill", rest @ ..] => {
                let (connection, id) = match rest {
                    ["query", id] => (false, *id),
                    ["connection", id] | [id] => (true, *id),
                    _ => return Some(Err(DbError::parse(sql))),
                };
                match id.parse::<u32>() {
                    Ok(id) => self.db.processes.kill(id, connection).map(|_| QueryResult::ok(0)),
                    Err(_) => Err(DbError::parse(id)),
                }
            }
            ["show", "processlist"] | ["show", "full", "processlist"] => {
                let rows = self.process_rows(w.get(1) == Some(&"full"));
                Ok(show::rows_result(&["Id", "User", "Host", "db", "Command", "Time", "State", "Info"], rows))
            }
            ["show", "table", "status", ..] => self.show_table_status(sql),
            ["set", ..] => match set_without_charset_items(sql) {
                None => return None,
                Some(rest) if rest.is_empty() => Ok(QueryResult::ok(0)),
                Some(rest) => {
                    self.current_sql = Some(rest.clone());
                    match self.parse_sql(&rest) {
                        Ok(stmts) if stmts.len() == 1 => self.execute_statement(&stmts[0], &[]),
                        Ok(_) => Err(DbError::parse(rest)),
                        Err(e) => Err(e),
                    }
                }
            },
            ["create", "function", ..] | ["create", "aggregate", "function", ..] => match udf::parse_create(sql) {
                Ok(Some(cf)) => self.commit().and_then(|_| self.with_note(udf::create(&self.db, cf))),
                Ok(None) => Err(DbError::unsupported("stored functions (CREATE FUNCTION … RETURN …)")),
                Err(e) => Err(e),
            },
            ["drop", "function", ..] => match udf::parse_drop(sql) {
                Ok((if_exists, name)) => self.commit().and_then(|_| {
                    let db = self.info.database.clone();
                    self.with_note(udf::drop(&self.db, if_exists, &name, db.as_deref()))
                }),
                Err(e) => Err(e),
            },
            ["commit"] | ["commit", "work"] => self.commit(),
            ["rollback"] | ["rollback", "work"] => {
                self.open = None;
                Ok(QueryResult::ok(0))
            }
            ["savepoint", name] => self.savepoint(name),
            ["release", "savepoint", name] => self.release_savepoint(name),
            ["rollback", "to", "savepoint", name] | ["rollback", "work", "to", name] | ["rollback", "to", name] => {
                self.rollback_to_savepoint(name)
            }
            ["lock", "tables", ..] | ["lock", "table", ..] => self.lock_tables(),
            ["unlock", "tables" | "table", ..] => self.unlock_tables(),
            // FLUSH commits an open transaction, as in MySQL.
            ["flush", ..] => self.commit().map(|_| QueryResult::ok(0)),
            // No stored routines exist (loadable functions are not listed
            // here, as in MySQL).
            ["show", "function" | "procedure", "status", ..] => Ok(show::rows_result(
                &[
                    "Db",
                    "Name",
                    "Type",
                    "Definer",
                    "Modified",
                    "Created",
                    "Security_type",
                    "Comment",
                    "character_set_client",
                    "collation_connection",
                    "Database Collation",
                ],
                vec![],
            )),
            // No events exist (CREATE EVENT is not supported).
            ["show", "events", ..] => Ok(show::rows_result(
                &[
                    "Db",
                    "Name",
                    "Definer",
                    "Time zone",
                    "Type",
                    "Execute at",
                    "Interval value",
                    "Interval field",
                    "Starts",
                    "Ends",
                    "Status",
                    "Originator",
                    "character_set_client",
                    "collation_connection",
                    "Database Collation",
                ],
                vec![],
            )),
            ["alter", "table", _, "disable" | "enable", "keys"] => {
                // Nothing to disable: as for InnoDB in MySQL, a note 1031.
                let toks: Vec<&str> = sql.split_whitespace().collect();
                let name = toks.get(2).copied().unwrap_or("");
                let (d, t) = match name.split_once('.') {
                    Some((d, t)) => (unquote(d), unquote(t)),
                    None => match &self.info.database {
                        Some(d) => (d.clone(), unquote(name)),
                        None => return Some(Err(DbError::no_db())),
                    },
                };
                let r = self.commit().and_then(|_| self.db.catalog().require_table(&d, &t).map(|_| ()));
                self.with_note(r.map(|_| {
                    (
                        QueryResult::ok(0),
                        Some((1031, format!("Table storage engine for '{t}' doesn't have this option"))),
                    )
                }))
            }
            ["show", "warnings", ..] | ["show", "errors", ..] => {
                let errors_only = w[1] == "errors";
                let rows = self
                    .warnings
                    .iter()
                    .filter(|(l, _, _)| !errors_only || l == "Error")
                    .map(|(l, c, m)| vec![Value::Str(l.clone()), Value::Int(*c as i64), Value::Str(m.clone())])
                    .collect();
                Ok(show::rows_result(&["Level", "Code", "Message"], rows))
            }
            ["show", "count(*)", ..] => {
                Ok(show::rows_result(&["@@session.warning_count"], vec![vec![Value::Int(self.warnings.len() as i64)]]))
            }
            ["show", "index" | "indexes" | "keys", "from" | "in", ..] => {
                let toks: Vec<&str> = sql.split_whitespace().collect();
                let table = toks.get(3).map(|t| unquote(t)).unwrap_or_default();
                let db = match (toks.get(4).map(|s| s.to_ascii_lowercase()), toks.get(5)) {
                    (Some(k), Some(d)) if k == "from" || k == "in" => Some(unquote(d)),
                    _ => None,
                };
                let (d, t) = match (db, table.split_once('.')) {
                    (Some(d), _) => (d, table),
                    (None, Some((d, t))) => (unquote(d), unquote(t)),
                    (None, None) => match &self.info.database {
                        Some(d) => (d.clone(), table),
                        None => return Some(Err(DbError::no_db())),
                    },
                };
                let cat = self.db.catalog();
                cat.require_table(&d, &t).map(|t| show::show_index(t))
            }
            ["show", "engines"] | ["show", "storage", "engines"] => Ok(show::show_engines()),
            ["show", "status", ..] | ["show", "global" | "session", "status", ..] => {
                Ok(self.show_status(like_tail(sql).as_deref()))
            }
            ["show", "character", "set", ..] | ["show", "charset", ..] => Ok(show::rows_result(
                &["Charset", "Description", "Default collation", "Maxlen"],
                show::filter_like(show::charset_rows(), like_tail(sql).as_deref()),
            )),
            ["show", "collation", ..] => Ok(show::rows_result(
                &["Collation", "Charset", "Id", "Default", "Compiled", "Sortlen", "Pad_attribute"],
                show::filter_like(show::collation_rows(), like_tail(sql).as_deref()),
            )),
            ["show", "create", "database" | "schema", ..] => {
                let toks: Vec<&str> = sql.split_whitespace().collect();
                let name = unquote(toks.last().copied().unwrap_or(""));
                if self.db.catalog().database(&name).is_none() {
                    return Some(Err(DbError::unknown_db(&name)));
                }
                Ok(show::rows_result(
                    &["Database", "Create Database"],
                    vec![vec![
                        Value::Str(name.clone()),
                        Value::Str(format!("CREATE DATABASE {} /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci */ /*!80016 DEFAULT ENCRYPTION='N' */", show::quote_ident(&name))),
                    ]],
                ))
            }
            ["show", "grants", ..] => Ok(show::rows_result(
                &[&format!("Grants for {}@{}", self.info.user, self.info.host)],
                vec![vec![Value::Str(format!(
                    "GRANT ALL PRIVILEGES ON *.* TO `{}`@`{}` WITH GRANT OPTION",
                    self.info.user, self.info.host
                ))]],
            )),
            ["show", "plugins"] => Ok(show::rows_result(&["Name", "Status", "Type", "Library", "License"], vec![])),
            _ => return None,
        })
    }

    /// The number of warnings and notes the last statement left (the count
    /// OK and EOF packets carry).
    pub fn warning_count(&self) -> u16 {
        self.raised_warnings.min(usize::from(u16::MAX)) as u16
    }

    /// Keep a statement's note (e.g. IF [NOT] EXISTS) as its only warning.
    fn with_note(&mut self, r: Result<(QueryResult, Option<(u16, String)>)>) -> Result<QueryResult> {
        let (res, note) = r?;
        self.warnings = note.map(|(c, m)| ("Note".to_string(), c, m)).into_iter().collect();
        self.raised_warnings = self.warnings.len();
        Ok(res)
    }

    fn show_status(&self, like: Option<&str>) -> QueryResult {
        use std::sync::atomic::Ordering::Relaxed;
        let db = &self.db;
        let uptime = crate::env::instant().duration_since(db.started_at).as_secs();
        let mut rows = vec![
            ("Com_commit", db.store.commits.load(Relaxed)),
            ("Connections", db.connections.load(Relaxed)),
            ("Innodb_rows_read", self.rows_read),
            ("Guocedb_global_rows_read", db.store.rows_read.load(Relaxed)),
            ("Guocedb_write_conflicts", db.store.conflicts.load(Relaxed)),
            ("Guocedb_mvcc_active_snapshots", db.store.mvcc().active_snapshots() as u64),
            ("Guocedb_mvcc_commit_ts", db.store.mvcc().applied()),
            ("Guocedb_mvcc_gc_removed", db.store.mvcc().stats.gc_removed.load(Relaxed)),
            ("Guocedb_mvcc_gc_rounds", db.store.mvcc().stats.gc_rounds.load(Relaxed)),
            ("Guocedb_mvcc_history_versions", db.store.mvcc().stats.history_versions.load(Relaxed).max(0) as u64),
            ("Questions", db.questions.load(Relaxed)),
            ("Threads_connected", 0),
            ("Uptime", uptime),
        ];
        rows.sort_by_key(|(k, _)| k.to_ascii_lowercase());
        let rows = rows.into_iter().map(|(k, v)| vec![Value::Str(k.into()), Value::Str(v.to_string())]).collect();
        show::rows_result(&["Variable_name", "Value"], show::filter_like(rows, like))
    }

    /// Run one parsed statement with `params` bound to its `?`s.
    pub fn execute_statement(&mut self, stmt: &ast::Statement, params: &[Value]) -> Result<QueryResult> {
        with_statement_stack(|| self.execute_statement_here(stmt, params))
    }

    fn execute_statement_here(&mut self, stmt: &ast::Statement, params: &[Value]) -> Result<QueryResult> {
        let r = self.dispatch(stmt, params);
        match &r {
            Ok(QueryResult::Ok { affected, last_insert_id, .. }) => {
                self.warnings = std::mem::take(&mut self.pending_warnings);
                self.raised_warnings = self.warnings.len();
                self.info.row_count = *affected as i64;
                if *last_insert_id != 0 {
                    self.info.last_insert_id = *last_insert_id;
                }
            }
            Ok(QueryResult::Rows { rows, .. }) => {
                if !matches!(stmt, ast::Statement::ShowVariables { .. }) {
                    self.warnings = std::mem::take(&mut self.pending_warnings);
                    self.raised_warnings = self.warnings.len();
                }
                self.info.row_count = -1;
                self.info.found_rows = rows.len() as u64;
            }
            Err(e) => {
                self.pending_warnings.clear();
                self.warnings = vec![("Error".into(), e.code, e.message.clone())];
            }
        }
        r
    }

    fn dispatch(&mut self, stmt: &ast::Statement, params: &[Value]) -> Result<QueryResult> {
        use ast::Statement as S;
        if matches!(
            stmt,
            S::CreateDatabase { .. }
                | S::CreateSchema { .. }
                | S::Drop { .. }
                | S::CreateTable(_)
                | S::CreateIndex(_)
                | S::CreateView(_)
                | S::AlterTable(_)
                | S::Truncate(_)
                | S::RenameTable(_)
        ) {
            // DDL commits the open transaction first, as in MySQL.
            self.commit()?;
        }
        let current = self.info.database.clone();
        let cur = current.as_deref();
        match stmt {
            S::Query(q) if matches!(q.body.as_ref(), ast::SetExpr::Update(_) | ast::SetExpr::Delete(_)) => {
                if let Some(w) = &q.with {
                    plan::check_cte_names(w)?;
                }
                let with = q.with.as_ref();
                match q.body.as_ref() {
                    ast::SetExpr::Update(S::Update(up)) => {
                        self.run_write(params, |ctx, txn| dml::update(&ctx.with_clause(with), txn, up))
                    }
                    ast::SetExpr::Delete(S::Delete(del)) => {
                        self.run_write(params, |ctx, txn| dml::delete(&ctx.with_clause(with), txn, del))
                    }
                    other => Err(DbError::unsupported(other.to_string())),
                }
            }
            S::Query(q) => match select_into_targets(q)? {
                Some((targets, plain)) => self.run_select_into(&plain, &targets, params),
                None => self.run_query(q, params),
            },
            S::Insert(ins) => self.run_write(params, |ctx, txn| dml::insert(ctx, txn, ins)),
            S::Update(up) => self.run_write(params, |ctx, txn| dml::update(ctx, txn, up)),
            S::Delete(del) => self.run_write(params, |ctx, txn| dml::delete(ctx, txn, del)),
            S::CreateDatabase { db_name, if_not_exists, .. } => ddl::create_database(&self.db, db_name, *if_not_exists),
            S::CreateSchema { schema_name, if_not_exists, .. } => match schema_name {
                ast::SchemaName::Simple(n) => ddl::create_database(&self.db, n, *if_not_exists),
                _ => Err(DbError::unsupported("CREATE SCHEMA AUTHORIZATION")),
            },
            S::Drop { object_type, if_exists, names, table, .. } => match object_type {
                ast::ObjectType::Database | ast::ObjectType::Schema => {
                    let name = names.first().map(|n| plan::object_name_parts(n).join(".")).unwrap_or_default();
                    let r = ddl::drop_database(&self.db, &name, *if_exists);
                    if r.is_ok() && self.info.database.as_deref() == Some(name.as_str()) {
                        self.info.database = None;
                    }
                    r
                }
                ast::ObjectType::Table => ddl::drop_tables(&self.db, cur, names, *if_exists, self.fk_checks()),
                ast::ObjectType::View => ddl::drop_views(&self.db, cur, names, *if_exists),
                ast::ObjectType::Index => {
                    let (Some(name), Some(table)) = (names.first(), table) else {
                        return Err(DbError::parse("DROP INDEX requires ON table"));
                    };
                    let index = plan::object_name_parts(name).last().cloned().unwrap_or_default();
                    ddl::drop_index(&self.db, cur, &index, table)
                }
                other => Err(DbError::unsupported(format!("DROP {other}"))),
            },
            S::CreateTable(ct) => ddl::create_table(&self.db, cur, ct, self.fk_checks()),
            S::CreateView(cv) => {
                let db = self.db.clone();
                ddl::create_view(&db, self, cv)
            }
            S::CreateIndex(ci) => ddl::create_index(&self.db, cur, ci),
            S::AlterTable(at) => ddl::alter_table(&self.db, cur, at, self.fk_checks()),
            S::Truncate(t) => {
                let names = t.table_names.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
                ddl::truncate(&self.db, cur, &names, self.fk_checks())
            }
            S::RenameTable(pairs) => ddl::rename_tables(&self.db, cur, pairs),
            S::Use(u) => {
                let name = match u {
                    ast::Use::Object(n) | ast::Use::Database(n) | ast::Use::Schema(n) => {
                        plan::object_name_parts(n).join(".")
                    }
                    _ => return Err(DbError::unsupported("USE form")),
                };
                self.use_database(&name)?;
                Ok(QueryResult::ok(0))
            }
            S::Set(set) => self.run_set(set, params),
            S::ShowDatabases { show_options, .. } | S::ShowSchemas { show_options, .. } => {
                Ok(show::show_databases(&self.db.catalog(), show_options_filter(show_options)?.as_deref()))
            }
            S::ShowTables { full, show_options, .. } => {
                let db = match show_options.show_in.as_ref().and_then(|i| i.parent_name.as_ref()) {
                    Some(n) => plan::object_name_parts(n).join("."),
                    None => cur.ok_or_else(DbError::no_db)?.to_string(),
                };
                show::show_tables(&self.db.catalog(), &db, *full, show_options_filter(show_options)?.as_deref())
            }
            S::ShowColumns { full, show_options, .. } => {
                let name = show_options
                    .show_in
                    .as_ref()
                    .and_then(|i| i.parent_name.as_ref())
                    .ok_or_else(|| DbError::parse("SHOW COLUMNS"))?;
                let (d, t) = plan::split_table_name(name, cur)?;
                let cat = self.db.catalog();
                let like = show_options_filter(show_options)?;
                if let Some(v) = cat.view(&d, &t) {
                    return Ok(show::show_view_columns(&self.view_columns(&cat, v)?, *full, like.as_deref()));
                }
                Ok(show::show_columns(cat.require_table(&d, &t)?, *full, like.as_deref()))
            }
            S::ExplainTable { table_name, .. } => {
                let (d, t) = plan::split_table_name(table_name, cur)?;
                let cat = self.db.catalog();
                if let Some(v) = cat.view(&d, &t) {
                    return Ok(show::show_view_columns(&self.view_columns(&cat, v)?, false, None));
                }
                Ok(show::show_columns(cat.require_table(&d, &t)?, false, None))
            }
            S::ShowCreate { obj_type: ast::ShowCreateObject::View, obj_name } => {
                let (d, t) = plan::split_table_name(obj_name, cur)?;
                let cat = self.db.catalog();
                match cat.view(&d, &t) {
                    Some(v) => Ok(show::show_create_view(v)),
                    // MySQL: 1347 for a base table, 1146 for nothing.
                    None if cat.table(&d, &t).is_some() => {
                        Err(DbError::new(1347, "HY000", format!("'{d}.{t}' is not VIEW")))
                    }
                    None => Err(DbError::no_table(&d, &t)),
                }
            }
            S::ShowCreate { obj_type: ast::ShowCreateObject::Table, obj_name } => {
                let (d, t) = plan::split_table_name(obj_name, cur)?;
                let cat = self.db.catalog();
                if let Some(v) = cat.view(&d, &t) {
                    return Ok(show::show_create_view(v));
                }
                let table = cat.require_table(&d, &t)?;
                let next_auto = match table.auto_increment_column() {
                    Some(col) => {
                        let txn = self.db.store.begin()?;
                        let counters = self.db.counters.get(table.id);
                        Some(crate::sql::table::peek_auto_value(&txn, table, col, &counters)?)
                    }
                    None => None,
                };
                Ok(show::show_create_table(table, next_auto))
            }
            S::ShowVariables { filter, global, .. } => {
                let like = show_filter(filter.as_ref())?;
                Ok(vars::show_variables(self, *global, like.as_deref()))
            }
            S::ShowStatus { filter, .. } => Ok(self.show_status(show_filter(filter.as_ref())?.as_deref())),
            S::ShowCollation { .. } => {
                self.special_statement("show collation").unwrap_or_else(|| Ok(QueryResult::ok(0)))
            }
            S::Explain { statement, .. } => self.explain(statement, params),
            S::StartTransaction { modes, .. } => {
                let read_only = modes
                    .iter()
                    .any(|m| matches!(m, ast::TransactionMode::AccessMode(ast::TransactionAccessMode::ReadOnly)));
                self.begin(read_only, false)
            }
            S::Commit { .. } => self.commit(),
            S::Rollback { savepoint: None, .. } => {
                self.open = None;
                Ok(QueryResult::ok(0))
            }
            S::Rollback { savepoint: Some(name), .. } => self.rollback_to_savepoint(&name.value),
            S::Savepoint { name } => self.savepoint(&name.value),
            S::ReleaseSavepoint { name } => self.release_savepoint(&name.value),
            S::LockTables { .. } => self.lock_tables(),
            S::UnlockTables => self.unlock_tables(),
            other => {
                Err(DbError::unsupported(other.to_string().split_whitespace().take(3).collect::<Vec<_>>().join(" ")))
            }
        }
    }

    /// `LOCK TABLES`: commits an open transaction, as in MySQL, and locks
    /// nothing (ARCHITECTURE.md, departures).
    fn lock_tables(&mut self) -> Result<QueryResult> {
        self.commit()?;
        self.locked_tables = true;
        Ok(QueryResult::ok(0))
    }

    /// `UNLOCK TABLES`: commits an open transaction only when a `LOCK TABLES`
    /// is in effect (so `START TRANSACTION; UNLOCK TABLES`, which
    /// `mariadb-dump --single-transaction` sends, keeps the transaction).
    fn unlock_tables(&mut self) -> Result<QueryResult> {
        if std::mem::take(&mut self.locked_tables) {
            self.commit()?;
        }
        Ok(QueryResult::ok(0))
    }

    /// The result columns of a view (bound as `SELECT * FROM view`).
    fn view_columns(
        &self,
        cat: &crate::catalog::Catalog,
        v: &crate::catalog::ViewDef,
    ) -> Result<Vec<crate::sql::plan::ColumnInfo>> {
        let sql = format!("SELECT * FROM {}.{}", show::quote_ident(&v.db), show::quote_ident(&v.name));
        let mut stmts = self.parse_sql(&sql)?;
        let Some(ast::Statement::Query(q)) = stmts.pop() else {
            return Err(DbError::internal("view column query"));
        };
        let mut binder = plan::Binder::new(cat, self);
        Ok(binder.bind_query(&q)?.columns)
    }

    /// `foreign_key_checks` (ON unless set to 0).
    fn fk_checks(&self) -> bool {
        self.system_var("foreign_key_checks", false).ok().and_then(|v| v.truth()).unwrap_or(true)
    }

    pub fn use_database(&mut self, name: &str) -> Result<()> {
        let known = self.db.catalog().database(name).is_some()
            || ddl::SYSTEM_DATABASES.iter().any(|s| s.eq_ignore_ascii_case(name));
        if !known {
            return Err(DbError::unknown_db(name));
        }
        self.info.database = Some(name.to_string());
        Ok(())
    }

    fn stmt_ctx<'a>(
        &'a self,
        cat: &'a crate::catalog::Catalog,
        params: &'a [Value],
        now: NaiveDateTime,
    ) -> StmtCtx<'a> {
        StmtCtx {
            db: &self.db,
            catalog: cat,
            info: &self.info,
            vars: self,
            params,
            now,
            source: self.current_sql.as_deref(),
            with: None,
        }
    }

    // ----- transactions --------------------------------------------------------

    /// Whether `autocommit` is on in this session.
    /// Every OK packet asks (its status flags), so this looks the variable
    /// up directly: the session's value, else the global one, else ON.
    pub fn autocommit(&self) -> bool {
        let v = match self.vars.get("autocommit") {
            Some(v) => v.truth(),
            None => self.db.globals.read().get("autocommit").and_then(Value::truth),
        };
        v.unwrap_or(true)
    }

    /// The transaction that spans statements, if one is open (BEGIN, or a
    /// statement run while autocommit is off): `Some(read_only)`.
    pub fn open_transaction(&self) -> Option<bool> {
        self.open.as_ref().map(|o| o.read_only)
    }

    pub fn lock_wait_timeout(&self) -> std::time::Duration {
        let secs = self.system_var("innodb_lock_wait_timeout", false).ok().and_then(|v| v.as_f64()).unwrap_or(50.0);
        std::time::Duration::from_secs_f64(secs.clamp(0.0, 1_073_741_824.0))
    }

    fn read_committed(&self) -> bool {
        self.system_var("transaction_isolation", false)
            .ok()
            .and_then(|v| v.to_text())
            .is_some_and(|s| s == "READ-COMMITTED" || s == "READ-UNCOMMITTED")
    }

    /// Open a transaction (committing any open one first, as MySQL does).
    fn begin(&mut self, read_only: bool, consistent_snapshot: bool) -> Result<QueryResult> {
        self.commit()?;
        // Starting a transaction releases table locks, as in MySQL.
        self.locked_tables = false;
        self.open = Some(OpenTxn {
            txn: self.db.store.begin()?,
            read_only: read_only
                || self.system_var("transaction_read_only", false).ok().and_then(|v| v.truth()).unwrap_or(false),
            schema_version: self.db.schema_version.load(std::sync::atomic::Ordering::SeqCst),
            snapshot_pending: !consistent_snapshot,
            savepoints: Vec::new(),
        });
        Ok(QueryResult::ok(0))
    }

    /// COMMIT: apply the open transaction, if any. On a conflict the
    /// transaction is rolled back and the error returned.
    fn commit(&mut self) -> Result<QueryResult> {
        match self.start_commit() {
            Some(pending) => pending?.wait_blocking()?,
            None => {
                // Nothing written: just end the transaction.
                if let Some(open) = self.open.take() {
                    self.rows_read += open.txn.rows_read();
                }
            }
        }
        Ok(QueryResult::ok(0))
    }

    /// True when `sql` is exactly `COMMIT` (or `COMMIT WORK`).
    pub fn is_commit_text(sql: &str) -> bool {
        let t = strip_leading_comments(sql).trim().trim_end_matches(';').trim();
        t.eq_ignore_ascii_case("commit") || t.eq_ignore_ascii_case("commit work")
    }

    /// COMMIT of an open transaction with writes, split so the connection
    /// can wait for the group commit as a task instead of holding a thread:
    /// the schema check and the queueing happen here, under the shared
    /// schema lock. `None` when there is nothing to wait for (no open
    /// transaction, or one without writes): run COMMIT the ordinary way.
    pub fn start_commit(&mut self) -> Option<Result<crate::txn::PendingCommit>> {
        if !self.open.as_ref().is_some_and(|o| o.txn.has_writes()) {
            return None;
        }
        let open = self.open.take()?;
        let db = self.db.clone();
        let _schema = db.ddl_lock.read();
        if open.schema_version != db.schema_version.load(std::sync::atomic::Ordering::SeqCst) {
            return Some(Err(DbError::new(1412, "HY000", "Table definition has changed, please retry transaction")));
        }
        self.rows_read += open.txn.rows_read();
        self.warnings.clear();
        Some(Ok(open.txn.start_commit()))
    }

    fn savepoint(&mut self, name: &str) -> Result<QueryResult> {
        if let Some(open) = self.open.as_mut() {
            let mark = open.txn.mark();
            open.savepoints.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            open.savepoints.push((name.to_string(), mark));
        }
        Ok(QueryResult::ok(0))
    }

    fn savepoint_index(&self, name: &str) -> Result<usize> {
        self.open
            .as_ref()
            .and_then(|o| o.savepoints.iter().position(|(n, _)| n.eq_ignore_ascii_case(name)))
            .ok_or_else(|| DbError::new(1305, "42000", format!("SAVEPOINT {name} does not exist")))
    }

    fn rollback_to_savepoint(&mut self, name: &str) -> Result<QueryResult> {
        let i = self.savepoint_index(name)?;
        if let Some(open) = self.open.as_mut() {
            let mark = open.savepoints[i].1;
            open.txn.rollback_to(mark);
            open.savepoints.truncate(i + 1);
        }
        Ok(QueryResult::ok(0))
    }

    fn release_savepoint(&mut self, name: &str) -> Result<QueryResult> {
        let i = self.savepoint_index(name)?;
        if let Some(open) = self.open.as_mut() {
            open.savepoints.truncate(i);
        }
        Ok(QueryResult::ok(0))
    }

    /// The transaction a statement joins: the open one, or a new implicit
    /// one when autocommit is off. `None` in autocommit mode.
    fn take_statement_txn(&mut self) -> Result<Option<OpenTxn>> {
        if self.open.is_none() && !self.autocommit() {
            self.begin(false, false)?;
        }
        let Some(mut open) = self.open.take() else { return Ok(None) };
        if open.schema_version != self.db.schema_version.load(std::sync::atomic::Ordering::SeqCst) {
            // The definitions this transaction's reads and writes were made
            // against have changed.
            return Err(DbError::new(1412, "HY000", "Table definition has changed, please retry transaction"));
        }
        if open.snapshot_pending || self.read_committed() {
            open.txn.refresh_snapshot()?;
            open.snapshot_pending = false;
        }
        self.set_waits(&mut open.txn);
        Ok(Some(open))
    }

    /// How `txn`'s row-lock waits behave for the current statement.
    /// (It also hands the transaction the session's time zone, in which
    /// its TIMESTAMP values are written.)
    fn set_waits(&self, txn: &mut crate::txn::Transaction) {
        txn.set_time_zone(self.info.time_zone);
        let wait = if self.no_wait { std::time::Duration::ZERO } else { self.lock_wait_timeout() };
        txn.set_lock_wait_timeout(wait);
        txn.set_park(self.park_now && !self.no_wait);
    }

    /// `SELECT … INTO @a, @b`: at most one row, one variable per column.
    /// Zero rows leave the variables as they were, with warning 1329.
    fn run_select_into(&mut self, q: &ast::Query, targets: &[String], params: &[Value]) -> Result<QueryResult> {
        let QueryResult::Rows { columns, mut rows } = self.run_query(q, params)? else {
            return Err(DbError::internal("SELECT … INTO produced no result set"));
        };
        if columns.len() != targets.len() {
            return Err(DbError::new(1222, "21000", "The used SELECT statements have a different number of columns"));
        }
        if rows.len() > 1 {
            return Err(DbError::new(1172, "42000", "Result consisted of more than one row"));
        }
        let Some(row) = rows.pop() else {
            let msg = "No data - zero rows fetched, selected, or processed".to_string();
            self.pending_warnings.push(("Warning".into(), 1329, msg));
            return Ok(QueryResult::ok(0));
        };
        for (name, v) in targets.iter().zip(row) {
            self.set_user_var(name, v)?;
        }
        Ok(QueryResult::ok(1))
    }

    /// Assign user variable `@name` (the table of them is bounded).
    fn set_user_var(&mut self, name: &str, v: Value) -> Result<()> {
        let key = name.to_ascii_lowercase();
        if self.user_vars.len() >= MAX_USER_VARIABLES && !self.user_vars.contains_key(&key) {
            return Err(DbError::limit("user variable table"));
        }
        self.user_vars.insert(key, v);
        Ok(())
    }

    /// Run a read-only query.
    fn run_query(&mut self, q: &ast::Query, params: &[Value]) -> Result<QueryResult> {
        let db = self.db.clone();
        let _schema = db.ddl_lock.read();
        let open = self.take_statement_txn()?;
        let cat = self.db.catalog();
        let now = self.now_local();
        let fresh;
        let txn = match &open {
            Some(o) => &o.txn,
            None => {
                let mut t = self.db.store.begin()?;
                self.set_waits(&mut t);
                fresh = t;
                &fresh
            }
        };
        let result = {
            let ctx = self.stmt_ctx(&cat, params, now);
            let mut binder = ctx.binder();
            let lock = q.locks.first().map(|l| match l.lock_type {
                ast::LockType::Share => crate::txn::locks::LockMode::Shared,
                _ => crate::txn::locks::LockMode::Exclusive,
            });
            let mut run = || -> Result<(Vec<plan::ColumnInfo>, Vec<Vec<Value>>, u64)> {
                let bq = binder.bind_query(q)?;
                if binder.param_count > params.len() {
                    return Err(DbError::wrong_arguments("mysqld_stmt_execute"));
                }
                let mut env = ctx.env(txn);
                env.lock = lock;
                let ectx = Ctx { env: &env, outer: vec![] };
                let rows = exec::run_plan(&bq.plan, &ectx, None)?;
                Ok((bq.columns, rows, env.rows_read.get()))
            };
            run()
        };
        // A deadlock victim loses its whole transaction, as in InnoDB.
        self.open = if matches!(&result, Err(e) if e.code == 1213) { None } else { open };
        let (columns, rows, read) = result?;
        self.rows_read += read;
        Ok(QueryResult::Rows { columns, rows })
    }

    /// Run a writing statement: inside the open transaction (undoing just
    /// this statement if it fails), or in autocommit mode in its own
    /// transaction, retrying on a write conflict.
    fn run_write(
        &mut self,
        params: &[Value],
        f: impl Fn(&StmtCtx, &mut Transaction) -> Result<QueryResult>,
    ) -> Result<QueryResult> {
        let db = self.db.clone();
        let _schema = db.ddl_lock.read();
        if let Some(mut open) = self.take_statement_txn()? {
            if open.read_only {
                self.open = Some(open);
                return Err(DbError::new(1792, "25006", "Cannot execute statement in a READ ONLY transaction."));
            }
            let cat = self.db.catalog();
            let mark = open.txn.mark();
            let before = open.txn.rows_read();
            let res = {
                let ctx = self.stmt_ctx(&cat, params, self.now_local());
                f(&ctx, &mut open.txn)
            };
            self.rows_read += open.txn.rows_read() - before;
            match &res {
                // A deadlock victim loses its whole transaction, as in InnoDB;
                // any other error undoes just this statement.
                Err(e) if e.code == 1213 => self.open = None,
                Err(_) => {
                    open.txn.rollback_to(mark);
                    self.open = Some(open);
                }
                Ok(_) => self.open = Some(open),
            }
            return res;
        }
        let mut last_err = DbError::deadlock();
        for _ in 0..MAX_CONFLICT_RETRIES {
            let cat = self.db.catalog();
            let now = self.now_local();
            let ctx = self.stmt_ctx(&cat, params, now);
            let mut txn = self.db.store.begin()?;
            self.set_waits(&mut txn);
            let res = f(&ctx, &mut txn)?;
            let read = txn.rows_read();
            match txn.commit() {
                Ok(()) => {
                    self.rows_read += read;
                    return Ok(res);
                }
                Err(e) if e.code == 1213 => {
                    last_err = e;
                    std::thread::yield_now();
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
        Err(last_err)
    }

    fn run_set(&mut self, set: &ast::Set, params: &[Value]) -> Result<QueryResult> {
        match set {
            ast::Set::SingleAssignment { scope, variable, values, .. } => {
                let name = plan::object_name_parts(variable).join(".");
                let value = values.first().ok_or_else(|| DbError::parse("SET"))?;
                self.assign(scope.as_ref(), &name, value, params)?;
            }
            ast::Set::MultipleAssignments { assignments } => {
                for a in assignments {
                    let name = plan::object_name_parts(&a.name).join(".");
                    self.assign(a.scope.as_ref(), &name, &a.value, params)?;
                }
            }
            ast::Set::SetNames { .. } | ast::Set::SetNamesDefault {} => {}
            ast::Set::SetTransaction { modes, .. } => {
                for m in modes {
                    match m {
                        ast::TransactionMode::IsolationLevel(l) => {
                            let level = match l {
                                ast::TransactionIsolationLevel::ReadUncommitted => "READ-UNCOMMITTED",
                                ast::TransactionIsolationLevel::ReadCommitted => "READ-COMMITTED",
                                ast::TransactionIsolationLevel::RepeatableRead => "REPEATABLE-READ",
                                _ => "SERIALIZABLE",
                            };
                            self.vars.insert("transaction_isolation".into(), Value::Str(level.into()));
                            self.vars.insert("tx_isolation".into(), Value::Str(level.into()));
                        }
                        ast::TransactionMode::AccessMode(a) => {
                            let ro = matches!(a, ast::TransactionAccessMode::ReadOnly) as i64;
                            self.vars.insert("transaction_read_only".into(), Value::Int(ro));
                        }
                    }
                }
            }
            ast::Set::SetTimeZone { value, .. } if is_default_keyword(value) => {
                self.vars.remove("time_zone");
            }
            ast::Set::SetTimeZone { value, .. } => {
                let v = self.eval_const(value, params)?;
                let v = vars::validate_assignment(&self.db, "time_zone", v)?;
                self.vars.insert("time_zone".into(), v);
            }
            other => return Err(DbError::unsupported(other.to_string())),
        }
        self.refresh_time_zone();
        Ok(QueryResult::ok(0))
    }

    /// Take the session's `time_zone` (its own, else the global one) into
    /// what statements read.
    fn refresh_time_zone(&mut self) {
        let tz = self.system_var("time_zone", false).ok().and_then(|v| v.to_text()).unwrap_or_default();
        self.info.time_zone = crate::sql::timezone::parse(&tz).unwrap_or(0);
    }

    /// The statement clock in the session's time zone.
    fn now_local(&self) -> NaiveDateTime {
        crate::sql::timezone::from_utc(now_datetime(), self.info.time_zone)
    }

    fn eval_const(&self, e: &ast::Expr, params: &[Value]) -> Result<Value> {
        // `SET x = ON/OFF/identifier` assigns the word itself.
        if let ast::Expr::Identifier(id) = e {
            if !id.value.starts_with('@') {
                return Ok(Value::Str(id.value.clone()));
            }
        }
        let _schema = self.db.ddl_lock.read();
        let cat = self.db.catalog();
        let ctx = self.stmt_ctx(&cat, params, self.now_local());
        let mut binder = ctx.binder();
        let b = binder.bind_expr(e, &plan::Scope::default(), &mut None, "field list")?;
        let txn = self.db.store.begin()?;
        let env = ctx.env(&txn);
        b.eval(&[], &Ctx { env: &env, outer: vec![] })
    }

    fn assign(
        &mut self,
        scope: Option<&ast::ContextModifier>,
        name: &str,
        value: &ast::Expr,
        params: &[Value],
    ) -> Result<()> {
        let v = self.eval_const(value, params)?;
        if let Some(u) = name.strip_prefix('@').filter(|n| !n.starts_with('@')) {
            return self.set_user_var(u.trim_matches('`'), v);
        }
        let mut global = matches!(scope, Some(ast::ContextModifier::Global));
        let mut n = name.trim_start_matches('@').to_ascii_lowercase();
        for (p, g) in [("global.", true), ("session.", false), ("local.", false)] {
            if let Some(rest) = n.strip_prefix(p) {
                global = g;
                n = rest.to_string();
            }
        }
        if is_default_keyword(value) {
            // `= DEFAULT`: the session value reverts to the global one, the
            // global value to the server's default.
            vars::default_value(&self.db, &n).ok_or_else(|| DbError::unknown_variable(&n))?;
            if global {
                self.db.globals.write().remove(&n);
            } else {
                self.vars.remove(&n);
            }
            return Ok(());
        }
        let v = vars::validate_assignment(&self.db, &n, v)?;
        if n == "autocommit" && v.truth() == Some(true) {
            // Turning autocommit on commits the open transaction.
            self.commit()?;
        }
        if global {
            self.db.globals.write().insert(n, v);
        } else {
            self.vars.insert(n, v);
        }
        Ok(())
    }

    /// EXPLAIN: one row per table access, in MySQL's tabular shape.
    fn explain(&mut self, stmt: &ast::Statement, params: &[Value]) -> Result<QueryResult> {
        let ast::Statement::Query(q) = stmt else {
            return Err(DbError::unsupported("EXPLAIN of a non-SELECT statement"));
        };
        let cat = self.db.catalog();
        let ctx = self.stmt_ctx(&cat, params, self.now_local());
        let mut binder = ctx.binder();
        let bq = binder.bind_query(q)?;
        let mut rows = Vec::new();
        explain_plan(&bq.plan, 1, &mut rows);
        if rows.is_empty() {
            rows.push(explain_row(1, None, "", None, "No tables used"));
        }
        Ok(show::rows_result(
            &[
                "id",
                "select_type",
                "table",
                "partitions",
                "type",
                "possible_keys",
                "key",
                "key_len",
                "ref",
                "rows",
                "filtered",
                "Extra",
            ],
            rows,
        ))
    }

    /// Prepare a statement: parse it once, count its parameters and work
    /// out its result columns.
    pub fn prepare(&mut self, sql: &str) -> Result<(u32, &Prepared)> {
        let id = with_statement_stack(|| self.prepare_here(sql))?;
        let p = self.prepared.get(&id).ok_or_else(|| DbError::internal("prepared statement vanished"))?;
        Ok((id, p))
    }

    fn prepare_here(&mut self, sql: &str) -> Result<u32> {
        if self.prepared.len() >= MAX_PREPARED_PER_SESSION {
            return Err(DbError::new(1461, "42000", "Can't create more than max_prepared_stmt_count statements"));
        }
        let text = rewrite_mod_operator(strip_leading_comments(sql).trim().trim_end_matches(';')).into_owned();
        let mut stmts = self.parse_sql(&text)?;
        if stmts.len() != 1 {
            return Err(DbError::new(
                1295,
                "HY000",
                "This command is not supported in the prepared statement protocol yet",
            ));
        }
        let statement = stmts.remove(0);
        let mut statement = statement;
        let params = number_placeholders(&mut statement);
        self.current_sql = Some(text.clone());
        let columns = match &statement {
            ast::Statement::Query(q)
                if !matches!(q.body.as_ref(), ast::SetExpr::Update(_) | ast::SetExpr::Delete(_)) =>
            {
                let cat = self.db.catalog();
                let ctx = self.stmt_ctx(&cat, &[], self.now_local());
                let mut binder = ctx.binder();
                binder.bind_query(q)?.columns
            }
            _ => vec![],
        };
        let id = self.next_stmt_id;
        self.next_stmt_id = self.next_stmt_id.wrapping_add(1).max(1);
        self.prepared.insert(id, Prepared { statement: Arc::new(statement), params, columns, sql: text });
        Ok(id)
    }

    /// Execute a prepared statement.
    pub fn execute_prepared(&mut self, id: u32, params: &[Value]) -> Result<QueryResult> {
        let stmt = match self.prepared.get(&id) {
            Some(p) => {
                if params.len() != p.params {
                    return Err(DbError::wrong_arguments("mysqld_stmt_execute"));
                }
                self.current_sql = Some(p.sql.clone());
                p.statement.clone()
            }
            None => return Err(DbError::unknown_stmt(id, "mysqld_stmt_execute")),
        };
        self.db.questions.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.park_now = self.park;
        let process = self.info.process.clone();
        if let (Some(p), Some(sql)) = (&process, &self.current_sql) {
            p.begin(self.info.database.as_deref(), sql);
        }
        let r = self.execute_statement(&stmt, params);
        if let Some(p) = &process {
            p.end(self.info.database.as_deref());
        }
        self.park_now = false;
        self.parked |= matches!(&r, Err(e) if e.is_parked());
        r
    }

    /// True when executing prepared statement `id` cannot wait on anything
    /// — a SELECT without FOR UPDATE/SHARE takes no lock and writes nothing,
    /// in or out of a transaction — so it may run inline on the I/O thread.
    pub fn prepared_runs_without_waiting(&self, id: u32) -> bool {
        self.prepared.get(&id).is_some_and(|p| match p.statement.as_ref() {
            ast::Statement::Query(q) => {
                q.locks.is_empty()
                    && !matches!(
                        q.body.as_ref(),
                        ast::SetExpr::Update(_) | ast::SetExpr::Delete(_) | ast::SetExpr::Insert(_)
                    )
                    && !self.may_call_udf(&p.sql)
            }
            _ => false,
        })
    }

    /// True when prepared statement `id` is a write or locking read inside
    /// an open transaction: it cannot wait on a commit, only on row locks, so
    /// it may be tried inline with `no_wait` set and re-run on the blocking
    /// pool if a lock is taken (the failed try undoes itself).
    pub fn prepared_may_try_inline(&self, id: u32) -> bool {
        self.open.is_some()
            && self.prepared.get(&id).is_some_and(|p| {
                matches!(
                    p.statement.as_ref(),
                    ast::Statement::Insert(_) | ast::Statement::Update { .. } | ast::Statement::Delete(_)
                ) && !self.may_call_udf(&p.sql)
            })
    }

    /// The text-protocol form of [`Session::prepared_may_try_inline`]: one
    /// INSERT/UPDATE/DELETE/REPLACE statement inside an open transaction.
    pub fn text_may_try_inline(&self, sql: &str) -> bool {
        if self.open.is_none() {
            return false;
        }
        let t = strip_leading_comments(sql).trim().trim_end_matches(';');
        let head: String = t.chars().take(8).collect::<String>().to_ascii_lowercase();
        t.len() <= 65536
            && !t.contains(';')
            && ["insert", "update", "delete", "replace"].iter().any(|w| head.starts_with(w))
            && !self.may_call_udf(t)
    }

    /// True when `sql` names a loadable function: a UDF may run up to its
    /// fuel limit, so such statements leave the I/O thread.
    fn may_call_udf(&self, sql: &str) -> bool {
        // SLEEP() waits too: not on the I/O thread. (Checked without
        // allocating: this runs for every prepared execution.)
        if sql.as_bytes().windows(5).any(|w| w.eq_ignore_ascii_case(b"sleep")) {
            return true;
        }
        let cat = self.db.catalog();
        if cat.functions.is_empty() {
            return false;
        }
        let lower = sql.to_ascii_lowercase();
        cat.functions.keys().any(|n| lower.contains(n.as_str()))
    }

    /// The same judgement for query text, made without parsing: one
    /// statement that starts with SELECT and mentions no locking clause,
    /// UDF or SLEEP, or
    /// a transaction boundary (BEGIN, START TRANSACTION, COMMIT, ROLLBACK)
    /// while the open transaction has no writes to commit.
    pub fn text_runs_without_waiting(&self, sql: &str) -> bool {
        let t = strip_leading_comments(sql).trim().trim_end_matches(';');
        if t.len() > 4096 {
            return false;
        }
        let lower = t.to_ascii_lowercase();
        if lower.contains(';') {
            return false;
        }
        let boundary = lower == "begin"
            || lower == "commit"
            || lower == "rollback"
            || lower.starts_with("start transaction")
            || lower.starts_with("begin work")
            || lower.starts_with("commit work")
            || lower.starts_with("rollback work");
        if boundary {
            return !self.open.as_ref().is_some_and(|o| o.txn.has_writes());
        }
        lower.starts_with("select")
            && !self.may_call_udf(&lower)
            && !lower.contains(" for update")
            && !lower.contains(" for share")
            && !lower.contains(" lock in share mode")
    }

    pub fn close_prepared(&mut self, id: u32) {
        self.prepared.remove(&id);
    }
}

fn explain_row(id: i64, table: Option<&str>, ty: &str, key: Option<&str>, extra: &str) -> Vec<Value> {
    let s = |x: &str| Value::Str(x.to_string());
    vec![
        Value::Int(id),
        s("SIMPLE"),
        table.map(s).unwrap_or(Value::Null),
        Value::Null,
        if ty.is_empty() { Value::Null } else { s(ty) },
        key.map(s).unwrap_or(Value::Null),
        key.map(s).unwrap_or(Value::Null),
        Value::Null,
        Value::Null,
        Value::Null,
        Value::Str("100.00".into()),
        s(extra),
    ]
}

fn explain_plan(p: &Plan, id: i64, out: &mut Vec<Vec<Value>>) {
    match p {
        Plan::Scan(s) => {
            let (ty, key) = match &s.access {
                Access::Full => ("ALL", None),
                Access::Index { index, ranges } => {
                    let full_eq =
                        ranges.iter().all(|r| r.eq.len() == index.columns.len() && r.lo.is_none() && r.hi.is_none());
                    let ty = if full_eq && index.unique && ranges.len() == 1 {
                        "const"
                    } else if ranges.iter().all(|r| r.lo.is_none() && r.hi.is_none()) && ranges.len() == 1 {
                        "ref"
                    } else {
                        "range"
                    };
                    (ty, Some(index.name.as_str()))
                }
            };
            let extra = if s.filter.is_some() { "Using where" } else { "" };
            out.push(explain_row(id, Some(&s.table.name), ty, key, extra));
        }
        Plan::Dual | Plan::Values(_) | Plan::TableFunction(..) => {}
        Plan::Filter(i, _) | Plan::Project(i, _) | Plan::Distinct(i, ..) | Plan::Truncate(i, _) => {
            explain_plan(i, id, out)
        }
        Plan::Sort { input, .. } | Plan::Limit { input, .. } | Plan::Aggregate { input, .. } => {
            explain_plan(input, id, out)
        }
        Plan::Join { left, right, .. } | Plan::SetOp { left, right, .. } => {
            explain_plan(left, id, out);
            explain_plan(right, id, out);
        }
        Plan::WorkTable(_) => {}
        Plan::Window(w) => {
            // The window node reads its input's rows: its note goes on the
            // first table it reads (or a row of its own without tables).
            let first = out.len();
            explain_plan(&w.input, id, out);
            let note = format!(
                "Windowing: {} function{} over {} sort{}",
                w.calls,
                if w.calls == 1 { "" } else { "s" },
                w.sorts.len(),
                if w.sorts.len() == 1 { "" } else { "s" }
            );
            match out.get_mut(first) {
                Some(row) => {
                    if let Some(Value::Str(extra)) = row.get_mut(11) {
                        *extra = if extra.is_empty() { note } else { format!("{extra}; {note}") };
                    }
                }
                None => out.push(explain_row(id, None, "", None, &note)),
            }
        }
        Plan::RecursiveCte(r) => {
            explain_plan(&r.anchor, id, out);
            explain_plan(&r.recursive, id, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_items_of_a_set_list_are_dropped() {
        let sqlx = "SET sql_mode=(SELECT CONCAT(@@sql_mode, ',PIPES_AS_CONCAT,NO_ENGINE_SUBSTITUTION')),\
                    time_zone='+00:00',NAMES utf8mb4 COLLATE utf8mb4_unicode_ci";
        assert_eq!(
            set_without_charset_items(sqlx).as_deref(),
            Some("SET sql_mode=(SELECT CONCAT(@@sql_mode, ',PIPES_AS_CONCAT,NO_ENGINE_SUBSTITUTION')), time_zone='+00:00'")
        );
        assert_eq!(set_without_charset_items("set names 'utf8'").as_deref(), Some(""));
        assert_eq!(
            set_without_charset_items("SET CHARACTER SET utf8mb4, @a = 'x,y'").as_deref(),
            Some("SET @a = 'x,y'")
        );
        assert_eq!(set_without_charset_items("SET charset latin1").as_deref(), Some(""));
        // Not charset items: variables named so, other statements, several statements.
        assert_eq!(set_without_charset_items("SET names = 1, @b = 2"), None);
        assert_eq!(set_without_charset_items("SET @a = 1"), None);
        assert_eq!(set_without_charset_items("SELECT 1, NAMES utf8"), None);
        assert_eq!(set_without_charset_items("SET NAMES utf8; SELECT 1"), None);
        assert_eq!(set_without_charset_items("SET @a = 'unclosed, NAMES utf8"), None);
        assert_eq!(set_without_charset_items("SETNAMES utf8"), None);
    }

    #[test]
    fn mod_operator_is_rewritten_outside_quotes_only() {
        assert_eq!(rewrite_mod_operator("SELECT 7 MOD 3"), "SELECT 7 % 3");
        assert_eq!(rewrite_mod_operator("SELECT MOD(7, 3)"), "SELECT MOD(7, 3)");
        assert_eq!(
            rewrite_mod_operator("SELECT 'a mod b', modx mod 2 FROM mods"),
            "SELECT 'a mod b', modx % 2 FROM mods"
        );
        assert_eq!(rewrite_mod_operator("SELECT `mod` FROM t"), "SELECT `mod` FROM t");
    }

    #[test]
    fn comments_before_statements_are_skipped() {
        assert_eq!(strip_leading_comments("/* app */ SELECT 1"), "SELECT 1");
        assert_eq!(strip_leading_comments("-- x\n# y\n  SELECT 1"), "SELECT 1");
        assert_eq!(strip_leading_comments("/*!40101 SET x=1 */"), "/*!40101 SET x=1 */");
        assert_eq!(unwrap_executable_comments("/*!40101 SET NAMES utf8 */"), " SET NAMES utf8 ");
    }

    #[test]
    fn placeholders_are_numbered_in_text_order() {
        let mut stmts = crate::sql::parse("UPDATE t SET a = ? WHERE b = ? AND c IN (?, ?)").unwrap();
        assert_eq!(number_placeholders(&mut stmts[0]), 4);
        assert_eq!(stmts[0].to_string(), "UPDATE t SET a = ?0 WHERE b = ?1 AND c IN (?2, ?3)");
    }
}

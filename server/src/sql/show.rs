//! SHOW statements, DESCRIBE, and the information_schema tables, all built
//! from the catalog as rows of literal values (virtual tables are planned
//! like any other row source, so WHERE/ORDER BY/joins work on them).

use crate::catalog::{Catalog, ColumnDefault, TableDef};
use crate::error::{DbError, Result};
use crate::sql::expr::like_match;
use crate::sql::plan::ColumnInfo;
use crate::sql::types::{SqlType, TypeKind};
use crate::sql::value::Value;
use crate::sql::QueryResult;

fn s(v: impl Into<String>) -> Value {
    Value::Str(v.into())
}

fn opt_s(v: Option<String>) -> Value {
    v.map(Value::Str).unwrap_or(Value::Null)
}

fn cols(names: &[&str]) -> Vec<ColumnInfo> {
    names.iter().map(|n| ColumnInfo { nullable: false, ..ColumnInfo::expr(*n, SqlType::varchar(64)) }).collect()
}

/// A result set whose column types are taken from the values.
pub fn rows_result(names: &[&str], rows: Vec<Vec<Value>>) -> QueryResult {
    let mut columns = cols(names);
    for (i, c) in columns.iter_mut().enumerate() {
        if rows.iter().all(|r| matches!(r.get(i), Some(Value::Int(_) | Value::UInt(_) | Value::Null)))
            && rows.iter().any(|r| !matches!(r.get(i), Some(Value::Null)))
        {
            c.ty = SqlType::bigint();
        }
        c.nullable = rows.iter().any(|r| matches!(r.get(i), Some(Value::Null)));
    }
    QueryResult::Rows { columns, rows }
}

/// Filter rows whose first column matches a LIKE pattern.
pub fn filter_like(rows: Vec<Vec<Value>>, pattern: Option<&str>) -> Vec<Vec<Value>> {
    match pattern {
        None => rows,
        Some(p) => rows
            .into_iter()
            .filter(|r| r.first().and_then(Value::to_text).is_some_and(|t| like_match(&t, p, '\\', true)))
            .collect(),
    }
}

pub fn quote_ident(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

fn quote_str(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

fn default_text(c: &crate::catalog::ColumnDef) -> Option<String> {
    match &c.default {
        ColumnDefault::None | ColumnDefault::Const(None) => None,
        ColumnDefault::Const(Some(v)) if c.ty.kind == TypeKind::Bit => Some(bit_literal(v)),
        ColumnDefault::Const(Some(v)) => Some(v.clone()),
        ColumnDefault::CurrentTimestamp => Some("CURRENT_TIMESTAMP".into()),
    }
}

/// A BIT default (kept as its number) as MySQL shows it: `b'101'`.
fn bit_literal(number: &str) -> String {
    format!("b'{:b}'", number.parse::<u64>().unwrap_or(0))
}

/// MySQL's `append_unescaped`: a quoted string with `\0`, `\n`, `\r` and
/// `\\` escaped and `'` doubled (comments, CONNECTION, directories).
fn quote_escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for ch in s.chars() {
        match ch {
            '\0' => out.push_str("\\0"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("''"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The table options part of SHOW CREATE TABLE, in MySQL 8's order
/// (`store_create_info`). `next_auto` is the table's next AUTO_INCREMENT
/// value, shown when above 1.
fn table_options_text(t: &TableDef, next_auto: Option<u64>) -> String {
    let o = &t.options;
    let mut out = format!(" ENGINE={}", t.engine);
    if let Some(n) = next_auto.filter(|n| *n > 1) {
        out.push_str(&format!(" AUTO_INCREMENT={n}"));
    }
    let cs = o.charset();
    out.push_str(&format!(" DEFAULT CHARSET={cs}"));
    let coll = o.collation();
    if crate::sql::charset::default_collation(cs) != Some(coll.as_str()) || coll == "utf8mb4_0900_ai_ci" {
        out.push_str(&format!(" COLLATE={coll}"));
    }
    for (name, v) in [("MIN_ROWS", o.min_rows), ("MAX_ROWS", o.max_rows), ("AVG_ROW_LENGTH", o.avg_row_length)] {
        if v != 0 {
            out.push_str(&format!(" {name}={v}"));
        }
    }
    for (name, v) in [
        ("PACK_KEYS", o.pack_keys),
        ("STATS_PERSISTENT", o.stats_persistent),
        ("STATS_AUTO_RECALC", o.stats_auto_recalc),
    ] {
        if let Some(v) = v {
            out.push_str(&format!(" {name}={}", v as u8));
        }
    }
    if o.stats_sample_pages != 0 {
        out.push_str(&format!(" STATS_SAMPLE_PAGES={}", o.stats_sample_pages));
    }
    if o.checksum {
        out.push_str(" CHECKSUM=1");
    }
    if o.delay_key_write {
        out.push_str(" DELAY_KEY_WRITE=1");
    }
    if let Some(f) = o.row_format.as_deref().filter(|f| *f != "DEFAULT") {
        out.push_str(&format!(" ROW_FORMAT={f}"));
    }
    if o.key_block_size != 0 {
        out.push_str(&format!(" KEY_BLOCK_SIZE={}", o.key_block_size));
    }
    if let Some(c) = o.compression.as_deref().filter(|c| !c.is_empty()) {
        out.push_str(&format!(" COMPRESSION={}", quote_escaped(c)));
    }
    if let Some(e) = &o.encryption {
        out.push_str(&format!(" ENCRYPTION={}", quote_escaped(e)));
    }
    if t.engine.eq_ignore_ascii_case("MRG_MYISAM") || t.engine.eq_ignore_ascii_case("MERGE") {
        if let Some(m) = &o.insert_method {
            out.push_str(&format!(" INSERT_METHOD={m}"));
        }
        if !o.union.is_empty() {
            let names: Vec<String> = o.union.iter().map(|n| quote_ident(n)).collect();
            out.push_str(&format!(" UNION=({})", names.join(",")));
        }
    }
    if !t.comment.is_empty() {
        out.push_str(&format!(" COMMENT={}", quote_escaped(&t.comment)));
    }
    if let Some(c) = &o.connection {
        out.push_str(&format!(" CONNECTION={}", quote_escaped(c)));
    }
    if let Some(e) = &o.secondary_engine {
        out.push_str(&format!(" SECONDARY_ENGINE={e}"));
    }
    if let Some(a) = &o.engine_attribute {
        out.push_str(&format!(" /*!80021 ENGINE_ATTRIBUTE={} */", quote_escaped(a)));
    }
    if let Some(a) = &o.secondary_engine_attribute {
        out.push_str(&format!(" /*!80021 SECONDARY_ENGINE_ATTRIBUTE={} */", quote_escaped(a)));
    }
    if let Some(d) = &o.data_directory {
        out.push_str(&format!(" DATA DIRECTORY={}", quote_escaped(d)));
    }
    if let Some(d) = &o.index_directory {
        out.push_str(&format!(" INDEX DIRECTORY={}", quote_escaped(d)));
    }
    out
}

/// information_schema.TABLES.CREATE_OPTIONS: the non-default options in
/// lower case (`max_rows=18 checksum=1 row_format=COMPACT`).
fn create_options_text(t: &TableDef) -> String {
    let o = &t.options;
    let mut parts = Vec::new();
    for (name, v) in [("min_rows", o.min_rows), ("max_rows", o.max_rows), ("avg_row_length", o.avg_row_length)] {
        if v != 0 {
            parts.push(format!("{name}={v}"));
        }
    }
    for (name, v) in [
        ("pack_keys", o.pack_keys),
        ("stats_persistent", o.stats_persistent),
        ("stats_auto_recalc", o.stats_auto_recalc),
    ] {
        if let Some(v) = v {
            parts.push(format!("{name}={}", v as u8));
        }
    }
    if o.stats_sample_pages != 0 {
        parts.push(format!("stats_sample_pages={}", o.stats_sample_pages));
    }
    if o.checksum {
        parts.push("checksum=1".into());
    }
    if o.delay_key_write {
        parts.push("delay_key_write=1".into());
    }
    if let Some(f) = o.row_format.as_deref().filter(|f| *f != "DEFAULT") {
        parts.push(format!("row_format={f}"));
    }
    if o.key_block_size != 0 {
        parts.push(format!("KEY_BLOCK_SIZE={}", o.key_block_size));
    }
    if let Some(c) = o.compression.as_deref().filter(|c| !c.is_empty()) {
        parts.push(format!("COMPRESSION=\"{c}\""));
    }
    if let Some(e) = &o.encryption {
        parts.push(format!("ENCRYPTION=\"{e}\""));
    }
    parts.join(" ")
}

/// The row format information_schema.TABLES reports: the declared one, or
/// InnoDB's default (Dynamic).
fn row_format_name(t: &TableDef) -> &'static str {
    match t.options.row_format.as_deref() {
        Some("COMPACT") => "Compact",
        Some("COMPRESSED") => "Compressed",
        Some("REDUNDANT") => "Redundant",
        Some("FIXED") => "Fixed",
        _ if t.options.key_block_size != 0 => "Compressed",
        _ => "Dynamic",
    }
}

/// The column's type with its character set and collation when they are
/// not the table's (`varchar(4) CHARACTER SET utf8mb3`).
fn column_type_text(t: &TableDef, c: &crate::catalog::ColumnDef) -> String {
    let mut s = c.ty.sql_name();
    if c.charset.is_some() || c.collation.is_some() {
        let cs = c.charset.clone().unwrap_or_else(|| t.options.charset().to_string());
        s.push_str(&format!(" CHARACTER SET {cs}"));
        if let Some(coll) = &c.collation {
            s.push_str(&format!(" COLLATE {coll}"));
        }
    }
    s
}

/// The character set and collation of a string column.
fn column_collation(t: &TableDef, c: &crate::catalog::ColumnDef) -> (String, String) {
    let cs = c.charset.clone().unwrap_or_else(|| t.options.charset().to_string());
    let coll = match &c.collation {
        Some(coll) => coll.clone(),
        None if c.charset.is_some() => crate::sql::charset::default_collation(&cs).unwrap_or("").to_string(),
        None => t.options.collation(),
    };
    (cs, coll)
}

/// SHOW CREATE TABLE. `next_auto`: the table's next AUTO_INCREMENT value.
/// `SHOW CREATE VIEW` (and `SHOW CREATE TABLE` of a view), as MySQL 8 shows
/// it. The algorithm, definer and security are not stored (every view is
/// `UNDEFINED`, `root`, `DEFINER`); the query is the stored text.
pub fn show_create_view(v: &crate::catalog::ViewDef) -> QueryResult {
    let columns = if v.columns.is_empty() {
        String::new()
    } else {
        format!(" ({})", v.columns.iter().map(|c| quote_ident(c)).collect::<Vec<_>>().join(","))
    };
    let text = format!(
        "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`%` SQL SECURITY DEFINER VIEW {}{columns} AS {}",
        quote_ident(&v.name),
        v.query
    );
    rows_result(
        &["View", "Create View", "character_set_client", "collation_connection"],
        vec![vec![s(v.name.clone()), s(text), s("utf8mb4"), s("utf8mb4_0900_ai_ci")]],
    )
}

/// `SHOW [FULL] COLUMNS` of a view, from its bound result columns.
pub fn show_view_columns(columns: &[ColumnInfo], full: bool, like: Option<&str>) -> QueryResult {
    let rows: Vec<Vec<Value>> = columns
        .iter()
        .map(|c| {
            let mut r = vec![s(c.name.clone()), s(c.ty.sql_name())];
            if full {
                r.push(if c.ty.is_string() { s("utf8mb4_0900_ai_ci") } else { Value::Null });
            }
            r.extend([s(if c.nullable { "YES" } else { "NO" }), s(""), Value::Null, s("")]);
            if full {
                r.extend([s("select,insert,update,references"), s("")]);
            }
            r
        })
        .collect();
    let rows = filter_like(rows, like);
    if full {
        rows_result(&["Field", "Type", "Collation", "Null", "Key", "Default", "Extra", "Privileges", "Comment"], rows)
    } else {
        rows_result(&["Field", "Type", "Null", "Key", "Default", "Extra"], rows)
    }
}

/// A FOREIGN KEY as SHOW CREATE TABLE and InnoDB's error messages print
/// it: `CONSTRAINT `fk` FOREIGN KEY (`a`) REFERENCES `p` (`id`) ON DELETE CASCADE`.
pub fn fk_definition(fk: &crate::catalog::ForeignKeyDef) -> String {
    let list = |cs: &[String]| cs.iter().map(|c| quote_ident(c)).collect::<Vec<_>>().join(", ");
    let table = match &fk.ref_db {
        Some(d) => format!("{}.{}", quote_ident(d), quote_ident(&fk.ref_table)),
        None => quote_ident(&fk.ref_table),
    };
    let mut l = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {table} ({})",
        quote_ident(&fk.name),
        list(&fk.columns),
        list(&fk.ref_columns)
    );
    for (what, action) in [("DELETE", &fk.on_delete), ("UPDATE", &fk.on_update)] {
        if let Some(a) = action.as_deref().filter(|a| *a != "RESTRICT") {
            l.push_str(&format!(" ON {what} {a}"));
        }
    }
    l
}

pub fn show_create_table(t: &TableDef, next_auto: Option<u64>) -> QueryResult {
    let mut lines = Vec::new();
    for c in &t.columns {
        let mut l = format!("  {} {}", quote_ident(&c.name), column_type_text(t, c));
        if let Some(g) = &c.generated {
            l.push_str(&format!(" GENERATED ALWAYS AS ({}) {}", g.expr, if g.stored { "STORED" } else { "VIRTUAL" }));
        }
        if !c.nullable {
            l.push_str(" NOT NULL");
        } else if c.ty.kind == TypeKind::Timestamp {
            // MySQL 8 spells out a nullable TIMESTAMP's NULL.
            l.push_str(" NULL");
        }
        match &c.default {
            ColumnDefault::Const(Some(v)) if c.ty.kind == TypeKind::Bit => {
                l.push_str(&format!(" DEFAULT {}", bit_literal(v)))
            }
            // MySQL 8 quotes every other constant default, numbers included.
            ColumnDefault::Const(Some(v)) => l.push_str(&format!(" DEFAULT {}", quote_str(v))),
            ColumnDefault::CurrentTimestamp => l.push_str(" DEFAULT CURRENT_TIMESTAMP"),
            // TEXT and BLOB columns show no DEFAULT NULL (JSON and spatial do).
            ColumnDefault::None | ColumnDefault::Const(None)
                if c.nullable
                    && !c.auto_increment
                    && c.generated.is_none()
                    && !matches!(c.ty.kind, TypeKind::Text | TypeKind::Blob) =>
            {
                l.push_str(" DEFAULT NULL")
            }
            _ => {}
        }
        if let Some(srid) = c.srid {
            l.push_str(&format!(" /*!80003 SRID {srid} */"));
        }
        if c.on_update_now {
            l.push_str(" ON UPDATE CURRENT_TIMESTAMP");
        }
        if c.auto_increment {
            l.push_str(" AUTO_INCREMENT");
        }
        if !c.comment.is_empty() {
            l.push_str(&format!(" COMMENT {}", quote_escaped(&c.comment)));
        }
        lines.push(l);
    }
    let key_cols = |idx: &crate::catalog::IndexDef| {
        idx.columns.iter().map(|&c| quote_ident(&t.columns[c].name)).collect::<Vec<_>>().join(",")
    };
    if let Some(pk) = t.primary_key() {
        lines.push(format!("  PRIMARY KEY ({})", key_cols(pk)));
    }
    for idx in t.secondary_indexes().filter(|i| i.unique) {
        lines.push(format!("  UNIQUE KEY {} ({})", quote_ident(&idx.name), key_cols(idx)));
    }
    for idx in t.secondary_indexes().filter(|i| !i.unique) {
        lines.push(format!("  KEY {} ({})", quote_ident(&idx.name), key_cols(idx)));
    }
    let mut fks: Vec<_> = t.foreign_keys.iter().collect();
    fks.sort_by(|a, b| a.name.cmp(&b.name));
    for fk in fks {
        lines.push(format!("  {}", fk_definition(fk)));
    }
    let mut checks: Vec<_> = t.checks.iter().collect();
    checks.sort_by(|a, b| a.name.cmp(&b.name));
    for c in checks {
        lines.push(format!(
            "  CONSTRAINT {} CHECK ({}){}",
            quote_ident(&c.name),
            c.expr,
            if c.enforced { "" } else { " /*!80016 NOT ENFORCED */" }
        ));
    }
    let text = format!(
        "CREATE TABLE {} (\n{}\n){}",
        quote_ident(&t.name),
        lines.join(",\n"),
        table_options_text(t, next_auto)
    );
    rows_result(&["Table", "Create Table"], vec![vec![s(t.name.clone()), s(text)]])
}

/// The index MySQL reports as the primary key: the declared one or, when
/// there is none, the first UNIQUE index over NOT NULL columns only
/// (InnoDB clusters the table on it).
fn reported_primary(t: &TableDef) -> Option<&crate::catalog::IndexDef> {
    t.primary_key()
        .or_else(|| t.secondary_indexes().find(|i| i.unique && i.columns.iter().all(|&c| !t.columns[c].nullable)))
}

fn column_key(t: &TableDef, pos: usize) -> &'static str {
    let pk = reported_primary(t);
    if pk.is_some_and(|p| p.columns.contains(&pos)) {
        "PRI"
    } else if t.secondary_indexes().any(|i| i.unique && i.columns.len() == 1 && i.columns[0] == pos) {
        "UNI"
    } else if t.secondary_indexes().any(|i| i.columns.first() == Some(&pos)) {
        "MUL"
    } else {
        ""
    }
}

fn extra(c: &crate::catalog::ColumnDef) -> String {
    let mut e = Vec::new();
    if c.auto_increment {
        e.push("auto_increment");
    }
    if matches!(c.default, ColumnDefault::CurrentTimestamp) {
        e.push("DEFAULT_GENERATED");
    }
    if c.on_update_now {
        e.push("on update CURRENT_TIMESTAMP");
    }
    match &c.generated {
        Some(g) if g.stored => e.push("STORED GENERATED"),
        Some(_) => e.push("VIRTUAL GENERATED"),
        None => {}
    }
    e.join(" ")
}

pub fn show_columns(t: &TableDef, full: bool, like: Option<&str>) -> QueryResult {
    let rows: Vec<Vec<Value>> = t
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut r = vec![s(c.name.clone()), s(c.ty.sql_name())];
            if full {
                r.push(if c.ty.is_string() { s(column_collation(t, c).1) } else { Value::Null });
            }
            r.extend([
                s(if c.nullable { "YES" } else { "NO" }),
                s(column_key(t, i)),
                opt_s(default_text(c)),
                s(extra(c)),
            ]);
            if full {
                r.extend([s("select,insert,update,references"), s(c.comment.clone())]);
            }
            r
        })
        .collect();
    let rows = filter_like(rows, like);
    if full {
        rows_result(&["Field", "Type", "Collation", "Null", "Key", "Default", "Extra", "Privileges", "Comment"], rows)
    } else {
        rows_result(&["Field", "Type", "Null", "Key", "Default", "Extra"], rows)
    }
}

fn index_rows(t: &TableDef) -> Vec<Vec<Value>> {
    let mut rows = Vec::new();
    for idx in &t.indexes {
        for (seq, &c) in idx.columns.iter().enumerate() {
            rows.push(vec![
                s(t.name.clone()),
                Value::Int(!idx.unique as i64),
                s(idx.name.clone()),
                Value::Int(seq as i64 + 1),
                s(t.columns[c].name.clone()),
                s("A"),
                Value::Int(0),
                Value::Null,
                Value::Null,
                s(if t.columns[c].nullable { "YES" } else { "" }),
                s("BTREE"),
                s(""),
                s(""),
                s("YES"),
                Value::Null,
            ]);
        }
    }
    rows
}

pub fn show_index(t: &TableDef) -> QueryResult {
    rows_result(
        &[
            "Table",
            "Non_unique",
            "Key_name",
            "Seq_in_index",
            "Column_name",
            "Collation",
            "Cardinality",
            "Sub_part",
            "Packed",
            "Null",
            "Index_type",
            "Comment",
            "Index_comment",
            "Visible",
            "Expression",
        ],
        index_rows(t),
    )
}

pub fn show_databases(cat: &Catalog, like: Option<&str>) -> QueryResult {
    let mut names: Vec<String> = cat.databases.keys().cloned().collect();
    names.extend(["information_schema", "mysql", "performance_schema", "sys"].map(String::from));
    names.sort();
    rows_result(&["Database"], filter_like(names.into_iter().map(|n| vec![s(n)]).collect(), like))
}

pub fn show_tables(cat: &Catalog, db: &str, full: bool, like: Option<&str>) -> Result<QueryResult> {
    if cat.database(db).is_none() {
        return Err(DbError::unknown_db(db));
    }
    let mut rows: Vec<(String, &str)> = cat.tables_in(db).map(|t| (t.name.clone(), "BASE TABLE")).collect();
    rows.extend(cat.views_in(db).map(|v| (v.name.clone(), "VIEW")));
    rows.sort();
    let rows = rows.into_iter().map(|(n, k)| if full { vec![s(n), s(k)] } else { vec![s(n)] }).collect();
    let name = format!("Tables_in_{db}");
    let rows = filter_like(rows, like);
    Ok(if full { rows_result(&[&name, "Table_type"], rows) } else { rows_result(&[&name], rows) })
}

/// `SHOW TABLE STATUS` of database `db`: information_schema.TABLES in
/// SHOW's column names.
pub fn show_table_status(cat: &Catalog, db: &str, like: Option<&str>) -> QueryResult {
    let rows = information_schema(cat, "TABLES").map(|(_, r)| r).unwrap_or_default();
    let mut rows: Vec<Vec<Value>> = rows
        .into_iter()
        .filter(|r| r.get(1).and_then(Value::to_text).is_some_and(|d| d == db))
        // Name, then ENGINE .. TABLE_COMMENT without TABLE_TYPE's position.
        .map(|r| r.into_iter().skip(2).enumerate().filter(|(i, _)| *i != 1).map(|(_, v)| v).collect())
        .collect();
    rows.sort_by(|a: &Vec<Value>, b| a.first().and_then(Value::to_text).cmp(&b.first().and_then(Value::to_text)));
    rows_result(
        &[
            "Name",
            "Engine",
            "Version",
            "Row_format",
            "Rows",
            "Avg_row_length",
            "Data_length",
            "Max_data_length",
            "Index_length",
            "Data_free",
            "Auto_increment",
            "Create_time",
            "Update_time",
            "Check_time",
            "Collation",
            "Checksum",
            "Create_options",
            "Comment",
        ],
        filter_like(rows, like),
    )
}

pub fn show_engines() -> QueryResult {
    rows_result(
        &["Engine", "Support", "Comment", "Transactions", "XA", "Savepoints"],
        vec![
            vec![
                s("InnoDB"),
                s("DEFAULT"),
                s("guocedb's transactional engine (RocksDB storage); InnoDB is accepted as its name"),
                s("YES"),
                s("NO"),
                s("YES"),
            ],
            vec![s("RocksDB"), s("YES"), s("Embedded RocksDB key-value storage"), s("YES"), s("NO"), s("YES")],
        ],
    )
}

/// `mysql.func` and `performance_schema.user_defined_functions`: the
/// loadable functions, as MySQL lists them.
pub fn function_table(cat: &Catalog, db: &str, table: &str) -> Option<(Vec<ColumnInfo>, Vec<Vec<Value>>)> {
    let s = |x: &str| Value::Str(x.to_string());
    let (names, rows): (&[&str], Vec<Vec<Value>>) =
        match (db.to_ascii_lowercase().as_str(), table.to_ascii_lowercase().as_str()) {
            ("mysql", "func") => (
                &["name", "ret", "dl", "type"],
                cat.functions
                    .values()
                    .map(|f| {
                        let d = &f.def;
                        let kind = if d.kind == crate::wasm::UdfKind::Aggregate { "aggregate" } else { "function" };
                        vec![s(&d.name), Value::Int(d.ret.func_code()), s(d.soname.as_deref().unwrap_or("")), s(kind)]
                    })
                    .collect(),
            ),
            ("performance_schema", "user_defined_functions") => (
                &["UDF_NAME", "UDF_RETURN_TYPE", "UDF_TYPE", "UDF_LIBRARY", "UDF_USAGE_COUNT"],
                cat.functions
                    .values()
                    .map(|f| {
                        let d = &f.def;
                        let kind = if d.kind == crate::wasm::UdfKind::Aggregate { "aggregate" } else { "function" };
                        vec![
                            s(&d.name),
                            s(d.ret.name()),
                            s(kind),
                            d.soname.as_deref().map(s).unwrap_or(Value::Null),
                            Value::Int(1),
                        ]
                    })
                    .collect(),
            ),
            _ => return None,
        };
    let mut columns = cols(names);
    for c in columns.iter_mut() {
        c.table = Some(table.to_string());
        c.db = db.to_string();
        c.org_table = table.to_string();
        c.nullable = true;
    }
    if db.eq_ignore_ascii_case("mysql") {
        columns[1].ty = SqlType::int();
    }
    Some((columns, rows))
}

/// The character sets SHOW CHARACTER SET lists: (name, description,
/// default collation, max bytes per character).
pub fn charset_rows() -> Vec<Vec<Value>> {
    [("utf8mb4", "UTF-8 Unicode", "utf8mb4_0900_ai_ci", 4), ("binary", "Binary pseudo charset", "binary", 1)]
        .into_iter()
        .map(|(n, d, c, m)| vec![s(n), s(d), s(c), Value::Int(m)])
        .collect()
}

/// The collations SHOW COLLATION lists: (name, character set, id,
/// default, compiled, sort length, pad attribute). `utf8mb4_bin` and
/// `_as_cs` compare byte for byte; the `_ci` ones as the default.
pub fn collation_rows() -> Vec<Vec<Value>> {
    [
        ("utf8mb4_0900_ai_ci", "utf8mb4", 255, "Yes", 0, "NO PAD"),
        ("utf8mb4_0900_as_cs", "utf8mb4", 278, "", 0, "NO PAD"),
        ("utf8mb4_bin", "utf8mb4", 46, "", 1, "PAD SPACE"),
        ("utf8mb4_general_ci", "utf8mb4", 45, "", 1, "PAD SPACE"),
        ("utf8mb4_unicode_ci", "utf8mb4", 224, "", 8, "PAD SPACE"),
        ("binary", "binary", 63, "Yes", 1, "NO PAD"),
    ]
    .into_iter()
    .map(|(n, cs, id, d, len, pad)| vec![s(n), s(cs), Value::Int(id), s(d), s("Yes"), Value::Int(len), s(pad)])
    .collect()
}

/// The information_schema tables, as (columns, rows); `None` for unknown.
pub fn information_schema(cat: &Catalog, table: &str) -> Option<(Vec<ColumnInfo>, Vec<Vec<Value>>)> {
    let t = table.to_ascii_uppercase();
    let (names, rows): (&[&str], Vec<Vec<Value>>) = match t.as_str() {
        "SCHEMATA" => (
            &[
                "CATALOG_NAME",
                "SCHEMA_NAME",
                "DEFAULT_CHARACTER_SET_NAME",
                "DEFAULT_COLLATION_NAME",
                "SQL_PATH",
                "DEFAULT_ENCRYPTION",
            ],
            {
                let mut names: Vec<String> = cat.databases.keys().cloned().collect();
                names.extend(["information_schema", "mysql", "performance_schema", "sys"].map(String::from));
                names.sort();
                names
                    .into_iter()
                    .map(|n| vec![s("def"), s(n), s("utf8mb4"), s("utf8mb4_0900_ai_ci"), Value::Null, s("NO")])
                    .collect()
            },
        ),
        "CHARACTER_SETS" => (
            &["CHARACTER_SET_NAME", "DEFAULT_COLLATE_NAME", "DESCRIPTION", "MAXLEN"],
            charset_rows().into_iter().map(|r| vec![r[0].clone(), r[2].clone(), r[1].clone(), r[3].clone()]).collect(),
        ),
        "COLLATIONS" => (
            &["COLLATION_NAME", "CHARACTER_SET_NAME", "ID", "IS_DEFAULT", "IS_COMPILED", "SORTLEN", "PAD_ATTRIBUTE"],
            collation_rows(),
        ),
        "COLLATION_CHARACTER_SET_APPLICABILITY" => (
            &["COLLATION_NAME", "CHARACTER_SET_NAME"],
            collation_rows().into_iter().map(|r| vec![r[0].clone(), r[1].clone()]).collect(),
        ),
        // Constraints: PRIMARY KEY and UNIQUE indexes, foreign keys and
        // CHECK constraints.
        "TABLE_CONSTRAINTS" => (
            &[
                "CONSTRAINT_CATALOG",
                "CONSTRAINT_SCHEMA",
                "CONSTRAINT_NAME",
                "TABLE_SCHEMA",
                "TABLE_NAME",
                "CONSTRAINT_TYPE",
                "ENFORCED",
            ],
            cat.tables
                .values()
                .flat_map(|t| {
                    let keys = t.indexes.iter().filter(|i| i.unique).map(move |i| {
                        let kind = if i.primary { "PRIMARY KEY" } else { "UNIQUE" };
                        vec![
                            s("def"),
                            s(t.db.clone()),
                            s(i.name.clone()),
                            s(t.db.clone()),
                            s(t.name.clone()),
                            s(kind),
                            s("YES"),
                        ]
                    });
                    let fks = t.foreign_keys.iter().map(move |f| {
                        vec![
                            s("def"),
                            s(t.db.clone()),
                            s(f.name.clone()),
                            s(t.db.clone()),
                            s(t.name.clone()),
                            s("FOREIGN KEY"),
                            s("YES"),
                        ]
                    });
                    let checks = t.checks.iter().map(move |c| {
                        vec![
                            s("def"),
                            s(t.db.clone()),
                            s(c.name.clone()),
                            s(t.db.clone()),
                            s(t.name.clone()),
                            s("CHECK"),
                            s(if c.enforced { "YES" } else { "NO" }),
                        ]
                    });
                    keys.chain(fks).chain(checks)
                })
                .collect(),
        ),
        "CHECK_CONSTRAINTS" => (
            &["CONSTRAINT_CATALOG", "CONSTRAINT_SCHEMA", "CONSTRAINT_NAME", "CHECK_CLAUSE"],
            cat.tables
                .values()
                .flat_map(|t| {
                    t.checks.iter().map(move |c| vec![s("def"), s(t.db.clone()), s(c.name.clone()), s(c.expr.clone())])
                })
                .collect(),
        ),
        "KEY_COLUMN_USAGE" => (
            &[
                "CONSTRAINT_CATALOG",
                "CONSTRAINT_SCHEMA",
                "CONSTRAINT_NAME",
                "TABLE_CATALOG",
                "TABLE_SCHEMA",
                "TABLE_NAME",
                "COLUMN_NAME",
                "ORDINAL_POSITION",
                "POSITION_IN_UNIQUE_CONSTRAINT",
                "REFERENCED_TABLE_SCHEMA",
                "REFERENCED_TABLE_NAME",
                "REFERENCED_COLUMN_NAME",
            ],
            cat.tables
                .values()
                .flat_map(|t| {
                    let keys = t.indexes.iter().filter(|i| i.unique).flat_map(move |i| {
                        i.columns.iter().enumerate().map(move |(n, &c)| {
                            let mut row = vec![s("def"), s(t.db.clone()), s(i.name.clone()), s("def"), s(t.db.clone())];
                            row.extend([s(t.name.clone()), s(t.columns[c].name.clone()), Value::Int(n as i64 + 1)]);
                            row.extend([Value::Null, Value::Null, Value::Null, Value::Null]);
                            row
                        })
                    });
                    let fks = t.foreign_keys.iter().flat_map(move |f| {
                        f.columns.iter().zip(&f.ref_columns).enumerate().map(move |(n, (c, rc))| {
                            let ref_db = f.ref_db.clone().unwrap_or_else(|| t.db.clone());
                            let mut row = vec![s("def"), s(t.db.clone()), s(f.name.clone()), s("def"), s(t.db.clone())];
                            row.extend([s(t.name.clone()), s(c.clone()), Value::Int(n as i64 + 1)]);
                            row.extend([Value::Int(n as i64 + 1), s(ref_db), s(f.ref_table.clone()), s(rc.clone())]);
                            row
                        })
                    });
                    keys.chain(fks)
                })
                .collect(),
        ),
        "REFERENTIAL_CONSTRAINTS" => (
            &[
                "CONSTRAINT_CATALOG",
                "CONSTRAINT_SCHEMA",
                "CONSTRAINT_NAME",
                "UNIQUE_CONSTRAINT_CATALOG",
                "UNIQUE_CONSTRAINT_SCHEMA",
                "UNIQUE_CONSTRAINT_NAME",
                "MATCH_OPTION",
                "UPDATE_RULE",
                "DELETE_RULE",
                "TABLE_NAME",
                "REFERENCED_TABLE_NAME",
            ],
            cat.tables
                .values()
                .flat_map(|t| {
                    t.foreign_keys.iter().map(move |f| {
                        let ref_db = f.ref_db.clone().unwrap_or_else(|| t.db.clone());
                        // The referenced table's unique index over the
                        // referenced columns, when there is one.
                        let unique =
                            cat.tables.values().find(|r| r.db == ref_db && r.name == f.ref_table).and_then(|r| {
                                r.indexes
                                    .iter()
                                    .find(|i| {
                                        i.unique
                                            && i.columns.len() == f.ref_columns.len()
                                            && i.columns
                                                .iter()
                                                .zip(&f.ref_columns)
                                                .all(|(&c, n)| r.columns[c].name.eq_ignore_ascii_case(n))
                                    })
                                    .map(|i| i.name.clone())
                            });
                        let rule = |r: &Option<String>| s(r.clone().unwrap_or_else(|| "NO ACTION".into()));
                        vec![
                            s("def"),
                            s(t.db.clone()),
                            s(f.name.clone()),
                            s("def"),
                            s(ref_db),
                            opt_s(unique),
                            s("NONE"),
                            rule(&f.on_update),
                            rule(&f.on_delete),
                            s(t.name.clone()),
                            s(f.ref_table.clone()),
                        ]
                    })
                })
                .collect(),
        ),
        "TABLES" => (
            &[
                "TABLE_CATALOG",
                "TABLE_SCHEMA",
                "TABLE_NAME",
                "TABLE_TYPE",
                "ENGINE",
                "VERSION",
                "ROW_FORMAT",
                "TABLE_ROWS",
                "AVG_ROW_LENGTH",
                "DATA_LENGTH",
                "MAX_DATA_LENGTH",
                "INDEX_LENGTH",
                "DATA_FREE",
                "AUTO_INCREMENT",
                "CREATE_TIME",
                "UPDATE_TIME",
                "CHECK_TIME",
                "TABLE_COLLATION",
                "CHECKSUM",
                "CREATE_OPTIONS",
                "TABLE_COMMENT",
            ],
            cat.tables
                .values()
                .map(|t| {
                    vec![
                        s("def"),
                        s(t.db.clone()),
                        s(t.name.clone()),
                        s("BASE TABLE"),
                        s(t.engine.clone()),
                        Value::Int(10),
                        s(row_format_name(t)),
                        Value::Int(0),
                        Value::Int(0),
                        Value::Int(0),
                        Value::Int(0),
                        Value::Int(0),
                        Value::Int(0),
                        Value::Null,
                        Value::Null,
                        Value::Null,
                        Value::Null,
                        s(t.options.collation()),
                        Value::Null,
                        s(create_options_text(t)),
                        s(t.comment.clone()),
                    ]
                })
                .chain(cat.views.values().map(|v| {
                    let mut row = vec![s("def"), s(v.db.clone()), s(v.name.clone()), s("VIEW")];
                    row.extend(std::iter::repeat_n(Value::Null, 16));
                    row.push(s("VIEW"));
                    row
                }))
                .collect(),
        ),
        "COLUMNS" => (
            &[
                "TABLE_CATALOG",
                "TABLE_SCHEMA",
                "TABLE_NAME",
                "COLUMN_NAME",
                "ORDINAL_POSITION",
                "COLUMN_DEFAULT",
                "IS_NULLABLE",
                "DATA_TYPE",
                "CHARACTER_MAXIMUM_LENGTH",
                "CHARACTER_OCTET_LENGTH",
                "NUMERIC_PRECISION",
                "NUMERIC_SCALE",
                "DATETIME_PRECISION",
                "CHARACTER_SET_NAME",
                "COLLATION_NAME",
                "COLUMN_TYPE",
                "COLUMN_KEY",
                "EXTRA",
                "PRIVILEGES",
                "COLUMN_COMMENT",
                "GENERATION_EXPRESSION",
                "SRS_ID",
            ],
            cat.tables
                .values()
                .flat_map(|t| {
                    t.columns.iter().enumerate().map(move |(i, c)| {
                        let data_type = c.ty.sql_name().split(['(', ' ']).next().unwrap_or("").to_string();
                        let char_len = c.ty.max_bytes().filter(|_| c.ty.is_string() || c.ty.is_binary());
                        vec![
                            s("def"),
                            s(t.db.clone()),
                            s(t.name.clone()),
                            s(c.name.clone()),
                            Value::Int(i as i64 + 1),
                            opt_s(default_text(c)),
                            s(if c.nullable { "YES" } else { "NO" }),
                            s(data_type),
                            char_len.map(|l| Value::Int(l as i64)).unwrap_or(Value::Null),
                            char_len
                                .map(|l| Value::Int(if c.ty.is_string() { l as i64 * 4 } else { l as i64 }))
                                .unwrap_or(Value::Null),
                            if c.ty.is_numeric() || c.ty.kind == TypeKind::Bit {
                                Value::Int(numeric_precision(&c.ty))
                            } else {
                                Value::Null
                            },
                            if c.ty.is_integer() || c.ty.kind == TypeKind::Decimal {
                                Value::Int(c.ty.scale as i64)
                            } else {
                                Value::Null
                            },
                            if c.ty.is_temporal() && c.ty.kind != TypeKind::Date {
                                Value::Int(c.ty.len as i64)
                            } else {
                                Value::Null
                            },
                            if c.ty.is_string() { s(column_collation(t, c).0) } else { Value::Null },
                            if c.ty.is_string() { s(column_collation(t, c).1) } else { Value::Null },
                            s(c.ty.sql_name()),
                            s(column_key(t, i)),
                            s(extra(c)),
                            s("select,insert,update,references"),
                            s(c.comment.clone()),
                            s(c.generated.as_ref().map(|g| g.expr.clone()).unwrap_or_default()),
                            c.srid.map(|v| Value::Int(v as i64)).unwrap_or(Value::Null),
                        ]
                    })
                })
                .collect(),
        ),
        "STATISTICS" => (
            &[
                "TABLE_CATALOG",
                "TABLE_SCHEMA",
                "TABLE_NAME",
                "NON_UNIQUE",
                "INDEX_SCHEMA",
                "INDEX_NAME",
                "SEQ_IN_INDEX",
                "COLUMN_NAME",
                "COLLATION",
                "CARDINALITY",
                "SUB_PART",
                "PACKED",
                "NULLABLE",
                "INDEX_TYPE",
                "COMMENT",
                "INDEX_COMMENT",
                "IS_VISIBLE",
                "EXPRESSION",
            ],
            cat.tables
                .values()
                .flat_map(|t| {
                    index_rows(t).into_iter().map(move |r| {
                        let mut out = vec![s("def"), s(t.db.clone())];
                        out.push(r[0].clone());
                        out.push(r[1].clone());
                        out.push(s(t.db.clone()));
                        out.extend(r[2..].iter().cloned());
                        out
                    })
                })
                .collect(),
        ),
        "VIEWS" => (
            &[
                "TABLE_CATALOG",
                "TABLE_SCHEMA",
                "TABLE_NAME",
                "VIEW_DEFINITION",
                "CHECK_OPTION",
                "IS_UPDATABLE",
                "DEFINER",
                "SECURITY_TYPE",
                "CHARACTER_SET_CLIENT",
                "COLLATION_CONNECTION",
            ],
            cat.views
                .values()
                .map(|v| {
                    vec![
                        s("def"),
                        s(v.db.clone()),
                        s(v.name.clone()),
                        s(v.query.clone()),
                        s("NONE"),
                        s("NO"),
                        s("root@%"),
                        s("DEFINER"),
                        s("utf8mb4"),
                        s("utf8mb4_0900_ai_ci"),
                    ]
                })
                .collect(),
        ),
        // No tablespace files: every table lives in the server's one
        // key-value engine (ARCHITECTURE.md, departures).
        "FILES" => (
            &[
                "FILE_ID",
                "FILE_NAME",
                "FILE_TYPE",
                "TABLESPACE_NAME",
                "TABLE_CATALOG",
                "TABLE_SCHEMA",
                "TABLE_NAME",
                "LOGFILE_GROUP_NAME",
                "LOGFILE_GROUP_NUMBER",
                "ENGINE",
                "FULLTEXT_KEYS",
                "DELETED_ROWS",
                "UPDATE_COUNT",
                "FREE_EXTENTS",
                "TOTAL_EXTENTS",
                "EXTENT_SIZE",
                "INITIAL_SIZE",
                "MAXIMUM_SIZE",
                "AUTOEXTEND_SIZE",
                "CREATION_TIME",
                "LAST_UPDATE_TIME",
                "LAST_ACCESS_TIME",
                "RECOVER_TIME",
                "TRANSACTION_COUNTER",
                "VERSION",
                "ROW_FORMAT",
                "TABLE_ROWS",
                "AVG_ROW_LENGTH",
                "DATA_LENGTH",
                "MAX_DATA_LENGTH",
                "INDEX_LENGTH",
                "DATA_FREE",
                "CREATE_TIME",
                "UPDATE_TIME",
                "CHECK_TIME",
                "CHECKSUM",
                "STATUS",
                "EXTRA",
            ],
            vec![],
        ),
        // One row per table with no partitioning, as MySQL lists a table
        // that is not partitioned.
        "PARTITIONS" => (
            &[
                "TABLE_CATALOG",
                "TABLE_SCHEMA",
                "TABLE_NAME",
                "PARTITION_NAME",
                "SUBPARTITION_NAME",
                "PARTITION_ORDINAL_POSITION",
                "SUBPARTITION_ORDINAL_POSITION",
                "PARTITION_METHOD",
                "SUBPARTITION_METHOD",
                "PARTITION_EXPRESSION",
                "SUBPARTITION_EXPRESSION",
                "PARTITION_DESCRIPTION",
                "TABLE_ROWS",
                "AVG_ROW_LENGTH",
                "DATA_LENGTH",
                "MAX_DATA_LENGTH",
                "INDEX_LENGTH",
                "DATA_FREE",
                "CREATE_TIME",
                "UPDATE_TIME",
                "CHECK_TIME",
                "CHECKSUM",
                "PARTITION_COMMENT",
                "NODEGROUP",
                "TABLESPACE_NAME",
            ],
            cat.tables
                .values()
                .map(|t| {
                    let mut row = vec![s("def"), s(t.db.clone()), s(t.name.clone())];
                    row.extend(std::iter::repeat_n(Value::Null, 9));
                    row.extend(std::iter::repeat_n(Value::Int(0), 6));
                    row.extend(std::iter::repeat_n(Value::Null, 4));
                    row.extend([s(""), Value::Null, Value::Null]);
                    row
                })
                .collect(),
        ),
        // guocedb has no triggers (CREATE TRIGGER is not supported).
        "TRIGGERS" => (
            &[
                "TRIGGER_CATALOG",
                "TRIGGER_SCHEMA",
                "TRIGGER_NAME",
                "EVENT_MANIPULATION",
                "EVENT_OBJECT_CATALOG",
                "EVENT_OBJECT_SCHEMA",
                "EVENT_OBJECT_TABLE",
                "ACTION_ORDER",
                "ACTION_CONDITION",
                "ACTION_STATEMENT",
                "ACTION_ORIENTATION",
                "ACTION_TIMING",
                "ACTION_REFERENCE_OLD_TABLE",
                "ACTION_REFERENCE_NEW_TABLE",
                "ACTION_REFERENCE_OLD_ROW",
                "ACTION_REFERENCE_NEW_ROW",
                "CREATED",
                "SQL_MODE",
                "DEFINER",
                "CHARACTER_SET_CLIENT",
                "COLLATION_CONNECTION",
                "DATABASE_COLLATION",
            ],
            vec![],
        ),
        "ENGINES" => (
            &["ENGINE", "SUPPORT", "COMMENT", "TRANSACTIONS", "XA", "SAVEPOINTS"],
            match show_engines() {
                QueryResult::Rows { rows, .. } => rows,
                _ => vec![],
            },
        ),
        "ROUTINES" => (
            &[
                "SPECIFIC_NAME",
                "ROUTINE_CATALOG",
                "ROUTINE_SCHEMA",
                "ROUTINE_NAME",
                "ROUTINE_TYPE",
                "DATA_TYPE",
                "ROUTINE_BODY",
                "EXTERNAL_NAME",
                "EXTERNAL_LANGUAGE",
                "IS_DETERMINISTIC",
                "SQL_DATA_ACCESS",
                "ROUTINE_COMMENT",
            ],
            cat.functions
                .values()
                .map(|f| {
                    let d = &f.def;
                    vec![
                        s(d.name.clone()),
                        s("def"),
                        s(""),
                        s(d.name.clone()),
                        s("FUNCTION"),
                        s(d.ret.name()),
                        s("EXTERNAL"),
                        d.soname.clone().map(s).unwrap_or(Value::Null),
                        s("WASM"),
                        s("YES"),
                        s("NO SQL"),
                        s(format!("{:?} function, module sha256 {}", d.kind, d.sha256).to_lowercase()),
                    ]
                })
                .collect(),
        ),
        _ => return None,
    };
    let columns = system_columns(names, &rows, "information_schema", &t);
    Some((columns, rows))
}

/// The result columns of a system table (information_schema,
/// performance_schema): VARCHAR, or BIGINT where every value is an integer.
pub fn system_columns(names: &[&str], rows: &[Vec<Value>], db: &str, table: &str) -> Vec<ColumnInfo> {
    let mut columns = cols(names);
    for (i, c) in columns.iter_mut().enumerate() {
        let all_int = rows.iter().all(|r| matches!(r.get(i), Some(Value::Int(_) | Value::Null)));
        if all_int && rows.iter().any(|r| matches!(r.get(i), Some(Value::Int(_)))) {
            c.ty = SqlType::bigint();
        }
        c.nullable = true;
        c.table = Some(table.to_string());
        c.db = db.to_string();
        c.org_table = table.to_string();
    }
    columns
}

fn numeric_precision(t: &SqlType) -> i64 {
    match t.kind {
        TypeKind::TinyInt => 3,
        TypeKind::SmallInt => 5,
        TypeKind::MediumInt => 7,
        TypeKind::Int => 10,
        TypeKind::BigInt => {
            if t.unsigned {
                20
            } else {
                19
            }
        }
        TypeKind::Decimal | TypeKind::Bit => t.len as i64,
        TypeKind::Float => 12,
        _ => 22,
    }
}

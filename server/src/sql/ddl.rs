//! Data definition: databases, tables, indexes, ALTER TABLE, TRUNCATE and
//! RENAME. A DDL statement holds the schema lock exclusively, builds the
//! new catalog and any rewritten data, and writes both in one synced batch,
//! so a crash leaves either the old schema and data or the new ones.

use std::collections::HashSet;

use guocedb_engines::{Direction, KeyRange, WriteBatch};
use sqlparser::ast;

use crate::catalog::keys::{index_prefix, table_prefix};
use crate::catalog::row::{decode_row, encode_row};
use crate::catalog::{
    self, ColumnDef, ColumnDefault, DatabaseDef, IndexDef, TableDef, TableOptions, MAX_COLUMNS, MAX_INDEXES,
    MAX_KEY_PARTS, MAX_NAME_LEN, PRIMARY_INDEX_ID,
};
use crate::db::Database;
use crate::error::{DbError, Result};
use crate::sql::charset;
use crate::sql::constraints;
use crate::sql::dialect::CustomType;
use crate::sql::plan::{self, object_name_parts};
use crate::sql::table;
use crate::sql::types::{Spatial, SqlType, TypeKind};
use crate::sql::value::Value;
use crate::sql::QueryResult;

/// Names of the databases that always exist and cannot be created/dropped.
pub const SYSTEM_DATABASES: [&str; 4] = ["information_schema", "mysql", "performance_schema", "sys"];

fn check_name(kind: &str, name: &str) -> Result<()> {
    if name.chars().count() > MAX_NAME_LEN {
        return Err(DbError::new(1059, "42000", format!("Identifier name '{name}' is too long")));
    }
    if name.is_empty() || name.ends_with(' ') {
        return Err(DbError::new(
            if kind == "table" { 1103 } else { 1102 },
            "42000",
            format!("Incorrect {kind} name '{name}'"),
        ));
    }
    Ok(())
}

pub fn create_database(db: &Database, name: &ast::ObjectName, if_not_exists: bool) -> Result<QueryResult> {
    let name = object_name_parts(name).join(".");
    check_name("database", &name)?;
    let _g = db.ddl_write();
    let mut cat = (*db.catalog()).clone();
    if cat.database(&name).is_some() || SYSTEM_DATABASES.iter().any(|s| s.eq_ignore_ascii_case(&name)) {
        if if_not_exists {
            return Ok(QueryResult::ok(0));
        }
        return Err(DbError::db_exists(&name));
    }
    let mut batch = WriteBatch::new();
    cat.put_database(
        DatabaseDef { name, charset: "utf8mb4".into(), collation: "utf8mb4_0900_ai_ci".into() },
        &mut batch,
    )?;
    db.commit_ddl(cat, batch)?;
    Ok(QueryResult::ok(1))
}

pub fn drop_database(db: &Database, name: &str, if_exists: bool) -> Result<QueryResult> {
    let _g = db.ddl_write();
    let mut cat = (*db.catalog()).clone();
    if cat.database(name).is_none() {
        if if_exists {
            return Ok(QueryResult::ok(0));
        }
        if SYSTEM_DATABASES.iter().any(|s| s.eq_ignore_ascii_case(name)) {
            return Err(DbError::new(1044, "42000", format!("Access denied for user 'root'@'%' to database '{name}'")));
        }
        return Err(DbError::db_drop_missing(name));
    }
    let ids: Vec<u64> = cat.tables_in(name).map(|t| t.id).collect();
    let mut batch = WriteBatch::new();
    let snap = db.store.snapshot();
    let n = cat.drop_database(name, &mut batch, snap.as_ref())?;
    db.commit_ddl(cat, batch)?;
    ids.iter().for_each(|id| db.counters.forget(*id));
    Ok(QueryResult::ok(n as u64))
}

/// Map a parsed data type to ours; `column` names the column in errors.
pub fn sql_type(column: &str, dt: &ast::DataType) -> Result<SqlType> {
    use ast::DataType as D;
    let int = |k: TypeKind, unsigned: bool| SqlType { unsigned, ..SqlType::new(k) };
    let char_len = |l: &Option<ast::CharacterLength>, default: u32| -> u32 {
        match l {
            Some(ast::CharacterLength::IntegerLength { length, .. }) => *length as u32,
            _ => default,
        }
    };
    let dec = |info: &ast::ExactNumberInfo, unsigned: bool| -> Result<SqlType> {
        let (p, s) = match info {
            ast::ExactNumberInfo::None => (10, 0),
            ast::ExactNumberInfo::Precision(p) => (*p as u32, 0),
            ast::ExactNumberInfo::PrecisionAndScale(p, s) => (*p as u32, *s as u32),
        };
        if p > 65 {
            return Err(DbError::new(1426, "42000", format!("Too-big precision {p} specified. Maximum is 65.")));
        }
        if s > 30 {
            return Err(DbError::new(1425, "42000", format!("Too big scale {s} specified. Maximum is 30.")));
        }
        if s > p {
            return Err(DbError::new(1427, "42000", "For float(M,D), double(M,D) or decimal(M,D), M must be >= D"));
        }
        // Values are exact to 28 significant digits (see ARCHITECTURE.md).
        Ok(SqlType { unsigned, ..SqlType::decimal(p.max(1), s as u8) })
    };
    Ok(match dt {
        D::TinyInt(_) => int(TypeKind::TinyInt, false),
        D::TinyIntUnsigned(_) | D::UTinyInt => int(TypeKind::TinyInt, true),
        D::SmallInt(_) | D::Int2(_) => int(TypeKind::SmallInt, false),
        D::SmallIntUnsigned(_) | D::Int2Unsigned(_) | D::USmallInt => int(TypeKind::SmallInt, true),
        D::MediumInt(_) => int(TypeKind::MediumInt, false),
        D::MediumIntUnsigned(_) => int(TypeKind::MediumInt, true),
        D::Int(_) | D::Integer(_) | D::Int4(_) => int(TypeKind::Int, false),
        D::IntUnsigned(_) | D::IntegerUnsigned(_) | D::Int4Unsigned(_) | D::Unsigned | D::UnsignedInteger => {
            int(TypeKind::Int, true)
        }
        D::BigInt(_) | D::Int8(_) | D::Int64 => int(TypeKind::BigInt, false),
        D::BigIntUnsigned(_) | D::Int8Unsigned(_) | D::UBigInt | D::UInt64 => int(TypeKind::BigInt, true),
        D::Bool | D::Boolean => SqlType { is_bool: true, ..int(TypeKind::TinyInt, false) },
        D::Decimal(i) | D::Numeric(i) | D::Dec(i) => dec(i, false)?,
        D::DecimalUnsigned(i) | D::DecUnsigned(i) => dec(i, true)?,
        D::Float(info) => {
            let p = match info {
                ast::ExactNumberInfo::Precision(p) | ast::ExactNumberInfo::PrecisionAndScale(p, _) => *p,
                ast::ExactNumberInfo::None => 0,
            };
            SqlType::new(if p > 24 { TypeKind::Double } else { TypeKind::Float })
        }
        D::FloatUnsigned(_) => SqlType { unsigned: true, ..SqlType::new(TypeKind::Float) },
        D::Real | D::Double(_) | D::DoublePrecision | D::Float8 | D::Float64 => SqlType::new(TypeKind::Double),
        D::DoubleUnsigned(_) | D::DoublePrecisionUnsigned | D::RealUnsigned => {
            SqlType { unsigned: true, ..SqlType::new(TypeKind::Double) }
        }
        D::Char(l) | D::Character(l) => char_type(char_len(l, 1) as u64)?,
        D::Varchar(l) | D::CharacterVarying(l) | D::CharVarying(l) | D::Nvarchar(l) => {
            let Some(ast::CharacterLength::IntegerLength { length, .. }) = l else {
                return Err(DbError::parse("VARCHAR without a length"));
            };
            varchar_type(*length)?
        }
        D::Text => SqlType::text(),
        D::TinyText => SqlType { size_class: 0, len: 255, ..SqlType::new(TypeKind::Text) },
        D::MediumText => SqlType { size_class: 2, len: 16_777_215, ..SqlType::new(TypeKind::Text) },
        D::LongText => SqlType { size_class: 3, len: u32::MAX, ..SqlType::new(TypeKind::Text) },
        D::Binary(l) => SqlType { len: l.unwrap_or(1) as u32, ..SqlType::new(TypeKind::Binary) },
        D::Varbinary(l) => {
            let len = match l {
                Some(ast::BinaryLength::IntegerLength { length }) => *length as u32,
                _ => return Err(DbError::parse("VARBINARY without a length")),
            };
            SqlType { len, ..SqlType::new(TypeKind::Varbinary) }
        }
        // BLOB(M): the smallest BLOB type that holds M bytes.
        D::Blob(Some(m)) => match *m {
            0..=255 => SqlType { size_class: 0, len: 255, ..SqlType::new(TypeKind::Blob) },
            256..=65_535 => SqlType { len: 65535, ..SqlType::new(TypeKind::Blob) },
            65_536..=16_777_215 => SqlType { size_class: 2, len: 16_777_215, ..SqlType::new(TypeKind::Blob) },
            _ => SqlType { size_class: 3, len: u32::MAX, ..SqlType::new(TypeKind::Blob) },
        },
        D::Blob(None) | D::Bytea => SqlType { len: 65535, ..SqlType::new(TypeKind::Blob) },
        D::TinyBlob => SqlType { size_class: 0, len: 255, ..SqlType::new(TypeKind::Blob) },
        D::MediumBlob => SqlType { size_class: 2, len: 16_777_215, ..SqlType::new(TypeKind::Blob) },
        D::LongBlob => SqlType { size_class: 3, len: u32::MAX, ..SqlType::new(TypeKind::Blob) },
        D::Date => SqlType::new(TypeKind::Date),
        D::Datetime(p) => SqlType { len: p.unwrap_or(0) as u32, ..SqlType::new(TypeKind::DateTime) },
        D::Timestamp(p, _) => SqlType { len: p.unwrap_or(0) as u32, ..SqlType::new(TypeKind::Timestamp) },
        D::Float4 => SqlType::new(TypeKind::Float),
        // BIT(0) is BIT(1), as in MySQL.
        D::Bit(m) => match m.unwrap_or(1) {
            0 => SqlType { len: 1, ..SqlType::new(TypeKind::Bit) },
            m @ 1..=64 => SqlType { len: m as u32, ..SqlType::new(TypeKind::Bit) },
            _ => {
                return Err(DbError::new(
                    1439,
                    "42000",
                    format!("Display width out of range for column '{column}' (max = 64)"),
                ))
            }
        },
        D::Time(fsp, ast::TimezoneInfo::None) => SqlType { len: fsp_of(column, *fsp)?, ..SqlType::new(TypeKind::Time) },
        D::JSON => SqlType::new(TypeKind::Json),
        D::Enum(members, None) => {
            let names: Vec<String> = members
                .iter()
                .map(|m| match m {
                    ast::EnumMember::Name(n) | ast::EnumMember::NamedValue(n, _) => n.clone(),
                })
                .collect();
            SqlType { elems: Some(members_of(column, "ENUM", &names)?.into()), ..SqlType::new(TypeKind::Enum) }
        }
        D::Set(members) => {
            SqlType { elems: Some(members_of(column, "SET", members)?.into()), ..SqlType::new(TypeKind::Set) }
        }
        D::Custom(name, mods) => {
            let name = object_name_parts(name).join(".");
            let len = mods.first().and_then(|m| m.to_string().parse::<u64>().ok());
            match name.as_str() {
                CustomType::SERIAL => int(TypeKind::BigInt, true),
                CustomType::NCHAR => char_type(len.unwrap_or(1))?,
                CustomType::NVARCHAR => varchar_type(len.unwrap_or(0))?,
                // YEAR(4) is the only display width MySQL 8 takes.
                CustomType::YEAR if len.is_none_or(|w| w == 4) => SqlType { len: 4, ..SqlType::new(TypeKind::Year) },
                CustomType::YEAR => {
                    return Err(DbError::new(1818, "HY000", "Supports only YEAR or YEAR(4) column."));
                }
                other => match Spatial::from_name(other) {
                    Some(g) => SqlType::new(TypeKind::Geometry(g)),
                    None => return Err(DbError::unsupported(format!("column type {name}"))),
                },
            }
        }
        other => return Err(DbError::unsupported(format!("column type {other}"))),
    })
}

/// Fractional-seconds precision: 0..6 (1426 beyond).
fn fsp_of(column: &str, fsp: Option<u64>) -> Result<u32> {
    match fsp.unwrap_or(0) {
        p @ 0..=6 => Ok(p as u32),
        p => Err(DbError::new(1426, "42000", format!("Too-big precision {p} specified for '{column}'. Maximum is 6."))),
    }
}

/// Most ENUM members / SET members a column may have.
pub const MAX_ENUM_MEMBERS: usize = 65_535;
pub const MAX_SET_MEMBERS: usize = 64;

/// The members of an ENUM or SET as MySQL keeps them: trailing spaces
/// removed, no duplicates under the column's collation (1291), no comma in
/// a SET member (1367), at most 65535 / 64 of them (1097).
fn members_of(column: &str, kind: &str, names: &[String]) -> Result<Vec<String>> {
    let max = if kind == "SET" { MAX_SET_MEMBERS } else { MAX_ENUM_MEMBERS };
    if names.len() > max {
        return Err(DbError::new(1097, "HY000", format!("Too many strings for column {column} and {kind}")));
    }
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    let mut seen = HashSet::with_capacity(names.len());
    for n in names {
        let m = n.trim_end_matches(' ').to_string();
        if kind == "SET" && m.contains(',') {
            return Err(DbError::new(1367, "22007", format!("Illegal set '{m}' value found during parsing")));
        }
        if !seen.insert(crate::sql::value::collate_key(&m).into_owned()) {
            return Err(DbError::new(1291, "HY000", format!("Column '{column}' has duplicated value '{m}' in {kind}")));
        }
        out.push(m);
    }
    Ok(out)
}

/// CHAR(n): at most 255 characters (1074 beyond).
fn char_type(n: u64) -> Result<SqlType> {
    if n > 255 {
        return Err(DbError::new(1074, "42000", "Column length too big (max = 255); use BLOB or TEXT instead"));
    }
    Ok(SqlType { len: n as u32, ..SqlType::new(TypeKind::Char) })
}

/// VARCHAR(n): at most 16383 utf8mb4 characters (1074 beyond).
fn varchar_type(n: u64) -> Result<SqlType> {
    if n > 16383 {
        return Err(DbError::new(1074, "42000", "Column length too big (max = 16383); use BLOB or TEXT instead"));
    }
    Ok(SqlType::varchar(n as u32))
}

fn is_now_expr(e: &ast::Expr) -> bool {
    match e {
        ast::Expr::Function(f) => {
            let n = object_name_parts(&f.name).last().cloned().unwrap_or_default().to_ascii_lowercase();
            matches!(n.as_str(), "now" | "current_timestamp" | "localtime" | "localtimestamp")
        }
        ast::Expr::Identifier(i) => i.value.eq_ignore_ascii_case("current_timestamp"),
        _ => false,
    }
}

/// Evaluate a DEFAULT clause to a constant. TEXT, BLOB, JSON and spatial
/// columns take only NULL or a parenthesized expression (1101), as in
/// MySQL 8.
fn default_of(db: &Database, name: &str, ty: &SqlType, e: &ast::Expr) -> Result<ColumnDefault> {
    if is_now_expr(e) {
        if !ty.is_temporal() || ty.kind == TypeKind::Time {
            return Err(DbError::invalid_default(name));
        }
        return Ok(ColumnDefault::CurrentTimestamp);
    }
    let is_null = matches!(e, ast::Expr::Value(v) if matches!(v.value, ast::Value::Null));
    if ty.needs_key_prefix() && !is_null && !matches!(e, ast::Expr::Nested(_)) {
        return Err(DbError::new(
            1101,
            "42000",
            format!("BLOB, TEXT, GEOMETRY or JSON column '{name}' can't have a default value"),
        ));
    }
    let cat = db.catalog();
    let vars = NoVars;
    let mut binder = plan::Binder::new(&cat, &vars);
    let bound = binder
        .bind_expr(e, &plan::Scope::default(), &mut None, "field list")
        .map_err(|_| DbError::invalid_default(name))?;
    let v = match bound {
        crate::sql::expr::Expr::Lit(v) => v,
        crate::sql::expr::Expr::Unary(crate::sql::expr::UnOp::Neg, inner) => match *inner {
            crate::sql::expr::Expr::Lit(v) => crate::sql::expr::binary(crate::sql::expr::BinOp::Sub, Value::Int(0), v)?,
            _ => return Err(DbError::invalid_default(name)),
        },
        _ => return Err(DbError::invalid_default(name)),
    };
    if v.is_null() {
        return Ok(ColumnDefault::Const(None));
    }
    let coerced = table::coerce(v, name, ty, 1).map_err(|_| DbError::invalid_default(name))?;
    Ok(ColumnDefault::Const(table::stored_text(&coerced, ty)))
}

struct NoVars;
impl plan::VarSource for NoVars {
    fn user_var(&self, _: &str) -> Value {
        Value::Null
    }
    fn system_var(&self, name: &str, _: bool) -> Result<Value> {
        Err(DbError::unknown_variable(name))
    }
    fn current_db(&self) -> Option<&str> {
        None
    }
}

/// The character set and explicit collation a column's options give, and
/// whether the type itself names one (the NATIONAL types: `utf8mb3`).
fn column_charset(c: &ast::ColumnDef) -> Result<(Option<String>, Option<String>)> {
    let mut cs: Option<String> = None;
    let mut coll: Option<String> = None;
    if let ast::DataType::Custom(n, mods) = &c.data_type {
        let n = object_name_parts(n).join(".");
        if n == CustomType::NCHAR || n == CustomType::NVARCHAR {
            cs = Some("utf8mb3".into());
            if mods.iter().any(|m| m.to_string() == "BINARY") {
                coll = Some("utf8mb3_bin".into());
            }
        }
    }
    for opt in &c.options {
        match &opt.option {
            ast::ColumnOption::CharacterSet(n) => cs = Some(object_name_parts(n).join(".")),
            ast::ColumnOption::Collation(n) => coll = Some(object_name_parts(n).join(".")),
            _ => {}
        }
    }
    charset::resolve(cs.as_deref(), coll.as_deref())
}

/// A string type in the `binary` character set becomes the binary string
/// type of the same shape, as in MySQL (CHAR(n) → BINARY(n), VARCHAR(n) →
/// VARBINARY(n), TEXT → BLOB of the same size).
fn binary_string_type(ty: SqlType) -> SqlType {
    let kind = match ty.kind {
        TypeKind::Char => TypeKind::Binary,
        TypeKind::Varchar => TypeKind::Varbinary,
        TypeKind::Text => TypeKind::Blob,
        _ => return ty,
    };
    SqlType { kind, ..ty }
}

/// Column definition plus any inline key it declares. `table_charset` is
/// the table's default character set (string columns without their own
/// take it).
/// A CHECK constraint as written, before it is named and validated.
pub struct PendingCheck {
    pub name: Option<String>,
    pub expr: ast::Expr,
    pub enforced: bool,
    /// The column a column-level constraint is written on.
    pub column: Option<String>,
}

/// What a column definition declares besides the column.
#[derive(Default)]
struct ColumnExtras {
    pk: bool,
    unique: bool,
    checks: Vec<PendingCheck>,
    /// The generation expression as written (validated once every column is known).
    generated: Option<ast::Expr>,
}

fn column_def(db: &Database, c: &ast::ColumnDef, table: &TableOptions) -> Result<(ColumnDef, ColumnExtras)> {
    let table_charset = table.charset();
    let name = c.name.value.clone();
    check_name("column", &name)?;
    let mut ty = sql_type(&name, &c.data_type).map_err(|e| {
        if e.code == 1074 {
            // The column is named in MySQL's message.
            let msg =
                e.message.replacen("Column length too big", &format!("Column length too big for column '{name}'"), 1);
            DbError::new(1074, "42000", msg)
        } else {
            e
        }
    })?;
    let (charset, collation) = if ty.is_string() { column_charset(c)? } else { (None, None) };
    if charset.as_deref().unwrap_or(table_charset) == "binary" {
        ty = binary_string_type(ty);
    }
    let keep_charset = ty.is_string() && charset.as_deref().is_some_and(|c| c != table_charset);
    if ty.is_string() {
        // The column's collation: its own, its own character set's default,
        // or the table's.
        let effective = match (&collation, &charset) {
            (Some(c), _) => c.clone(),
            (None, Some(cs)) if cs != table_charset => charset::default_collation(cs).unwrap_or_default().to_string(),
            _ => table.collation(),
        };
        ty.case_sensitive = charset::is_case_sensitive(&effective);
    }
    let mut col = ColumnDef {
        name: name.clone(),
        ty: ty.clone(),
        nullable: true,
        default: ColumnDefault::None,
        auto_increment: false,
        on_update_now: false,
        comment: String::new(),
        charset: if keep_charset { charset } else { None },
        collation: if ty.is_string() { collation } else { None },
        srid: None,
        generated: None,
    };
    let (mut pk, mut unique) = (false, false);
    let mut extras = ColumnExtras::default();
    let mut explicit_null = false;
    if matches!(&c.data_type, ast::DataType::Custom(n, _) if object_name_parts(n).join(".") == CustomType::SERIAL) {
        // SERIAL: BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE.
        col.nullable = false;
        col.auto_increment = true;
        unique = true;
    }
    for opt in &c.options {
        match &opt.option {
            // The last of NULL / NOT NULL wins (SERIAL NULL is nullable).
            ast::ColumnOption::Null => {
                explicit_null = true;
                col.nullable = true
            }
            ast::ColumnOption::NotNull => col.nullable = false,
            ast::ColumnOption::Default(e) => col.default = default_of(db, &name, &ty, e)?,
            ast::ColumnOption::PrimaryKey(_) => pk = true,
            ast::ColumnOption::Unique(_) => unique = true,
            ast::ColumnOption::Comment(s) => {
                if s.chars().count() > 1024 {
                    return Err(DbError::new(
                        1629,
                        "HY000",
                        format!("Comment for field '{name}' is too long (max = 1024)"),
                    ));
                }
                col.comment = s.clone()
            }
            ast::ColumnOption::OnUpdate(e) if is_now_expr(e) => col.on_update_now = true,
            ast::ColumnOption::CharacterSet(_) | ast::ColumnOption::Collation(_) => {}
            ast::ColumnOption::Srid(e) => {
                if !matches!(ty.kind, TypeKind::Geometry(_)) {
                    return Err(DbError::new(
                        3655,
                        "HY000",
                        format!("Incorrect usage of SRID and non-geometry column '{name}'"),
                    ));
                }
                let srid = match e.as_ref() {
                    ast::Expr::Value(v) => match &v.value {
                        ast::Value::Number(n, _) => n.parse::<u32>().ok(),
                        _ => None,
                    },
                    _ => None,
                };
                col.srid = Some(srid.ok_or_else(|| DbError::parse(format!("SRID {e}")))?);
            }
            ast::ColumnOption::DialectSpecific(toks)
                if toks.iter().any(|t| t.to_string().eq_ignore_ascii_case("AUTO_INCREMENT")) =>
            {
                col.auto_increment = true
            }
            // SERIAL DEFAULT VALUE: NOT NULL AUTO_INCREMENT UNIQUE.
            ast::ColumnOption::DialectSpecific(toks)
                if toks.first().is_some_and(|t| t.to_string().eq_ignore_ascii_case("SERIAL")) =>
            {
                col.nullable = false;
                col.auto_increment = true;
                unique = true;
            }
            ast::ColumnOption::DialectSpecific(_) => {}
            ast::ColumnOption::Check(chk) => extras.checks.push(PendingCheck {
                name: chk.name.as_ref().or(opt.name.as_ref()).map(|n| n.value.clone()),
                expr: (*chk.expr).clone(),
                enforced: chk.enforced.unwrap_or(true),
                column: Some(name.clone()),
            }),
            ast::ColumnOption::Generated { generation_expr: Some(e), generation_expr_mode, .. } => {
                col.generated = Some(catalog::GeneratedDef {
                    expr: constraints::mysql_text(e),
                    stored: *generation_expr_mode == Some(ast::GeneratedExpressionMode::Stored),
                });
                extras.generated = Some(e.clone());
            }
            other => return Err(DbError::unsupported(format!("column option {other}"))),
        }
    }
    if pk {
        if explicit_null {
            return Err(DbError::new(
                1171,
                "42000",
                "All parts of a PRIMARY KEY must be NOT NULL; if you need NULL in a key, use UNIQUE instead",
            ));
        }
        col.nullable = false;
    }
    if col.auto_increment && !(ty.is_integer() || ty.is_float()) {
        return Err(DbError::new(1063, "42000", format!("Incorrect column specifier for column '{name}'")));
    }
    if !col.nullable && matches!(col.default, ColumnDefault::Const(None)) {
        return Err(DbError::invalid_default(&name));
    }
    if ty.kind == TypeKind::Timestamp && col.default == ColumnDefault::None && !explicit_null && col.nullable {
        // MySQL 8 (explicit_defaults_for_timestamp=ON): a plain TIMESTAMP is NULLable with default NULL.
    }
    if col.generated.is_some() {
        let unsupported =
            |what: &str| DbError::new(3106, "HY000", format!("'{what}' is not supported for generated columns."));
        if col.default != ColumnDefault::None {
            return Err(unsupported("Specified column default"));
        }
        if col.auto_increment {
            return Err(unsupported("Generated column AUTO_INCREMENT"));
        }
        if col.on_update_now {
            return Err(unsupported("ON UPDATE"));
        }
    }
    extras.pk = pk;
    extras.unique = unique;
    Ok((col, extras))
}

fn index_columns(t: &TableDef, cols: &[ast::IndexColumn]) -> Result<Vec<usize>> {
    if cols.len() > MAX_KEY_PARTS {
        return Err(DbError::new(
            1070,
            "42000",
            format!("Too many key parts specified; max {MAX_KEY_PARTS} parts allowed"),
        ));
    }
    let mut out = Vec::new();
    for ic in cols {
        let name = match &ic.column.expr {
            ast::Expr::Identifier(i) => i.value.clone(),
            // `col(10)` prefix lengths parse as a function call.
            ast::Expr::Function(f) => object_name_parts(&f.name).last().cloned().unwrap_or_default(),
            other => return Err(DbError::unsupported(format!("functional index on {other}"))),
        };
        let i = t
            .column_index(&name)
            .ok_or_else(|| DbError::new(1072, "42000", format!("Key column '{name}' doesn't exist in table")))?;
        check_key_part(&t.columns[i], matches!(&ic.column.expr, ast::Expr::Function(_)))?;
        out.push(i);
    }
    Ok(out)
}

/// Whether a column may be a key part: JSON never (3152); TEXT, BLOB and
/// spatial columns only with a prefix length (1170).
fn check_key_part(c: &ColumnDef, has_prefix: bool) -> Result<()> {
    if c.ty.kind == TypeKind::Json {
        return Err(DbError::new(
            3152,
            "42000",
            format!("JSON column '{}' supports indexing only via generated columns on a specified JSON path.", c.name),
        ));
    }
    if c.ty.needs_key_prefix() && !has_prefix {
        return Err(DbError::new(
            1170,
            "42000",
            format!("BLOB/TEXT column '{}' used in key specification without a key length", c.name),
        ));
    }
    Ok(())
}

/// Add an index definition to `t` (validating names and limits).
fn add_index(t: &mut TableDef, name: Option<String>, columns: Vec<usize>, unique: bool, primary: bool) -> Result<()> {
    if primary {
        if t.primary_key().is_some() {
            return Err(DbError::multiple_pk());
        }
        for &c in &columns {
            t.columns[c].nullable = false;
        }
        t.indexes
            .insert(0, IndexDef { id: PRIMARY_INDEX_ID, name: "PRIMARY".into(), columns, unique: true, primary: true });
        return Ok(());
    }
    if t.indexes.len() >= MAX_INDEXES {
        return Err(DbError::new(1069, "42000", format!("Too many keys specified; max {MAX_INDEXES} keys allowed")));
    }
    let name = match name {
        Some(n) => {
            if t.index_by_name(&n).is_some() || n.eq_ignore_ascii_case("PRIMARY") {
                return Err(DbError::dup_key_name(&n));
            }
            n
        }
        None => {
            let base = t.columns[columns[0]].name.clone();
            let mut n = base.clone();
            let mut k = 2;
            while t.index_by_name(&n).is_some() {
                n = format!("{base}_{k}");
                k += 1;
            }
            n
        }
    };
    let id = t.next_index_id;
    t.next_index_id += 1;
    t.indexes.push(IndexDef { id, name, columns, unique, primary: false });
    Ok(())
}

fn check_auto_increment(t: &TableDef) -> Result<()> {
    let autos: Vec<usize> = t.columns.iter().enumerate().filter(|(_, c)| c.auto_increment).map(|(i, _)| i).collect();
    if autos.len() > 1 {
        return Err(DbError::wrong_auto_key());
    }
    if let Some(&a) = autos.first() {
        if !t.indexes.iter().any(|i| i.columns.first() == Some(&a)) {
            return Err(DbError::wrong_auto_key());
        }
    }
    Ok(())
}

/// Table options as CREATE TABLE gives them (normalized by
/// `dialect::parse_table_options`).
struct CreateOptions {
    engine: String,
    comment: String,
    options: TableOptions,
}

/// The text of an option value: a number, a string, a name.
fn option_text(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
            ast::Value::Number(n, _) => n.clone(),
            other => other.to_string(),
        },
        ast::Expr::Identifier(i) => i.value.clone(),
        other => other.to_string(),
    }
}

/// Interpret the table options of a CREATE TABLE and check them as MySQL 8
/// does for InnoDB in strict mode (`innodb_strict_mode = ON`): 1031 for a
/// KEY_BLOCK_SIZE InnoDB has no page size for, a KEY_BLOCK_SIZE with a
/// ROW_FORMAT other than COMPRESSED, or ROW_FORMAT = FIXED; 1115/1273/1253
/// for character sets and collations; 1628 for a comment over 2048
/// characters.
fn create_options(table: &str, ct: &ast::CreateTable) -> Result<CreateOptions> {
    let opts = match &ct.table_options {
        ast::CreateTableOptions::Plain(o) | ast::CreateTableOptions::With(o) | ast::CreateTableOptions::Options(o) => {
            o.as_slice()
        }
        _ => &[],
    };
    let mut out = CreateOptions { engine: "InnoDB".into(), comment: String::new(), options: TableOptions::default() };
    let (mut charset, mut collation): (Option<String>, Option<String>) = (None, None);
    let o = &mut out.options;
    for opt in opts {
        let (key, value) = match opt {
            ast::SqlOption::KeyValue { key, value } => (object_name_parts(key).join(".").to_ascii_uppercase(), value),
            ast::SqlOption::NamedParenthesizedList(l) if l.key.value.eq_ignore_ascii_case("UNION") => {
                o.union = l.values.iter().map(|i| i.value.clone()).collect();
                continue;
            }
            ast::SqlOption::NamedParenthesizedList(l) if l.key.value.eq_ignore_ascii_case("ENGINE") => {
                if let Some(n) = &l.name {
                    out.engine = n.value.clone();
                }
                continue;
            }
            ast::SqlOption::Comment(ast::CommentDef::WithEq(c) | ast::CommentDef::WithoutEq(c)) => {
                out.comment = c.clone();
                continue;
            }
            // START TRANSACTION (atomic CREATE … SELECT) has nothing to keep.
            ast::SqlOption::Ident(_) => continue,
            other => return Err(DbError::unsupported(format!("table option {other}"))),
        };
        let text = option_text(value);
        let num = || text.parse::<u64>().unwrap_or(u64::MAX);
        let ternary = || text.parse::<u64>().ok().map(|n| n != 0);
        let null = matches!(value, ast::Expr::Value(v) if matches!(v.value, ast::Value::Null));
        match key.as_str() {
            "ENGINE" => out.engine = text,
            "COMMENT" => out.comment = text,
            "CHARSET" => charset = (!text.eq_ignore_ascii_case("DEFAULT")).then_some(text),
            "COLLATE" => collation = (!text.eq_ignore_ascii_case("DEFAULT")).then_some(text),
            "ROW_FORMAT" => o.row_format = Some(text.to_ascii_uppercase()),
            "AUTO_INCREMENT" => o.auto_increment = Some(num()),
            "KEY_BLOCK_SIZE" => o.key_block_size = num(),
            "MAX_ROWS" => o.max_rows = num(),
            "MIN_ROWS" => o.min_rows = num(),
            "AVG_ROW_LENGTH" => o.avg_row_length = num(),
            "PACK_KEYS" => o.pack_keys = ternary(),
            "STATS_PERSISTENT" => o.stats_persistent = ternary(),
            "STATS_AUTO_RECALC" => o.stats_auto_recalc = ternary(),
            "STATS_SAMPLE_PAGES" => o.stats_sample_pages = text.parse().unwrap_or(0),
            "CHECKSUM" => o.checksum = num() != 0,
            "DELAY_KEY_WRITE" => o.delay_key_write = num() != 0,
            "COMPRESSION" => o.compression = Some(text),
            "ENCRYPTION" => o.encryption = Some(text),
            "CONNECTION" => o.connection = Some(text),
            "SECONDARY_ENGINE" => o.secondary_engine = (!null).then_some(text),
            "ENGINE_ATTRIBUTE" => o.engine_attribute = Some(text),
            "SECONDARY_ENGINE_ATTRIBUTE" => o.secondary_engine_attribute = Some(text),
            "AUTOEXTEND_SIZE" => o.autoextend_size = num(),
            "DATA DIRECTORY" => o.data_directory = Some(text),
            "INDEX DIRECTORY" => o.index_directory = Some(text),
            "TABLESPACE" => o.tablespace = Some(text),
            "STORAGE" => o.storage = Some(text.to_ascii_uppercase()),
            "INSERT_METHOD" => o.insert_method = Some(text.to_ascii_uppercase()),
            // MySQL accepts PASSWORD and does not use it.
            "PASSWORD" => {}
            other => return Err(DbError::unsupported(format!("table option {other}"))),
        }
    }
    let (cs, coll) = charset::resolve(charset.as_deref(), collation.as_deref())?;
    o.charset = cs.filter(|c| c != "utf8mb4" || coll.is_some());
    o.collation = coll;
    if out.comment.chars().count() > 2048 {
        return Err(DbError::new(1628, "HY000", format!("Comment for table '{table}' is too long (max = 2048)")));
    }
    if out.engine.eq_ignore_ascii_case("InnoDB") {
        let illegal =
            || DbError::new(1031, "HY000", format!("Table storage engine for '{table}' doesn't have this option"));
        if !matches!(o.key_block_size, 0 | 1 | 2 | 4 | 8 | 16) {
            return Err(illegal());
        }
        match o.row_format.as_deref() {
            Some("FIXED") => return Err(illegal()),
            Some("REDUNDANT" | "COMPACT" | "DYNAMIC") if o.key_block_size != 0 => return Err(illegal()),
            _ => {}
        }
        if let Some(c) = &o.compression {
            if !["zlib", "lz4", "none", ""].iter().any(|v| c.eq_ignore_ascii_case(v)) {
                return Err(DbError::new(
                    1031,
                    "HY000",
                    format!("Table storage engine for '{table}' doesn't have this option"),
                ));
            }
        }
        if let Some(e) = &o.encryption {
            if e.eq_ignore_ascii_case("Y") {
                return Err(DbError::unsupported("ENCRYPTION='Y' (no keyring)"));
            }
            if !e.eq_ignore_ascii_case("N") {
                return Err(DbError::new(1525, "HY000", format!("Incorrect ENCRYPTION value: '{e}'")));
            }
        }
    }
    Ok(out)
}

pub fn create_table(
    db: &Database,
    current_db: Option<&str>,
    ct: &ast::CreateTable,
    fk_checks: bool,
) -> Result<QueryResult> {
    let (dbname, tname) = plan::split_table_name(&ct.name, current_db)?;
    check_name("table", &tname)?;
    if ct.query.is_some() {
        return Err(DbError::unsupported("CREATE TABLE ... SELECT"));
    }
    let opts = create_options(&tname, ct)?;
    let _g = db.ddl_write();
    let mut cat = (*db.catalog()).clone();
    if cat.database(&dbname).is_none() {
        return Err(DbError::unknown_db(&dbname));
    }
    if cat.table(&dbname, &tname).is_some() || cat.view(&dbname, &tname).is_some() {
        if ct.if_not_exists {
            return Ok(QueryResult::ok(0));
        }
        return Err(DbError::table_exists(&tname));
    }
    let mut t = TableDef {
        id: 0,
        db: dbname,
        name: tname,
        columns: vec![],
        indexes: vec![],
        engine: opts.engine,
        next_index_id: 2,
        comment: opts.comment,
        options: opts.options,
        foreign_keys: vec![],
        checks: vec![],
    };
    let mut like_checks = Vec::new();
    if let Some(like) = &ct.like {
        let src_name = match like {
            ast::CreateTableLikeKind::Parenthesized(l) | ast::CreateTableLikeKind::Plain(l) => &l.name,
        };
        let (sdb, sname) = plan::split_table_name(src_name, current_db)?;
        let src = cat.require_table(&sdb, &sname)?;
        t.columns = src.columns.clone();
        t.indexes = src.indexes.clone();
        t.next_index_id = src.next_index_id;
        t.engine = src.engine.clone();
        t.comment = src.comment.clone();
        t.options = src.options.clone();
        // CHECK constraints come along under new names (names are unique
        // per schema); foreign keys do not, as in MySQL.
        like_checks = src
            .checks
            .iter()
            .map(|c| {
                Ok(PendingCheck {
                    name: None,
                    expr: constraints::parse_expr(&c.expr)?,
                    enforced: c.enforced,
                    column: None,
                })
            })
            .collect::<Result<Vec<_>>>()?;
    }
    if ct.columns.len() > MAX_COLUMNS {
        return Err(DbError::new(1117, "HY000", "Too many columns"));
    }
    let mut inline_keys = Vec::new();
    // Columns declared NULL (and left nullable): they may not join a
    // PRIMARY KEY declared at table level either (1171).
    let mut declared_null = Vec::new();
    let mut pending_checks = like_checks;
    let mut generated = Vec::new();
    for c in &ct.columns {
        let (col, extras) = column_def(db, c, &t.options)?;
        let (pk, unique) = (extras.pk, extras.unique);
        pending_checks.extend(extras.checks);
        if let Some(e) = extras.generated {
            generated.push((t.columns.len(), e));
        }
        if col.nullable && c.options.iter().any(|o| matches!(o.option, ast::ColumnOption::Null)) {
            declared_null.push(col.name.clone());
        }
        if t.column_index(&col.name).is_some() {
            return Err(DbError::dup_column(&col.name));
        }
        if pk || unique {
            check_key_part(&col, false)?;
        }
        t.columns.push(col);
        let pos = t.columns.len() - 1;
        if pk {
            inline_keys.push((None, vec![pos], true, true));
        } else if unique {
            inline_keys.push((Some(t.columns[pos].name.clone()), vec![pos], true, false));
        }
    }
    if t.columns.is_empty() {
        return Err(DbError::new(1113, "42000", "A table must have at least 1 column"));
    }
    for (name, cols, unique, primary) in inline_keys {
        add_index(&mut t, name, cols, unique, primary)?;
    }
    // Foreign keys last: the index one needs may be declared after it.
    let is_fk = |c: &&ast::TableConstraint| matches!(c, ast::TableConstraint::ForeignKey(_));
    for con in ct.constraints.iter().filter(|c| !is_fk(c)).chain(ct.constraints.iter().filter(is_fk)) {
        apply_constraint(&mut t, con, &mut pending_checks)?;
    }
    for (pos, e) in &generated {
        constraints::validate_generated(&t, *pos, e, &cat, &NoVars)?;
    }
    add_checks(&mut t, pending_checks, &cat)?;
    for fk in &t.foreign_keys {
        validate_fk(&cat, &t, fk, fk_checks)?;
    }
    check_fk_action_columns(&t, &cat)?;
    if let Some(pk) = t.primary_key() {
        if pk.columns.iter().any(|&c| declared_null.iter().any(|n| n.eq_ignore_ascii_case(&t.columns[c].name))) {
            return Err(DbError::new(
                1171,
                "42000",
                "All parts of a PRIMARY KEY must be NOT NULL; if you need NULL in a key, use UNIQUE instead",
            ));
        }
    }
    check_auto_increment(&t)?;
    let mut batch = WriteBatch::new();
    t.id = cat.allocate_table_id(&mut batch);
    cat.put_table(t, &mut batch)?;
    db.commit_ddl(cat, batch)?;
    Ok(QueryResult::ok(0))
}

fn apply_constraint(t: &mut TableDef, con: &ast::TableConstraint, checks: &mut Vec<PendingCheck>) -> Result<()> {
    match con {
        ast::TableConstraint::PrimaryKey(pk) => {
            let cols = index_columns(t, &pk.columns)?;
            add_index(t, None, cols, true, true)
        }
        ast::TableConstraint::Unique(u) => {
            let cols = index_columns(t, &u.columns)?;
            let name = u.index_name.as_ref().or(u.name.as_ref()).map(|i| i.value.clone());
            add_index(t, name, cols, true, false)
        }
        ast::TableConstraint::Index(i) => {
            let cols = index_columns(t, &i.columns)?;
            add_index(t, i.name.as_ref().map(|n| n.value.clone()), cols, false, false)
        }
        ast::TableConstraint::ForeignKey(fk) => add_foreign_key(t, fk),
        ast::TableConstraint::Check(c) => {
            checks.push(PendingCheck {
                name: c.name.as_ref().map(|n| n.value.clone()),
                expr: (*c.expr).clone(),
                enforced: c.enforced.unwrap_or(true),
                column: None,
            });
            Ok(())
        }
        other => Err(DbError::unsupported(other.to_string())),
    }
}

/// Records a FOREIGN KEY (not enforced). As InnoDB does, it names an
/// unnamed constraint `<table>_ibfk_<n>` and adds an index on the
/// referencing columns unless one already starts with them.
fn add_foreign_key(t: &mut TableDef, fk: &ast::ForeignKeyConstraint) -> Result<()> {
    let mut columns = Vec::new();
    for c in &fk.columns {
        let pos = t
            .column_index(&c.value)
            .ok_or_else(|| DbError::new(1072, "42000", format!("Key column '{}' doesn't exist in table", c.value)))?;
        columns.push(pos);
    }
    let name = match &fk.name {
        Some(n) => n.value.clone(),
        None => {
            let mut k = 1;
            while t.foreign_keys.iter().any(|f| f.name.eq_ignore_ascii_case(&format!("{}_ibfk_{k}", t.name))) {
                k += 1;
            }
            format!("{}_ibfk_{k}", t.name)
        }
    };
    if fk.referred_columns.len() != columns.len() {
        return Err(DbError::new(
            1239,
            "42000",
            format!("Incorrect foreign key definition for '{name}': Key reference and table reference don't match"),
        ));
    }
    if t.foreign_keys.iter().any(|f| f.name.eq_ignore_ascii_case(&name)) {
        return Err(DbError::new(1826, "HY000", format!("Duplicate foreign key constraint name '{name}'")));
    }
    let parts = plan::object_name_parts(&fk.foreign_table);
    let (ref_db, ref_table) = match parts.as_slice() {
        [d, tn] => ((!d.eq_ignore_ascii_case(&t.db)).then(|| d.clone()), tn.clone()),
        [tn] => (None, tn.clone()),
        _ => return Err(DbError::parse(fk.foreign_table.to_string())),
    };
    let indexed =
        t.indexes.iter().any(|i| i.columns.len() >= columns.len() && i.columns[..columns.len()] == columns[..]);
    if !indexed {
        let index_name = fk.name.as_ref().or(fk.index_name.as_ref()).map(|n| n.value.clone());
        let index_name = index_name.filter(|n| t.index_by_name(n).is_none());
        add_index(t, index_name, columns.clone(), false, false)?;
    }
    let action = |a: &Option<ast::ReferentialAction>| a.as_ref().map(|a| a.to_string().to_ascii_uppercase());
    t.foreign_keys.push(crate::catalog::ForeignKeyDef {
        name,
        columns: columns.iter().map(|&c| t.columns[c].name.clone()).collect(),
        ref_db,
        ref_table,
        ref_columns: fk.referred_columns.iter().map(|c| c.value.clone()).collect(),
        on_delete: action(&fk.on_delete),
        on_update: action(&fk.on_update),
    });
    Ok(())
}

/// Name, validate and add CHECK constraints to `t`. Unnamed ones become
/// `<table>_chk_<n>`, numbered on from the highest such name the table
/// has; names are unique in the schema (3822).
fn add_checks(t: &mut TableDef, pending: Vec<PendingCheck>, cat: &catalog::Catalog) -> Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let prefix = format!("{}_chk_", t.name).to_ascii_lowercase();
    let mut n = t
        .checks
        .iter()
        .filter_map(|c| c.name.to_ascii_lowercase().strip_prefix(&prefix).and_then(|x| x.parse::<u64>().ok()))
        .max()
        .unwrap_or(0);
    let mut taken = constraints::check_names_in(cat, &t.db, Some(t.id).filter(|&id| id != 0));
    taken.extend(t.checks.iter().map(|c| c.name.to_ascii_lowercase()));
    for p in pending {
        if t.checks.len() >= constraints::MAX_CHECKS {
            return Err(DbError::new(
                1069,
                "42000",
                format!("Too many keys specified; max {} keys allowed", constraints::MAX_CHECKS),
            ));
        }
        let name = match p.name {
            Some(n) => n,
            None => {
                n += 1;
                format!("{}_chk_{n}", t.name)
            }
        };
        if name.chars().count() > MAX_NAME_LEN {
            return Err(DbError::new(1059, "42000", format!("Identifier name '{name}' is too long")));
        }
        if !taken.insert(name.to_ascii_lowercase()) {
            return Err(DbError::new(3822, "HY000", format!("Duplicate check constraint name '{name}'.")));
        }
        constraints::validate_check(t, &name, &p.expr, p.column.as_deref(), cat, &NoVars)?;
        t.checks.push(catalog::CheckDef { name, expr: constraints::mysql_text(&p.expr), enforced: p.enforced });
    }
    Ok(())
}

/// 3823: a CHECK constraint may not use a column a foreign key's
/// referential action changes (ON UPDATE CASCADE / SET NULL, ON DELETE
/// SET NULL).
fn check_fk_action_columns(t: &TableDef, cat: &catalog::Catalog) -> Result<()> {
    if t.checks.is_empty() {
        return Ok(());
    }
    for fk in &t.foreign_keys {
        let changes = matches!(fk.on_update.as_deref(), Some("CASCADE" | "SET NULL"))
            || fk.on_delete.as_deref() == Some("SET NULL");
        if !changes {
            continue;
        }
        for chk in &t.checks {
            let Ok(e) = constraints::parse_expr(&chk.expr) else { continue };
            let used = constraints::facts(&e, cat).columns;
            if let Some(c) = fk.columns.iter().find(|c| used.iter().any(|u| u.eq_ignore_ascii_case(c))) {
                return Err(DbError::new(
                    3823,
                    "HY000",
                    format!(
                        "Column '{c}' cannot be used in a check constraint '{}': needed in a foreign key constraint '{}' referential action.",
                        chk.name, fk.name
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Whether a referencing column of type `a` may reference one of type `b`
/// (InnoDB: integers and decimals of the same size and sign, strings of
/// one family with the same character set, otherwise the same type).
fn fk_types_compatible(a: &ColumnDef, b: &ColumnDef) -> bool {
    use TypeKind as K;
    let (x, y) = (&a.ty, &b.ty);
    if x.is_integer() || y.is_integer() {
        return x.kind == y.kind && x.unsigned == y.unsigned;
    }
    let family = |k: K| match k {
        K::Char | K::Varchar => 1,
        K::Binary | K::Varbinary => 2,
        _ => 0,
    };
    match (family(x.kind), family(y.kind)) {
        (1, 1) => a.charset == b.charset,
        (2, 2) => true,
        (0, 0) => {
            x.kind == y.kind
                && !matches!(x.kind, K::Text | K::Blob | K::Json)
                && (x.kind != K::Decimal || (x.len == y.len && x.scale == y.scale && x.unsigned == y.unsigned))
        }
        _ => false,
    }
}

/// Check a foreign key of `t` as MySQL 8 does at CREATE or ALTER TABLE:
/// 1830 for SET NULL on a NOT NULL column and 1215 for SET DEFAULT
/// always; with `foreign_key_checks` on also 1824 (no parent table), 3734
/// (no such column), 1822 (no index starting with the referenced
/// columns) and 3780 (incompatible types).
fn validate_fk(cat: &catalog::Catalog, t: &TableDef, fk: &catalog::ForeignKeyDef, checks: bool) -> Result<()> {
    for a in [&fk.on_delete, &fk.on_update] {
        match a.as_deref() {
            Some("SET NULL") => {
                for c in &fk.columns {
                    if t.column_index(c).is_some_and(|i| !t.columns[i].nullable) {
                        return Err(DbError::new(
                            1830,
                            "HY000",
                            format!(
                                "Column '{c}' cannot be NOT NULL: needed in a foreign key constraint '{}' SET NULL",
                                fk.name
                            ),
                        ));
                    }
                }
            }
            Some("SET DEFAULT") => return Err(DbError::new(1215, "HY000", "Cannot add foreign key constraint")),
            _ => {}
        }
    }
    for c in &fk.columns {
        if let Some(i) = t.column_index(c) {
            let col = &t.columns[i];
            let bad = match (&col.generated, fk.on_update.as_deref(), fk.on_delete.as_deref()) {
                (Some(g), Some("CASCADE" | "SET NULL"), _) if g.stored => {
                    Some(format!("ON UPDATE {}", fk.on_update.clone().unwrap_or_default()))
                }
                (Some(g), _, Some("SET NULL")) if g.stored => Some("ON DELETE SET NULL".to_string()),
                _ => None,
            };
            if let Some(clause) = bad {
                return Err(DbError::new(
                    3104,
                    "HY000",
                    format!("Cannot define foreign key with {clause} clause on a generated column."),
                ));
            }
        }
    }
    let virtual_col = |tab: &TableDef, names: &[String]| {
        names
            .iter()
            .find(|c| tab.column_index(c).is_some_and(|i| tab.columns[i].generated.as_ref().is_some_and(|g| !g.stored)))
            .cloned()
    };
    if let Some(c) = virtual_col(t, &fk.columns) {
        return Err(DbError::new(
            3733,
            "HY000",
            format!("Foreign key '{}' uses virtual column '{c}' which is not supported.", fk.name),
        ));
    }
    if !checks {
        return Ok(());
    }
    let self_ref = fk.ref_db.as_deref().unwrap_or(&t.db) == t.db && fk.ref_table == t.name;
    let parent: &TableDef = if self_ref {
        t
    } else {
        match crate::sql::fk::parent_table(cat, t, fk) {
            Some(p) => p,
            None => {
                return Err(DbError::new(
                    1824,
                    "HY000",
                    format!("Failed to open the referenced table '{}'", fk.ref_table),
                ))
            }
        }
    };
    let mut ppos = Vec::new();
    for rc in &fk.ref_columns {
        match parent.column_index(rc) {
            Some(i) => ppos.push(i),
            None => {
                return Err(DbError::new(
                    3734,
                    "HY000",
                    format!(
                        "Failed to add the foreign key constraint. Missing column '{rc}' for constraint '{}' in the referenced table '{}'",
                        fk.name, fk.ref_table
                    ),
                ))
            }
        }
    }
    if let Some(c) = virtual_col(parent, &fk.ref_columns) {
        return Err(DbError::new(
            3733,
            "HY000",
            format!("Foreign key '{}' uses virtual column '{c}' which is not supported.", fk.name),
        ));
    }
    let n = ppos.len();
    if !parent.indexes.iter().any(|i| i.columns.len() >= n && i.columns[..n] == ppos[..]) {
        return Err(DbError::new(
            1822,
            "HY000",
            format!(
                "Failed to add the foreign key constraint. Missing index for constraint '{}' in the referenced table '{}'",
                fk.name, fk.ref_table
            ),
        ));
    }
    for (c, &p) in fk.columns.iter().zip(&ppos) {
        let Some(ci) = t.column_index(c) else { continue };
        if !fk_types_compatible(&t.columns[ci], &parent.columns[p]) {
            return Err(DbError::new(
                3780,
                "HY000",
                format!(
                    "Referencing column '{c}' and referenced column '{}' in foreign key constraint '{}' are incompatible.",
                    parent.columns[p].name, fk.name
                ),
            ));
        }
    }
    Ok(())
}

/// The first foreign key of another table that references `t` (and is
/// not in `except`, tables going away with it).
fn referencing_fk<'c>(
    cat: &'c catalog::Catalog,
    t: &TableDef,
    except: &[(String, String)],
) -> Option<(&'c TableDef, &'c catalog::ForeignKeyDef)> {
    cat.tables.values().filter(|c| c.id != t.id && !except.contains(&(c.db.clone(), c.name.clone()))).find_map(|c| {
        c.foreign_keys
            .iter()
            .find(|f| f.ref_db.as_deref().unwrap_or(&c.db) == t.db && f.ref_table == t.name)
            .map(|f| (c.as_ref(), f))
    })
}

pub fn drop_tables(
    db: &Database,
    current_db: Option<&str>,
    names: &[ast::ObjectName],
    if_exists: bool,
    fk_checks: bool,
) -> Result<QueryResult> {
    let _g = db.ddl_write();
    let mut cat = (*db.catalog()).clone();
    let mut missing = Vec::new();
    let mut targets = Vec::new();
    for n in names {
        let (d, t) = plan::split_table_name(n, current_db)?;
        if cat.table(&d, &t).is_none() {
            missing.push(format!("{d}.{t}"));
        } else {
            targets.push((d, t));
        }
    }
    if !missing.is_empty() && !if_exists {
        return Err(DbError::new(1051, "42S02", format!("Unknown table '{}'", missing.join(","))));
    }
    if fk_checks {
        for (d, t) in &targets {
            let Some(def) = cat.table(d, t) else { continue };
            if let Some((c, f)) = referencing_fk(&cat, def, &targets) {
                return Err(DbError::new(
                    3730,
                    "HY000",
                    format!(
                        "Cannot drop table '{t}' referenced by a foreign key constraint '{}' on table '{}'.",
                        f.name, c.name
                    ),
                ));
            }
        }
    }
    let snap = db.store.snapshot();
    let mut batch = WriteBatch::new();
    let mut ids = Vec::new();
    for (d, t) in targets {
        if let Some(def) = cat.drop_table(&d, &t, &mut batch, snap.as_ref())? {
            ids.push(def.id);
        }
    }
    db.commit_ddl(cat, batch)?;
    ids.iter().for_each(|id| db.counters.forget(*id));
    Ok(QueryResult::ok(0))
}

/// Whether a stored expression text refers to column `name`.
fn expr_uses(text: &str, name: &str) -> bool {
    let cat = catalog::Catalog::default();
    constraints::parse_expr(text)
        .map(|e| constraints::facts(&e, &cat).columns.iter().any(|c| c.eq_ignore_ascii_case(name)))
        .unwrap_or(false)
}

/// Rewrite all data of `new` (rows and every index) from the rows of `old`,
/// mapping each new column to an old position or a fill value.
fn rebuild_table(
    db: &Database,
    cat: &catalog::Catalog,
    old: &TableDef,
    new: &TableDef,
    mapping: &[std::result::Result<usize, Value>],
    fk_from: usize,
    batch: &mut WriteBatch,
) -> Result<()> {
    let snap = db.store.snapshot();
    // Generated columns are computed and enforced CHECK constraints
    // evaluated for every row; foreign keys from `fk_from` on (the ones
    // being added) are checked against their parents (1452).
    let rules = constraints::RowRules::new(new, cat, &NoVars)?;
    let txn = db.store.begin()?;
    let info = crate::sql::exec::SessionInfo::default();
    let env = crate::sql::exec::ExecEnv {
        txn: &txn,
        params: &[],
        session: &info,
        now: chrono::DateTime::from_timestamp_micros(crate::env::now_micros())
            .map(|d| d.naive_utc())
            .unwrap_or_default(),
        rows_read: std::cell::Cell::new(0),
        lock: None,
    };
    catalog::delete_prefix(snap.as_ref(), &table_prefix(old.id), batch)?;
    let mut seen_unique: HashSet<Vec<u8>> = HashSet::new();
    let prefix = index_prefix(old.id, PRIMARY_INDEX_ID);
    let mut row_id: u64 = 0;
    for item in snap.scan(KeyRange::prefix(&prefix), Direction::Forward)? {
        let (k, v) = item?;
        let old_row = decode_row(&v)?;
        row_id += 1;
        let mut row = Vec::with_capacity(new.columns.len());
        for (i, m) in mapping.iter().enumerate() {
            let v = match m {
                Ok(p) => old_row.get(*p).cloned().unwrap_or(Value::Null),
                Err(fill) => fill.clone(),
            };
            let c = &new.columns[i];
            let v = table::coerce_column(v, c, row_id as usize)?;
            if !c.nullable && v.is_null() && c.generated.is_none() {
                return Err(DbError::new(1138, "22004", "Invalid use of NULL value"));
            }
            row.push(v);
        }
        if !rules.is_empty() {
            rules.apply(new, &env, &mut row, row_id as usize)?;
        }
        for fk in &new.foreign_keys[fk_from.min(new.foreign_keys.len())..] {
            if !crate::sql::fk::parent_exists(cat, &txn, new, fk, &row)? {
                return Err(crate::sql::fk::no_parent(new, fk));
            }
        }
        let mut key = index_prefix(new.id, PRIMARY_INDEX_ID);
        match table::pk_suffix(new, &row) {
            Some(s) => key.extend_from_slice(&s),
            None if old.primary_key().is_none() => key.extend_from_slice(&k[prefix.len()..]),
            None => key.extend_from_slice(&row_id.to_be_bytes()),
        }
        let suffix = key[prefix.len()..].to_vec();
        if new.primary_key().is_some() && !seen_unique.insert(key.clone()) {
            let pk = new.primary_key().ok_or_else(|| DbError::internal("pk"))?;
            return Err(table::conflict_error(new, pk, &row));
        }
        for idx in new.secondary_indexes() {
            let mut ik = index_prefix(new.id, idx.id);
            let mut has_null = false;
            for &c in &idx.columns {
                has_null |= row[c].is_null();
                crate::catalog::keys::encode_key_value(&row[c], &new.columns[c].ty, &mut ik);
            }
            if idx.unique && !has_null {
                if !seen_unique.insert(ik.clone()) {
                    return Err(table::conflict_error(new, idx, &row));
                }
            } else {
                ik.extend_from_slice(&suffix);
            }
            batch.put(ik, suffix.clone());
        }
        batch.put(key, encode_row(&row));
    }
    Ok(())
}

pub fn alter_table(
    db: &Database,
    current_db: Option<&str>,
    at: &ast::AlterTable,
    fk_checks: bool,
) -> Result<QueryResult> {
    let (dbname, tname) = plan::split_table_name(&at.name, current_db)?;
    let _g = db.ddl_write();
    let mut cat = (*db.catalog()).clone();
    let old = cat.require_table(&dbname, &tname)?.clone();
    let mut t = (*old).clone();
    // mapping[i]: where new column i comes from.
    let mut mapping: Vec<std::result::Result<usize, Value>> = (0..t.columns.len()).map(Ok).collect();
    let mut rebuild = false;
    let mut rename_to: Option<(String, String)> = None;
    let mut pending_checks = Vec::new();
    let mut generated: Vec<(String, ast::Expr)> = Vec::new();
    let fks_before = t.foreign_keys.len();
    // Columns renamed: other tables' foreign keys referencing them follow.
    let mut renamed_columns: Vec<(String, String)> = Vec::new();
    let now = Value::DateTime(
        chrono::DateTime::from_timestamp_micros(crate::env::now_micros()).map(|d| d.naive_utc()).unwrap_or_default(),
    );
    for op in &at.operations {
        match op {
            ast::AlterTableOperation::AddColumn { column_def: cd, if_not_exists, column_position, .. } => {
                let (col, extras) = column_def(db, cd, &t.options)?;
                let (pk, unique) = (extras.pk, extras.unique);
                pending_checks.extend(extras.checks);
                if pk || unique {
                    check_key_part(&col, false)?;
                }
                if t.column_index(&col.name).is_some() {
                    if *if_not_exists {
                        continue;
                    }
                    return Err(DbError::dup_column(&col.name));
                }
                // Existing rows get the column's default, or the type's
                // implicit one for a NOT NULL column without a DEFAULT.
                let fill = col.default_value(&now).unwrap_or_else(|_| table::implicit_default(&col.ty));
                let pos = match column_position {
                    None => t.columns.len(),
                    Some(ast::MySQLColumnPosition::First) => 0,
                    Some(ast::MySQLColumnPosition::After(id)) => {
                        t.column_index(&id.value).ok_or_else(|| DbError::unknown_column(&id.value, &t.name))? + 1
                    }
                };
                let is_generated = col.generated.is_some();
                t.columns.insert(pos, col);
                mapping.insert(pos, Err(if is_generated { Value::Null } else { fill }));
                if let Some(e) = extras.generated {
                    generated.push((t.columns[pos].name.clone(), e));
                }
                for idx in &mut t.indexes {
                    for c in &mut idx.columns {
                        if *c >= pos {
                            *c += 1;
                        }
                    }
                }
                if pk {
                    add_index(&mut t, None, vec![pos], true, true)?;
                } else if unique {
                    let n = t.columns[pos].name.clone();
                    add_index(&mut t, Some(n), vec![pos], true, false)?;
                }
                rebuild = true;
            }
            ast::AlterTableOperation::DropColumn { column_names, if_exists, .. } => {
                for cn in column_names {
                    let Some(pos) = t.column_index(&cn.value) else {
                        if *if_exists {
                            continue;
                        }
                        return Err(DbError::cant_drop(&cn.value));
                    };
                    if t.columns.len() == 1 {
                        return Err(DbError::new(
                            1090,
                            "42000",
                            "You can't delete all columns with ALTER TABLE; use DROP TABLE instead",
                        ));
                    }
                    if fk_checks {
                        let referencing = cat.tables.values().filter(|c| c.id != t.id).find_map(|c| {
                            c.foreign_keys
                                .iter()
                                .find(|f| {
                                    f.ref_db.as_deref().unwrap_or(&c.db) == dbname
                                        && f.ref_table == tname
                                        && f.ref_columns.iter().any(|r| r.eq_ignore_ascii_case(&cn.value))
                                })
                                .map(|f| (c.name.clone(), f.name.clone()))
                        });
                        if let Some((child, fk)) = referencing {
                            return Err(DbError::new(
                                1829,
                                "HY000",
                                format!(
                                    "Cannot drop column '{}': needed in a foreign key constraint '{fk}' of table '{child}'",
                                    cn.value
                                ),
                            ));
                        }
                    }
                    if let Some(fk) =
                        t.foreign_keys.iter().find(|f| f.columns.iter().any(|c| c.eq_ignore_ascii_case(&cn.value)))
                    {
                        return Err(DbError::new(
                            1828,
                            "HY000",
                            format!(
                                "Cannot drop column '{}': needed in a foreign key constraint '{}'",
                                cn.value, fk.name
                            ),
                        ));
                    }
                    for (i, c) in t.columns.iter().enumerate() {
                        let Some(g) = &c.generated else { continue };
                        if i != pos && expr_uses(&g.expr, &cn.value) {
                            return Err(DbError::new(
                                3108,
                                "HY000",
                                format!("Column '{}' has a generated column dependency.", cn.value),
                            ));
                        }
                    }
                    if let Some(chk) = t.checks.iter().find(|c| expr_uses(&c.expr, &cn.value)) {
                        // A column-level check on just this column goes with it.
                        let only_this = constraints::parse_expr(&chk.expr)
                            .map(|e| {
                                constraints::facts(&e, &cat).columns.iter().all(|c| c.eq_ignore_ascii_case(&cn.value))
                            })
                            .unwrap_or(false);
                        if !only_this {
                            return Err(DbError::new(
                                3959,
                                "HY000",
                                format!(
                                    "Check constraint '{}' uses column '{}', hence column cannot be dropped or renamed.",
                                    chk.name, cn.value
                                ),
                            ));
                        }
                        let name = chk.name.clone();
                        t.checks.retain(|c| c.name != name);
                    }
                    t.columns.remove(pos);
                    let _ = mapping.remove(pos);
                    for idx in &mut t.indexes {
                        idx.columns.retain(|c| *c != pos);
                        for c in &mut idx.columns {
                            if *c > pos {
                                *c -= 1;
                            }
                        }
                    }
                    t.indexes.retain(|i| !i.columns.is_empty());
                    rebuild = true;
                }
            }
            // `ALTER CHECK c [NOT] ENFORCED` (see `dialect::parse_alter_check`).
            ast::AlterTableOperation::AddConstraint {
                constraint: ast::TableConstraint::Check(ast::CheckConstraint { name: Some(n), enforced: Some(on), .. }),
                not_valid: true,
            } => {
                let Some(c) = t.checks.iter_mut().find(|c| c.name.eq_ignore_ascii_case(&n.value)) else {
                    return Err(DbError::new(
                        3821,
                        "HY000",
                        format!("Check constraint '{}' is not found in the table.", n.value),
                    ));
                };
                if *on && !c.enforced {
                    // Enforcing it again checks every row (in the rebuild).
                    rebuild = true;
                }
                c.enforced = *on;
            }
            ast::AlterTableOperation::AddConstraint { constraint, .. } => {
                apply_constraint(&mut t, constraint, &mut pending_checks)?;
                rebuild = true;
            }
            ast::AlterTableOperation::DropConstraint { name, if_exists, .. } => {
                // MySQL 8's DROP CONSTRAINT: a CHECK, a foreign key or a unique key by name.
                if let Some(i) = t.checks.iter().position(|c| c.name.eq_ignore_ascii_case(&name.value)) {
                    t.checks.remove(i);
                } else if let Some(i) = t.foreign_keys.iter().position(|f| f.name.eq_ignore_ascii_case(&name.value)) {
                    t.foreign_keys.remove(i);
                } else if t.indexes.iter().any(|i| i.unique && i.name.eq_ignore_ascii_case(&name.value)) {
                    t.indexes.retain(|i| !(i.unique && i.name.eq_ignore_ascii_case(&name.value)));
                    rebuild = true;
                } else if !*if_exists {
                    return Err(DbError::new(3940, "HY000", format!("Constraint '{}' does not exist.", name.value)));
                }
            }
            ast::AlterTableOperation::DropIndex { name } => {
                let before = t.indexes.len();
                t.indexes.retain(|i| i.primary || !i.name.eq_ignore_ascii_case(&name.value));
                if t.indexes.len() == before {
                    return Err(DbError::cant_drop(&name.value));
                }
                // A foreign key needs an index that starts with its columns (1553).
                for fk in &t.foreign_keys {
                    let Some(pos) = crate::sql::fk::positions(&t, &fk.columns) else { continue };
                    let n = pos.len();
                    if !t.indexes.iter().any(|i| i.columns.len() >= n && i.columns[..n] == pos[..]) {
                        return Err(DbError::new(
                            1553,
                            "HY000",
                            format!("Cannot drop index '{}': needed in a foreign key constraint", name.value),
                        ));
                    }
                }
                rebuild = true;
            }
            ast::AlterTableOperation::DropForeignKey { name, .. } => {
                let before = t.foreign_keys.len();
                t.foreign_keys.retain(|f| !f.name.eq_ignore_ascii_case(&name.value));
                if t.foreign_keys.len() == before {
                    return Err(DbError::cant_drop(&name.value));
                }
            }
            ast::AlterTableOperation::DropPrimaryKey { .. } => {
                if t.primary_key().is_none() {
                    return Err(DbError::cant_drop("PRIMARY"));
                }
                t.indexes.retain(|i| !i.primary);
                rebuild = true;
            }
            ast::AlterTableOperation::RenameTable { table_name } => {
                let n = match table_name {
                    ast::RenameTableNameKind::As(n) | ast::RenameTableNameKind::To(n) => n,
                };
                rename_to = Some(plan::split_table_name(n, Some(&dbname))?);
            }
            ast::AlterTableOperation::RenameColumn { old_column_name, new_column_name } => {
                let pos = t
                    .column_index(&old_column_name.value)
                    .ok_or_else(|| DbError::unknown_column(&old_column_name.value, &t.name))?;
                if t.column_index(&new_column_name.value).is_some_and(|p| p != pos) {
                    return Err(DbError::dup_column(&new_column_name.value));
                }
                let from = old_column_name.value.clone();
                // Expressions are stored as text, so a column they use keeps its name.
                if t.columns.iter().any(|c| c.generated.as_ref().is_some_and(|g| expr_uses(&g.expr, &from))) {
                    return Err(DbError::new(
                        3108,
                        "HY000",
                        format!("Column '{from}' has a generated column dependency."),
                    ));
                }
                if let Some(chk) = t.checks.iter().find(|c| expr_uses(&c.expr, &from)) {
                    return Err(DbError::new(
                        3959,
                        "HY000",
                        format!(
                            "Check constraint '{}' uses column '{from}', hence column cannot be dropped or renamed.",
                            chk.name
                        ),
                    ));
                }
                let old = std::mem::replace(&mut t.columns[pos].name, new_column_name.value.clone());
                let self_ref = |f: &catalog::ForeignKeyDef| {
                    f.ref_db.as_deref().unwrap_or(&dbname) == dbname && f.ref_table == tname
                };
                for fk in &mut t.foreign_keys {
                    for c in fk.columns.iter_mut().filter(|c| c.eq_ignore_ascii_case(&old)) {
                        *c = new_column_name.value.clone();
                    }
                    if self_ref(fk) {
                        for c in fk.ref_columns.iter_mut().filter(|c| c.eq_ignore_ascii_case(&old)) {
                            *c = new_column_name.value.clone();
                        }
                    }
                }
                renamed_columns.push((old, new_column_name.value.clone()));
            }
            ast::AlterTableOperation::AutoIncrement { .. }
            | ast::AlterTableOperation::Algorithm { .. }
            | ast::AlterTableOperation::Lock { .. } => {}
            other => return Err(DbError::unsupported(format!("ALTER TABLE {other}"))),
        }
    }
    check_auto_increment(&t)?;
    for (name, e) in &generated {
        let pos = t.column_index(name).ok_or_else(|| DbError::internal("generated column vanished"))?;
        constraints::validate_generated(&t, pos, e, &cat, &NoVars)?;
    }
    let new_checks = !pending_checks.is_empty();
    add_checks(&mut t, pending_checks, &cat)?;
    for fk in &t.foreign_keys[fks_before.min(t.foreign_keys.len())..] {
        validate_fk(&cat, &t, fk, fk_checks)?;
    }
    check_fk_action_columns(&t, &cat)?;
    let new_fks = fk_checks && t.foreign_keys.len() > fks_before;
    if new_checks || new_fks || !generated.is_empty() {
        rebuild = true;
    }
    let mut batch = WriteBatch::new();
    if !renamed_columns.is_empty() {
        let children: Vec<TableDef> = cat
            .tables
            .values()
            .filter(|c| c.id != t.id)
            .filter(|c| {
                c.foreign_keys.iter().any(|f| f.ref_db.as_deref().unwrap_or(&c.db) == dbname && f.ref_table == tname)
            })
            .map(|c| (**c).clone())
            .collect();
        for mut c in children {
            for f in &mut c.foreign_keys {
                if f.ref_db.as_deref().unwrap_or(&c.db) == dbname && f.ref_table == tname {
                    for r in &mut f.ref_columns {
                        if let Some((_, to)) = renamed_columns.iter().find(|(from, _)| from.eq_ignore_ascii_case(r)) {
                            *r = to.clone();
                        }
                    }
                }
            }
            cat.put_table(c, &mut batch)?;
        }
    }
    if rebuild {
        let fk_from = if new_fks { fks_before } else { t.foreign_keys.len() };
        rebuild_table(db, &cat, &old, &t, &mapping, fk_from, &mut batch)?;
        db.counters.forget(t.id);
    }
    if let Some((nd, nt)) = rename_to {
        if cat.database(&nd).is_none() {
            return Err(DbError::unknown_db(&nd));
        }
        if (nd.clone(), nt.clone()) != (t.db.clone(), t.name.clone()) {
            if cat.table(&nd, &nt).is_some() {
                return Err(DbError::table_exists(&nt));
            }
            cat.tables.remove(&(t.db.clone(), t.name.clone()));
            let from = (t.db.clone(), t.name.clone());
            t.db = nd;
            t.name = nt;
            // The table's own self-references move with it.
            for f in &mut t.foreign_keys {
                if f.ref_db.as_deref().unwrap_or(&from.0) == from.0 && f.ref_table == from.1 {
                    f.ref_db = None;
                    f.ref_table = t.name.clone();
                }
            }
            let to = (t.db.clone(), t.name.clone());
            cat.put_table(t.clone(), &mut batch)?;
            retarget_fks(&mut cat, (&from.0, &from.1), (&to.0, &to.1), &mut batch)?;
            t = (**cat.table(&to.0, &to.1).ok_or_else(|| DbError::internal("renamed table"))?).clone();
        }
    }
    cat.put_table(t, &mut batch)?;
    db.commit_ddl(cat, batch)?;
    Ok(QueryResult::ok(0))
}

pub fn create_index(db: &Database, current_db: Option<&str>, ci: &ast::CreateIndex) -> Result<QueryResult> {
    let name = ci.name.as_ref().map(|n| object_name_parts(n).last().cloned().unwrap_or_default());
    let con = if ci.unique {
        ast::TableConstraint::Unique(ast::UniqueConstraint {
            name: None,
            index_name: name.map(ast::Ident::new),
            index_type_display: ast::KeyOrIndexDisplay::None,
            index_type: None,
            columns: ci.columns.clone(),
            include: vec![],
            index_options: vec![],
            characteristics: None,
            nulls_distinct: ast::NullsDistinctOption::None,
        })
    } else {
        ast::TableConstraint::Index(ast::IndexConstraint {
            display_as_key: false,
            name: name.map(ast::Ident::new),
            index_type: None,
            columns: ci.columns.clone(),
            index_options: vec![],
        })
    };
    let at = ast::AlterTable {
        name: ci.table_name.clone(),
        if_exists: false,
        only: false,
        operations: vec![ast::AlterTableOperation::AddConstraint { constraint: con, not_valid: false }],
        location: None,
        on_cluster: None,
        table_type: None,
        end_token: ast::helpers::attached_token::AttachedToken::empty(),
    };
    alter_table(db, current_db, &at, true)
}

pub fn drop_index(
    db: &Database,
    current_db: Option<&str>,
    index: &str,
    table: &ast::ObjectName,
) -> Result<QueryResult> {
    let at = ast::AlterTable {
        name: table.clone(),
        if_exists: false,
        only: false,
        operations: vec![if index.eq_ignore_ascii_case("primary") {
            ast::AlterTableOperation::DropPrimaryKey { drop_behavior: None }
        } else {
            ast::AlterTableOperation::DropIndex { name: ast::Ident::new(index) }
        }],
        location: None,
        on_cluster: None,
        table_type: None,
        end_token: ast::helpers::attached_token::AttachedToken::empty(),
    };
    alter_table(db, current_db, &at, true)
}

pub fn truncate(
    db: &Database,
    current_db: Option<&str>,
    names: &[ast::ObjectName],
    fk_checks: bool,
) -> Result<QueryResult> {
    let _g = db.ddl_write();
    let cat = (*db.catalog()).clone();
    let snap = db.store.snapshot();
    let mut batch = WriteBatch::new();
    let mut ids = Vec::new();
    for n in names {
        let (d, t) = plan::split_table_name(n, current_db)?;
        let def = cat.require_table(&d, &t)?;
        if fk_checks {
            if let Some((c, f)) = referencing_fk(&cat, def, &[]) {
                return Err(DbError::new(
                    1701,
                    "42000",
                    format!(
                        "Cannot truncate a table referenced in a foreign key constraint (`{}`.`{}`, CONSTRAINT `{}`)",
                        c.db, c.name, f.name
                    ),
                ));
            }
        }
        catalog::delete_prefix(snap.as_ref(), &table_prefix(def.id), &mut batch)?;
        ids.push(def.id);
    }
    db.commit_ddl(cat, batch)?;
    ids.iter().for_each(|id| db.counters.forget(*id));
    Ok(QueryResult::ok(0))
}

/// After a table is renamed, point the foreign keys that referenced it
/// (in any table, itself included) at the new name, as MySQL does.
fn retarget_fks(
    cat: &mut catalog::Catalog,
    from: (&str, &str),
    to: (&str, &str),
    batch: &mut WriteBatch,
) -> Result<()> {
    let children: Vec<TableDef> = cat
        .tables
        .values()
        .filter(|c| {
            c.foreign_keys.iter().any(|f| f.ref_db.as_deref().unwrap_or(&c.db) == from.0 && f.ref_table == from.1)
        })
        .map(|c| (**c).clone())
        .collect();
    for mut c in children {
        for f in &mut c.foreign_keys {
            if f.ref_db.as_deref().unwrap_or(&c.db) == from.0 && f.ref_table == from.1 {
                f.ref_db = (to.0 != c.db).then(|| to.0.to_string());
                f.ref_table = to.1.to_string();
            }
        }
        cat.put_table(c, batch)?;
    }
    Ok(())
}

pub fn rename_tables(db: &Database, current_db: Option<&str>, pairs: &[ast::RenameTable]) -> Result<QueryResult> {
    let _g = db.ddl_write();
    let mut cat = (*db.catalog()).clone();
    let mut batch = WriteBatch::new();
    for p in pairs {
        let (od, ot) = plan::split_table_name(&p.old_name, current_db)?;
        let (nd, nt) = plan::split_table_name(&p.new_name, current_db)?;
        let Some(old) = cat.tables.remove(&(od.clone(), ot.clone())) else {
            return Err(DbError::no_table(&od, &ot));
        };
        if cat.database(&nd).is_none() {
            return Err(DbError::unknown_db(&nd));
        }
        if cat.table(&nd, &nt).is_some() {
            return Err(DbError::table_exists(&nt));
        }
        let mut t = (*old).clone();
        t.db = nd.clone();
        t.name = nt.clone();
        cat.put_table(t, &mut batch)?;
        retarget_fks(&mut cat, (&od, &ot), (&nd, &nt), &mut batch)?;
    }
    db.commit_ddl(cat, batch)?;
    Ok(QueryResult::ok(0))
}

pub fn create_view(db: &Database, vars: &dyn plan::VarSource, cv: &ast::CreateView) -> Result<QueryResult> {
    let (dbname, vname) = plan::split_table_name(&cv.name, vars.current_db())?;
    check_name("table", &vname)?;
    if cv.materialized {
        return Err(DbError::unsupported("MATERIALIZED VIEW"));
    }
    let _g = db.ddl_write();
    let mut cat = (*db.catalog()).clone();
    if cat.database(&dbname).is_none() {
        return Err(DbError::unknown_db(&dbname));
    }
    if cat.table(&dbname, &vname).is_some() {
        return Err(DbError::table_exists(&vname));
    }
    if cat.view(&dbname, &vname).is_some() && !cv.or_replace {
        if cv.if_not_exists {
            return Ok(QueryResult::ok(0));
        }
        return Err(DbError::table_exists(&vname));
    }
    // Bind once now so a broken view fails at CREATE, as in MySQL.
    let mut binder = plan::Binder::new(&cat, vars);
    let bound = binder.bind_query(&cv.query)?;
    let columns: Vec<String> = cv.columns.iter().map(|c| c.name.value.clone()).collect();
    if !columns.is_empty() && columns.len() != bound.columns.len() {
        return Err(DbError::new(1353, "HY000", "In definition of view, derived table or common table expression, SELECT list and column names list have different column counts"));
    }
    let mut seen = HashSet::new();
    for n in columns.iter().chain(bound.columns.iter().map(|c| &c.name).filter(|_| columns.is_empty())) {
        if !seen.insert(n.to_ascii_lowercase()) {
            return Err(DbError::dup_column(n));
        }
    }
    let mut batch = WriteBatch::new();
    cat.put_view(
        crate::catalog::ViewDef { db: dbname, name: vname, query: cv.query.to_string(), columns },
        &mut batch,
    )?;
    db.commit_ddl(cat, batch)?;
    Ok(QueryResult::ok(0))
}

pub fn drop_views(
    db: &Database,
    current_db: Option<&str>,
    names: &[ast::ObjectName],
    if_exists: bool,
) -> Result<QueryResult> {
    let _g = db.ddl_write();
    let mut cat = (*db.catalog()).clone();
    let mut batch = WriteBatch::new();
    let mut missing = Vec::new();
    for n in names {
        let (d, v) = plan::split_table_name(n, current_db)?;
        if !cat.drop_view(&d, &v, &mut batch) {
            missing.push(format!("{d}.{v}"));
        }
    }
    if !missing.is_empty() && !if_exists {
        return Err(DbError::new(1051, "42S02", format!("Unknown table '{}'", missing.join(","))));
    }
    db.commit_ddl(cat, batch)?;
    Ok(QueryResult::ok(0))
}

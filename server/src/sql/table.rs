//! Writing rows: coercion to column types, primary and secondary index
//! entries, uniqueness checks, hidden row ids and AUTO_INCREMENT counters.
//!
//! Every write goes through a [`Transaction`], so a statement that fails
//! half way leaves nothing behind.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveTime;
use guocedb_engines::{Direction, KeyRange};
use parking_lot::Mutex;
use rust_decimal::Decimal;

use crate::catalog::keys::{encode_key_value, encode_row_id, index_prefix};
use crate::catalog::row::{decode_row, encode_row};
use crate::catalog::{IndexDef, TableDef, PRIMARY_INDEX_ID};
use crate::error::{DbError, Result};
use crate::sql::conversion::{self, GeometryError, YearError};
use crate::sql::expr::fit_decimal;
use crate::sql::json;
use crate::sql::types::{SqlType, TypeKind};
use crate::sql::value::{self, Value};
use crate::txn::locks::LockMode;
use crate::txn::Transaction;

/// Per-table counters that live outside transactions (like InnoDB's
/// AUTO_INCREMENT): values handed out are never reused by a rollback.
#[derive(Debug, Default)]
pub struct TableCounters {
    pub next_row_id: Option<u64>,
    pub next_auto: Option<u64>,
}

/// Counters of every table, created on first use.
#[derive(Default)]
pub struct CounterMap {
    map: Mutex<HashMap<u64, Arc<Mutex<TableCounters>>>>,
}

impl CounterMap {
    pub fn get(&self, table_id: u64) -> Arc<Mutex<TableCounters>> {
        self.map.lock().entry(table_id).or_default().clone()
    }

    pub fn forget(&self, table_id: u64) {
        self.map.lock().remove(&table_id);
    }
}

/// How a duplicate key is handled by an insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDuplicate {
    Error,
    /// INSERT IGNORE: skip the row.
    Ignore,
    /// REPLACE: delete the conflicting rows, then insert.
    Replace,
}

/// Coerce `v` to a column's type with strict-mode checks. `row` is the
/// 1-based row number for error messages.
pub fn coerce(v: Value, col_name: &str, ty: &SqlType, row: usize) -> Result<Value> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    if ty.is_integer() {
        let (lo, hi) = ty.int_range();
        let i: i128 = match &v {
            Value::Int(i) => *i as i128,
            Value::UInt(u) => *u as i128,
            Value::Double(d) => {
                if !d.is_finite() || d.abs() > 1.8e19 {
                    return Err(DbError::out_of_range(col_name, row));
                }
                d.round() as i128
            }
            Value::Decimal(d) => value::round_away(d).mantissa(),
            Value::Str(s) => {
                let (f, whole) = value::parse_number_prefix(s);
                if !whole {
                    return Err(DbError::wrong_value("integer", s, col_name, row));
                }
                match s.trim().parse::<i128>() {
                    Ok(i) => i,
                    Err(_) => f.round() as i128,
                }
            }
            other => other.as_i128().unwrap_or(0),
        };
        if i < lo || i > hi {
            return Err(DbError::out_of_range(col_name, row));
        }
        return Ok(if ty.unsigned { Value::UInt(i as u64) } else { Value::Int(i as i64) });
    }
    Ok(match ty.kind {
        TypeKind::Float | TypeKind::Double => {
            let f = match &v {
                Value::Str(s) => {
                    let (f, whole) = value::parse_number_prefix(s);
                    if !whole {
                        return Err(DbError::wrong_value("double", s, col_name, row));
                    }
                    f
                }
                other => other.as_f64().unwrap_or(0.0),
            };
            if ty.unsigned && f < 0.0 {
                return Err(DbError::out_of_range(col_name, row));
            }
            if ty.kind == TypeKind::Float {
                let x = f as f32;
                if !x.is_finite() {
                    return Err(DbError::out_of_range(col_name, row));
                }
                Value::Double(x as f64)
            } else {
                Value::Double(f)
            }
        }
        TypeKind::Decimal => {
            let d = match &v {
                Value::Str(s) => match value::parse_decimal_prefix(s) {
                    Some(d) if value::parse_number_prefix(s).1 => d,
                    _ => return Err(DbError::wrong_value("decimal", s, col_name, row)),
                },
                other => other.as_decimal().unwrap_or_default(),
            };
            let fitted = fit_decimal(d, ty.len, ty.scale);
            let rounded =
                d.round_dp_with_strategy(ty.scale as u32, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            if fitted != rounded {
                return Err(DbError::out_of_range(col_name, row));
            }
            if ty.unsigned && fitted < Decimal::ZERO {
                return Err(DbError::out_of_range(col_name, row));
            }
            Value::Decimal(fitted)
        }
        TypeKind::Char | TypeKind::Varchar | TypeKind::Text => {
            let s = match v {
                Value::Str(s) => s,
                Value::Bytes(b) => String::from_utf8(b).map_err(|e| {
                    DbError::wrong_value("string", &String::from_utf8_lossy(e.as_bytes()), col_name, row)
                })?,
                other => other.to_text().unwrap_or_default(),
            };
            let max = ty.max_bytes().unwrap_or(usize::MAX);
            let len = if ty.kind == TypeKind::Text { s.len() } else { s.chars().count() };
            if len > max {
                // CHAR/VARCHAR trailing spaces beyond the length are dropped silently.
                let trimmed = s.trim_end_matches(' ');
                let tl = if ty.kind == TypeKind::Text { trimmed.len() } else { trimmed.chars().count() };
                if tl <= max {
                    return Ok(Value::Str(trimmed.chars().take(max).collect()));
                }
                return Err(DbError::too_long(col_name, row));
            }
            if ty.kind == TypeKind::Char {
                Value::Str(s.trim_end_matches(' ').to_string())
            } else {
                Value::Str(s)
            }
        }
        TypeKind::Binary | TypeKind::Varbinary | TypeKind::Blob => {
            let mut b = v.to_bytes().unwrap_or_default();
            if b.len() > ty.max_bytes().unwrap_or(usize::MAX) {
                return Err(DbError::too_long(col_name, row));
            }
            if ty.kind == TypeKind::Binary {
                b.resize(ty.len as usize, 0);
            }
            Value::Bytes(b)
        }
        TypeKind::Date => match v {
            Value::Date(d) => Value::Date(d),
            Value::DateTime(dt) => Value::Date(dt.date()),
            other => {
                let s = other.to_text().unwrap_or_default();
                match value::parse_date(&s) {
                    Some(d) => Value::Date(d),
                    None => return Err(DbError::bad_temporal("date", &s, col_name, row)),
                }
            }
        },
        // The fraction of a second is rounded to the column's precision.
        TypeKind::DateTime | TypeKind::Timestamp => match v {
            Value::DateTime(dt) => Value::DateTime(value::round_fsp(dt, ty.len)),
            Value::Date(d) => Value::DateTime(d.and_time(NaiveTime::MIN)),
            other => {
                let s = other.to_text().unwrap_or_default();
                match value::parse_datetime(&s) {
                    Some(d) => Value::DateTime(value::round_fsp(d, ty.len)),
                    None => return Err(DbError::bad_temporal("datetime", &s, col_name, row)),
                }
            }
        },
        TypeKind::Time => match conversion::to_time(&v, ty.len) {
            Ok(t) => Value::Time(t),
            Err(_) => return Err(DbError::bad_temporal("time", &v.to_text().unwrap_or_default(), col_name, row)),
        },
        TypeKind::Year => match conversion::to_year(&v) {
            Ok(y) => Value::Int(y),
            Err(YearError::OutOfRange) => return Err(DbError::out_of_range(col_name, row)),
            Err(YearError::NotNumber) => {
                return Err(DbError::wrong_value("integer", &v.to_text().unwrap_or_default(), col_name, row))
            }
        },
        TypeKind::Bit => match conversion::to_bit(&v, ty.len) {
            Some(n) => Value::Bit(n, ty.len as u8),
            None => return Err(DbError::too_long(col_name, row)),
        },
        TypeKind::Enum | TypeKind::Set => {
            let member = if ty.kind == TypeKind::Enum {
                conversion::to_enum(&v, ty.members())
            } else {
                conversion::to_set(&v, ty.members())
            };
            match member {
                Some((n, text)) => Value::Enum(n, text),
                None => return Err(DbError::data_truncated(col_name, row)),
            }
        }
        TypeKind::Json => {
            let text = match &v {
                Value::Str(s) => s.as_bytes().to_vec(),
                Value::Bytes(b) => b.clone(),
                // Only text is JSON; other values need CAST(… AS JSON).
                _ => return Err(DbError::invalid_json("not a JSON text, may need CAST", 0, col_name)),
            };
            match json::normalize(&text) {
                Ok(doc) => Value::Str(doc),
                Err(e) if e.too_deep => return Err(DbError::json_too_deep()),
                Err(e) => return Err(DbError::invalid_json(e.message, e.position, col_name)),
            }
        }
        TypeKind::Geometry(kind) => {
            let b = match &v {
                Value::Bytes(b) => b.clone(),
                Value::Str(s) => s.as_bytes().to_vec(),
                _ => return Err(DbError::not_geometry()),
            };
            match conversion::check_geometry(&b, kind, None) {
                Ok(()) => Value::Bytes(b),
                Err(GeometryError::NotGeometry) => return Err(DbError::not_geometry()),
                Err(GeometryError::WrongType(found)) => {
                    return Err(DbError::wrong_value(
                        &kind.name().to_ascii_uppercase(),
                        &found.name().to_ascii_uppercase(),
                        col_name,
                        row,
                    ))
                }
                Err(GeometryError::Srid(got, want)) => return Err(DbError::srid_mismatch(col_name, got, want)),
            }
        }
        TypeKind::Null => Value::Null,
        TypeKind::TinyInt | TypeKind::SmallInt | TypeKind::MediumInt | TypeKind::Int | TypeKind::BigInt => {
            return Err(DbError::internal("integer type reached the non-integer path"))
        }
    })
}

/// [`coerce`] into a column, with the checks that need more than its type
/// (a spatial column's `SRID`).
pub fn coerce_column(v: Value, c: &crate::catalog::ColumnDef, row: usize) -> Result<Value> {
    let v = coerce(v, &c.name, &c.ty, row)?;
    if let (Value::Bytes(b), TypeKind::Geometry(kind), Some(_)) = (&v, c.ty.kind, c.srid) {
        if let Err(GeometryError::Srid(got, want)) = conversion::check_geometry(b, kind, c.srid) {
            return Err(DbError::srid_mismatch(&c.name, got, want));
        }
    }
    Ok(v)
}

/// A column value as its stored text form (column defaults): YEAR as four
/// digits (so 0 stays 0000), BIT as its number, TIME with its fraction
/// digits, everything else as [`Value::to_text`].
pub fn stored_text(v: &Value, ty: &SqlType) -> Option<String> {
    match (v, ty.kind) {
        (Value::Int(y), TypeKind::Year) => Some(format!("{y:04}")),
        (Value::Bit(n, _), TypeKind::Bit) => Some(n.to_string()),
        (Value::Time(t), TypeKind::Time) => Some(value::format_time(*t, Some(ty.len))),
        (other, _) => other.to_text(),
    }
}

/// The value MySQL stores for a column when a value is missing or invalid
/// and the statement does not fail (INSERT IGNORE, ALTER ADD COLUMN).
pub fn implicit_default(ty: &SqlType) -> Value {
    if ty.is_numeric() || matches!(ty.kind, TypeKind::Year | TypeKind::Bit) {
        Value::Int(0)
    } else if ty.kind == TypeKind::Enum {
        // A NOT NULL ENUM defaults to its first member.
        Value::Int(1)
    } else if ty.kind == TypeKind::Time {
        Value::Time(0)
    } else if ty.kind == TypeKind::Json {
        Value::Str("null".into())
    } else if ty.kind == TypeKind::Date {
        Value::Str("1970-01-01".into())
    } else if ty.is_temporal() {
        Value::Str("1970-01-01 00:00:00".into())
    } else {
        Value::Str(String::new())
    }
}

/// Coerce without failing, as INSERT IGNORE does: numbers clamp to the
/// column's range, strings are cut to its length, and unreadable values
/// become the implicit default.
pub fn coerce_lenient(v: Value, ty: &SqlType) -> Value {
    if v.is_null() {
        return Value::Null;
    }
    if ty.is_integer() {
        let (lo, hi) = ty.int_range();
        let i = match &v {
            Value::Str(s) => value::parse_number_prefix(s).0.round() as i128,
            Value::Double(d) => d.round() as i128,
            other => other.as_i128().unwrap_or(0),
        }
        .clamp(lo, hi);
        return if ty.unsigned { Value::UInt(i as u64) } else { Value::Int(i as i64) };
    }
    match ty.kind {
        TypeKind::Decimal => {
            let d = fit_decimal(v.as_decimal().unwrap_or_default(), ty.len, ty.scale);
            Value::Decimal(if ty.unsigned && d < Decimal::ZERO { Decimal::ZERO } else { d })
        }
        TypeKind::Float | TypeKind::Double => Value::Double(v.as_f64().unwrap_or(0.0)),
        TypeKind::Char | TypeKind::Varchar | TypeKind::Text => {
            let s = v.to_text().unwrap_or_default();
            let max = ty.max_bytes().unwrap_or(usize::MAX);
            Value::Str(if ty.kind == TypeKind::Text {
                let mut cut = s.len().min(max);
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
                s[..cut].to_string()
            } else {
                s.chars().take(max).collect()
            })
        }
        TypeKind::Binary | TypeKind::Varbinary | TypeKind::Blob => {
            let mut b = v.to_bytes().unwrap_or_default();
            b.truncate(ty.max_bytes().unwrap_or(usize::MAX));
            Value::Bytes(b)
        }
        // Not a member: ENUM's error value '' (number 0); a SET keeps the
        // members it knows.
        TypeKind::Enum => match conversion::to_enum(&v, ty.members()) {
            Some((n, text)) => Value::Enum(n, text),
            None => Value::Enum(0, String::new()),
        },
        TypeKind::Set => match conversion::to_set(&v, ty.members()) {
            Some((n, text)) => Value::Enum(n, text),
            None => {
                let known: Vec<String> = v
                    .to_text()
                    .unwrap_or_default()
                    .split(',')
                    .filter(|p| conversion::to_set(&Value::Str((*p).to_string()), ty.members()).is_some())
                    .map(str::to_string)
                    .collect();
                conversion::to_set(&Value::Str(known.join(",")), ty.members())
                    .map(|(n, t)| Value::Enum(n, t))
                    .unwrap_or(Value::Enum(0, String::new()))
            }
        },
        TypeKind::Time => match conversion::to_time(&v, ty.len) {
            Ok(t) | Err(value::TimeError::OutOfRange(t)) => Value::Time(t),
            Err(value::TimeError::Invalid) => Value::Time(0),
        },
        TypeKind::Year => Value::Int(conversion::to_year(&v).unwrap_or(0)),
        // Too long for BIT(M): all M bits set.
        TypeKind::Bit => Value::Bit(
            conversion::to_bit(&v, ty.len).unwrap_or(if ty.len >= 64 { u64::MAX } else { (1u64 << ty.len) - 1 }),
            ty.len as u8,
        ),
        _ => coerce(v, "", ty, 0).unwrap_or_else(|_| coerce(implicit_default(ty), "", ty, 0).unwrap_or(Value::Null)),
    }
}

/// Encoded primary key suffix of a row (without the index prefix).
pub fn pk_suffix(table: &TableDef, row: &[Value]) -> Option<Vec<u8>> {
    let pk = table.primary_key()?;
    let mut out = Vec::new();
    for &c in &pk.columns {
        encode_key_value(&row[c], &table.columns[c].ty, &mut out);
    }
    Some(out)
}

fn index_entry_key(table: &TableDef, idx: &IndexDef, row: &[Value], pk: &[u8]) -> (Vec<u8>, bool) {
    let mut k = index_prefix(table.id, idx.id);
    let mut has_null = false;
    for &c in &idx.columns {
        has_null |= row[c].is_null();
        encode_key_value(&row[c], &table.columns[c].ty, &mut k);
    }
    let unique_form = idx.unique && !has_null;
    if !unique_form {
        k.extend_from_slice(pk);
    }
    (k, unique_form)
}

/// Format the key columns of `row` for a duplicate-entry message.
fn dup_value(idx: &IndexDef, row: &[Value]) -> String {
    idx.columns.iter().map(|&c| row[c].to_text().unwrap_or_else(|| "NULL".into())).collect::<Vec<_>>().join("-")
}

fn dup_key_name(table: &TableDef, idx: &IndexDef) -> String {
    format!("{}.{}", table.name, if idx.primary { "PRIMARY" } else { &idx.name })
}

/// Primary-index prefix of a table.
pub fn primary_prefix(table: &TableDef) -> Vec<u8> {
    index_prefix(table.id, PRIMARY_INDEX_ID)
}

/// Allocate a hidden row id.
pub fn next_row_id(txn: &Transaction, table: &TableDef, counters: &Mutex<TableCounters>) -> Result<u64> {
    let mut c = counters.lock();
    if c.next_row_id.is_none() {
        let prefix = primary_prefix(table);
        let last = txn.snapshot().scan(KeyRange::prefix(&prefix), Direction::Reverse)?.next().transpose()?;
        let next = match last {
            Some((k, _)) => {
                let tail: [u8; 8] = k[prefix.len()..].try_into().map_err(|_| DbError::internal("bad row id key"))?;
                u64::from_be_bytes(tail) + 1
            }
            None => 1,
        };
        c.next_row_id = Some(next);
    }
    let id = c.next_row_id.unwrap_or(1);
    c.next_row_id = Some(id + 1);
    Ok(id)
}

/// The next AUTO_INCREMENT value for `col` (initialised from the data).
pub fn next_auto_value(
    txn: &Transaction,
    table: &TableDef,
    col: usize,
    counters: &Mutex<TableCounters>,
) -> Result<u64> {
    auto_value(txn, table, col, counters, true)
}

/// The value the next generated AUTO_INCREMENT would take, without taking
/// it (SHOW CREATE TABLE's `AUTO_INCREMENT=`).
pub fn peek_auto_value(
    txn: &Transaction,
    table: &TableDef,
    col: usize,
    counters: &Mutex<TableCounters>,
) -> Result<u64> {
    auto_value(txn, table, col, counters, false)
}

/// The counter's next value (initialised from the data), consumed when
/// `take`; one lock hold, so concurrent inserts never get the same value.
fn auto_value(
    txn: &Transaction,
    table: &TableDef,
    col: usize,
    counters: &Mutex<TableCounters>,
    take: bool,
) -> Result<u64> {
    let mut c = counters.lock();
    if c.next_auto.is_none() {
        c.next_auto = Some(first_auto_value(txn, table, col)?);
    }
    let v = c.next_auto.unwrap_or(1);
    if take {
        c.next_auto = Some(v + 1);
    }
    Ok(v)
}

/// Where a table's counter starts: above every value in the table, and at
/// least the `AUTO_INCREMENT = n` the table was created with.
fn first_auto_value(txn: &Transaction, table: &TableDef, col: usize) -> Result<u64> {
    let above_data = max_column_value(txn, table, col)?.saturating_add(1);
    Ok(above_data.max(table.options.auto_increment.unwrap_or(1)))
}

/// Record an explicitly inserted AUTO_INCREMENT value so later generated
/// values are above it.
pub fn observe_auto_value(
    txn: &Transaction,
    table: &TableDef,
    col: usize,
    v: u64,
    counters: &Mutex<TableCounters>,
) -> Result<()> {
    let mut c = counters.lock();
    if c.next_auto.is_none() {
        c.next_auto = Some(first_auto_value(txn, table, col)?);
    }
    if c.next_auto.is_some_and(|n| v >= n) {
        c.next_auto = Some(v.saturating_add(1));
    }
    Ok(())
}

fn max_column_value(txn: &Transaction, table: &TableDef, col: usize) -> Result<u64> {
    let prefix = primary_prefix(table);
    let leading_pk = table.primary_key().is_some_and(|pk| pk.columns.first() == Some(&col));
    let mut max = 0u64;
    let iter = txn
        .snapshot()
        .scan(KeyRange::prefix(&prefix), if leading_pk { Direction::Reverse } else { Direction::Forward })?;
    for item in iter {
        let (_, v) = item?;
        let row = decode_row(&v)?;
        if let Some(x) = row.get(col).and_then(|v| v.as_i128()) {
            max = max.max(x.clamp(0, u64::MAX as i128) as u64);
        }
        if leading_pk {
            break;
        }
    }
    Ok(max)
}

/// Find a row that conflicts with `row` on the primary key or a unique
/// index: returns (index, existing primary key).
pub fn find_conflict(
    txn: &mut Transaction,
    table: &TableDef,
    row: &[Value],
    own_pk: Option<&[u8]>,
) -> Result<Option<(IndexDef, Vec<u8>)>> {
    let stored = stored_form(txn, table, row);
    find_conflict_stored(txn, table, &stored, own_pk)
}

/// [`find_conflict`] for a row in its stored form.
fn find_conflict_stored(
    txn: &mut Transaction,
    table: &TableDef,
    row: &[Value],
    own_pk: Option<&[u8]>,
) -> Result<Option<(IndexDef, Vec<u8>)>> {
    if let Some(pk) = table.primary_key() {
        let suffix = pk_suffix(table, row).unwrap_or_default();
        let mut key = primary_prefix(table);
        key.extend_from_slice(&suffix);
        if own_pk != Some(key.as_slice()) && txn.lock_latest(&key, LockMode::Exclusive)?.is_some() {
            return Ok(Some((pk.clone(), key)));
        }
    }
    for idx in table.secondary_indexes().filter(|i| i.unique) {
        let (k, unique_form) = index_entry_key(table, idx, row, &[]);
        if !unique_form {
            continue;
        }
        if let Some(existing_pk_suffix) = txn.lock_latest(&k, LockMode::Exclusive)? {
            let mut existing = primary_prefix(table);
            existing.extend_from_slice(&existing_pk_suffix);
            if own_pk != Some(existing.as_slice()) {
                return Ok(Some((idx.clone(), existing)));
            }
        }
    }
    Ok(None)
}

/// The error for a conflict found by [`find_conflict`].
pub fn conflict_error(table: &TableDef, idx: &IndexDef, row: &[Value]) -> DbError {
    DbError::dup_entry(&dup_value(idx, row), &dup_key_name(table, idx))
}

/// The form a row is stored in: TIMESTAMP values moved from the session's
/// time zone (`Transaction::time_zone`) to UTC. The rows this module's
/// public functions take are in the session's zone; scans convert back
/// ([`session_form`]).
fn stored_form<'r>(txn: &Transaction, table: &TableDef, row: &'r [Value]) -> std::borrow::Cow<'r, [Value]> {
    shift_timestamps(table, row, txn.time_zone(), crate::sql::timezone::to_utc)
}

/// A stored row as the session in zone `offset` sees it.
pub fn session_form(table: &TableDef, row: Vec<Value>, offset: i32) -> Vec<Value> {
    match shift_timestamps(table, &row, offset, crate::sql::timezone::from_utc) {
        std::borrow::Cow::Borrowed(_) => row,
        std::borrow::Cow::Owned(r) => r,
    }
}

fn shift_timestamps<'r>(
    table: &TableDef,
    row: &'r [Value],
    offset: i32,
    shift: fn(chrono::NaiveDateTime, i32) -> chrono::NaiveDateTime,
) -> std::borrow::Cow<'r, [Value]> {
    let is_ts = |i: usize| table.columns.get(i).is_some_and(|c| c.ty.kind == TypeKind::Timestamp);
    if offset == 0 || !row.iter().enumerate().any(|(i, v)| is_ts(i) && matches!(v, Value::DateTime(_))) {
        return std::borrow::Cow::Borrowed(row);
    }
    let mut out = row.to_vec();
    for (i, v) in out.iter_mut().enumerate() {
        if let (true, Value::DateTime(dt)) = (is_ts(i), &*v) {
            *v = Value::DateTime(shift(*dt, offset));
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Write a new row (no conflict checks: callers run [`find_conflict`]).
/// `pk_key` is the full primary key.
pub fn write_row(txn: &mut Transaction, table: &TableDef, pk_key: &[u8], row: &[Value]) -> Result<()> {
    let stored = stored_form(txn, table, row);
    write_row_stored(txn, table, pk_key, &stored)
}

fn write_row_stored(txn: &mut Transaction, table: &TableDef, pk_key: &[u8], row: &[Value]) -> Result<()> {
    let suffix = &pk_key[primary_prefix(table).len()..];
    for idx in table.secondary_indexes() {
        let (k, _) = index_entry_key(table, idx, row, suffix);
        txn.put(k, suffix.to_vec())?;
    }
    txn.put(pk_key.to_vec(), encode_row(row))
}

/// Remove a row and its index entries.
pub fn delete_row(txn: &mut Transaction, table: &TableDef, pk_key: &[u8], row: &[Value]) -> Result<()> {
    let stored = stored_form(txn, table, row);
    delete_row_stored(txn, table, pk_key, &stored)
}

fn delete_row_stored(txn: &mut Transaction, table: &TableDef, pk_key: &[u8], row: &[Value]) -> Result<()> {
    let suffix = &pk_key[primary_prefix(table).len()..];
    for idx in table.secondary_indexes() {
        let (k, _) = index_entry_key(table, idx, row, suffix);
        txn.delete(k)?;
    }
    txn.delete(pk_key.to_vec())
}

/// The full primary key for a new row: its declared key, or a new hidden
/// row id.
pub fn new_row_key(
    txn: &Transaction,
    table: &TableDef,
    row: &[Value],
    counters: &Mutex<TableCounters>,
) -> Result<Vec<u8>> {
    let stored = stored_form(txn, table, row);
    new_row_key_stored(txn, table, &stored, counters)
}

fn new_row_key_stored(
    txn: &Transaction,
    table: &TableDef,
    row: &[Value],
    counters: &Mutex<TableCounters>,
) -> Result<Vec<u8>> {
    let mut key = primary_prefix(table);
    match pk_suffix(table, row) {
        Some(s) => key.extend_from_slice(&s),
        None => encode_row_id(next_row_id(txn, table, counters)?, &mut key),
    }
    Ok(key)
}

/// Insert one complete, coerced row. Returns the number of rows affected
/// in MySQL's counting (1 insert, 2 replace-of-existing, 0 ignored).
pub fn insert_row(
    txn: &mut Transaction,
    table: &TableDef,
    row: &[Value],
    mode: OnDuplicate,
    counters: &Mutex<TableCounters>,
) -> Result<u64> {
    for (i, c) in table.columns.iter().enumerate() {
        if !c.nullable && row[i].is_null() {
            return Err(DbError::null_column(&c.name));
        }
    }
    let mut affected = 1;
    let stored = stored_form(txn, table, row);
    while let Some((idx, existing)) = find_conflict_stored(txn, table, &stored, None)? {
        match mode {
            OnDuplicate::Error => return Err(conflict_error(table, &idx, row)),
            OnDuplicate::Ignore => return Ok(0),
            OnDuplicate::Replace => {
                let Some(old) = txn.lock_latest(&existing, LockMode::Exclusive)? else {
                    break;
                };
                let old_row = decode_row(&old)?;
                delete_row_stored(txn, table, &existing, &old_row)?;
                affected += 1;
            }
        }
    }
    let key = new_row_key_stored(txn, table, &stored, counters)?;
    write_row_stored(txn, table, &key, &stored)?;
    Ok(affected)
}

/// Replace `old_row` at `old_key` with `new_row`, keeping indexes in step.
/// Returns the new primary key.
pub fn update_row(
    txn: &mut Transaction,
    table: &TableDef,
    old_key: &[u8],
    old_row: &[Value],
    new_row: &[Value],
) -> Result<Vec<u8>> {
    for (i, c) in table.columns.iter().enumerate() {
        if !c.nullable && new_row[i].is_null() {
            return Err(DbError::null_column(&c.name));
        }
    }
    let (old_stored, new_stored) = (stored_form(txn, table, old_row), stored_form(txn, table, new_row));
    let new_key = match pk_suffix(table, &new_stored) {
        Some(s) => {
            let mut k = primary_prefix(table);
            k.extend_from_slice(&s);
            k
        }
        None => old_key.to_vec(),
    };
    delete_row_stored(txn, table, old_key, &old_stored)?;
    if let Some((idx, _)) = find_conflict_stored(txn, table, &new_stored, None)? {
        return Err(conflict_error(table, &idx, new_row));
    }
    write_row_stored(txn, table, &new_key, &new_stored)?;
    Ok(new_key)
}

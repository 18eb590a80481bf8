//! The binary protocol of prepared statements: decoding COM_STMT_EXECUTE
//! (null bitmap, parameter types, binary parameter values, long data) into
//! SQL values, and encoding result rows in the binary row format.
//!
//! Decoding is bounds-checked throughout: a truncated or inconsistent
//! packet yields error 1210 (`Incorrect arguments to mysqld_stmt_execute`),
//! never a panic.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use super::wire::{put_lenenc_bytes, text_value, ty, type_code, Malformed, Reader};
use crate::error::DbError;
use crate::sql::types::{SqlType, TypeKind};
use crate::sql::value::{parse_date, parse_datetime, Value};

/// The type a client bound a parameter with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamType {
    pub code: u8,
    pub unsigned: bool,
}

/// A decoded COM_STMT_EXECUTE.
#[derive(Debug, Clone, PartialEq)]
pub struct Execute {
    pub values: Vec<Value>,
    /// Types bound by this packet (new-params-bound flag set), to remember
    /// for later executions that omit them.
    pub new_types: Option<Vec<ParamType>>,
}

/// The statement id of a COM_STMT_EXECUTE body (the payload after the
/// command byte).
pub fn statement_id(body: &[u8]) -> Result<u32, Malformed> {
    Reader::new(body).u32()
}

fn bad() -> DbError {
    DbError::wrong_arguments("mysqld_stmt_execute")
}

/// Decode a COM_STMT_EXECUTE body for a statement with `num_params`
/// parameters. `bound` are the types remembered from an earlier execution;
/// `long_data` holds what COM_STMT_SEND_LONG_DATA sent per parameter (those
/// parameters have no value in the packet).
pub fn parse_execute(
    body: &[u8],
    num_params: usize,
    bound: Option<&[ParamType]>,
    long_data: &BTreeMap<u16, Vec<u8>>,
) -> Result<Execute, DbError> {
    let mut r = Reader::new(body);
    let _stmt_id = r.u32().map_err(|_| bad())?;
    let _cursor_flags = r.u8().map_err(|_| bad())?;
    let _iterations = r.u32().map_err(|_| bad())?;
    if num_params == 0 {
        return Ok(Execute { values: Vec::new(), new_types: None });
    }
    let null_bitmap = r.bytes(num_params.div_ceil(8)).map_err(|_| bad())?;
    let new_bound = r.u8().map_err(|_| bad())?;
    let new_types = if new_bound == 1 {
        let raw = r.bytes(num_params.checked_mul(2).ok_or_else(bad)?).map_err(|_| bad())?;
        Some(raw.chunks_exact(2).map(|c| ParamType { code: c[0], unsigned: c[1] & 0x80 != 0 }).collect::<Vec<_>>())
    } else if new_bound == 0 {
        None
    } else {
        return Err(bad());
    };
    let types = match (&new_types, bound) {
        (Some(t), _) => t.as_slice(),
        (None, Some(t)) if t.len() == num_params => t,
        _ => return Err(bad()),
    };
    let mut values = Vec::with_capacity(num_params);
    for (i, t) in types.iter().enumerate() {
        if let Some(data) = u16::try_from(i).ok().and_then(|i| long_data.get(&i)) {
            values.push(bytes_value(t.code, data));
            continue;
        }
        if null_bitmap[i / 8] & (1 << (i % 8)) != 0 {
            values.push(Value::Null);
            continue;
        }
        values.push(read_value(&mut r, *t).map_err(|_| bad())?);
    }
    Ok(Execute { values, new_types })
}

/// A string-like parameter's bytes as a value: blob types stay bytes, text
/// types become strings when they are valid UTF-8, decimals become
/// decimals when they parse.
fn bytes_value(code: u8, b: &[u8]) -> Value {
    match code {
        ty::TINY_BLOB | ty::MEDIUM_BLOB | ty::LONG_BLOB | ty::BLOB | ty::GEOMETRY | ty::BIT => Value::Bytes(b.to_vec()),
        ty::DECIMAL | ty::NEWDECIMAL => {
            let s = String::from_utf8_lossy(b);
            s.trim().parse().map(Value::Decimal).unwrap_or_else(|_| Value::Str(s.into_owned()))
        }
        _ => match std::str::from_utf8(b) {
            Ok(s) => Value::Str(s.to_string()),
            Err(_) => Value::Bytes(b.to_vec()),
        },
    }
}

fn read_value(r: &mut Reader<'_>, t: ParamType) -> Result<Value, Malformed> {
    let int = |signed: i64, unsigned: u64| if t.unsigned { Value::UInt(unsigned) } else { Value::Int(signed) };
    Ok(match t.code {
        ty::NULL => Value::Null,
        ty::TINY => {
            let b = r.u8()?;
            int(b as i8 as i64, b as u64)
        }
        ty::SHORT | ty::YEAR => {
            let v = r.u16()?;
            int(v as i16 as i64, v as u64)
        }
        ty::LONG | ty::INT24 => {
            let v = r.u32()?;
            int(v as i32 as i64, v as u64)
        }
        ty::LONGLONG => {
            let v = r.u64()?;
            int(v as i64, v)
        }
        ty::FLOAT => Value::Double(f32::from_bits(r.u32()?) as f64),
        ty::DOUBLE => Value::Double(f64::from_bits(r.u64()?)),
        ty::DATE | ty::NEWDATE | ty::DATETIME | ty::TIMESTAMP => read_temporal(r, t.code)?,
        ty::TIME => read_time(r)?,
        ty::DECIMAL
        | ty::NEWDECIMAL
        | ty::VARCHAR
        | ty::BIT
        | ty::JSON
        | ty::ENUM
        | ty::SET
        | ty::TINY_BLOB
        | ty::MEDIUM_BLOB
        | ty::LONG_BLOB
        | ty::BLOB
        | ty::VAR_STRING
        | ty::STRING
        | ty::GEOMETRY => bytes_value(t.code, r.lenenc_bytes()?),
        _ => return Err(Malformed),
    })
}

/// DATE / DATETIME / TIMESTAMP: a length byte (0, 4, 7 or 11), then year,
/// month, day, [hour, minute, second, [microseconds]].
fn read_temporal(r: &mut Reader<'_>, code: u8) -> Result<Value, Malformed> {
    let len = r.u8()?;
    let (mut y, mut mo, mut d, mut h, mut mi, mut s, mut us) = (0u16, 0u8, 0u8, 0u8, 0u8, 0u8, 0u32);
    match len {
        0 => {}
        4 | 7 | 11 => {
            y = r.u16()?;
            mo = r.u8()?;
            d = r.u8()?;
            if len >= 7 {
                h = r.u8()?;
                mi = r.u8()?;
                s = r.u8()?;
            }
            if len == 11 {
                us = r.u32()?;
            }
        }
        _ => return Err(Malformed),
    }
    let date = NaiveDate::from_ymd_opt(y as i32, mo as u32, d as u32);
    if code == ty::DATE || code == ty::NEWDATE {
        return Ok(match date {
            Some(date) => Value::Date(date),
            None => Value::Str(format!("{y:04}-{mo:02}-{d:02}")),
        });
    }
    let time = NaiveTime::from_hms_micro_opt(h as u32, mi as u32, s as u32, us);
    Ok(match (date, time) {
        (Some(date), Some(time)) => Value::DateTime(NaiveDateTime::new(date, time)),
        _ => {
            let frac = if us > 0 { format!(".{us:06}") } else { String::new() };
            Value::Str(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}{frac}"))
        }
    })
}

/// TIME: a length byte (0, 8 or 12), then sign, days, hours, minutes,
/// seconds, [microseconds]; decoded to a TIME value (coercion checks its
/// range).
fn read_time(r: &mut Reader<'_>) -> Result<Value, Malformed> {
    let len = r.u8()?;
    let (mut neg, mut days, mut h, mut m, mut s, mut us) = (false, 0u32, 0u8, 0u8, 0u8, 0u32);
    match len {
        0 => {}
        8 | 12 => {
            neg = r.u8()? == 1;
            days = r.u32()?;
            h = r.u8()?;
            m = r.u8()?;
            s = r.u8()?;
            if len == 12 {
                us = r.u32()?;
            }
        }
        _ => return Err(Malformed),
    }
    if m > 59 || s > 59 || us > 999_999 {
        return Err(Malformed);
    }
    let secs = (days as i64 * 24 + h as i64) * 3600 + m as i64 * 60 + s as i64;
    let t = secs.saturating_mul(1_000_000).saturating_add(us as i64);
    Ok(Value::Time(if neg { -t } else { t }))
}

/// The binary TIME encoding of `t` microseconds: length 0 for zero, 8
/// without and 12 with microseconds.
fn put_time(out: &mut Vec<u8>, t: i64) {
    if t == 0 {
        out.push(0);
        return;
    }
    let a = t.unsigned_abs();
    let us = (a % 1_000_000) as u32;
    let secs = a / 1_000_000;
    out.push(if us == 0 { 8 } else { 12 });
    out.push((t < 0) as u8);
    out.extend_from_slice(&((secs / 86_400) as u32).to_le_bytes());
    out.push((secs / 3600 % 24) as u8);
    out.push((secs / 60 % 60) as u8);
    out.push((secs % 60) as u8);
    if us != 0 {
        out.extend_from_slice(&us.to_le_bytes());
    }
}

/// A binary-protocol row: header 0x00, a NULL bitmap with an offset of 2
/// bits, then each non-NULL value in its column type's encoding. One value
/// per column (`types`); a missing value is sent as NULL.
pub fn binary_row(row: &[Value], types: &[SqlType]) -> Vec<u8> {
    let n = types.len();
    let bitmap_len = (n + 7 + 2) / 8;
    let mut out = Vec::with_capacity(1 + bitmap_len + n * 8);
    out.push(0x00);
    out.resize(1 + bitmap_len, 0);
    for (i, t) in types.iter().enumerate() {
        let v = row.get(i).unwrap_or(&Value::Null);
        if v.is_null() || t.kind == TypeKind::Null {
            let bit = i + 2;
            out[1 + bit / 8] |= 1 << (bit % 8);
            continue;
        }
        put_binary_value(&mut out, v, t);
    }
    out
}

fn put_binary_value(out: &mut Vec<u8>, v: &Value, t: &SqlType) {
    let i = || v.as_i128().unwrap_or(0);
    let clamp = |lo: i128, hi: i128| i().clamp(lo, hi);
    match type_code(t) {
        ty::TINY if t.unsigned => out.push(clamp(0, u8::MAX as i128) as u8),
        ty::TINY => out.push(clamp(i8::MIN as i128, i8::MAX as i128) as i8 as u8),
        ty::SHORT if t.unsigned => out.extend_from_slice(&(clamp(0, u16::MAX as i128) as u16).to_le_bytes()),
        ty::SHORT => out.extend_from_slice(&(clamp(i16::MIN as i128, i16::MAX as i128) as i16).to_le_bytes()),
        ty::INT24 | ty::LONG if t.unsigned => out.extend_from_slice(&(clamp(0, u32::MAX as i128) as u32).to_le_bytes()),
        ty::INT24 | ty::LONG => {
            out.extend_from_slice(&(clamp(i32::MIN as i128, i32::MAX as i128) as i32).to_le_bytes())
        }
        ty::LONGLONG if t.unsigned => out.extend_from_slice(&(clamp(0, u64::MAX as i128) as u64).to_le_bytes()),
        ty::LONGLONG => out.extend_from_slice(&(clamp(i64::MIN as i128, i64::MAX as i128) as i64).to_le_bytes()),
        ty::YEAR => out.extend_from_slice(&(clamp(0, u16::MAX as i128) as u16).to_le_bytes()),
        ty::TIME => match v {
            Value::Time(t) => put_time(out, *t),
            other => put_time(out, crate::sql::conversion::to_time(other, 6).unwrap_or(0)),
        },
        ty::FLOAT => out.extend_from_slice(&(v.as_f64().unwrap_or(0.0) as f32).to_le_bytes()),
        ty::DOUBLE => out.extend_from_slice(&v.as_f64().unwrap_or(0.0).to_le_bytes()),
        ty::DATE => {
            let d = match v {
                Value::Date(d) => Some(*d),
                Value::DateTime(dt) => Some(dt.date()),
                other => other.to_text().and_then(|s| parse_date(&s)),
            };
            put_datetime(out, d.map(|d| d.and_time(NaiveTime::MIN)), true);
        }
        ty::DATETIME | ty::TIMESTAMP => {
            let dt = match v {
                Value::DateTime(dt) => Some(*dt),
                Value::Date(d) => Some(d.and_time(NaiveTime::MIN)),
                other => other.to_text().and_then(|s| parse_datetime(&s)),
            };
            put_datetime(out, dt, false);
        }
        _ => put_lenenc_bytes(out, &text_value(v, t).unwrap_or_default()),
    }
}

/// The shortest binary DATE/DATETIME encoding of `dt` (length 0 for the
/// zero date or an unconvertible value).
fn put_datetime(out: &mut Vec<u8>, dt: Option<NaiveDateTime>, date_only: bool) {
    let Some(dt) = dt else {
        out.push(0);
        return;
    };
    let micros = dt.nanosecond() / 1000 % 1_000_000;
    let has_time = !date_only && (dt.hour() != 0 || dt.minute() != 0 || dt.second() != 0 || micros != 0);
    let len: u8 = if date_only || !has_time {
        4
    } else if micros == 0 {
        7
    } else {
        11
    };
    out.push(len);
    out.extend_from_slice(&(dt.year().clamp(0, 9999) as u16).to_le_bytes());
    out.push(dt.month() as u8);
    out.push(dt.day() as u8);
    if len >= 7 {
        out.push(dt.hour() as u8);
        out.push(dt.minute() as u8);
        out.push(dt.second() as u8);
    }
    if len == 11 {
        out.extend_from_slice(&micros.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mysql::wire::put_lenenc_int;
    use proptest::prelude::*;

    fn header(id: u32) -> Vec<u8> {
        let mut b = id.to_le_bytes().to_vec();
        b.push(0);
        b.extend_from_slice(&1u32.to_le_bytes());
        b
    }

    fn execute(types: &[(u8, bool)], nulls: &[bool], values: &[u8]) -> Vec<u8> {
        let mut b = header(1);
        let mut bitmap = vec![0u8; types.len().div_ceil(8)];
        for (i, &n) in nulls.iter().enumerate() {
            if n {
                bitmap[i / 8] |= 1 << (i % 8);
            }
        }
        b.extend_from_slice(&bitmap);
        b.push(1);
        for &(code, unsigned) in types {
            b.push(code);
            b.push(if unsigned { 0x80 } else { 0 });
        }
        b.extend_from_slice(values);
        b
    }

    #[test]
    fn decodes_every_type() {
        let mut v = Vec::new();
        v.push(0xF9); // TINY -7
        v.push(0xFF); // TINY UNSIGNED 255
        v.extend_from_slice(&(-2i16).to_le_bytes());
        v.extend_from_slice(&70_000i32.to_le_bytes());
        v.extend_from_slice(&u64::MAX.to_le_bytes());
        v.extend_from_slice(&1.5f32.to_le_bytes());
        v.extend_from_slice(&(-0.25f64).to_le_bytes());
        put_lenenc_int(&mut v, 5);
        v.extend_from_slice(b"12.34");
        put_lenenc_int(&mut v, 3);
        v.extend_from_slice(&[0, 1, 255]);
        put_lenenc_int(&mut v, 6);
        v.extend_from_slice("héllo".as_bytes());
        v.extend_from_slice(&[4, 0xE8, 0x07, 2, 29]); // DATE 2024-02-29
        v.extend_from_slice(&[11, 0xE8, 0x07, 3, 1, 12, 34, 56, 0x40, 0xE2, 0x01, 0]); // + 123456 µs
        v.extend_from_slice(&[8, 1, 2, 0, 0, 0, 3, 4, 5]); // TIME -2 03:04:05
        v.extend_from_slice(&[0]); // DATETIME zero
        let types = [
            (ty::TINY, false),
            (ty::TINY, true),
            (ty::SHORT, false),
            (ty::LONG, false),
            (ty::LONGLONG, true),
            (ty::FLOAT, false),
            (ty::DOUBLE, false),
            (ty::NEWDECIMAL, false),
            (ty::BLOB, false),
            (ty::VAR_STRING, false),
            (ty::DATE, false),
            (ty::DATETIME, false),
            (ty::TIME, false),
            (ty::DATETIME, false),
            (ty::LONG, false),
            (ty::NULL, false),
        ];
        let mut nulls = vec![false; types.len()];
        nulls[14] = true;
        nulls[15] = true;
        let e = parse_execute(&execute(&types, &nulls, &v), types.len(), None, &BTreeMap::new()).unwrap();
        let dt = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap().and_hms_micro_opt(12, 34, 56, 123_456).unwrap();
        assert_eq!(
            e.values,
            vec![
                Value::Int(-7),
                Value::UInt(255),
                Value::Int(-2),
                Value::Int(70_000),
                Value::UInt(u64::MAX),
                Value::Double(1.5),
                Value::Double(-0.25),
                Value::Decimal("12.34".parse().unwrap()),
                Value::Bytes(vec![0, 1, 255]),
                Value::Str("héllo".into()),
                Value::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()),
                Value::DateTime(dt),
                Value::Time(-((2 * 24 + 3) * 3600 + 4 * 60 + 5) * 1_000_000),
                Value::Str("0000-00-00 00:00:00".into()),
                Value::Null,
                Value::Null,
            ]
        );
        assert_eq!(e.new_types.as_ref().map(Vec::len), Some(types.len()));
    }

    #[test]
    fn remembered_types_and_long_data() {
        let types = [(ty::LONG, false), (ty::BLOB, false)];
        let mut v = Vec::new();
        v.extend_from_slice(&5i32.to_le_bytes());
        let mut long = BTreeMap::new();
        long.insert(1u16, b"abc".to_vec());
        let first = parse_execute(&execute(&types, &[false, false], &v), 2, None, &long).unwrap();
        assert_eq!(first.values, vec![Value::Int(5), Value::Bytes(b"abc".to_vec())]);
        // A later execution without types uses the remembered ones.
        let mut b = header(1);
        b.push(0); // null bitmap
        b.push(0); // types not bound
        b.extend_from_slice(&9i32.to_le_bytes());
        put_lenenc_int(&mut b, 1);
        b.push(b'z');
        let bound = first.new_types.unwrap();
        let again = parse_execute(&b, 2, Some(&bound), &BTreeMap::new()).unwrap();
        assert_eq!(again.values, vec![Value::Int(9), Value::Bytes(b"z".to_vec())]);
        assert_eq!(again.new_types, None);
        // Without remembered types it is an error.
        assert_eq!(parse_execute(&b, 2, None, &BTreeMap::new()).unwrap_err().code, 1210);
    }

    #[test]
    fn malformed_packets_are_errors() {
        let types = [(ty::LONGLONG, false), (ty::VAR_STRING, false)];
        let mut v = 1i64.to_le_bytes().to_vec();
        put_lenenc_int(&mut v, 3);
        v.extend_from_slice(b"abc");
        let full = execute(&types, &[false, false], &v);
        assert!(parse_execute(&full, 2, None, &BTreeMap::new()).is_ok());
        for cut in 0..full.len() {
            let e = parse_execute(&full[..cut], 2, None, &BTreeMap::new()).unwrap_err();
            assert_eq!(e.code, 1210, "truncated at {cut}");
        }
        // Unknown type codes and bad temporal lengths.
        let e = parse_execute(&execute(&[(0x77, false)], &[false], &[1]), 1, None, &BTreeMap::new());
        assert!(e.is_err());
        let e = parse_execute(&execute(&[(ty::DATE, false)], &[false], &[5, 1, 2, 3, 4, 5]), 1, None, &BTreeMap::new());
        assert!(e.is_err());
    }

    #[test]
    fn binary_rows() {
        let types = [
            SqlType::int(),
            SqlType { unsigned: true, ..SqlType::bigint() },
            SqlType::new(TypeKind::Date),
            SqlType::new(TypeKind::DateTime),
            SqlType::decimal(6, 2),
            SqlType::new(TypeKind::Blob),
            SqlType::new(TypeKind::Float),
        ];
        let dt = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap().and_hms_opt(12, 34, 56).unwrap();
        let row = vec![
            Value::Int(-1),
            Value::Null,
            Value::Date(dt.date()),
            Value::DateTime(dt),
            Value::Decimal("1.5".parse().unwrap()),
            Value::Bytes(vec![0, 255]),
            Value::Double(0.5),
        ];
        let out = binary_row(&row, &types);
        let mut want = vec![0x00, 0b0000_1000, 0x00];
        want.extend_from_slice(&(-1i32).to_le_bytes());
        want.extend_from_slice(&[4, 0xE8, 0x07, 3, 1]);
        want.extend_from_slice(&[7, 0xE8, 0x07, 3, 1, 12, 34, 56]);
        want.extend_from_slice(b"\x041.50");
        want.extend_from_slice(&[2, 0, 255]);
        want.extend_from_slice(&0.5f32.to_le_bytes());
        assert_eq!(out, want);
        // The bitmap covers every column even when the row is short.
        let out = binary_row(&[], &types);
        assert_eq!(out, vec![0x00, 0b1111_1100, 0b0000_0001]);
    }

    proptest! {
        #[test]
        fn execute_parser_never_panics(
            bytes in proptest::collection::vec(any::<u8>(), 0..96),
            params in 0usize..20,
            remembered in proptest::option::of(proptest::collection::vec((any::<u8>(), any::<bool>()), 0..20)),
        ) {
            let bound: Option<Vec<ParamType>> =
                remembered.map(|v| v.into_iter().map(|(code, unsigned)| ParamType { code, unsigned }).collect());
            let mut long = BTreeMap::new();
            long.insert(1u16, vec![0xFFu8, 0x00]);
            let _ = parse_execute(&bytes, params, bound.as_deref(), &long);
            let _ = parse_execute(&bytes, params, bound.as_deref(), &BTreeMap::new());
        }

        #[test]
        fn execute_parser_survives_mutations(flip in 0usize..64, val in any::<u8>(), cut in 0usize..64) {
            let types = [(ty::DATETIME, false), (ty::VAR_STRING, false), (ty::TIME, false), (ty::DOUBLE, false)];
            let mut v = vec![11, 0xE8, 0x07, 3, 1, 12, 34, 56, 1, 0, 0, 0];
            put_lenenc_int(&mut v, 2);
            v.extend_from_slice(b"hi");
            v.extend_from_slice(&[12, 0, 1, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0]);
            v.extend_from_slice(&2.5f64.to_le_bytes());
            let mut raw = execute(&types, &[false; 4], &v);
            if flip < raw.len() {
                raw[flip] = val;
            }
            raw.truncate(cut.min(raw.len()));
            let _ = parse_execute(&raw, types.len(), None, &BTreeMap::new());
        }
    }
}

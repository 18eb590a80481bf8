//! The key layout and memcomparable encoding of key columns.
//!
//! ```text
//! 0x01 'D' <db name>                      -> DatabaseDef (json)
//! 0x01 'T' <table id: u64 BE>             -> TableDef (json)
//! 0x01 'V' <db name> 0x00 <view name>     -> ViewDef (json)
//! 0x01 'N'                                -> next table id (u64 BE)
//! 0x02 <table id: u64 BE> <index id: u32 BE> <encoded key columns> -> ...
//! ```
//!
//! Primary index entries (index id 1) map the encoded primary key (or the
//! hidden row id) to the encoded row. Secondary index entries map the
//! encoded index columns — plus the primary key when the index is not
//! unique, or a key column is NULL — to the encoded primary key. Encoded keys
//! compare with memcmp in the same order as the values they encode, so a
//! range of values is a range of keys.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;

use crate::sql::types::{SqlType, TypeKind};
use crate::sql::value::{collate_key, Value};

const META: u8 = 0x01;
const DATA: u8 = 0x02;

pub fn db_def_prefix() -> Vec<u8> {
    vec![META, b'D']
}

pub fn db_def_key(name: &str) -> Vec<u8> {
    let mut k = db_def_prefix();
    k.extend_from_slice(name.as_bytes());
    k
}

pub fn table_def_prefix() -> Vec<u8> {
    vec![META, b'T']
}

pub fn table_def_key(id: u64) -> Vec<u8> {
    let mut k = table_def_prefix();
    k.extend_from_slice(&id.to_be_bytes());
    k
}

pub fn view_def_prefix() -> Vec<u8> {
    vec![META, b'V']
}

pub fn view_def_key(db: &str, name: &str) -> Vec<u8> {
    let mut k = view_def_prefix();
    k.extend_from_slice(db.as_bytes());
    k.push(0);
    k.extend_from_slice(name.as_bytes());
    k
}

pub fn function_def_prefix() -> Vec<u8> {
    vec![META, b'F']
}

pub fn function_def_key(name: &str) -> Vec<u8> {
    let mut k = function_def_prefix();
    k.extend_from_slice(name.as_bytes());
    k
}

/// Wasm module bytes, by SHA-256 (shared by every function from one module).
pub fn module_key(sha256: &[u8; 32]) -> Vec<u8> {
    let mut k = vec![META, b'M'];
    k.extend_from_slice(sha256);
    k
}

pub fn next_table_id_key() -> Vec<u8> {
    vec![META, b'N']
}

/// Prefix of every key of one table.
pub fn table_prefix(table_id: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(16);
    k.push(DATA);
    k.extend_from_slice(&table_id.to_be_bytes());
    k
}

/// Prefix of every key of one index.
pub fn index_prefix(table_id: u64, index_id: u32) -> Vec<u8> {
    let mut k = table_prefix(table_id);
    k.extend_from_slice(&index_id.to_be_bytes());
    k
}

/// Append the memcomparable encoding of `v` as a value of column type `ty`.
/// The caller has already converted `v` to the column's type.
pub fn encode_key_value(v: &Value, ty: &SqlType, out: &mut Vec<u8>) {
    if v.is_null() {
        out.push(0x00);
        return;
    }
    out.push(0x01);
    match ty.kind {
        k if ty.is_integer() && ty.unsigned => {
            let _ = k;
            let u = match v {
                Value::UInt(u) => *u,
                other => other.as_i128().unwrap_or(0).clamp(0, u64::MAX as i128) as u64,
            };
            out.extend_from_slice(&u.to_be_bytes());
        }
        _ if ty.is_integer() => {
            let i = v.as_i64().unwrap_or(0);
            out.extend_from_slice(&((i as u64) ^ (1 << 63)).to_be_bytes());
        }
        TypeKind::Float | TypeKind::Double => encode_f64(v.as_f64().unwrap_or(0.0), out),
        TypeKind::Decimal => {
            let mut d = v.as_decimal().unwrap_or_default();
            d.rescale(ty.scale as u32);
            encode_decimal(&d, out);
        }
        TypeKind::Date => {
            let d = match v {
                Value::Date(d) => *d,
                Value::DateTime(dt) => dt.date(),
                _ => NaiveDate::default(),
            };
            out.extend_from_slice(&((d.num_days_from_ce() as u32) ^ (1 << 31)).to_be_bytes());
        }
        TypeKind::DateTime | TypeKind::Timestamp => {
            let dt = match v {
                Value::DateTime(dt) => *dt,
                Value::Date(d) => d.and_time(NaiveTime::MIN),
                _ => NaiveDateTime::default(),
            };
            let m = dt.and_utc().timestamp_micros();
            out.extend_from_slice(&((m as u64) ^ (1 << 63)).to_be_bytes());
        }
        TypeKind::Time => {
            let t = match v {
                Value::Time(t) => *t,
                _ => 0,
            };
            out.extend_from_slice(&((t as u64) ^ (1 << 63)).to_be_bytes());
        }
        // YEAR keys by its number; BIT, ENUM and SET by theirs (ENUM and
        // SET rows sort by position / bit mask, as in MySQL).
        TypeKind::Year => {
            let i = v.as_i64().unwrap_or(0);
            out.extend_from_slice(&((i as u64) ^ (1 << 63)).to_be_bytes());
        }
        TypeKind::Bit | TypeKind::Enum | TypeKind::Set => {
            let n = match v {
                Value::Bit(n, _) | Value::Enum(n, _) | Value::UInt(n) => *n,
                other => other.as_i128().unwrap_or(0).clamp(0, u64::MAX as i128) as u64,
            };
            out.extend_from_slice(&n.to_be_bytes());
        }
        _ if ty.is_binary() || matches!(ty.kind, TypeKind::Geometry(_)) => {
            encode_bytes(&v.to_bytes().unwrap_or_default(), out)
        }
        _ if ty.case_sensitive => encode_bytes(&v.to_bytes().unwrap_or_default(), out),
        _ => {
            let s = v.to_text().unwrap_or_default();
            encode_bytes(collate_key(&s).as_bytes(), out);
        }
    }
}

fn encode_f64(f: f64, out: &mut Vec<u8>) {
    let f = if f == 0.0 { 0.0 } else { f }; // -0 sorts with 0
    let bits = f.to_bits();
    let b = if bits >> 63 == 0 { bits ^ (1 << 63) } else { !bits };
    out.extend_from_slice(&b.to_be_bytes());
}

fn encode_decimal(d: &Decimal, out: &mut Vec<u8>) {
    let m = d.mantissa();
    out.extend_from_slice(&((m as u128) ^ (1u128 << 127)).to_be_bytes());
}

/// Bytes with 0x00 escaped as 0x00 0xFF and a 0x00 0x01 terminator, so that
/// a prefix sorts before its extensions.
fn encode_bytes(b: &[u8], out: &mut Vec<u8>) {
    for &c in b {
        if c == 0 {
            out.extend_from_slice(&[0x00, 0xFF]);
        } else {
            out.push(c);
        }
    }
    out.extend_from_slice(&[0x00, 0x01]);
}

/// Encode a hidden row id (tables without a primary key).
pub fn encode_row_id(id: u64, out: &mut Vec<u8>) {
    out.extend_from_slice(&id.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn enc(v: &Value, ty: &SqlType) -> Vec<u8> {
        let mut o = Vec::new();
        encode_key_value(v, ty, &mut o);
        o
    }

    proptest! {
        #[test]
        fn ints_sort_like_values(a: i64, b: i64) {
            let ty = SqlType::bigint();
            prop_assert_eq!(a.cmp(&b), enc(&Value::Int(a), &ty).cmp(&enc(&Value::Int(b), &ty)));
        }

        #[test]
        fn doubles_sort_like_values(a in -1e300f64..1e300, b in -1e300f64..1e300) {
            let ty = SqlType::double();
            let ord = a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal);
            prop_assert_eq!(ord, enc(&Value::Double(a), &ty).cmp(&enc(&Value::Double(b), &ty)));
        }

        #[test]
        fn strings_sort_like_values(a in "[a-z\\x00]{0,8}", b in "[a-z\\x00]{0,8}") {
            let ty = SqlType::varchar(20);
            prop_assert_eq!(a.cmp(&b), enc(&Value::Str(a.clone()), &ty).cmp(&enc(&Value::Str(b.clone()), &ty)));
        }

        #[test]
        fn decimals_sort_like_values(a in -1_000_000i64..1_000_000, b in -1_000_000i64..1_000_000) {
            let ty = SqlType::decimal(10, 2);
            let (da, db) = (Decimal::new(a, 2), Decimal::new(b, 2));
            prop_assert_eq!(da.cmp(&db), enc(&Value::Decimal(da), &ty).cmp(&enc(&Value::Decimal(db), &ty)));
        }
    }

    #[test]
    fn null_sorts_first() {
        let ty = SqlType::bigint();
        assert!(enc(&Value::Null, &ty) < enc(&Value::Int(i64::MIN), &ty));
    }
}

//! How a value becomes a TIME, YEAR, BIT, ENUM, SET or spatial column value:
//! MySQL's `Field::store` rules for those types. Each function says why a
//! value does not fit; `table::coerce` turns that into the strict-mode
//! error MySQL sends (1292, 1264, 1366, 1406, 1265, 1416, 3643).

use rust_decimal::prelude::FromPrimitive;
use rust_decimal::Decimal;

use crate::sql::types::Spatial;
use crate::sql::value::{self, collate_cmp, number_to_time, parse_time, TimeError, Value};

/// A value as a TIME (microseconds), rounded to `fsp` fraction digits.
pub fn to_time(v: &Value, fsp: u32) -> Result<i64, TimeError> {
    let t = match v {
        Value::Time(t) => *t,
        Value::DateTime(dt) => {
            use chrono::Timelike;
            let tm = dt.time();
            ((tm.hour() as i64 * 60 + tm.minute() as i64) * 60 + tm.second() as i64) * 1_000_000
                + (tm.nanosecond() / 1000) as i64
        }
        Value::Date(_) => 0,
        Value::Int(i) => number_to_time(Decimal::from(*i))?,
        Value::UInt(u) => number_to_time(Decimal::from(*u))?,
        Value::Decimal(d) => number_to_time(*d)?,
        Value::Double(d) => number_to_time(Decimal::from_f64(*d).ok_or(TimeError::Invalid)?)?,
        Value::Bit(n, _) => number_to_time(Decimal::from(*n))?,
        other => parse_time(&other.to_text().unwrap_or_default())?,
    };
    let r = value::round_time(t, fsp);
    if r.abs() > value::TIME_MAX_MICROS {
        return Err(TimeError::OutOfRange(r.clamp(-value::TIME_MAX_MICROS, value::TIME_MAX_MICROS)));
    }
    Ok(r)
}

/// Why a value is not a YEAR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearError {
    /// A number outside 0, 1..99, 1901..2155 (1264).
    OutOfRange,
    /// Text that is not a number (1366).
    NotNumber,
}

/// A two-digit year: 1..69 are 2001..2069, 70..99 are 1970..1999.
fn widen_year(n: i64) -> i64 {
    match n {
        1..=69 => 2000 + n,
        70..=99 => 1900 + n,
        n => n,
    }
}

fn year_in_range(n: i64) -> Result<i64, YearError> {
    if n < 0 || (100..=1900).contains(&n) || n > 2155 {
        Err(YearError::OutOfRange)
    } else {
        Ok(n)
    }
}

/// A value as a YEAR: 0 (shown `0000`) or 1901..2155. Numbers 1..99 are
/// two-digit years; text '0', '00' and '000' is 2000 while '0000' and the
/// number 0 are 0.
pub fn to_year(v: &Value) -> Result<i64, YearError> {
    match v {
        Value::Date(d) => {
            use chrono::Datelike;
            year_in_range(d.year() as i64)
        }
        Value::DateTime(dt) => {
            use chrono::Datelike;
            year_in_range(dt.year() as i64)
        }
        Value::Str(_) | Value::Bytes(_) | Value::Enum(..) | Value::Time(_) => {
            let s = v.to_text().unwrap_or_default();
            let t = s.trim();
            let (f, whole) = value::parse_number_prefix(t);
            if !whole {
                return Err(YearError::NotNumber);
            }
            let n = year_in_range(f.round() as i64)?;
            let digits = t.trim_start_matches(['+', '-']);
            if n == 0 && digits.len() != 4 {
                return Ok(2000);
            }
            Ok(widen_year(n))
        }
        Value::Double(d) => year_in_range(d.round() as i64).map(widen_year),
        other => {
            let n = other.as_i128().unwrap_or(-1);
            let n = i64::try_from(n).map_err(|_| YearError::OutOfRange)?;
            year_in_range(n).map(widen_year)
        }
    }
}

/// A value as a BIT(m) number; `None` when it needs more than m bits
/// (1406). Numbers store as 64-bit two's complement (rounded); strings store
/// their bytes, big-endian.
pub fn to_bit(v: &Value, m: u32) -> Option<u64> {
    let n: u64 = match v {
        Value::Bit(n, _) | Value::UInt(n) | Value::Enum(n, _) => *n,
        Value::Int(i) => *i as u64,
        Value::Double(d) => d.round() as i64 as u64,
        Value::Decimal(d) => value::round_away(d).mantissa() as i64 as u64,
        other => {
            let b = other.to_bytes().unwrap_or_default();
            let first = b.iter().position(|&x| x != 0).unwrap_or(b.len());
            let b = &b[first..];
            if b.len() > 8 {
                return None;
            }
            b.iter().fold(0u64, |acc, &x| (acc << 8) | x as u64)
        }
    };
    if m < 64 && n >> m != 0 {
        return None;
    }
    Some(n)
}

/// An ENUM member by text (compared under the column's collation, trailing
/// spaces ignored) or, for numbers and numeric text that is no member, by
/// position from 1. `None`: no such member (1265).
pub fn to_enum(v: &Value, elems: &[String]) -> Option<(u64, String)> {
    let by_number = |n: i128| -> Option<(u64, String)> {
        let i = usize::try_from(n).ok().filter(|i| (1..=elems.len()).contains(i))?;
        Some((i as u64, elems[i - 1].clone()))
    };
    match v {
        Value::Int(_) | Value::UInt(_) | Value::Bit(..) | Value::Decimal(_) | Value::Double(_) => {
            by_number(v.as_i128()?)
        }
        other => {
            let s = other.to_text()?;
            let key = s.trim_end_matches(' ');
            if let Some(i) = elems.iter().position(|e| collate_cmp(e, key) == std::cmp::Ordering::Equal) {
                return Some((i as u64 + 1, elems[i].clone()));
            }
            if !key.is_empty() && key.len() < 6 && key.bytes().all(|b| b.is_ascii_digit()) {
                return by_number(key.parse().ok()?);
            }
            None
        }
    }
}

/// The text of a SET value: its members in declaration order, joined by
/// commas.
pub fn set_text(mask: u64, elems: &[String]) -> String {
    elems.iter().enumerate().filter(|(i, _)| mask >> i & 1 == 1).map(|(_, e)| e.as_str()).collect::<Vec<_>>().join(",")
}

/// A SET value from comma-separated members (each compared under the
/// column's collation, trailing spaces ignored; repeats allowed) or from
/// a bit mask. `None`: an unknown member or a mask beyond the members
/// (1265).
pub fn to_set(v: &Value, elems: &[String]) -> Option<(u64, String)> {
    let all: u64 = if elems.len() >= 64 { u64::MAX } else { (1u64 << elems.len()) - 1 };
    let by_mask = |n: i128| -> Option<(u64, String)> {
        let m = u64::try_from(n).ok().filter(|m| m & !all == 0)?;
        Some((m, set_text(m, elems)))
    };
    match v {
        Value::Int(_) | Value::UInt(_) | Value::Bit(..) | Value::Decimal(_) | Value::Double(_) => by_mask(v.as_i128()?),
        other => {
            let s = other.to_text()?;
            let mut mask = 0u64;
            if !s.is_empty() {
                for part in s.split(',') {
                    let key = part.trim_end_matches(' ');
                    match elems.iter().position(|e| collate_cmp(e, key) == std::cmp::Ordering::Equal) {
                        Some(i) => mask |= 1 << i,
                        None if s.len() < 22 && s.bytes().all(|b| b.is_ascii_digit()) => {
                            return by_mask(s.parse().ok()?);
                        }
                        None => return None,
                    }
                }
            }
            Some((mask, set_text(mask, elems)))
        }
    }
}

/// Why bytes are not a value of a spatial column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryError {
    /// Not SRID + WKB (1416).
    NotGeometry,
    /// A geometry of another type than the column's (1366): its type.
    WrongType(Spatial),
    /// The SRID differs from the column's `SRID n` (3643): (value's, column's).
    Srid(u32, u32),
}

/// Check that `b` is a geometry as MySQL stores it — a 4-byte little-endian
/// SRID, then WKB: a byte-order byte (0 or 1), a 4-byte geometry type 1..7
/// that the column accepts, and a body — and that its SRID is the column's
/// when the column declares one. The body is kept as given: guocedb stores
/// spatial values as opaque bytes and has no spatial functions yet.
pub fn check_geometry(b: &[u8], kind: Spatial, column_srid: Option<u32>) -> Result<(), GeometryError> {
    if b.len() < 9 || b[4] > 1 {
        return Err(GeometryError::NotGeometry);
    }
    let mut ty = [0u8; 4];
    ty.copy_from_slice(&b[5..9]);
    let ty = if b[4] == 1 { u32::from_le_bytes(ty) } else { u32::from_be_bytes(ty) };
    let Some(found) = Spatial::ALL.into_iter().find(|g| g.wkb_type() == Some(ty)) else {
        return Err(GeometryError::NotGeometry);
    };
    // A point's body is exactly two doubles.
    if ty == 1 && b.len() != 9 + 16 {
        return Err(GeometryError::NotGeometry);
    }
    if kind.wkb_type().is_some_and(|want| want != ty) {
        return Err(GeometryError::WrongType(found));
    }
    let srid = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    match column_srid {
        Some(c) if c != srid => Err(GeometryError::Srid(srid, c)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::Str(x.into())
    }

    #[test]
    fn years_follow_mysql() {
        assert_eq!(to_year(&Value::Int(24)), Ok(2024));
        assert_eq!(to_year(&Value::Int(70)), Ok(1970));
        assert_eq!(to_year(&Value::Int(0)), Ok(0));
        assert_eq!(to_year(&s("0")), Ok(2000));
        assert_eq!(to_year(&s("0000")), Ok(0));
        assert_eq!(to_year(&s("69")), Ok(2069));
        assert_eq!(to_year(&Value::Int(1800)), Err(YearError::OutOfRange));
        assert_eq!(to_year(&s("abc")), Err(YearError::NotNumber));
    }

    #[test]
    fn bits_fit_or_not() {
        assert_eq!(to_bit(&Value::Int(255), 8), Some(255));
        assert_eq!(to_bit(&Value::Int(256), 8), None);
        assert_eq!(to_bit(&Value::Int(-1), 8), None);
        assert_eq!(to_bit(&Value::Int(-1), 64), Some(u64::MAX));
        assert_eq!(to_bit(&s("A"), 8), Some(65));
        assert_eq!(to_bit(&s("AB"), 8), None);
    }

    #[test]
    fn enum_and_set_members() {
        let e = vec!["a".to_string(), "b".to_string()];
        assert_eq!(to_enum(&s("B "), &e), Some((2, "b".into())));
        assert_eq!(to_enum(&s("2"), &e), Some((2, "b".into())));
        assert_eq!(to_enum(&Value::Int(0), &e), None);
        assert_eq!(to_enum(&s(""), &e), None);
        assert_eq!(to_set(&s("b,a,b"), &e), Some((3, "a,b".into())));
        assert_eq!(to_set(&s(""), &e), Some((0, String::new())));
        assert_eq!(to_set(&Value::Int(4), &e), None);
        assert_eq!(to_set(&s("c"), &e), None);
    }

    #[test]
    fn times_follow_mysql() {
        assert_eq!(to_time(&s("-1 2:3:4.5678"), 0), Ok(-(26 * 3600 + 3 * 60 + 5) * 1_000_000));
        assert_eq!(to_time(&s("12:34:56.7896"), 3), Ok((12 * 3600 + 34 * 60 + 56) * 1_000_000 + 790_000));
        assert_eq!(to_time(&Value::Int(1234), 0), Ok((12 * 60 + 34) * 1_000_000));
        assert_eq!(to_time(&s("10:60:00"), 0), Err(TimeError::Invalid));
        assert!(matches!(to_time(&s("900:00:00"), 0), Err(TimeError::OutOfRange(_))));
    }

    #[test]
    fn geometry_headers() {
        let mut point = vec![0, 0, 0, 0, 1, 1, 0, 0, 0];
        point.extend_from_slice(&[0; 16]);
        assert_eq!(check_geometry(&point, Spatial::Point, None), Ok(()));
        assert_eq!(check_geometry(&point, Spatial::Geometry, Some(0)), Ok(()));
        assert_eq!(check_geometry(&point, Spatial::Polygon, None), Err(GeometryError::WrongType(Spatial::Point)));
        assert_eq!(check_geometry(&point, Spatial::Point, Some(4326)), Err(GeometryError::Srid(0, 4326)));
        assert_eq!(check_geometry(b"abc", Spatial::Geometry, None), Err(GeometryError::NotGeometry));
    }
}

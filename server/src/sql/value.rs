//! Runtime values and MySQL's conversion and comparison rules.
//!
//! A [`Value`] is what an expression evaluates to and what a row holds.
//! Conversions follow MySQL: strings used as numbers take their longest
//! numeric prefix ("12abc" is 12, "abc" is 0), comparisons between a string
//! and a number compare as doubles, integer/decimal pairs compare exactly,
//! and string comparison uses the collation's sort key ([`collate_key`]).

use std::cmp::Ordering;
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::Decimal;

/// One SQL value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    UInt(u64),
    Double(f64),
    Decimal(Decimal),
    Str(String),
    Bytes(Vec<u8>),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
}

/// The sort key of a string under the default collation. MySQL 8's default
/// `utf8mb4_0900_ai_ci` is case-insensitive; this folds case (accent folding
/// is not done yet). Every comparison, index key and group key of strings
/// goes through here so the rule lives in one place.
pub fn collate_key(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().all(|b| !b.is_ascii_uppercase() && b < 0x80) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.to_lowercase())
    }
}

/// Compare two strings under the default collation without allocating in
/// the common (ASCII) case.
pub fn collate_cmp(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        let (x, y) = (a.as_bytes(), b.as_bytes());
        for (p, q) in x.iter().zip(y) {
            let o = p.to_ascii_lowercase().cmp(&q.to_ascii_lowercase());
            if o != Ordering::Equal {
                return o;
            }
        }
        return x.len().cmp(&y.len());
    }
    collate_key(a).cmp(&collate_key(b))
}

/// Parse the longest numeric prefix of `s` as MySQL does when a string is
/// used in numeric context. Returns the value and whether the whole string
/// (ignoring surrounding spaces) was numeric.
pub fn parse_number_prefix(s: &str) -> (f64, bool) {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r']);
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if i == digits_start || (i == digits_start + 1 && b[digits_start] == b'.') {
        return (0.0, false);
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let exp_start = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j > exp_start {
            i = j;
        }
    }
    let v = t[..i].parse::<f64>().unwrap_or(0.0);
    (v, t[i..].trim().is_empty())
}

/// Parse a string as a decimal the way MySQL does in decimal context.
pub fn parse_decimal_prefix(s: &str) -> Option<Decimal> {
    let t = s.trim();
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let (f, _) = parse_number_prefix(t);
        return Decimal::from_f64(f);
    }
    t[..i].parse::<Decimal>().ok()
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// SQL truth value: NULL is unknown (`None`).
    pub fn truth(&self) -> Option<bool> {
        match self {
            Value::Null => None,
            Value::Int(i) => Some(*i != 0),
            Value::UInt(u) => Some(*u != 0),
            Value::Double(d) => Some(*d != 0.0),
            Value::Decimal(d) => Some(!d.is_zero()),
            Value::Str(s) => Some(parse_number_prefix(s).0 != 0.0),
            Value::Bytes(b) => Some(parse_number_prefix(&String::from_utf8_lossy(b)).0 != 0.0),
            Value::Date(_) | Value::DateTime(_) => Some(true),
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        Some(match self {
            Value::Null => return None,
            Value::Int(i) => *i as f64,
            Value::UInt(u) => *u as f64,
            Value::Double(d) => *d,
            Value::Decimal(d) => d.to_f64().unwrap_or(0.0),
            Value::Str(s) => parse_number_prefix(s).0,
            Value::Bytes(b) => parse_number_prefix(&String::from_utf8_lossy(b)).0,
            Value::Date(d) => date_number(d) as f64,
            Value::DateTime(dt) => datetime_number(dt) as f64,
        })
    }

    /// Integer value, rounding as MySQL does (half away from zero), with
    /// saturation at the i64 bounds.
    pub fn as_i64(&self) -> Option<i64> {
        Some(match self {
            Value::Null => return None,
            Value::Int(i) => *i,
            Value::UInt(u) => i64::try_from(*u).unwrap_or(i64::MAX),
            Value::Double(d) => round_f64_to_i64(*d),
            Value::Decimal(d) => {
                round_away(d).to_i64().unwrap_or(if d.is_sign_negative() { i64::MIN } else { i64::MAX })
            }
            Value::Str(s) => str_to_i64(s),
            Value::Bytes(b) => str_to_i64(&String::from_utf8_lossy(b)),
            Value::Date(d) => date_number(d),
            Value::DateTime(dt) => datetime_number(dt),
        })
    }

    /// Integer value as i128 (exact for every integer value).
    pub fn as_i128(&self) -> Option<i128> {
        match self {
            Value::UInt(u) => Some(*u as i128),
            Value::Double(d) => Some(d.round() as i128),
            Value::Decimal(d) => round_away(d).to_i128(),
            other => other.as_i64().map(|i| i as i128),
        }
    }

    pub fn as_decimal(&self) -> Option<Decimal> {
        Some(match self {
            Value::Null => return None,
            Value::Int(i) => Decimal::from(*i),
            Value::UInt(u) => Decimal::from(*u),
            Value::Double(d) => Decimal::from_f64(*d).unwrap_or_default(),
            Value::Decimal(d) => *d,
            Value::Str(s) => parse_decimal_prefix(s).unwrap_or_default(),
            Value::Bytes(b) => parse_decimal_prefix(&String::from_utf8_lossy(b)).unwrap_or_default(),
            Value::Date(d) => Decimal::from(date_number(d)),
            Value::DateTime(dt) => Decimal::from(datetime_number(dt)),
        })
    }

    /// The value as text, as MySQL's text protocol would send it.
    pub fn to_text(&self) -> Option<String> {
        Some(match self {
            Value::Null => return None,
            Value::Int(i) => i.to_string(),
            Value::UInt(u) => u.to_string(),
            Value::Double(d) => format_double(*d),
            Value::Decimal(d) => d.to_string(),
            Value::Str(s) => s.clone(),
            Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::DateTime(dt) => format_datetime(dt),
        })
    }

    /// Raw bytes of the value's text form (binary-safe for BLOBs).
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        match self {
            Value::Bytes(b) => Some(b.clone()),
            other => other.to_text().map(String::into_bytes),
        }
    }

    fn is_numeric(&self) -> bool {
        matches!(self, Value::Int(_) | Value::UInt(_) | Value::Double(_) | Value::Decimal(_))
    }

    fn is_stringy(&self) -> bool {
        matches!(self, Value::Str(_) | Value::Bytes(_))
    }
}

/// MySQL rounds a decimal to integer half away from zero.
pub fn round_away(d: &Decimal) -> Decimal {
    d.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// MySQL rounds a double to integer half away from zero.
pub fn round_f64_to_i64(d: f64) -> i64 {
    let r = d.round();
    if r >= 9.223_372_036_854_776e18 {
        i64::MAX
    } else if r <= -9.223_372_036_854_776e18 {
        i64::MIN
    } else {
        r as i64
    }
}

fn str_to_i64(s: &str) -> i64 {
    let t = s.trim();
    if let Ok(i) = t.parse::<i64>() {
        return i;
    }
    round_f64_to_i64(parse_number_prefix(t).0)
}

/// `YYYYMMDD` as a number.
pub fn date_number(d: &NaiveDate) -> i64 {
    d.year() as i64 * 10000 + d.month() as i64 * 100 + d.day() as i64
}

/// `YYYYMMDDhhmmss` as a number.
pub fn datetime_number(dt: &NaiveDateTime) -> i64 {
    date_number(&dt.date()) * 1_000_000 + dt.hour() as i64 * 10000 + dt.minute() as i64 * 100 + dt.second() as i64
}

/// `dt` with its fraction of a second cut to `fsp` digits (0–6), as the
/// current time is taken at a given precision (`NOW(3)`, `DEFAULT
/// CURRENT_TIMESTAMP` of a `DATETIME(3)` column).
pub fn truncate_fsp(dt: NaiveDateTime, fsp: u32) -> NaiveDateTime {
    let unit = 10u32.pow(9 - fsp.min(6));
    let nanos = dt.nanosecond() % 1_000_000_000;
    dt.with_nanosecond(nanos - nanos % unit).unwrap_or(dt)
}

/// `dt` rounded to `fsp` fractional digits (0–6), as MySQL rounds a value
/// stored into a `DATETIME(fsp)`/`TIMESTAMP(fsp)` column: half up, carrying
/// into the seconds (`…59.5` into `DATETIME` is the next minute). A carry
/// past the last representable instant truncates instead.
pub fn round_fsp(dt: NaiveDateTime, fsp: u32) -> NaiveDateTime {
    let unit = 10u32.pow(9 - fsp.min(6));
    let nanos = dt.nanosecond() % 1_000_000_000;
    let rounded = (nanos + unit / 2) / unit * unit;
    if rounded < 1_000_000_000 {
        return dt.with_nanosecond(rounded).unwrap_or(dt);
    }
    let whole = dt.with_nanosecond(0).unwrap_or(dt);
    whole.checked_add_signed(chrono::TimeDelta::seconds(1)).unwrap_or_else(|| truncate_fsp(dt, fsp))
}

/// `YYYY-MM-DD hh:mm:ss` with exactly `fsp` fractional digits, as MySQL
/// prints a `DATETIME(fsp)`/`TIMESTAMP(fsp)` column (`.500` for fsp 3).
pub fn format_datetime_fsp(dt: &NaiveDateTime, fsp: u32) -> String {
    let mut s = dt.format("%Y-%m-%d %H:%M:%S").to_string();
    let fsp = fsp.min(6);
    if fsp > 0 {
        let digits = format!("{:06}", dt.nanosecond() / 1000 % 1_000_000);
        s.push('.');
        s.push_str(&digits[..fsp as usize]);
    }
    s
}

pub fn format_datetime(dt: &NaiveDateTime) -> String {
    let micros = dt.nanosecond() / 1000;
    if micros == 0 {
        dt.format("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        let mut s = dt.format("%Y-%m-%d %H:%M:%S").to_string();
        let _ = write!(s, ".{micros:06}");
        s
    }
}

/// Format a double the way MySQL prints it: the shortest text that reads
/// back to the same value, with an exponent for very large or small
/// magnitudes (`1e20`, `1.5e-7`).
pub fn format_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let a = d.abs();
    if !(1e-5..1e15).contains(&a) {
        let s = format!("{d:e}");
        // Rust prints `1e20`, `1.5e-7`: MySQL prints the same shape.
        return s;
    }
    format!("{d}")
}

/// Parse a date/time string in the formats MySQL accepts most commonly.
pub fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    let t = s.trim();
    const FORMATS: [&str; 6] = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y%m%d%H%M%S",
        "%Y/%m/%d %H:%M:%S",
    ];
    for f in FORMATS {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, f) {
            return Some(dt);
        }
    }
    parse_date(t).map(|d| d.and_time(NaiveTime::MIN))
}

/// Parse a date string (`YYYY-MM-DD`, `YYYYMMDD`, `YYYY/MM/DD`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    for f in ["%Y-%m-%d", "%Y%m%d", "%Y/%m/%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, f) {
            return Some(d);
        }
    }
    // A datetime string converted to a date keeps the date part.
    if t.len() > 10 {
        if let Some(dt) = parse_datetime(t) {
            return Some(dt.date());
        }
    }
    None
}

/// Compare two non-NULL values with MySQL's rules; `None` when either is
/// NULL.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::*;
    match (a, b) {
        (Null, _) | (_, Null) => None,
        (Int(x), Int(y)) => Some(x.cmp(y)),
        (UInt(x), UInt(y)) => Some(x.cmp(y)),
        (Int(x), UInt(y)) => Some((*x as i128).cmp(&(*y as i128))),
        (UInt(x), Int(y)) => Some((*x as i128).cmp(&(*y as i128))),
        (Str(x), Str(y)) => Some(collate_cmp(x, y)),
        (Bytes(x), Bytes(y)) => Some(x.cmp(y)),
        (Str(x), Bytes(y)) => Some(x.as_bytes().cmp(y.as_slice())),
        (Bytes(x), Str(y)) => Some(x.as_slice().cmp(y.as_bytes())),
        (Date(x), Date(y)) => Some(x.cmp(y)),
        (DateTime(x), DateTime(y)) => Some(x.cmp(y)),
        (Date(x), DateTime(y)) => Some(x.and_time(NaiveTime::MIN).cmp(y)),
        (DateTime(x), Date(y)) => Some(x.cmp(&y.and_time(NaiveTime::MIN))),
        (Date(_) | DateTime(_), Str(_) | Bytes(_)) => match temporal_of(b) {
            Some(t) => compare(a, &t),
            None => compare_as_f64(a, b),
        },
        (Str(_) | Bytes(_), Date(_) | DateTime(_)) => compare(b, a).map(Ordering::reverse),
        (Double(_), _) | (_, Double(_)) => compare_as_f64(a, b),
        (x, y) if x.is_numeric() && y.is_numeric() => {
            // Int/UInt/Decimal mixes compare exactly as decimals.
            Some(x.as_decimal()?.cmp(&y.as_decimal()?))
        }
        (x, y) if x.is_stringy() || y.is_stringy() => compare_as_f64(a, b),
        _ => compare_as_f64(a, b),
    }
}

fn temporal_of(v: &Value) -> Option<Value> {
    let s = match v {
        Value::Str(s) => s.clone(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        _ => return None,
    };
    parse_datetime(&s).map(Value::DateTime)
}

fn compare_as_f64(a: &Value, b: &Value) -> Option<Ordering> {
    let (x, y) = (a.as_f64()?, b.as_f64()?);
    x.partial_cmp(&y)
}

/// Total order used by ORDER BY: NULL first, then [`compare`].
pub fn order_cmp(a: &Value, b: &Value) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => compare(a, b).unwrap_or(Ordering::Equal),
    }
}

/// Append a type-independent, memcomparable-enough encoding of `v` used as a
/// grouping / DISTINCT key: values that compare equal encode equal.
pub fn encode_group_key(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.push(0),
        Value::Int(_) | Value::UInt(_) | Value::Decimal(_) => {
            let d = v.as_decimal().unwrap_or_default().normalize();
            out.push(1);
            out.extend_from_slice(d.to_string().as_bytes());
            out.push(0);
        }
        Value::Double(f) => {
            // A double equal to an integer groups with that integer.
            if f.fract() == 0.0 && f.abs() < 1e15 {
                out.push(1);
                out.extend_from_slice((*f as i64).to_string().as_bytes());
                out.push(0);
            } else {
                out.push(2);
                out.extend_from_slice(&f.to_bits().to_be_bytes());
            }
        }
        Value::Str(s) => {
            out.push(3);
            let k = collate_key(s);
            out.extend_from_slice(&(k.len() as u32).to_be_bytes());
            out.extend_from_slice(k.as_bytes());
        }
        Value::Bytes(b) => {
            out.push(4);
            out.extend_from_slice(&(b.len() as u32).to_be_bytes());
            out.extend_from_slice(b);
        }
        Value::Date(d) => {
            out.push(5);
            out.extend_from_slice(&date_number(d).to_be_bytes());
        }
        Value::DateTime(dt) => {
            out.push(6);
            out.extend_from_slice(&dt.and_utc().timestamp_micros().to_be_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractional_seconds_round_and_truncate_to_a_precision() {
        let dt = |s: &str| parse_datetime(s).unwrap();
        let f = |d: NaiveDateTime| d.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
        assert_eq!(f(round_fsp(dt("2020-01-01 00:00:00.5"), 0)), "2020-01-01 00:00:01.000000");
        assert_eq!(f(round_fsp(dt("2020-01-01 00:00:00.4999"), 0)), "2020-01-01 00:00:00.000000");
        assert_eq!(f(round_fsp(dt("1999-12-31 23:59:59.9996"), 3)), "2000-01-01 00:00:00.000000");
        assert_eq!(f(round_fsp(dt("2024-12-31 23:59:58.123456"), 6)), "2024-12-31 23:59:58.123456");
        assert_eq!(f(round_fsp(dt("2024-12-31 23:59:58.123456"), 2)), "2024-12-31 23:59:58.120000");
        assert_eq!(f(round_fsp(dt("1999-12-31 23:59:59.9999996"), 6)), "2000-01-01 00:00:00.000000");
        // No instant after the last one: truncated instead.
        assert_eq!(f(round_fsp(NaiveDateTime::MAX, 0)), f(truncate_fsp(NaiveDateTime::MAX, 0)));
        assert_eq!(f(truncate_fsp(dt("2020-01-01 00:00:00.987654"), 3)), "2020-01-01 00:00:00.987000");
        assert_eq!(f(truncate_fsp(dt("2020-01-01 00:00:00.987654"), 0)), "2020-01-01 00:00:00.000000");
        assert_eq!(format_datetime_fsp(&dt("2020-01-01 00:00:00.5"), 3), "2020-01-01 00:00:00.500");
        assert_eq!(format_datetime_fsp(&dt("2020-01-01 00:00:00.5"), 0), "2020-01-01 00:00:00");
    }

    #[test]
    fn number_prefix() {
        assert_eq!(parse_number_prefix("12abc"), (12.0, false));
        assert_eq!(parse_number_prefix(" -3.5e2 "), (-350.0, true));
        assert_eq!(parse_number_prefix("abc").0, 0.0);
    }

    #[test]
    fn mixed_compare() {
        assert_eq!(compare(&Value::Int(1), &Value::Str("1".into())), Some(Ordering::Equal));
        assert_eq!(compare(&Value::Str("abc".into()), &Value::Str("ABC".into())), Some(Ordering::Equal));
        assert_eq!(compare(&Value::Int(-1), &Value::UInt(u64::MAX)), Some(Ordering::Less));
        assert_eq!(compare(&Value::Null, &Value::Int(1)), None);
        assert_eq!(compare(&Value::Decimal(Decimal::new(15, 1)), &Value::Int(1)), Some(Ordering::Greater));
    }

    proptest::proptest! {
        #[test]
        fn collate_cmp_matches_collate_key(a in "[a-zA-Z0-9 -]{0,8}", b in "[a-zA-Z0-9é -]{0,8}") {
            proptest::prop_assert_eq!(collate_cmp(&a, &b), collate_key(&a).cmp(&collate_key(&b)));
        }
    }

    #[test]
    fn doubles_print_like_mysql() {
        assert_eq!(format_double(1.5), "1.5");
        assert_eq!(format_double(1e20), "1e20");
        assert_eq!(format_double(-0.25), "-0.25");
    }
}

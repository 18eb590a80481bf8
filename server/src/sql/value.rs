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
    /// A TIME: signed microseconds (MySQL's range is ±838:59:59).
    Time(i64),
    /// A BIT(M) value: the number and M (its text is the number's
    /// ceil(M/8) big-endian bytes).
    Bit(u64, u8),
    /// An ENUM or SET value: its number (an ENUM's position counted from
    /// 1, a SET's bit mask) and its text. It compares as its text and
    /// sorts by its number; in numeric context it is its number.
    Enum(u64, String),
}

/// The largest TIME magnitude, 838:59:59, in microseconds.
pub const TIME_MAX_MICROS: i64 = (838 * 3600 + 59 * 60 + 59) * 1_000_000;

/// Why a text or number is not a TIME.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeError {
    /// Not a time at all ('abc', '10:61:00').
    Invalid,
    /// A time beyond ±838:59:59; the value is clamped to the range.
    OutOfRange(i64),
}

/// Microseconds of `hours:minutes:seconds.micros`, signed.
/// Saturates instead of overflowing: callers clamp to TIME's range after.
fn time_micros(neg: bool, h: i64, m: i64, s: i64, us: i64) -> i64 {
    let wide = ((i128::from(h) * 60 + i128::from(m)) * 60 + i128::from(s)) * 1_000_000 + i128::from(us);
    let t = wide.clamp(-i128::from(i64::MAX), i128::from(i64::MAX)) as i64;
    if neg {
        -t
    } else {
        t
    }
}

fn clamp_time(t: i64) -> Result<i64, TimeError> {
    if t.abs() > TIME_MAX_MICROS {
        Err(TimeError::OutOfRange(t.clamp(-TIME_MAX_MICROS, TIME_MAX_MICROS)))
    } else {
        Ok(t)
    }
}

/// Up to six fraction digits as microseconds (more are rounded).
fn fraction_micros(digits: &str) -> Option<i64> {
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut us: i64 = 0;
    for (i, b) in digits.bytes().take(6).enumerate() {
        us += (b - b'0') as i64 * 10i64.pow(5 - i as u32);
    }
    if digits.len() > 6 && digits.as_bytes()[6] >= b'5' {
        us += 1;
    }
    Some(us)
}

/// Parse a TIME as MySQL reads text: `[-][D ]HH:MM[:SS[.frac]]`,
/// `[-]HHMMSS[.frac]` (also `MMSS` and `SS`), or a datetime's time part.
/// Minutes and seconds must be below 60.
pub fn parse_time(s: &str) -> Result<i64, TimeError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(TimeError::Invalid);
    }
    // 'YYYY-MM-DD hh:mm:ss': the time of a datetime.
    if t.len() >= 8 && t.as_bytes().get(4) == Some(&b'-') {
        if let Some(dt) = parse_datetime(t) {
            let tm = dt.time();
            return Ok(time_micros(
                false,
                tm.hour() as i64,
                tm.minute() as i64,
                tm.second() as i64,
                (tm.nanosecond() / 1000) as i64,
            ));
        }
        return Err(TimeError::Invalid);
    }
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, t),
    };
    let (main, frac) = match body.split_once('.') {
        Some((m, f)) => (m, f),
        None => (body, ""),
    };
    let us = fraction_micros(frac).ok_or(TimeError::Invalid)?;
    let num = |x: &str| -> Result<i64, TimeError> {
        if x.is_empty() || x.len() > 12 || !x.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TimeError::Invalid);
        }
        x.parse::<i64>().map_err(|_| TimeError::Invalid)
    };
    let (days, clock) = match main.split_once(' ') {
        Some((d, c)) => (num(d)?, c.trim_start()),
        None => (0, main),
    };
    let (h, m, sec) = if clock.contains(':') {
        let parts: Vec<&str> = clock.split(':').collect();
        match parts.as_slice() {
            [h, m] => (num(h)?, num(m)?, 0),
            [h, m, s] => (num(h)?, num(m)?, num(s)?),
            _ => return Err(TimeError::Invalid),
        }
    } else if main.contains(' ') {
        // 'D HH': days and hours.
        (num(clock)?, 0, 0)
    } else {
        let n = num(clock)?;
        (n / 10000, n / 100 % 100, n % 100)
    };
    if m > 59 || sec > 59 {
        return Err(TimeError::Invalid);
    }
    clamp_time(time_micros(neg, days * 24 + h, m, sec, us))
}

/// A number read as a TIME: `[-]HHMMSS[.frac]`; a number of 10 or more
/// integer digits is a datetime (`YYYYMMDDhhmmss`) whose time is taken.
pub fn number_to_time(d: Decimal) -> Result<i64, TimeError> {
    let neg = d.is_sign_negative();
    let a = d.abs();
    let int = a.trunc();
    let us = ((a - int) * Decimal::from(1_000_000)).round().to_i64().unwrap_or(0);
    let Some(n) = int.to_i64() else {
        return Err(TimeError::OutOfRange(if neg { -TIME_MAX_MICROS } else { TIME_MAX_MICROS }));
    };
    if n >= 10_000_000_000 && !neg {
        let clock = n % 1_000_000;
        return parse_time(&format!("{clock:06}"));
    }
    let (h, m, s) = (n / 10000, n / 100 % 100, n % 100);
    if m > 59 || s > 59 {
        return Err(TimeError::Invalid);
    }
    clamp_time(time_micros(neg, h, m, s, us))
}

/// Round a TIME's microseconds to `fsp` fraction digits (half away from zero).
pub fn round_time(t: i64, fsp: u32) -> i64 {
    let unit = 10i64.pow(6 - fsp.min(6));
    let r = (t.abs() + unit / 2) / unit * unit;
    if t < 0 {
        -r
    } else {
        r
    }
}

/// A TIME as text: `[-]HH:MM:SS` and, with `fsp` digits (or, when `None`,
/// six digits if there is a fraction), `.ffffff`.
pub fn format_time(t: i64, fsp: Option<u32>) -> String {
    let a = t.unsigned_abs();
    let us = a % 1_000_000;
    let secs = a / 1_000_000;
    let mut out = format!("{}{:02}:{:02}:{:02}", if t < 0 { "-" } else { "" }, secs / 3600, secs / 60 % 60, secs % 60);
    match fsp {
        Some(0) => {}
        Some(n) => {
            let n = n.min(6) as usize;
            let digits = format!("{us:06}");
            out.push('.');
            out.push_str(&digits[..n]);
        }
        None if us != 0 => {
            let _ = write!(out, ".{us:06}");
        }
        None => {}
    }
    out
}

/// A TIME as the number `[-]HHMMSS.ffffff`.
pub fn time_decimal(t: i64) -> Decimal {
    let a = t.unsigned_abs();
    let secs = a / 1_000_000;
    let n = (secs / 3600) * 10000 + (secs / 60 % 60) * 100 + secs % 60;
    let mut d = Decimal::from(n) + Decimal::new((a % 1_000_000) as i64, 6);
    if t < 0 {
        d.set_sign_negative(true);
    }
    d.normalize()
}

/// The bytes of a BIT(M) value: ceil(M/8) bytes, big-endian.
pub fn bit_bytes(v: u64, m: u8) -> Vec<u8> {
    let n = (m as usize).div_ceil(8).clamp(1, 8);
    v.to_be_bytes()[8 - n..].to_vec()
}

/// The sort key of a string under the default collation, MySQL 8's
/// `utf8mb4_0900_ai_ci`: case- and accent-insensitive. Characters are
/// decomposed (compatibility decomposition, so `ﬁ` is `fi` and full-width
/// `Ａ` is `a`), combining marks dropped and the rest lower-cased; the
/// letters the Unicode collation table weighs as base letters plus a
/// secondary difference (`ø`, `đ`, `ł`) or as two letters (`æ`, `œ`, `ß`)
/// fold to those. Trailing spaces count (the collation is NO PAD). Every
/// comparison, index key and group key of strings goes through here so the
/// rule lives in one place. The order of the keys is code-point order of
/// the folded text, not the collation table's.
pub fn collate_key(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().all(|b| !b.is_ascii_uppercase() && b < 0x80) {
        return std::borrow::Cow::Borrowed(s);
    }
    if s.is_ascii() {
        return std::borrow::Cow::Owned(s.to_ascii_lowercase());
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char(c, &mut out);
    }
    std::borrow::Cow::Owned(out)
}

/// Append `c`'s folded form (see [`collate_key`]).
fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    let expansion = match c {
        'ß' | 'ẞ' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'ø' | 'Ø' => "o",
        'đ' | 'Đ' => "d",
        'ł' | 'Ł' => "l",
        _ => "",
    };
    if !expansion.is_empty() {
        out.push_str(expansion);
        return;
    }
    unicode_normalization::char::decompose_compatible(c, |d| {
        if !unicode_normalization::char::is_combining_mark(d) {
            out.extend(d.to_lowercase());
        }
    });
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
            Value::Time(t) => Some(*t != 0),
            Value::Bit(v, _) | Value::Enum(v, _) => Some(*v != 0),
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
            Value::Time(t) => time_decimal(*t).to_f64().unwrap_or(0.0),
            Value::Bit(v, _) | Value::Enum(v, _) => *v as f64,
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
            Value::Time(t) => round_away(&time_decimal(*t)).to_i64().unwrap_or(0),
            Value::Bit(v, _) | Value::Enum(v, _) => i64::try_from(*v).unwrap_or(i64::MAX),
        })
    }

    /// Integer value as i128 (exact for every integer value).
    pub fn as_i128(&self) -> Option<i128> {
        match self {
            Value::UInt(u) | Value::Bit(u, _) | Value::Enum(u, _) => Some(*u as i128),
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
            Value::Time(t) => time_decimal(*t),
            Value::Bit(v, _) | Value::Enum(v, _) => Decimal::from(*v),
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
            Value::Time(t) => format_time(*t, None),
            Value::Bit(v, m) => String::from_utf8_lossy(&bit_bytes(*v, *m)).into_owned(),
            Value::Enum(_, s) => s.clone(),
        })
    }

    /// Raw bytes of the value's text form (binary-safe for BLOBs and BIT).
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        match self {
            Value::Bytes(b) => Some(b.clone()),
            Value::Bit(v, m) => Some(bit_bytes(*v, *m)),
            other => other.to_text().map(String::into_bytes),
        }
    }

    /// Numbers, BIT values included (a BIT compares as its number).
    fn is_numeric(&self) -> bool {
        matches!(self, Value::Int(_) | Value::UInt(_) | Value::Double(_) | Value::Decimal(_) | Value::Bit(..))
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
    date_only(t).map(|d| d.and_time(NaiveTime::MIN))
}

/// A date written without a time part.
fn date_only(t: &str) -> Option<NaiveDate> {
    ["%Y-%m-%d", "%Y%m%d", "%Y/%m/%d"].into_iter().find_map(|f| NaiveDate::parse_from_str(t, f).ok())
}

/// Parse a date string (`YYYY-MM-DD`, `YYYYMMDD`, `YYYY/MM/DD`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    if let Some(d) = date_only(t) {
        return Some(d);
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
        (Time(x), Time(y)) => Some(x.cmp(y)),
        (Time(x), Str(_) | Bytes(_) | Enum(..)) => match parse_time(&b.to_text()?) {
            Ok(y) => Some(x.cmp(&y)),
            Err(_) => compare_as_f64(a, b),
        },
        (Str(_) | Bytes(_) | Enum(..), Time(_)) => compare(b, a).map(Ordering::reverse),
        // An ENUM or SET compares as its text with strings and with other
        // ENUM/SET values, and as its number with numbers.
        (Enum(_, x), Enum(_, y)) | (Enum(_, x), Str(y)) | (Str(x), Enum(_, y)) => Some(collate_cmp(x, y)),
        (Enum(_, x), Bytes(y)) => Some(x.as_bytes().cmp(y.as_slice())),
        (Bytes(x), Enum(_, y)) => Some(x.as_slice().cmp(y.as_bytes())),
        (Enum(n, _), y) if y.is_numeric() => compare(&UInt(*n), y),
        (x, Enum(n, _)) if x.is_numeric() => compare(x, &UInt(*n)),
        (Bit(x, _), Bit(y, _)) => Some(x.cmp(y)),
        (Bit(x, _), _) => compare(&UInt(*x), b),
        (_, Bit(y, _)) => compare(a, &UInt(*y)),
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

/// Total order used by ORDER BY: NULL first, then [`compare`], except
/// that ENUM and SET values sort by their numbers, as MySQL sorts them.
pub fn order_cmp(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::Enum(x, _), Value::Enum(y, _)) => x.cmp(y),
        _ => compare(a, b).unwrap_or(Ordering::Equal),
    }
}

/// Append a type-independent, memcomparable-enough encoding of `v` used as a
/// grouping / DISTINCT key: values that compare equal encode equal.
pub fn encode_group_key(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.push(0),
        Value::Int(_) | Value::UInt(_) | Value::Decimal(_) | Value::Bit(..) => {
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
        Value::Str(s) | Value::Enum(_, s) => {
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
        Value::Time(t) => {
            out.push(7);
            out.extend_from_slice(&t.to_be_bytes());
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
    fn default_collation_folds_case_and_accents() {
        let eq = |a: &str, b: &str| collate_cmp(a, b) == Ordering::Equal;
        assert!(eq("a", "Á"));
        assert!(eq("José", "JOSE"));
        assert!(eq("straße", "STRASSE"));
        assert!(eq("Æsir", "aesir"));
        assert!(eq("Øl", "ol"));
        assert!(eq("ﬁne", "FINE"));
        assert!(eq("Ａ", "a"));
        assert!(eq("naïve café", "NAIVE CAFE"));
        // NO PAD: trailing spaces count; different letters stay different.
        assert!(!eq("a", "a "));
        assert!(!eq("e", "é e"));
        assert!(collate_cmp("ä", "b") == Ordering::Less);
        assert_eq!(collate_key("Ünïcödé"), "unicode");
    }

    #[test]
    fn number_prefix() {
        assert_eq!(parse_number_prefix("12abc"), (12.0, false));
        assert_eq!(parse_number_prefix(" -3.5e2 "), (-350.0, true));
        assert_eq!(parse_number_prefix("abc").0, 0.0);
    }

    #[test]
    fn huge_numbers_clamp_to_the_time_range() {
        let huge = Decimal::from(i64::MAX - 7);
        assert_eq!(number_to_time(-huge), Err(TimeError::OutOfRange(-TIME_MAX_MICROS)));
        // Past 10^10 MySQL reads the last six digits as the clock.
        assert_eq!(number_to_time(huge), Ok((77 * 3600 + 58 * 60) * 1_000_000));
        assert_eq!(number_to_time(Decimal::from(-9_000_000_000_i64)), Err(TimeError::OutOfRange(-TIME_MAX_MICROS)));
    }

    #[test]
    fn long_strings_that_are_no_date_are_none() {
        // parse_date and parse_datetime once fell back on each other forever
        // for a string over 10 characters that was neither.
        assert_eq!(parse_date("9223372036854775807"), None);
        assert_eq!(parse_datetime("not a date at all"), None);
        assert_eq!(parse_date("2024-01-02 03:04:05"), NaiveDate::from_ymd_opt(2024, 1, 2));
        assert_eq!(parse_datetime("20240102").map(|d| d.date()), NaiveDate::from_ymd_opt(2024, 1, 2));
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
        fn collate_cmp_matches_collate_key(a in "[a-zA-Z0-9 -]{0,8}", b in "[a-zA-Z0-9éÉøß -]{0,8}") {
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

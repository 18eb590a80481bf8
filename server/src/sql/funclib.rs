//! Evaluation of MySQL's wider function library — string (FIELD, ELT,
//! SUBSTRING_INDEX, SOUNDEX, base64, regular expressions, …), math
//! (trigonometry, BIT_COUNT, CRC32, CONV), date and time (TIMEDIFF,
//! ADDTIME, TO_DAYS, MAKEDATE, PERIOD_ADD, …) and miscellaneous ones (UUID,
//! INET_ATON, …). `func.rs` names them, checks their arity and types them;
//! this module computes them, with MySQL's NULL rules: [`eval_nullable`]
//! for the functions that treat NULL arguments specially, [`eval`] for the
//! rest (called only when no argument is NULL).

use std::cell::RefCell;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use crate::error::{DbError, Result};
use crate::sql::func::Func;
use crate::sql::value::{self, compare, Value};

/// The largest TIME, in microseconds (838:59:59).
const MAX_TIME: i64 = (838 * 3600 + 59 * 60 + 59) * 1_000_000;

/// The longest string a function builds (bytes), as max_allowed_packet
/// bounds MySQL's.
const MAX_RESULT: usize = 64 * 1024 * 1024;

fn text(v: &Value) -> String {
    v.to_text().unwrap_or_default()
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn float(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

fn bytes(v: &Value) -> Vec<u8> {
    v.to_bytes().unwrap_or_default()
}

fn clamp_time(us: i64) -> Value {
    Value::Time(us.clamp(-MAX_TIME, MAX_TIME))
}

fn to_datetime(v: &Value) -> Option<NaiveDateTime> {
    match v {
        Value::DateTime(dt) => Some(*dt),
        Value::Date(d) => Some(d.and_time(chrono::NaiveTime::MIN)),
        Value::Time(_) => None,
        other => value::parse_datetime(&other.to_text()?),
    }
}

/// A value that reads as a date and time (not a bare TIME).
fn is_datetime(v: &Value) -> bool {
    match v {
        Value::DateTime(_) | Value::Date(_) => true,
        Value::Time(_) => false,
        other => other.to_text().is_some_and(|s| s.trim().len() > 8 && value::parse_datetime(&s).is_some()),
    }
}

fn to_time(v: &Value) -> Option<i64> {
    match v {
        Value::Time(t) => Some(*t),
        Value::DateTime(dt) => Some(micros_of_day(*dt)),
        Value::Date(_) => Some(0),
        other => crate::sql::conversion::to_time(other, 6).ok(),
    }
}

fn micros_of_day(dt: NaiveDateTime) -> i64 {
    let t = dt.time();
    i64::from(t.num_seconds_from_midnight()) * 1_000_000 + i64::from(t.nanosecond() / 1000)
}

/// MySQL's day number: TO_DAYS('0000-01-01') is 1.
fn day_number(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce()) + 365
}

/// Functions whose NULL arguments do not simply make the result NULL.
/// `None` when `f` is not one of them.
pub fn eval_nullable(f: Func, vals: &[Value]) -> Option<Result<Value>> {
    use Func::*;
    Some(Ok(match f {
        // FIELD(NULL, …) is 0; NULL never equals a list element.
        Field => {
            let Some(x) = vals.first().filter(|v| !v.is_null()) else { return Some(Ok(Value::Int(0))) };
            let pos = vals[1..]
                .iter()
                .position(|v| !v.is_null() && compare(x, v) == Some(std::cmp::Ordering::Equal))
                .map_or(0, |i| i as i64 + 1);
            Value::Int(pos)
        }
        // ELT(n, …): the n-th string, NULL when out of range (or NULL).
        Elt => match vals.first().and_then(Value::as_i64) {
            Some(n) if n >= 1 && (n as usize) < vals.len() => vals[n as usize].clone(),
            _ => Value::Null,
        },
        // CHAR(…) skips NULLs.
        Char => {
            let mut out = Vec::new();
            for v in vals.iter().filter(|v| !v.is_null()) {
                let n = v.as_i128().unwrap_or(0) as u32;
                let b = n.to_be_bytes();
                let skip = b.iter().take_while(|x| **x == 0).count().min(3);
                out.extend_from_slice(&b[skip..]);
            }
            Value::Bytes(out)
        }
        // MAKE_SET skips NULL strings; a NULL bit mask is NULL.
        MakeSet => {
            let Some(bits) = vals.first().filter(|v| !v.is_null()) else { return Some(Ok(Value::Null)) };
            let bits = bits.as_i128().unwrap_or(0) as u64;
            let parts: Vec<String> = vals[1..]
                .iter()
                .enumerate()
                .filter(|(i, v)| *i < 64 && bits & (1 << i) != 0 && !v.is_null())
                .map(|(_, v)| text(v))
                .collect();
            Value::Str(parts.join(","))
        }
        // QUOTE(NULL) is the word NULL.
        Quote => match vals.first() {
            None | Some(Value::Null) => Value::Str("NULL".into()),
            Some(v) => {
                let mut out = String::from("'");
                for c in text(v).chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\'' => out.push_str("\\'"),
                        '\0' => out.push_str("\\0"),
                        '\u{1a}' => out.push_str("\\Z"),
                        c => out.push(c),
                    }
                }
                out.push('\'');
                Value::Str(out)
            }
        },
        Uuid => Value::Str(uuid()),
        UuidShort => Value::UInt(uuid_short()),
        _ => return None,
    }))
}

fn uuid() -> String {
    let mut b = [0u8; 16];
    crate::env::random_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// UUID_SHORT(): the server's start time in seconds shifted left 24 bits,
/// plus one per call, as MySQL computes it (server_id 0).
fn uuid_short() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    if NEXT.load(Ordering::Relaxed) == 0 {
        let start = (crate::env::now_micros() / 1_000_000).max(1) as u64;
        let _ = NEXT.compare_exchange(0, (start & 0xff_ffff_ffff) << 24, Ordering::Relaxed, Ordering::Relaxed);
    }
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Evaluate `f` over non-NULL arguments.
pub fn eval(f: Func, vals: &[Value]) -> Result<Value> {
    use Func::*;
    let v0 = &vals[0];
    Ok(match f {
        // ----- strings -----
        OrdCode => {
            let b = bytes(v0);
            let n = match std::str::from_utf8(&b).ok().and_then(|s| s.chars().next()) {
                Some(c) if !matches!(v0, Value::Bytes(_)) => {
                    let mut buf = [0u8; 4];
                    c.encode_utf8(&mut buf).bytes().fold(0i64, |acc, x| acc * 256 + i64::from(x))
                }
                _ => b.first().map_or(0, |x| i64::from(*x)),
            };
            Value::Int(n)
        }
        Conv => conv(&text(v0), int(&vals[1]), int(&vals[2])).map_or(Value::Null, Value::Str),
        Strcmp => Value::Int(match compare(v0, &vals[1]) {
            Some(std::cmp::Ordering::Less) => -1,
            Some(std::cmp::Ordering::Greater) => 1,
            _ => 0,
        }),
        FindInSet => {
            let needle = text(v0);
            if needle.contains(',') {
                return Ok(Value::Int(0));
            }
            let list = text(&vals[1]);
            let pos = if list.is_empty() {
                0
            } else {
                list.split(',').position(|p| value::collate_cmp(p, &needle).is_eq()).map_or(0, |i| i as i64 + 1)
            };
            Value::Int(pos)
        }
        Insert => {
            let s: Vec<char> = text(v0).chars().collect();
            let (pos, len) = (int(&vals[1]), int(&vals[2]));
            if pos < 1 || pos as usize > s.len() {
                return Ok(Value::Str(s.into_iter().collect()));
            }
            let start = pos as usize - 1;
            let end = if len < 0 { s.len() } else { start.saturating_add(len as usize).min(s.len()) };
            let mut out: String = s[..start].iter().collect();
            out.push_str(&text(&vals[3]));
            out.extend(&s[end..]);
            Value::Str(out)
        }
        SubstringIndex => {
            let (s, delim, n) = (text(v0), text(&vals[1]), int(&vals[2]));
            if delim.is_empty() || n == 0 {
                return Ok(Value::Str(String::new()));
            }
            let idx: Vec<usize> = s.match_indices(&delim).map(|(i, _)| i).collect();
            let k = n.unsigned_abs() as usize;
            Value::Str(if k > idx.len() {
                s
            } else if n > 0 {
                s[..idx[k - 1]].to_string()
            } else {
                s[idx[idx.len() - k] + delim.len()..].to_string()
            })
        }
        Sha2 => {
            use sha2::Digest;
            let b = bytes(v0);
            let hex = |d: &[u8]| d.iter().map(|x| format!("{x:02x}")).collect::<String>();
            match int(&vals[1]) {
                0 | 256 => Value::Str(hex(&sha2::Sha256::digest(&b))),
                224 => Value::Str(hex(&sha2::Sha224::digest(&b))),
                384 => Value::Str(hex(&sha2::Sha384::digest(&b))),
                512 => Value::Str(hex(&sha2::Sha512::digest(&b))),
                _ => Value::Null,
            }
        }
        Crc32 => Value::UInt(u64::from(crc32(&bytes(v0)))),
        ToBase64 => Value::Str(to_base64(&bytes(v0))),
        FromBase64 => from_base64(&text(v0)).map_or(Value::Null, Value::Bytes),
        Soundex => Value::Str(soundex(&text(v0))),
        ExportSet => {
            let bits = v0.as_i128().unwrap_or(0) as u64;
            let (on, off) = (text(&vals[1]), text(&vals[2]));
            let sep = vals.get(3).map_or_else(|| ",".to_string(), text);
            let n = vals.get(4).map_or(64, int).clamp(0, 64) as usize;
            let parts: Vec<&str> =
                (0..n).map(|i| if bits & (1 << i) != 0 { on.as_str() } else { off.as_str() }).collect();
            let out = parts.join(&sep);
            if out.len() > MAX_RESULT {
                Value::Null
            } else {
                Value::Str(out)
            }
        }
        BitLength => Value::Int(bytes(v0).len() as i64 * 8),
        RegexpLike => Value::Int(compile_regex(&vals[1], vals.get(2), v0)?.is_match(&text(v0)) as i64),
        RegexpInstr | RegexpSubstr | RegexpReplace => regexp_position(f, vals)?,
        Charset => Value::Str(if matches!(v0, Value::Bytes(_)) { "binary" } else { "utf8mb4" }.into()),
        Collation => Value::Str(if matches!(v0, Value::Bytes(_)) { "binary" } else { "utf8mb4_0900_ai_ci" }.into()),
        // ----- math -----
        Degrees => Value::Double(float(v0).to_degrees()),
        Radians => Value::Double(float(v0).to_radians()),
        Sin => Value::Double(float(v0).sin()),
        Cos => Value::Double(float(v0).cos()),
        Tan => Value::Double(float(v0).tan()),
        Asin | Acos => {
            let x = float(v0);
            if !(-1.0..=1.0).contains(&x) {
                Value::Null
            } else {
                Value::Double(if f == Asin { x.asin() } else { x.acos() })
            }
        }
        Atan if vals.len() == 2 => Value::Double(float(v0).atan2(float(&vals[1]))),
        Atan => Value::Double(float(v0).atan()),
        Atan2 => Value::Double(float(v0).atan2(float(&vals[1]))),
        Cot => {
            let x = float(v0);
            let t = x.tan();
            if t == 0.0 {
                return Err(DbError::arith_range("DOUBLE", &format!("cot({})", text(v0))));
            }
            Value::Double(1.0 / t)
        }
        BitCount => Value::Int(i64::from((v0.as_i128().unwrap_or(0) as u64).count_ones())),
        // ----- date and time -----
        TimeDiff => {
            if is_datetime(v0) != is_datetime(&vals[1]) {
                return Ok(Value::Null);
            }
            if is_datetime(v0) {
                match (to_datetime(v0), to_datetime(&vals[1])) {
                    (Some(a), Some(b)) => clamp_time((a - b).num_microseconds().unwrap_or(i64::MAX)),
                    _ => Value::Null,
                }
            } else {
                match (to_time(v0), to_time(&vals[1])) {
                    (Some(a), Some(b)) => clamp_time(a - b),
                    _ => Value::Null,
                }
            }
        }
        AddTime | SubTime => {
            let Some(delta) = to_time(&vals[1]) else { return Ok(Value::Null) };
            let delta = if f == SubTime { -delta } else { delta };
            if is_datetime(v0) {
                match to_datetime(v0).and_then(|dt| dt.checked_add_signed(chrono::Duration::microseconds(delta))) {
                    Some(dt) => Value::DateTime(dt),
                    None => Value::Null,
                }
            } else {
                match to_time(v0) {
                    Some(t) => clamp_time(t + delta),
                    None => Value::Null,
                }
            }
        }
        SecToTime => clamp_time((float(v0) * 1e6).round() as i64),
        TimeToSec => match to_time(v0) {
            Some(t) if t % 1_000_000 == 0 => Value::Int(t / 1_000_000),
            Some(t) => Value::Decimal(rust_decimal::Decimal::new(t, 6).normalize()),
            None => Value::Null,
        },
        MakeTime => {
            let (h, m) = (int(v0), int(&vals[1]));
            let s = float(&vals[2]);
            if !(0..60).contains(&m) || !(0.0..60.0).contains(&s) {
                return Ok(Value::Null);
            }
            let sign = if h < 0 { -1 } else { 1 };
            clamp_time(sign * ((h.abs() * 3600 + m * 60) * 1_000_000 + (s * 1e6).round() as i64))
        }
        MakeDate => {
            let (mut y, doy) = (int(v0), int(&vals[1]));
            if doy <= 0 || !(0..=9999).contains(&y) {
                return Ok(Value::Null);
            }
            if y < 70 {
                y += 2000;
            } else if y < 100 {
                y += 1900;
            }
            match NaiveDate::from_yo_opt(y as i32, 1)
                .and_then(|d| d.checked_add_days(chrono::Days::new(doy as u64 - 1)))
            {
                Some(d) if d.year() <= 9999 => Value::Date(d),
                _ => Value::Null,
            }
        }
        ToDays => match to_datetime(v0) {
            Some(dt) => Value::Int(day_number(dt.date())),
            None => Value::Null,
        },
        ToSeconds => match to_datetime(v0) {
            Some(dt) => Value::Int(day_number(dt.date()) * 86_400 + micros_of_day(dt) / 1_000_000),
            None => Value::Null,
        },
        FromDays => {
            let n = int(v0);
            match n.checked_sub(365).and_then(|d| i32::try_from(d).ok()).and_then(NaiveDate::from_num_days_from_ce_opt)
            {
                Some(d) if n >= 366 && d.year() <= 9999 => Value::Date(d),
                _ => Value::Null,
            }
        }
        Microsecond => match to_time(v0) {
            Some(t) => Value::Int(t.abs() % 1_000_000),
            None => Value::Null,
        },
        TimestampFn => {
            let Some(dt) = to_datetime(v0) else { return Ok(Value::Null) };
            match vals.get(1) {
                None => Value::DateTime(dt),
                Some(t) => match to_time(t).and_then(|us| dt.checked_add_signed(chrono::Duration::microseconds(us))) {
                    Some(dt) => Value::DateTime(dt),
                    None => Value::Null,
                },
            }
        }
        PeriodAdd => {
            if int(v0) == 0 {
                return Ok(Value::Int(0));
            }
            let Some(months) = period_months(int(v0)).checked_add(int(&vals[1])) else { return Ok(Value::Null) };
            match months.div_euclid(12).checked_mul(100).and_then(|y| y.checked_add(months.rem_euclid(12) + 1)) {
                Some(p) => Value::Int(p),
                None => Value::Null,
            }
        }
        PeriodDiff => period_months(int(v0)).checked_sub(period_months(int(&vals[1]))).map_or(Value::Null, Value::Int),
        YearWeek => match to_datetime(v0) {
            Some(dt) => {
                let (y, w) = year_week(dt.date(), vals.get(1).map_or(0, int));
                Value::Int(i64::from(y) * 100 + w)
            }
            None => Value::Null,
        },
        TimeFormat => match to_time(v0) {
            Some(t) => Value::Str(time_format(t, &text(&vals[1]))),
            None => Value::Null,
        },
        // ----- network -----
        InetAton => match inet_aton(&text(v0)) {
            Some(n) => Value::UInt(n),
            None => Value::Null,
        },
        InetNtoa => match v0.as_i128() {
            Some(n) if (0..=u32::MAX as i128).contains(&n) => {
                Value::Str(std::net::Ipv4Addr::from(n as u32).to_string())
            }
            _ => Value::Null,
        },
        IsIpv4 => Value::Int(text(v0).parse::<std::net::Ipv4Addr>().is_ok() as i64),
        IsIpv6 => Value::Int(text(v0).parse::<std::net::Ipv6Addr>().is_ok() as i64),
        _ => return Err(DbError::internal(format!("function {f:?} not evaluable"))),
    })
}

/// CONV(n, from_base, to_base): MySQL's 64-bit conversion. A negative
/// `to` base prints a signed result; a negative `from` base reads a signed
/// number. Unparsable digits end the number.
fn conv(s: &str, from: i64, to: i64) -> Option<String> {
    let (fb, tb) = (from.unsigned_abs(), to.unsigned_abs());
    if !(2..=36).contains(&fb) || !(2..=36).contains(&tb) {
        return None;
    }
    let t = s.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let mut n: u64 = 0;
    for c in digits.chars() {
        let Some(d) = c.to_digit(36).filter(|d| u64::from(*d) < fb) else { break };
        n = n.saturating_mul(fb).saturating_add(u64::from(d));
    }
    let n = if neg { n.wrapping_neg() } else { n };
    let (neg_out, mut m) = if to < 0 && (n as i64) < 0 { (true, (n as i64).unsigned_abs()) } else { (false, n) };
    if m == 0 {
        return Some("0".into());
    }
    let mut out = Vec::new();
    while m > 0 {
        out.push(std::char::from_digit((m % tb) as u32, tb as u32)?.to_ascii_uppercase());
        m /= tb;
    }
    if neg_out {
        out.push('-');
    }
    Some(out.into_iter().rev().collect())
}

/// CRC-32 (IEEE), as zlib computes it.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// TO_BASE64: padded, with a newline after every 76 characters as MySQL
/// writes them.
fn to_base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4 + data.len() / 57);
    let mut line = 0;
    for chunk in data.chunks(3) {
        if line == 76 {
            out.push('\n');
            line = 0;
        }
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
        line += 4;
    }
    out
}

/// FROM_BASE64: whitespace is skipped; anything else invalid gives NULL.
fn from_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc = 0u32;
    let mut n = 0;
    let mut pad = 0;
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'=' => {
                pad += 1;
                0
            }
            _ if pad > 0 => return None,
            _ => B64.iter().position(|x| *x == c)? as u32,
        };
        acc = (acc << 6) | v;
        n += 1;
        if n == 4 {
            let bytes = [(acc >> 16) as u8, (acc >> 8) as u8, acc as u8];
            out.extend_from_slice(&bytes[..3 - pad.min(2)]);
            acc = 0;
            n = 0;
        }
    }
    if n != 0 {
        return None;
    }
    Some(out)
}

/// SOUNDEX as MySQL computes it: the first letter, then the codes of the
/// following letters without repeats (vowels are skipped but do not
/// separate repeats), padded to at least four characters.
fn soundex(s: &str) -> String {
    const CODES: &[u8; 26] = b"01230120022455012623010202";
    let code = |c: char| c.is_ascii_alphabetic().then(|| CODES[(c.to_ascii_uppercase() as u8 - b'A') as usize]);
    let mut chars = s.chars().filter(|c| c.is_alphabetic());
    let Some(first) = chars.next() else { return String::new() };
    let mut out: String = first.to_uppercase().collect();
    let mut last = code(first).unwrap_or(b'0');
    for c in chars {
        let Some(k) = code(c) else { continue };
        if k != b'0' && k != last {
            out.push(k as char);
            last = k;
        }
    }
    while out.chars().count() < 4 {
        out.push('0');
    }
    out
}

/// A period (YYMM or YYYYMM) as a month count.
fn period_months(p: i64) -> i64 {
    if p == 0 {
        return 0;
    }
    let (mut y, m) = (p / 100, p % 100);
    if y < 70 {
        y += 2000;
    } else if y < 100 {
        y += 1900;
    }
    // |p / 100| ≤ 9.3e16, so y * 12 cannot overflow.
    y * 12 + m - 1
}

/// (year, week) for YEARWEEK with `mode` (0–7), as MySQL's week numbering:
/// bit 0 — weeks start Monday; bit 2 — week 1 is the first week with 4 or
/// more days in the year (else the first week containing the start day).
fn year_week(d: NaiveDate, mode: i64) -> (i32, i64) {
    let monday_first = mode & 1 != 0;
    let first_with_4 = if mode & 1 != 0 { mode & 4 == 0 } else { mode & 4 != 0 };
    let weekday = |x: NaiveDate| {
        if monday_first {
            x.weekday().num_days_from_monday()
        } else {
            x.weekday().num_days_from_sunday()
        }
    };
    let week1_start = |y: i32| -> NaiveDate {
        let jan1 = NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(d);
        let wd = weekday(jan1) as i64;
        let offset = if first_with_4 {
            if wd <= 3 {
                -wd
            } else {
                7 - wd
            }
        } else if wd == 0 {
            0
        } else {
            7 - wd
        };
        jan1 + chrono::Duration::days(offset)
    };
    let mut y = d.year();
    let next = week1_start(y + 1);
    if d >= next {
        y += 1;
    } else if d < week1_start(y) {
        y -= 1;
    }
    let w = (d - week1_start(y)).num_days() / 7 + 1;
    (y, w)
}

/// TIME_FORMAT: DATE_FORMAT's hour, minute, second and fraction
/// specifiers over a TIME (hours may pass 23); the date ones give NULL in
/// MySQL and are left out here.
fn time_format(t: i64, fmt: &str) -> String {
    let neg = t < 0;
    let t = t.unsigned_abs();
    let (h, m, s, us) = (t / 3_600_000_000, t / 60_000_000 % 60, t / 1_000_000 % 60, t % 1_000_000);
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    let ampm = if h % 24 < 12 { "AM" } else { "PM" };
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('H') => out.push_str(&format!("{h:02}")),
            Some('k') => out.push_str(&h.to_string()),
            Some('h') | Some('I') => out.push_str(&format!("{h12:02}")),
            Some('l') => out.push_str(&h12.to_string()),
            Some('i') => out.push_str(&format!("{m:02}")),
            Some('s') | Some('S') => out.push_str(&format!("{s:02}")),
            Some('f') => out.push_str(&format!("{us:06}")),
            Some('p') => out.push_str(ampm),
            Some('r') => out.push_str(&format!("{h12:02}:{m:02}:{s:02} {ampm}")),
            Some('T') => out.push_str(&format!("{h:02}:{m:02}:{s:02}")),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// INET_ATON: dotted quads, where missing parts count from the right
/// (`1.2` is 1.0.0.2, as MySQL reads it).
fn inet_aton(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.trim().split('.').collect();
    if parts.is_empty() || parts.len() > 4 || parts.iter().any(|p| p.is_empty() || p.len() > 3) {
        return None;
    }
    let nums: Vec<u64> = parts.iter().map(|p| p.parse::<u64>().ok().filter(|n| *n <= 255)).collect::<Option<_>>()?;
    let mut n = 0u64;
    for (i, x) in nums.iter().enumerate() {
        let shift = if i + 1 == nums.len() { 0 } else { 24 - 8 * i as u32 };
        n |= x << shift;
    }
    Some(n)
}

/// Regular-expression flags: (case-insensitive, multi-line, `.` matches
/// line ends).
type RegexFlags = (bool, bool, bool);

thread_local! {
    /// The last compiled pattern: a statement usually applies one pattern
    /// to many rows.
    static LAST_REGEX: RefCell<Option<(String, RegexFlags, regex::Regex)>> = const { RefCell::new(None) };
}

/// Compile a MySQL regular expression. Matching is case-insensitive like
/// the default collation, unless an argument is a binary string or
/// `match_type` says `c`; `i` forces it, `m` is multi-line, `n` lets `.`
/// match line ends.
fn compile_regex(pat: &Value, match_type: Option<&Value>, subject: &Value) -> Result<regex::Regex> {
    let illegal = || DbError::new(3685, "HY000", "Illegal argument to a regular expression.");
    let mut ci = !matches!(subject, Value::Bytes(_)) && !matches!(pat, Value::Bytes(_));
    let (mut multi, mut dotall) = (false, false);
    if let Some(mt) = match_type {
        for c in text(mt).chars() {
            match c {
                'c' => ci = false,
                'i' => ci = true,
                'm' => multi = true,
                'n' => dotall = true,
                'u' => {}
                _ => return Err(illegal()),
            }
        }
    }
    let p = text(pat);
    let flags = (ci, multi, dotall);
    let cached =
        LAST_REGEX.with(|c| c.borrow().as_ref().filter(|(q, f, _)| *q == p && *f == flags).map(|(_, _, r)| r.clone()));
    if let Some(r) = cached {
        return Ok(r);
    }
    let r = regex::RegexBuilder::new(&p)
        .case_insensitive(ci)
        .multi_line(multi)
        .dot_matches_new_line(dotall)
        .size_limit(1 << 20)
        .build()
        .map_err(|_| illegal())?;
    LAST_REGEX.with(|c| *c.borrow_mut() = Some((p, flags, r.clone())));
    Ok(r)
}

/// REGEXP_INSTR / REGEXP_SUBSTR / REGEXP_REPLACE with their optional
/// position (1-based, in characters), occurrence and match type.
fn regexp_position(f: Func, vals: &[Value]) -> Result<Value> {
    let s = text(&vals[0]);
    let pattern = &vals[1];
    let (pos_i, occ_i, mt_i, repl) = match f {
        Func::RegexpReplace => (3, 4, 5, Some(text(&vals[2]))),
        Func::RegexpInstr => (2, 3, 5, None),
        _ => (2, 3, 4, None),
    };
    let pos = vals.get(pos_i).map_or(1, int);
    let occurrence = vals.get(occ_i).map_or(if f == Func::RegexpReplace { 0 } else { 1 }, int);
    let r = compile_regex(pattern, vals.get(mt_i), &vals[0])?;
    let nchars = s.chars().count() as i64;
    if pos < 1 || pos > nchars + 1 {
        return Err(DbError::new(3686, "HY000", "Index out of bounds in regular expression search."));
    }
    let start = s.char_indices().nth(pos as usize - 1).map_or(s.len(), |(i, _)| i);
    let char_pos = |byte: usize| s[..byte].chars().count() as i64 + 1;
    match f {
        Func::RegexpReplace => {
            let repl = repl.unwrap_or_default();
            let (head, tail) = s.split_at(start);
            let replaced = if occurrence <= 0 {
                r.replace_all(tail, repl.as_str()).into_owned()
            } else {
                let mut out = String::new();
                let mut last = 0;
                for (i, m) in r.captures_iter(tail).enumerate() {
                    let Some(whole) = m.get(0) else { continue };
                    if i as i64 + 1 == occurrence {
                        out.push_str(&tail[last..whole.start()]);
                        m.expand(&repl, &mut out);
                        last = whole.end();
                        break;
                    }
                }
                out.push_str(&tail[last..]);
                out
            };
            if head.len() + replaced.len() > MAX_RESULT {
                return Ok(Value::Null);
            }
            Ok(Value::Str(format!("{head}{replaced}")))
        }
        _ => {
            let m = r.find_iter(&s[start..]).nth(occurrence.max(1) as usize - 1);
            Ok(match (f, m) {
                (Func::RegexpInstr, Some(m)) => {
                    let end = vals.get(4).map_or(0, int) == 1;
                    Value::Int(char_pos(start + if end { m.end() } else { m.start() }))
                }
                (Func::RegexpInstr, None) => Value::Int(0),
                (_, Some(m)) => Value::Str(m.as_str().to_string()),
                (_, None) => Value::Null,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(conv("ff", 16, 10).as_deref(), Some("255"));
        assert_eq!(conv("-1", 10, -16).as_deref(), Some("-1"));
        assert_eq!(conv("-1", 10, 16).as_deref(), Some("FFFFFFFFFFFFFFFF"));
        assert_eq!(conv("a", 16, 2).as_deref(), Some("1010"));
        assert_eq!(conv("z", 40, 2), None);
        assert_eq!(crc32(b"MySQL"), 3_259_397_556);
        assert_eq!(to_base64(b"abc"), "YWJj");
        assert_eq!(to_base64(b"ab"), "YWI=");
        assert_eq!(from_base64("YWI=").as_deref(), Some(&b"ab"[..]));
        assert_eq!(from_base64("Y W J j\n").as_deref(), Some(&b"abc"[..]));
        assert_eq!(from_base64("YW=I"), None);
        let long = to_base64(&[0u8; 100]);
        assert_eq!(long.find('\n'), Some(76));
        assert_eq!(from_base64(&long).map(|v| v.len()), Some(100));
        assert_eq!(soundex("Robert"), "R163");
        assert_eq!(soundex("Quadratically"), "Q36324");
        assert_eq!(soundex("Hello"), "H400");
        assert_eq!(inet_aton("10.0.5.9"), Some(167_773_449));
        assert_eq!(inet_aton("127.1"), Some(2_130_706_433));
        assert_eq!(inet_aton("1.2.3.256"), None);
        assert_eq!(period_months(202401) + 2, period_months(202403));
    }

    #[test]
    fn week_numbering() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(year_week(d("1987-01-01"), 0), (1986, 52));
        assert_eq!(year_week(d("2024-03-05"), 0), (2024, 9));
        assert_eq!(year_week(d("2024-12-31"), 3), (2025, 1));
        assert_eq!(year_week(d("2021-01-01"), 3), (2020, 53));
    }
}

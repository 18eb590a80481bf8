//! Converting values between SQL types the way MySQL does, and between SQL
//! values and Rust types.
//!
//! The host converts each argument to the type a function declares in
//! `NAME__args` before calling, but a module can be called by any host, and
//! `ANY` arguments arrive as they are; so the guest converts again, with the
//! same rules. Where MySQL and Rust disagree, MySQL wins:
//!
//! | from \ to | INT | REAL | STRING |
//! |---|---|---|---|
//! | INT | — | exact when representable | decimal text |
//! | REAL | rounded half away from zero, saturating | — | shortest text, `1e15` style from 1e15 up and below 1e-4 |
//! | STRING | leading integer (`'12abc'` → 12, `'abc'` → 0, `'12.7'` → 12) | leading number (`'1.5e3x'` → 1500) | — |
//! | DECIMAL | rounded half away from zero | nearest | the text |
//! | TEMPORAL | its digits (`'2024-01-31'` → 20240131, `'10:00:00'` → 100000) | same, with the fraction | the text |
//! | BYTES | as STRING, bytes read as text | as STRING | UTF-8, invalid sequences replaced |
//!
//! NULL stays NULL whatever the target. [`FromValue`] turns a (converted)
//! value into a Rust argument, [`IntoValue`] a Rust result into a value.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::abi::{Type, Value};

/// Why a value cannot become the Rust type asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConvertError {
    /// SQL NULL where the Rust type has no NULL (use `Option<T>` for that).
    /// Generated glue turns it into a NULL result, not an error.
    Null,
    /// The number does not fit the Rust type (`-1` for `u32`).
    OutOfRange { value: String, target: &'static str },
    /// A borrowed argument (`&str`, `&[u8]`) met a value of another type
    /// that was not converted first with [`to_type`].
    WrongType { expected: Type, got: &'static str },
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConvertError::Null => f.write_str("NULL where a value is required"),
            ConvertError::OutOfRange { value, target } => write!(f, "value {value} is out of range for {target}"),
            ConvertError::WrongType { expected, got } => write!(f, "expected a {expected} value, got {got}"),
        }
    }
}

/// The SQL type name of a value's tag, for messages.
pub fn tag_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NULL",
        Value::Int(_) => "INT",
        Value::Real(_) => "REAL",
        Value::String(_) => "STRING",
        Value::Bytes(_) => "BYTES",
        Value::Decimal(_) => "DECIMAL",
        Value::Temporal(_) => "TEMPORAL",
    }
}

// ---------------------------------------------------------------------------
// Text to numbers.

fn skip_space(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')).count();
    &s[n..]
}

/// Sign and the run of digits after it; the rest of the text.
fn sign_digits(s: &[u8]) -> (bool, &[u8], &[u8]) {
    let s = skip_space(s);
    let (neg, s) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    (neg, &s[..n], &s[n..])
}

/// Digits as a saturated signed integer.
fn digits_to_i64(neg: bool, digits: &[u8]) -> i64 {
    let mut acc: i64 = 0;
    for &d in digits {
        let d = i64::from(d - b'0');
        acc = match acc.checked_mul(10).and_then(|a| if neg { a.checked_sub(d) } else { a.checked_add(d) }) {
            Some(a) => a,
            None => return if neg { i64::MIN } else { i64::MAX },
        };
    }
    acc
}

/// MySQL's string-to-integer rule: skip leading space, take an optional
/// sign and the digits after it, ignore the rest; no digits is 0; out of
/// range saturates. `"12abc"` → 12, `" -7"` → -7, `"12.7"` → 12, `"x"` → 0.
pub fn int_prefix(s: &str) -> i64 {
    let (neg, digits, _) = sign_digits(s.as_bytes());
    digits_to_i64(neg, digits)
}

/// Length of the longest prefix of `s` (after leading space) that reads as
/// a number: `[+-]digits[.digits][e[+-]digits]`; 0 when there is none.
fn number_prefix_len(s: &[u8]) -> usize {
    let mut i = 0;
    if matches!(s.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_digits = s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        frac_digits = s[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if int_digits + frac_digits > 0 {
            i += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return 0;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(s.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_digits = s[j.min(s.len())..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_digits > 0 {
            i = j + exp_digits;
        }
    }
    i
}

/// MySQL's string-to-double rule: the longest leading number, 0 when there
/// is none; overflow saturates to the largest finite double.
/// `"1.5e3x"` → 1500.0, `".5"` → 0.5, `"abc"` → 0.0.
pub fn real_prefix(s: &str) -> f64 {
    let t = skip_space(s.as_bytes());
    let n = number_prefix_len(t);
    let text = core::str::from_utf8(&t[..n]).unwrap_or("0");
    let v: f64 = text.parse().unwrap_or(0.0);
    if v.is_infinite() {
        if v > 0.0 {
            f64::MAX
        } else {
            f64::MIN
        }
    } else {
        v
    }
}

/// A double to an integer as MySQL does: rounded half away from zero,
/// saturating at the ends of `i64`; NaN is 0.
pub fn round_real(f: f64) -> i64 {
    if f.is_nan() {
        return 0;
    }
    // `as` truncates toward zero and saturates.
    let t = f as i64;
    let frac = f - t as f64;
    if frac >= 0.5 {
        t.saturating_add(1)
    } else if frac <= -0.5 {
        t.saturating_sub(1)
    } else {
        t
    }
}

/// Decimal text to an integer: rounded half away from zero (`"12.5"` → 13,
/// `"-12.5"` → -13), saturating; text that is not a number reads as its
/// leading integer.
fn decimal_to_int(s: &str) -> i64 {
    let (neg, digits, rest) = sign_digits(s.as_bytes());
    let v = digits_to_i64(neg, digits);
    match rest {
        [b'.', d, ..] if (b'5'..=b'9').contains(d) => {
            if neg {
                v.saturating_sub(1)
            } else {
                v.saturating_add(1)
            }
        }
        _ => v,
    }
}

/// A date, datetime or time as the number MySQL makes of it: the digits of
/// the date and time parts, and the fraction. `"2024-01-31 10:00:00.5"` →
/// (false, "20240131100000", "5"); `"-01:30:00"` → (true, "013000", "").
fn temporal_digits(s: &str) -> (bool, String, &str) {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        // A leading '-' is a negative TIME; a date never starts with one.
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, frac) = match body.find('.') {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, ""),
    };
    let digits: String = whole.chars().filter(char::is_ascii_digit).collect();
    let frac_len = frac.bytes().take_while(u8::is_ascii_digit).count();
    (neg, digits, &frac[..frac_len])
}

fn temporal_to_int(s: &str) -> i64 {
    let (neg, digits, frac) = temporal_digits(s);
    let v = digits_to_i64(neg, digits.as_bytes());
    match frac.as_bytes().first() {
        Some(d) if *d >= b'5' => {
            if neg {
                v.saturating_sub(1)
            } else {
                v.saturating_add(1)
            }
        }
        _ => v,
    }
}

fn temporal_number_text(s: &str) -> String {
    let (neg, digits, frac) = temporal_digits(s);
    let digits = digits.trim_start_matches('0');
    let mut out = String::new();
    if neg && (!digits.is_empty() || frac.bytes().any(|b| b != b'0')) {
        out.push('-');
    }
    out.push_str(if digits.is_empty() { "0" } else { digits });
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// A double as text the way MySQL prints one: the shortest digits that
/// read back as the same double, positional from 1e-4 up to below 1e15,
/// otherwise `1.5e20` / `1e-5`. Not-a-number and infinities (which SQL
/// values never are) print as `NaN`, `inf`, `-inf`.
pub fn format_real(f: f64) -> String {
    if f.is_nan() {
        return String::from("NaN");
    }
    if f.is_infinite() {
        return String::from(if f > 0.0 { "inf" } else { "-inf" });
    }
    if f == 0.0 {
        return String::from("0");
    }
    // `{:e}` is the shortest round-trip form: "1.2345e-7", "-1e20".
    let sci = format!("{f:e}");
    let exp: i32 = sci.rsplit('e').next().and_then(|e| e.parse().ok()).unwrap_or(0);
    if (-4..15).contains(&exp) {
        // `{}` is positional with the same shortest digits.
        format!("{f}")
    } else {
        sci
    }
}

/// Decimal text for a double: positional, never an exponent (`1e20` →
/// `"100000000000000000000"`); non-finite is `"0"`.
fn real_decimal_text(f: f64) -> String {
    if f.is_finite() {
        let s = format!("{f}");
        if s == "-0" {
            String::from("0")
        } else {
            s
        }
    } else {
        String::from("0")
    }
}

/// The leading number of text, as decimal text (`"12.50abc"` → `"12.50"`,
/// `"x"` → `"0"`). Exponents are applied (`"1e3"` → `"1000"`).
fn text_decimal(s: &str) -> String {
    let t = skip_space(s.as_bytes());
    let n = number_prefix_len(t);
    let num = core::str::from_utf8(&t[..n]).unwrap_or("");
    if num.is_empty() {
        return String::from("0");
    }
    if num.bytes().any(|b| b == b'e' || b == b'E') {
        return real_decimal_text(real_prefix(num));
    }
    let (neg, body) = match num.as_bytes()[0] {
        b'-' => (true, &num[1..]),
        b'+' => (false, &num[1..]),
        _ => (false, num),
    };
    let (int, frac) = match body.find('.') {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, ""),
    };
    let int = int.trim_start_matches('0');
    let mut out = String::new();
    if neg && (!int.is_empty() || frac.bytes().any(|b| b != b'0')) {
        out.push('-');
    }
    out.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

// ---------------------------------------------------------------------------
// Value to value.

/// The value as an integer (MySQL rules above); `None` for NULL.
pub fn to_int(v: &Value) -> Option<i64> {
    Some(match v {
        Value::Null => return None,
        Value::Int(i) => *i,
        Value::Real(r) => round_real(*r),
        Value::String(s) => int_prefix(s),
        Value::Bytes(b) => int_prefix(&String::from_utf8_lossy(b)),
        Value::Decimal(s) => decimal_to_int(s),
        Value::Temporal(s) => temporal_to_int(s),
    })
}

/// The value as a double (MySQL rules above); `None` for NULL.
pub fn to_real(v: &Value) -> Option<f64> {
    Some(match v {
        Value::Null => return None,
        Value::Int(i) => *i as f64,
        Value::Real(r) => *r,
        Value::String(s) | Value::Decimal(s) => real_prefix(s),
        Value::Bytes(b) => real_prefix(&String::from_utf8_lossy(b)),
        Value::Temporal(s) => real_prefix(&temporal_number_text(s)),
    })
}

/// The value as text (MySQL rules above); `None` for NULL. Borrows when
/// the value already is text.
pub fn to_text(v: &Value) -> Option<Cow<'_, str>> {
    Some(match v {
        Value::Null => return None,
        Value::Int(i) => Cow::Owned(i.to_string()),
        Value::Real(r) => Cow::Owned(format_real(*r)),
        Value::String(s) | Value::Decimal(s) | Value::Temporal(s) => Cow::Borrowed(s.as_str()),
        Value::Bytes(b) => String::from_utf8_lossy(b),
    })
}

/// The value as bytes: text as its UTF-8, numbers as their text; `None`
/// for NULL.
pub fn to_bytes(v: &Value) -> Option<Cow<'_, [u8]>> {
    Some(match v {
        Value::Null => return None,
        Value::Bytes(b) => Cow::Borrowed(b.as_slice()),
        Value::String(s) | Value::Decimal(s) | Value::Temporal(s) => Cow::Borrowed(s.as_bytes()),
        Value::Int(_) | Value::Real(_) => match to_text(v) {
            Some(t) => Cow::Owned(t.into_owned().into_bytes()),
            None => return None,
        },
    })
}

/// The value as exact decimal text (`"-12.50"`); `None` for NULL.
pub fn to_decimal(v: &Value) -> Option<String> {
    Some(match v {
        Value::Null => return None,
        Value::Int(i) => i.to_string(),
        Value::Real(r) => real_decimal_text(*r),
        Value::String(s) | Value::Decimal(s) => text_decimal(s),
        Value::Bytes(b) => text_decimal(&String::from_utf8_lossy(b)),
        Value::Temporal(s) => temporal_number_text(s),
    })
}

/// Convert a value to a declared type. NULL stays NULL, `ANY` and a value
/// that already has the type are borrowed unchanged. TEMPORAL is not
/// validated here: numbers become their text, the host checks the format.
pub fn to_type(v: &Value, ty: Type) -> Cow<'_, Value> {
    let same = matches!(
        (ty, v),
        (Type::Any, _)
            | (_, Value::Null)
            | (Type::Int, Value::Int(_))
            | (Type::Real, Value::Real(_))
            | (Type::String, Value::String(_))
            | (Type::Bytes, Value::Bytes(_))
            | (Type::Decimal, Value::Decimal(_))
            | (Type::Temporal, Value::Temporal(_))
    );
    if same {
        return Cow::Borrowed(v);
    }
    // Not NULL past this point, so each `to_*` is `Some`.
    let converted = match ty {
        Type::Int => to_int(v).map(Value::Int),
        Type::Real => to_real(v).map(Value::Real),
        Type::String => to_text(v).map(|t| Value::String(t.into_owned())),
        Type::Bytes => to_bytes(v).map(|b| Value::Bytes(b.into_owned())),
        Type::Decimal => to_decimal(v).map(Value::Decimal),
        Type::Temporal => to_text(v).map(|t| Value::Temporal(t.into_owned())),
        Type::Any => None,
    };
    match converted {
        Some(c) => Cow::Owned(c),
        None => Cow::Borrowed(v),
    }
}

// ---------------------------------------------------------------------------
// Values and Rust types.

/// A Rust type a function can take as an argument.
///
/// `TYPE` is what the function declares in `NAME__args`; generated glue
/// first converts each argument with [`to_type`]`(v, TYPE)` and then calls
/// `from_value`, which may borrow from the converted value (`&str`).
/// `from_value` returns [`ConvertError::Null`] for NULL unless the type can
/// hold it (`Option<T>`, [`Value`]).
pub trait FromValue<'a>: Sized {
    /// The declared argument type.
    const TYPE: Type;
    /// The Rust value of `v`.
    fn from_value(v: &'a Value) -> Result<Self, ConvertError>;
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl<'a> FromValue<'a> for $t {
            const TYPE: Type = Type::Int;
            fn from_value(v: &'a Value) -> Result<Self, ConvertError> {
                let i = to_int(v).ok_or(ConvertError::Null)?;
                <$t>::try_from(i)
                    .map_err(|_| ConvertError::OutOfRange { value: i.to_string(), target: stringify!($t) })
            }
        }
    )*};
}
from_int!(i64, i32, i16, i8, u64, u32, u16, u8);

impl<'a> FromValue<'a> for f64 {
    const TYPE: Type = Type::Real;
    fn from_value(v: &'a Value) -> Result<Self, ConvertError> {
        to_real(v).ok_or(ConvertError::Null)
    }
}

impl<'a> FromValue<'a> for f32 {
    const TYPE: Type = Type::Real;
    fn from_value(v: &'a Value) -> Result<Self, ConvertError> {
        to_real(v).map(|r| r as f32).ok_or(ConvertError::Null)
    }
}

/// SQL truth: an integer other than 0 (a REAL is rounded first, as MySQL
/// does for an `INT_RESULT` argument).
impl<'a> FromValue<'a> for bool {
    const TYPE: Type = Type::Int;
    fn from_value(v: &'a Value) -> Result<Self, ConvertError> {
        to_int(v).map(|i| i != 0).ok_or(ConvertError::Null)
    }
}

impl<'a> FromValue<'a> for String {
    const TYPE: Type = Type::String;
    fn from_value(v: &'a Value) -> Result<Self, ConvertError> {
        to_text(v).map(Cow::into_owned).ok_or(ConvertError::Null)
    }
}

impl<'a> FromValue<'a> for &'a str {
    const TYPE: Type = Type::String;
    fn from_value(v: &'a Value) -> Result<Self, ConvertError> {
        match v {
            Value::Null => Err(ConvertError::Null),
            Value::String(s) | Value::Decimal(s) | Value::Temporal(s) => Ok(s),
            _ => Err(ConvertError::WrongType { expected: Type::String, got: tag_name(v) }),
        }
    }
}

impl<'a> FromValue<'a> for Vec<u8> {
    const TYPE: Type = Type::Bytes;
    fn from_value(v: &'a Value) -> Result<Self, ConvertError> {
        to_bytes(v).map(Cow::into_owned).ok_or(ConvertError::Null)
    }
}

impl<'a> FromValue<'a> for &'a [u8] {
    const TYPE: Type = Type::Bytes;
    fn from_value(v: &'a Value) -> Result<Self, ConvertError> {
        match v {
            Value::Null => Err(ConvertError::Null),
            Value::Bytes(b) => Ok(b),
            Value::String(s) | Value::Decimal(s) | Value::Temporal(s) => Ok(s.as_bytes()),
            _ => Err(ConvertError::WrongType { expected: Type::Bytes, got: tag_name(v) }),
        }
    }
}

/// Whatever was passed, unconverted (declared `ANY`); NULL is `Value::Null`.
impl<'a> FromValue<'a> for Value {
    const TYPE: Type = Type::Any;
    fn from_value(v: &'a Value) -> Result<Self, ConvertError> {
        Ok(v.clone())
    }
}

/// Borrowed form of [`Value`] (declared `ANY`).
impl<'a> FromValue<'a> for &'a Value {
    const TYPE: Type = Type::Any;
    fn from_value(v: &'a Value) -> Result<Self, ConvertError> {
        Ok(v)
    }
}

/// NULL is `None`.
impl<'a, T: FromValue<'a>> FromValue<'a> for Option<T> {
    const TYPE: Type = T::TYPE;
    fn from_value(v: &'a Value) -> Result<Self, ConvertError> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// A Rust type a function can return (or a table function put in a row).
pub trait IntoValue {
    /// The declared result type (`NAME__returns`).
    const TYPE: Type;
    /// The SQL value.
    fn into_value(self) -> Value;
}

macro_rules! into_int {
    ($($t:ty),*) => {$(
        impl IntoValue for $t {
            const TYPE: Type = Type::Int;
            fn into_value(self) -> Value {
                Value::Int(i64::from(self))
            }
        }
    )*};
}
into_int!(i64, i32, i16, i8, u32, u16, u8);

/// Above `i64::MAX` the value travels as DECIMAL text.
impl IntoValue for u64 {
    const TYPE: Type = Type::Int;
    fn into_value(self) -> Value {
        match i64::try_from(self) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Decimal(self.to_string()),
        }
    }
}

/// `true` is 1, `false` 0.
impl IntoValue for bool {
    const TYPE: Type = Type::Int;
    fn into_value(self) -> Value {
        Value::Int(i64::from(self))
    }
}

/// NaN and the infinities are NULL: SQL has no such doubles.
impl IntoValue for f64 {
    const TYPE: Type = Type::Real;
    fn into_value(self) -> Value {
        if self.is_finite() {
            Value::Real(self)
        } else {
            Value::Null
        }
    }
}

impl IntoValue for f32 {
    const TYPE: Type = Type::Real;
    fn into_value(self) -> Value {
        f64::from(self).into_value()
    }
}

impl IntoValue for String {
    const TYPE: Type = Type::String;
    fn into_value(self) -> Value {
        Value::String(self)
    }
}

impl IntoValue for &str {
    const TYPE: Type = Type::String;
    fn into_value(self) -> Value {
        Value::String(String::from(self))
    }
}

impl IntoValue for Cow<'_, str> {
    const TYPE: Type = Type::String;
    fn into_value(self) -> Value {
        Value::String(self.into_owned())
    }
}

impl IntoValue for Vec<u8> {
    const TYPE: Type = Type::Bytes;
    fn into_value(self) -> Value {
        Value::Bytes(self)
    }
}

impl IntoValue for &[u8] {
    const TYPE: Type = Type::Bytes;
    fn into_value(self) -> Value {
        Value::Bytes(self.to_vec())
    }
}

/// Any value (declared `ANY`; the host converts it to the type given at
/// `CREATE FUNCTION`).
impl IntoValue for Value {
    const TYPE: Type = Type::Any;
    fn into_value(self) -> Value {
        self
    }
}

/// `None` is NULL.
impl<T: IntoValue> IntoValue for Option<T> {
    const TYPE: Type = T::TYPE;
    fn into_value(self) -> Value {
        match self {
            Some(v) => v.into_value(),
            None => Value::Null,
        }
    }
}

/// What a scalar function or an aggregate's `finish` may return: a value,
/// or `Result<value, E: Display>` where `Err` fails the statement with the
/// error's text.
pub trait IntoResult {
    /// The declared result type.
    const TYPE: Type;
    /// The value, or the error message.
    fn into_result(self) -> Result<Value, String>;
}

impl<T: IntoValue> IntoResult for T {
    const TYPE: Type = T::TYPE;
    fn into_result(self) -> Result<Value, String> {
        Ok(self.into_value())
    }
}

impl<T: IntoValue, E: fmt::Display> IntoResult for Result<T, E> {
    const TYPE: Type = T::TYPE;
    fn into_result(self) -> Result<Value, String> {
        self.map(IntoValue::into_value).map_err(|e| e.to_string())
    }
}

/// What an aggregate's `add` and `merge` may return: `()` or
/// `Result<(), E: Display>`.
pub trait IntoUnitResult {
    /// `Ok(())`, or the error message.
    fn into_unit_result(self) -> Result<(), String>;
}

impl IntoUnitResult for () {
    fn into_unit_result(self) -> Result<(), String> {
        Ok(())
    }
}

impl<E: fmt::Display> IntoUnitResult for Result<(), E> {
    fn into_unit_result(self) -> Result<(), String> {
        self.map_err(|e| e.to_string())
    }
}

/// One row of a table function's result: a tuple of [`IntoValue`]s (up to
/// 12), a single value (a one-column table), or a `Vec<Value>`.
pub trait IntoRow {
    /// Append the row's values to `out`; returns how many it appended.
    fn push_values(self, out: &mut Vec<Value>) -> usize;
}

impl<T: IntoValue> IntoRow for T {
    fn push_values(self, out: &mut Vec<Value>) -> usize {
        out.push(self.into_value());
        1
    }
}

impl IntoRow for Vec<Value> {
    fn push_values(self, out: &mut Vec<Value>) -> usize {
        let n = self.len();
        out.extend(self);
        n
    }
}

macro_rules! into_row_tuple {
    ($n:expr; $($t:ident $i:tt),+) => {
        impl<$($t: IntoValue),+> IntoRow for ($($t,)+) {
            fn push_values(self, out: &mut Vec<Value>) -> usize {
                $(out.push(self.$i.into_value());)+
                $n
            }
        }
    };
}
into_row_tuple!(1; A 0);
into_row_tuple!(2; A 0, B 1);
into_row_tuple!(3; A 0, B 1, C 2);
into_row_tuple!(4; A 0, B 1, C 2, D 3);
into_row_tuple!(5; A 0, B 1, C 2, D 3, E 4);
into_row_tuple!(6; A 0, B 1, C 2, D 3, E 4, F 5);
into_row_tuple!(7; A 0, B 1, C 2, D 3, E 4, F 5, G 6);
into_row_tuple!(8; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
into_row_tuple!(9; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
into_row_tuple!(10; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
into_row_tuple!(11; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
into_row_tuple!(12; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn s(x: &str) -> Value {
        Value::String(x.into())
    }

    #[test]
    fn string_to_int_takes_the_leading_integer() {
        assert_eq!(int_prefix("12abc"), 12);
        assert_eq!(int_prefix("  -7 apples"), -7);
        assert_eq!(int_prefix("+3"), 3);
        assert_eq!(int_prefix("12.7"), 12);
        assert_eq!(int_prefix("1e3"), 1);
        assert_eq!(int_prefix("abc"), 0);
        assert_eq!(int_prefix(""), 0);
        assert_eq!(int_prefix("-"), 0);
        assert_eq!(int_prefix("99999999999999999999999"), i64::MAX);
        assert_eq!(int_prefix("-99999999999999999999999"), i64::MIN);
        assert_eq!(int_prefix("-9223372036854775808"), i64::MIN);
        assert_eq!(to_int(&s("12abc")), Some(12));
        assert_eq!(to_int(&Value::Bytes(b"42".to_vec())), Some(42));
    }

    #[test]
    fn string_to_real_takes_the_leading_number() {
        assert_eq!(real_prefix("1.5e3x"), 1500.0);
        assert_eq!(real_prefix(" .5"), 0.5);
        assert_eq!(real_prefix("-2."), -2.0);
        assert_eq!(real_prefix("3e"), 3.0);
        assert_eq!(real_prefix("3e+"), 3.0);
        assert_eq!(real_prefix("abc"), 0.0);
        assert_eq!(real_prefix("."), 0.0);
        assert_eq!(real_prefix("1e999"), f64::MAX);
        assert_eq!(real_prefix("-1e999"), f64::MIN);
    }

    #[test]
    fn real_to_int_rounds_half_away_from_zero() {
        assert_eq!(round_real(2.5), 3);
        assert_eq!(round_real(-2.5), -3);
        assert_eq!(round_real(2.4999), 2);
        assert_eq!(round_real(-0.4), 0);
        assert_eq!(round_real(1e30), i64::MAX);
        assert_eq!(round_real(-1e30), i64::MIN);
        assert_eq!(round_real(f64::NAN), 0);
        assert_eq!(to_int(&Value::Real(0.5)), Some(1));
    }

    #[test]
    fn decimal_and_temporal_to_numbers() {
        assert_eq!(to_int(&Value::Decimal("12.50".into())), Some(13));
        assert_eq!(to_int(&Value::Decimal("-12.50".into())), Some(-13));
        assert_eq!(to_int(&Value::Decimal("12.49".into())), Some(12));
        assert_eq!(to_real(&Value::Decimal("-12.25".into())), Some(-12.25));
        assert_eq!(to_int(&Value::Temporal("2024-01-31".into())), Some(20240131));
        assert_eq!(to_int(&Value::Temporal("2024-01-31 10:00:00".into())), Some(20240131100000));
        assert_eq!(to_int(&Value::Temporal("-01:30:00".into())), Some(-13000));
        assert_eq!(to_int(&Value::Temporal("10:00:00.5".into())), Some(100001));
        assert_eq!(to_real(&Value::Temporal("10:00:00.25".into())), Some(100000.25));
        assert_eq!(to_decimal(&Value::Temporal("2024-01-31".into())), Some("20240131".into()));
    }

    #[test]
    fn numbers_to_text() {
        assert_eq!(to_text(&Value::Int(-42)).as_deref(), Some("-42"));
        assert_eq!(format_real(1.5), "1.5");
        assert_eq!(format_real(2.0), "2");
        assert_eq!(format_real(-0.0), "0");
        assert_eq!(format_real(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_real(1e14), "100000000000000");
        assert_eq!(format_real(1e15), "1e15");
        assert_eq!(format_real(-1.25e20), "-1.25e20");
        assert_eq!(format_real(0.0001), "0.0001");
        assert_eq!(format_real(0.00001), "1e-5");
        assert_eq!(to_decimal(&Value::Real(1e20)), Some("100000000000000000000".into()));
        assert_eq!(to_decimal(&s("  -007.50kg")), Some("-7.50".into()));
        assert_eq!(to_decimal(&s("1e3")), Some("1000".into()));
        assert_eq!(to_decimal(&s("abc")), Some("0".into()));
        assert_eq!(to_bytes(&Value::Int(7)).as_deref(), Some(&b"7"[..]));
        assert_eq!(to_text(&Value::Bytes(vec![b'h', 0xFF])).as_deref(), Some("h\u{FFFD}"));
    }

    #[test]
    fn to_type_borrows_when_it_can() {
        let v = Value::Int(5);
        assert!(matches!(to_type(&v, Type::Int), Cow::Borrowed(_)));
        assert!(matches!(to_type(&v, Type::Any), Cow::Borrowed(_)));
        assert!(matches!(to_type(&Value::Null, Type::String), Cow::Borrowed(Value::Null)));
        assert_eq!(to_type(&v, Type::String).into_owned(), s("5"));
        assert_eq!(to_type(&s("2.5"), Type::Real).into_owned(), Value::Real(2.5));
        assert_eq!(to_type(&s("x"), Type::Temporal).into_owned(), Value::Temporal("x".into()));
        assert_eq!(to_type(&Value::Real(-3.5), Type::Int).into_owned(), Value::Int(-4));
    }

    #[test]
    fn from_value_checks_ranges_and_nulls() {
        assert_eq!(i32::from_value(&Value::Int(7)), Ok(7));
        assert_eq!(
            i32::from_value(&Value::Int(1 << 40)),
            Err(ConvertError::OutOfRange { value: "1099511627776".into(), target: "i32" })
        );
        assert!(u32::from_value(&Value::Int(-1)).is_err());
        assert_eq!(i64::from_value(&Value::Null), Err(ConvertError::Null));
        assert_eq!(Option::<i64>::from_value(&Value::Null), Ok(None));
        assert_eq!(Option::<i64>::from_value(&s("8x")), Ok(Some(8)));
        assert_eq!(bool::from_value(&Value::Int(2)), Ok(true));
        assert_eq!(bool::from_value(&s("0")), Ok(false));
        assert_eq!(f64::from_value(&Value::Int(3)), Ok(3.0));
        assert_eq!(String::from_value(&Value::Real(0.5)), Ok("0.5".into()));
        let v = s("héllo");
        assert_eq!(<&str>::from_value(&v), Ok("héllo"));
        assert_eq!(<&[u8]>::from_value(&v), Ok("héllo".as_bytes()));
        assert!(matches!(<&str>::from_value(&Value::Int(1)), Err(ConvertError::WrongType { .. })));
        assert_eq!(Vec::<u8>::from_value(&Value::Int(12)), Ok(b"12".to_vec()));
        assert_eq!(Value::from_value(&Value::Null), Ok(Value::Null));
        assert_eq!(<Option<&str> as FromValue>::TYPE, Type::String);
        assert_eq!(<Option<Vec<u8>> as FromValue>::TYPE, Type::Bytes);
        assert_eq!(<Value as FromValue>::TYPE, Type::Any);
    }

    #[test]
    fn into_value_and_results() {
        assert_eq!(7i32.into_value(), Value::Int(7));
        assert_eq!(u64::MAX.into_value(), Value::Decimal("18446744073709551615".into()));
        assert_eq!(true.into_value(), Value::Int(1));
        assert_eq!(f64::NAN.into_value(), Value::Null);
        assert_eq!("x".into_value(), s("x"));
        assert_eq!((&b"ab"[..]).into_value(), Value::Bytes(b"ab".to_vec()));
        assert_eq!(None::<i64>.into_value(), Value::Null);
        assert_eq!(<Option<f64> as IntoValue>::TYPE, Type::Real);
        assert_eq!(Ok::<_, &str>(2i64).into_result(), Ok(Value::Int(2)));
        assert_eq!(Err::<i64, _>("boom").into_result(), Err("boom".into()));
        assert_eq!(<Result<String, String> as IntoResult>::TYPE, Type::String);
        assert_eq!(Err::<(), _>("no").into_unit_result(), Err("no".into()));
        let mut row = Vec::new();
        assert_eq!(("a", 1i64, None::<f64>).push_values(&mut row), 3);
        assert_eq!(row, vec![s("a"), Value::Int(1), Value::Null]);
    }
}

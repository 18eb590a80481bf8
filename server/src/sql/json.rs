//! JSON documents as a JSON column stores them: validated, then printed in
//! MySQL's normalized form — object keys sorted (shorter keys first, then
//! by bytes; the last of duplicate keys wins), `", "` and `": "`
//! separators, integers as written, other numbers as doubles (`1.0`,
//! `1e20`).
//!
//! A document is kept as this text; there is no binary JSON format. The
//! tree [`Json`] is what the JSON functions (`jsonfn.rs`) work on: they
//! parse their arguments with [`parse`] and print results with
//! [`Json::to_text`]. Errors carry MySQL's (rapidjson's) messages and byte
//! positions, so a client sees the same 3140 / 3141 text MySQL sends.

use std::cmp::Ordering;
use std::fmt::Write as _;

use rust_decimal::Decimal;

/// Deepest nesting MySQL accepts (3157 beyond).
pub const MAX_DEPTH: usize = 100;

/// Why a text is not JSON: MySQL's message and the byte position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub message: &'static str,
    pub position: usize,
    /// Nested deeper than [`MAX_DEPTH`].
    pub too_deep: bool,
}

/// A parsed document. Numbers keep MySQL's distinctions: integers that
/// fit `i64`, larger ones that fit `u64`, doubles, and decimals (only from
/// SQL DECIMAL values; JSON text never parses into one).
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Double(f64),
    Decimal(Decimal),
    Str(String),
    Array(Vec<Json>),
    /// Members in MySQL's key order, without duplicates.
    Object(Vec<(String, Json)>),
}

struct Parser<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, message: &'static str, position: usize) -> JsonError {
        JsonError { message, position, too_deep: false }
    }

    fn skip_ws(&mut self) {
        while matches!(self.b.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError { message: "too deep", position: self.pos, too_deep: true });
        }
        match self.b.get(self.pos) {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Json::Str),
            Some(b't') => self.literal(b"true", Json::Bool(true)),
            Some(b'f') => self.literal(b"false", Json::Bool(false)),
            Some(b'n') => self.literal(b"null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.err("Invalid value.", self.pos)),
        }
    }

    fn literal(&mut self, word: &[u8], v: Json) -> Result<Json, JsonError> {
        if self.b[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.err("Invalid value.", self.pos))
        }
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let s = p.pos;
            while matches!(p.b.get(p.pos), Some(b'0'..=b'9')) {
                p.pos += 1;
            }
            p.pos - s
        };
        if self.b.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        if self.b.get(self.pos) == Some(&b'0') {
            self.pos += 1;
        } else if digits(self) == 0 {
            return Err(self.err("Invalid value.", start));
        }
        let mut float = false;
        if self.b.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            float = true;
            if digits(self) == 0 {
                return Err(self.err("Miss fraction part in number.", self.pos));
            }
        }
        if matches!(self.b.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            float = true;
            if matches!(self.b.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.err("Miss exponent in number.", self.pos));
            }
        }
        let text = std::str::from_utf8(&self.b[start..self.pos]).unwrap_or("0");
        if !float {
            if let Ok(i) = text.parse::<i64>() {
                return Ok(Json::Int(i));
            }
            if let Ok(u) = text.parse::<u64>() {
                return Ok(Json::UInt(u));
            }
        }
        match text.parse::<f64>() {
            Ok(d) if d.is_finite() => Ok(Json::Double(d)),
            _ => Err(self.err("Number too big to be stored in double.", start)),
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = self.b.get(self.pos).and_then(|c| (*c as char).to_digit(16));
            let Some(d) = d else {
                return Err(self.err("Incorrect hex digit after \\u escape in string.", self.pos));
            };
            v = v * 16 + d;
            self.pos += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        let open = self.pos;
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(&c) = self.b.get(self.pos) else {
                return Err(self.err("Missing a closing quotation mark in string.", self.pos));
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    let esc_at = self.pos;
                    self.pos += 1;
                    let e = self.b.get(self.pos).copied();
                    self.pos += 1;
                    let ch = match e {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi) {
                                if !self.b[self.pos..].starts_with(b"\\u") {
                                    return Err(self.err("The surrogate pair in string is invalid.", self.pos));
                                }
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("The surrogate pair in string is invalid.", self.pos));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            char::from_u32(cp)
                                .ok_or_else(|| self.err("The surrogate pair in string is invalid.", self.pos))?
                        }
                        _ => return Err(self.err("Invalid escape character in string.", esc_at)),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                0 => return Err(self.err("Missing a closing quotation mark in string.", self.pos)),
                c if c < 0x20 => return Err(self.err("Invalid encoding in string.", self.pos)),
                c => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        String::from_utf8(out).map_err(|_| self.err("Invalid encoding in string.", open))
    }

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.pos += 1;
        self.skip_ws();
        let mut items = Vec::new();
        if self.b.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.b.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.err("Missing a comma or ']' after an array element.", self.pos)),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.pos += 1;
        self.skip_ws();
        let mut members: Vec<(String, Json)> = Vec::new();
        if self.b.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Json::Object(members));
        }
        loop {
            if self.b.get(self.pos) != Some(&b'"') {
                return Err(self.err("Missing a name for object member.", self.pos));
            }
            let key = self.string()?;
            self.skip_ws();
            if self.b.get(self.pos) != Some(&b':') {
                return Err(self.err("Missing a colon after a name of object member.", self.pos));
            }
            self.pos += 1;
            self.skip_ws();
            let v = self.value(depth + 1)?;
            members.push((key, v));
            self.skip_ws();
            match self.b.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                Some(b'}') => {
                    self.pos += 1;
                    sort_members(&mut members);
                    return Ok(Json::Object(members));
                }
                _ => return Err(self.err("Missing a comma or '}' after an object member.", self.pos)),
            }
        }
    }
}

/// MySQL's order of object keys: shorter keys first, then by bytes.
pub fn key_cmp(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// Put object members in MySQL's key order; of duplicate keys the last
/// one wins (MySQL 8.0.3 and later).
pub fn sort_members(members: &mut Vec<(String, Json)>) {
    // A stable sort keeps duplicates in their written order.
    members.sort_by(|(a, _), (b, _)| key_cmp(a, b));
    let mut out: Vec<(String, Json)> = Vec::with_capacity(members.len());
    for m in members.drain(..) {
        match out.last_mut() {
            Some(last) if last.0 == m.0 => *last = m,
            _ => out.push(m),
        }
    }
    *members = out;
}

/// Print `s` as a quoted JSON string with MySQL's escapes.
pub fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Print `v` in MySQL's normalized form.
pub fn write_json(v: &Json, out: &mut String) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Json::UInt(u) => {
            let _ = write!(out, "{u}");
        }
        Json::Double(d) => {
            let s = crate::sql::value::format_double(*d);
            out.push_str(&s);
            if !s.contains(['.', 'e', 'n', 'i']) {
                out.push_str(".0");
            }
        }
        Json::Decimal(d) => {
            let _ = write!(out, "{d}");
        }
        Json::Str(s) => write_string(s, out),
        Json::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_json(x, out);
            }
            out.push(']');
        }
        Json::Object(members) => {
            out.push('{');
            for (i, (k, x)) in members.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(k, out);
                out.push_str(": ");
                write_json(x, out);
            }
            out.push('}');
        }
    }
}

/// Parse `text` as one JSON document.
pub fn parse(text: &[u8]) -> Result<Json, JsonError> {
    let mut p = Parser { b: text, pos: 0 };
    p.skip_ws();
    if p.pos == text.len() {
        return Err(p.err("The document is empty.", p.pos));
    }
    let v = p.value(1)?;
    p.skip_ws();
    if p.pos != text.len() {
        return Err(p.err("The document root must not be followed by other values.", p.pos));
    }
    Ok(v)
}

/// Parse `text` as one JSON document and print it in MySQL's normalized
/// form.
pub fn normalize(text: &[u8]) -> Result<String, JsonError> {
    let v = parse(text)?;
    let mut out = String::with_capacity(text.len());
    write_json(&v, &mut out);
    Ok(out)
}

impl Json {
    /// The value in MySQL's normalized text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        write_json(self, &mut out);
        out
    }

    /// Nesting depth: 1 for a scalar or an empty array/object.
    pub fn depth(&self) -> usize {
        match self {
            Json::Array(items) => 1 + items.iter().map(Json::depth).max().unwrap_or(0),
            Json::Object(m) => 1 + m.iter().map(|(_, v)| v.depth()).max().unwrap_or(0),
            _ => 1,
        }
    }
}

/// A JSON string holding `s` (CAST of a temporal or ENUM value to JSON).
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_string(s, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normalize(s.as_bytes()).unwrap_or_else(|e| format!("ERR {} @{}", e.message, e.position))
    }

    #[test]
    fn normalized_like_mysql() {
        assert_eq!(n(r#" {"b":1,"a":[1,2.5,"x"],"aa":null, "a": true} "#), r#"{"a": true, "b": 1, "aa": null}"#);
        assert_eq!(n("[1.0, 1e2, -0, 18446744073709551615, 1e300]"), "[1.0, 100.0, 0, 18446744073709551615, 1e300]");
        assert_eq!(n(r#""a\u00e9\n\/""#), "\"a\u{e9}\\n/\"");
        assert_eq!(n("{}"), "{}");
        assert_eq!(n("[]"), "[]");
    }

    #[test]
    fn errors_carry_mysql_messages() {
        assert_eq!(n(""), "ERR The document is empty. @0");
        assert_eq!(n("abc"), "ERR Invalid value. @0");
        assert_eq!(n("[1 2]"), "ERR Missing a comma or ']' after an array element. @3");
        assert_eq!(n(r#"{"a" 1}"#), "ERR Missing a colon after a name of object member. @5");
        assert_eq!(n("1 2"), "ERR The document root must not be followed by other values. @2");
        assert_eq!(n(r#""abc"#), "ERR Missing a closing quotation mark in string. @4");
        let deep = "[".repeat(101) + &"]".repeat(101);
        assert!(normalize(deep.as_bytes()).is_err_and(|e| e.too_deep));
        let ok = "[".repeat(100) + &"]".repeat(100);
        assert!(normalize(ok.as_bytes()).is_ok());
    }
}

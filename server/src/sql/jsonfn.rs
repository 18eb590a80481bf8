//! MySQL 8's JSON functions over the tree of [`json.rs`](super::json):
//! the path language (`$`, `.key`, `."quoted key"`, `[n]`, `[last]`,
//! `[last-n]`, `[m to n]`, `.*`, `[*]`, `**`), the scalar functions
//! (JSON_EXTRACT and `->`/`->>`, JSON_SET and friends, JSON_CONTAINS,
//! JSON_SEARCH, …), MEMBER OF, JSON comparison and sorting, and the
//! conversions between SQL values and JSON.
//!
//! JSON values travel between expressions as their normalized text (a
//! `Value::Str`), so every function parses its JSON arguments. Whether an
//! argument *is* JSON (a JSON column, a JSON function's result, `CAST(… AS
//! JSON)`) or an SQL value to convert is decided by the binder from the
//! argument's type and recorded in [`JsonCall::kinds`]: a JSON_ARRAY
//! argument `'[1]'` is the string `"[1]"`, while `CAST('[1]' AS JSON)` is an
//! array. Where a document is expected, a string is parsed as JSON (3141
//! when it is not) and anything else is 3146.
//!
//! Limits: documents nest at most [`json::MAX_DEPTH`] deep (3157); a result
//! longer than the session's `max_allowed_packet` is NULL, as MySQL returns
//! NULL (with warning 1301) past `max_allowed_packet`.

use std::cmp::Ordering;
use std::fmt::Write as _;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::error::{DbError, Result};
use crate::sql::expr::{self, BinOp, CastTarget, Ctx, Expr};
use crate::sql::json::{self, key_cmp, Json};
use crate::sql::types::{SqlType, TypeKind};
use crate::sql::value::{self, Value};

/// The longest JSON result when the session does not say (64 MiB, the
/// default `max_allowed_packet`).
pub const MAX_RESULT_BYTES: usize = 64 * 1024 * 1024;

/// The longest JSON result a function may build in this statement: the
/// session's `max_allowed_packet`.
pub fn result_limit(ctx: &Ctx) -> usize {
    match ctx.env.session.max_allowed_packet {
        0 => MAX_RESULT_BYTES,
        n => n,
    }
}

/// A JSON function or operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonFn {
    Extract,
    Unquote,
    Quote,
    Object,
    Array,
    Set,
    Insert,
    Replace,
    Remove,
    ArrayAppend,
    ArrayInsert,
    MergePreserve,
    MergePatch,
    Contains,
    ContainsPath,
    Keys,
    Length,
    Depth,
    Type,
    Valid,
    Search,
    Overlaps,
    MemberOf,
    Pretty,
    StorageSize,
    Value,
    /// An SQL value converted to JSON text (JSON_ARRAYAGG/JSON_OBJECTAGG
    /// arguments).
    ToJson,
    /// A JSON value read as an SQL scalar (CAST of JSON to a number or a
    /// temporal type): numbers stay numbers, strings lose their quotes.
    ToScalar,
    /// The ORDER BY key of a JSON value: bytes that sort as MySQL orders
    /// JSON values.
    SortKey,
    /// A comparison where one side is JSON: both sides compare as JSON.
    Compare(BinOp),
}

/// What an argument's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// JSON text (a JSON-typed expression).
    Json,
    /// A boolean expression (TRUE, a comparison): JSON true/false.
    Bool,
    /// Any other SQL value.
    Sql,
}

/// A bound call of a JSON function.
#[derive(Debug, Clone)]
pub struct JsonCall {
    pub f: JsonFn,
    /// The name errors use (`json_extract`).
    pub name: &'static str,
    pub args: Vec<Expr>,
    pub kinds: Vec<ArgKind>,
    /// JSON_VALUE's RETURNING type.
    pub returning: Option<CastTarget>,
}

/// A JSON function by its SQL name: the function, the name errors use,
/// and the argument counts it takes (min, max).
pub fn lookup(name: &str) -> Option<(JsonFn, &'static str, usize, usize)> {
    use JsonFn::*;
    const MANY: usize = usize::MAX;
    Some(match name {
        "json_extract" => (Extract, "json_extract", 2, MANY),
        "json_unquote" => (Unquote, "json_unquote", 1, 1),
        "json_quote" => (Quote, "json_quote", 1, 1),
        "json_object" => (Object, "json_object", 0, MANY),
        "json_array" => (Array, "json_array", 0, MANY),
        "json_set" => (Set, "json_set", 3, MANY),
        "json_insert" => (Insert, "json_insert", 3, MANY),
        "json_replace" => (Replace, "json_replace", 3, MANY),
        "json_remove" => (Remove, "json_remove", 2, MANY),
        "json_array_append" => (ArrayAppend, "json_array_append", 3, MANY),
        "json_array_insert" => (ArrayInsert, "json_array_insert", 3, MANY),
        "json_merge_preserve" => (MergePreserve, "json_merge_preserve", 2, MANY),
        "json_merge" => (MergePreserve, "json_merge", 2, MANY),
        "json_merge_patch" => (MergePatch, "json_merge_patch", 2, MANY),
        "json_contains" => (Contains, "json_contains", 2, 3),
        "json_contains_path" => (ContainsPath, "json_contains_path", 3, MANY),
        "json_keys" => (Keys, "json_keys", 1, 2),
        "json_length" => (Length, "json_length", 1, 2),
        "json_depth" => (Depth, "json_depth", 1, 1),
        "json_type" => (Type, "json_type", 1, 1),
        "json_valid" => (Valid, "json_valid", 1, 1),
        "json_search" => (Search, "json_search", 3, MANY),
        "json_overlaps" => (Overlaps, "json_overlaps", 2, 2),
        "json_pretty" => (Pretty, "json_pretty", 1, 1),
        "json_storage_size" => (StorageSize, "json_storage_size", 1, 1),
        "json_value" => (Value, "json_value", 2, 2),
        _ => return None,
    })
}

/// Whether `n` arguments suit `f` beyond its min/max (pairs must pair).
pub fn count_ok(f: JsonFn, n: usize) -> bool {
    match f {
        JsonFn::Object => n.is_multiple_of(2),
        JsonFn::Set | JsonFn::Insert | JsonFn::Replace | JsonFn::ArrayAppend | JsonFn::ArrayInsert => n % 2 == 1,
        _ => true,
    }
}

/// The SQL type of a call's result.
pub fn result_type(call: &JsonCall) -> SqlType {
    use JsonFn::*;
    let json = SqlType::new(TypeKind::Json);
    let longtext = SqlType { len: u32::MAX, size_class: 3, ..SqlType::new(TypeKind::Text) };
    match call.f {
        Extract | Object | Array | Set | Insert | Replace | Remove | ArrayAppend | ArrayInsert | MergePreserve
        | MergePatch | Keys | Search | ToJson => json,
        Unquote | Quote | Pretty => longtext,
        Type => SqlType::varchar(30),
        Contains | ContainsPath | Valid | Overlaps | MemberOf | Compare(_) => SqlType::int(),
        Length | Depth | StorageSize => SqlType::bigint(),
        Value => match call.returning {
            Some(t) => crate::sql::plan::cast_type(t),
            None => SqlType::varchar(512),
        },
        ToScalar => SqlType::double(),
        SortKey => SqlType::new(TypeKind::Blob),
    }
}

// ----- errors ----------------------------------------------------------------

fn invalid_path(pos: usize) -> DbError {
    DbError::new(3143, "42000", format!("Invalid JSON path expression. The error is around character position {pos}."))
}

fn wildcard_not_allowed() -> DbError {
    DbError::new(
        3149,
        "42000",
        "In this situation, path expressions may not contain the * and ** tokens or an array range.",
    )
}

fn wrong_json_type(arg: usize, func: &str) -> DbError {
    DbError::new(
        3146,
        "22032",
        format!(
            "Invalid data type for JSON data in argument {arg} to function {func}; a JSON string or JSON type is required."
        ),
    )
}

fn incorrect_type(arg: usize, func: &str) -> DbError {
    DbError::new(3064, "HY000", format!("Incorrect type for argument {arg} in function {func}."))
}

fn null_member_name() -> DbError {
    DbError::new(3158, "22032", "JSON documents may not contain NULL member names.")
}

fn json_error(e: json::JsonError, arg: usize, func: &str) -> DbError {
    if e.too_deep {
        DbError::json_too_deep()
    } else {
        DbError::invalid_json_arg(arg, func, e.message, e.position)
    }
}

// ----- paths -----------------------------------------------------------------

/// An array index in a path: `n` or `last-n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    Start(u64),
    Last(u64),
}

impl Index {
    /// The position in an array of `len` elements, if inside it.
    fn resolve(self, len: usize) -> Option<usize> {
        let len = len as u64;
        let i = match self {
            Index::Start(n) => n,
            Index::Last(n) => len.checked_sub(1)?.checked_sub(n)?,
        };
        (i < len).then_some(i as usize)
    }
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
pub enum Leg {
    Member(String),
    AnyMember,
    Cell(Index),
    Range(Index, Index),
    AnyCell,
    /// `**`: the value and every value below it.
    Ellipsis,
}

/// A parsed JSON path.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub legs: Vec<Leg>,
}

impl Path {
    /// Whether the path can match more than one value.
    pub fn has_wildcard(&self) -> bool {
        self.legs.iter().any(|l| matches!(l, Leg::AnyMember | Leg::AnyCell | Leg::Ellipsis | Leg::Range(..)))
    }
}

/// The positions of a range `[a to b]` in an array of `len` elements.
fn range_positions(a: Index, b: Index, len: usize) -> Option<(usize, usize)> {
    if len == 0 {
        return None;
    }
    let last = len as u64 - 1;
    let lo = match a {
        Index::Start(n) => n,
        Index::Last(n) => last.saturating_sub(n),
    };
    let hi = match b {
        Index::Start(n) => n.min(last),
        Index::Last(n) => last.checked_sub(n)?,
    };
    (lo <= hi).then_some((lo as usize, hi as usize))
}

/// Whether `s` may be a member name without quotes (an ECMAScript
/// identifier).
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' || c == '$' => {}
        _ => return false,
    }
    chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// Parse a path. A bad one is 3143 with the position (counted in bytes,
/// from 1) where parsing stopped, as MySQL reports it.
pub fn parse_path(text: &str) -> Result<Path> {
    let b = text.as_bytes();
    let mut p = 0usize;
    let ws = |p: &mut usize| {
        while matches!(b.get(*p), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            *p += 1;
        }
    };
    ws(&mut p);
    if b.get(p) != Some(&b'$') {
        return Err(invalid_path((p + 1).min(b.len())));
    }
    p += 1;
    let mut legs = Vec::new();
    loop {
        ws(&mut p);
        let Some(&c) = b.get(p) else { break };
        match c {
            b'.' => {
                p += 1;
                ws(&mut p);
                match b.get(p) {
                    None => return Err(invalid_path(p)),
                    Some(b'*') => {
                        p += 1;
                        legs.push(Leg::AnyMember);
                    }
                    Some(b'"') => {
                        let start = p;
                        p += 1;
                        loop {
                            match b.get(p) {
                                None => return Err(invalid_path(p)),
                                Some(b'\\') => p += 2,
                                Some(b'"') => {
                                    p += 1;
                                    break;
                                }
                                Some(_) => p += 1,
                            }
                        }
                        match json::parse(&b[start..p]) {
                            Ok(Json::Str(k)) => legs.push(Leg::Member(k)),
                            _ => return Err(invalid_path(p)),
                        }
                    }
                    Some(_) => {
                        let start = p;
                        while let Some(&c) = b.get(p) {
                            if matches!(c, b'.' | b'[' | b'*' | b' ' | b'\t' | b'\n' | b'\r') {
                                break;
                            }
                            p += 1;
                        }
                        let name = &text[start..p];
                        if !is_identifier(name) {
                            return Err(invalid_path(p));
                        }
                        legs.push(Leg::Member(name.to_string()));
                    }
                }
            }
            b'[' => {
                p += 1;
                ws(&mut p);
                if b.get(p) == Some(&b'*') {
                    p += 1;
                    ws(&mut p);
                    if b.get(p) != Some(&b']') {
                        return Err(invalid_path(p + 1));
                    }
                    p += 1;
                    legs.push(Leg::AnyCell);
                    continue;
                }
                let a = parse_index(b, &mut p)?;
                ws(&mut p);
                let leg = if b[p..].starts_with(b"to") && matches!(b.get(p + 2), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                    p += 2;
                    ws(&mut p);
                    let z = parse_index(b, &mut p)?;
                    let ordered = match (a, z) {
                        (Index::Start(x), Index::Start(y)) => x <= y,
                        (Index::Last(x), Index::Last(y)) => x >= y,
                        _ => true,
                    };
                    if !ordered {
                        return Err(invalid_path(p));
                    }
                    ws(&mut p);
                    Leg::Range(a, z)
                } else {
                    Leg::Cell(a)
                };
                if b.get(p) != Some(&b']') {
                    return Err(invalid_path((p + 1).min(b.len())));
                }
                p += 1;
                legs.push(leg);
            }
            b'*' => {
                p += 1;
                if b.get(p) != Some(&b'*') {
                    return Err(invalid_path((p + 1).min(b.len())));
                }
                p += 1;
                if legs.last() == Some(&Leg::Ellipsis) {
                    return Err(invalid_path(p));
                }
                legs.push(Leg::Ellipsis);
            }
            _ => return Err(invalid_path(p)),
        }
    }
    if legs.last() == Some(&Leg::Ellipsis) {
        return Err(invalid_path(p));
    }
    Ok(Path { legs })
}

/// `n`, `last` or `last - n` inside brackets.
fn parse_index(b: &[u8], p: &mut usize) -> Result<Index> {
    let digits = |p: &mut usize| -> Result<u64> {
        let start = *p;
        while matches!(b.get(*p), Some(b'0'..=b'9')) {
            *p += 1;
        }
        if start == *p {
            return Err(invalid_path((*p + 1).min(b.len())));
        }
        std::str::from_utf8(&b[start..*p])
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|n| *n <= u32::MAX as u64)
            .ok_or_else(|| invalid_path(*p))
    };
    if b[*p..].starts_with(b"last") {
        *p += 4;
        let save = *p;
        while matches!(b.get(*p), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            *p += 1;
        }
        if b.get(*p) == Some(&b'-') {
            *p += 1;
            while matches!(b.get(*p), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                *p += 1;
            }
            return Ok(Index::Last(digits(p)?));
        }
        *p = save;
        return Ok(Index::Last(0));
    }
    Ok(Index::Start(digits(p)?))
}

/// One step of a concrete location (JSON_SEARCH's results).
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Idx(usize),
}

fn format_location(steps: &[Step]) -> String {
    let mut s = String::from("$");
    for st in steps {
        match st {
            Step::Key(k) if is_identifier(k) => {
                s.push('.');
                s.push_str(k);
            }
            Step::Key(k) => {
                s.push('.');
                json::write_string(k, &mut s);
            }
            Step::Idx(i) => {
                let _ = write!(s, "[{i}]");
            }
        }
    }
    s
}

/// Find a member by key in MySQL-ordered members.
fn member<'a>(m: &'a [(String, Json)], k: &str) -> Option<&'a Json> {
    m.binary_search_by(|(x, _)| key_cmp(x, k)).ok().map(|i| &m[i].1)
}

/// The state of a search that `**` can reach more than once: a value (by
/// address) and how many legs remain.
type Visited = std::collections::HashSet<(usize, usize)>;

/// Every value `legs` reaches from `doc`, in document order; with
/// `track`, also where each one is. Only `**` can reach a value twice, so
/// with `**` in the path `visited` remembers the states already searched:
/// each value is found once and the work stays linear in the document.
fn seek<'a>(
    doc: &'a Json,
    legs: &[Leg],
    here: &mut Vec<Step>,
    track: bool,
    out: &mut Vec<(&'a Json, Vec<Step>)>,
    visited: &mut Option<Visited>,
) {
    if let Some(seen) = visited {
        if !seen.insert((doc as *const Json as usize, legs.len())) {
            return;
        }
    }
    let Some((leg, rest)) = legs.split_first() else {
        out.push((doc, if track { here.clone() } else { Vec::new() }));
        return;
    };
    let mut go = |v: &'a Json, step: Option<Step>, legs: &[Leg], here: &mut Vec<Step>| {
        let pushed = match step {
            Some(s) if track => {
                here.push(s);
                true
            }
            _ => false,
        };
        seek(v, legs, here, track, out, visited);
        if pushed {
            here.pop();
        }
    };
    match (leg, doc) {
        (Leg::Member(k), Json::Object(m)) => {
            if let Some(v) = member(m, k) {
                go(v, Some(Step::Key(k.clone())), rest, here);
            }
        }
        (Leg::AnyMember, Json::Object(m)) => {
            for (k, v) in m {
                go(v, Some(Step::Key(k.clone())), rest, here);
            }
        }
        (Leg::Cell(i), Json::Array(items)) => {
            if let Some(i) = i.resolve(items.len()) {
                go(&items[i], Some(Step::Idx(i)), rest, here);
            }
        }
        (Leg::Range(a, b), Json::Array(items)) => {
            if let Some((lo, hi)) = range_positions(*a, *b, items.len()) {
                for (i, v) in items.iter().enumerate().take(hi + 1).skip(lo) {
                    go(v, Some(Step::Idx(i)), rest, here);
                }
            }
        }
        (Leg::AnyCell, Json::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                go(v, Some(Step::Idx(i)), rest, here);
            }
        }
        // A value that is not an array is its own only element.
        (Leg::Cell(i), _) if i.resolve(1) == Some(0) => go(doc, None, rest, here),
        (Leg::Range(a, b), _) if range_positions(*a, *b, 1).is_some() => go(doc, None, rest, here),
        (Leg::Ellipsis, _) => {
            go(doc, None, rest, here);
            match doc {
                Json::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        go(v, Some(Step::Idx(i)), legs, here);
                    }
                }
                Json::Object(m) => {
                    for (k, v) in m {
                        go(v, Some(Step::Key(k.clone())), legs, here);
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// A fresh `visited` set for a search along `legs` (`None`: no `**`).
fn visited_for(legs: &[Leg]) -> Option<Visited> {
    legs.contains(&Leg::Ellipsis).then(Visited::new)
}

fn find_all<'a>(doc: &'a Json, path: &Path) -> Vec<&'a Json> {
    let mut out = Vec::new();
    seek(doc, &path.legs, &mut Vec::new(), false, &mut out, &mut visited_for(&path.legs));
    out.into_iter().map(|(v, _)| v).collect()
}

/// The one value a path without wildcards reaches, for changing it.
fn find_mut<'a>(doc: &'a mut Json, legs: &[Leg]) -> Option<&'a mut Json> {
    let Some((leg, rest)) = legs.split_first() else { return Some(doc) };
    match leg {
        Leg::Member(k) => match doc {
            Json::Object(m) => {
                let i = m.binary_search_by(|(x, _)| key_cmp(x, k)).ok()?;
                find_mut(&mut m[i].1, rest)
            }
            _ => None,
        },
        Leg::Cell(i) => match doc {
            Json::Array(items) => {
                let i = i.resolve(items.len())?;
                find_mut(&mut items[i], rest)
            }
            other => {
                if i.resolve(1) == Some(0) {
                    find_mut(other, rest)
                } else {
                    None
                }
            }
        },
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Set,
    Insert,
    Replace,
}

/// JSON_SET / JSON_INSERT / JSON_REPLACE of one path.
fn update(doc: &mut Json, path: &Path, val: Json, mode: Mode) {
    let Some((last, parent_legs)) = path.legs.split_last() else {
        if mode != Mode::Insert {
            *doc = val;
        }
        return;
    };
    let Some(parent) = find_mut(doc, parent_legs) else { return };
    match last {
        Leg::Member(k) => {
            if let Json::Object(m) = parent {
                match m.binary_search_by(|(x, _)| key_cmp(x, k)) {
                    Ok(i) if mode != Mode::Insert => m[i].1 = val,
                    Err(i) if mode != Mode::Replace => m.insert(i, (k.clone(), val)),
                    _ => {}
                }
            }
        }
        Leg::Cell(idx) => match parent {
            Json::Array(items) => match idx.resolve(items.len()) {
                Some(i) if mode != Mode::Insert => items[i] = val,
                None if mode != Mode::Replace && matches!(idx, Index::Start(_)) => items.push(val),
                _ => {}
            },
            other => match idx.resolve(1) {
                Some(_) if mode != Mode::Insert => *other = val,
                None if mode != Mode::Replace && matches!(idx, Index::Start(_)) => {
                    let old = std::mem::replace(other, Json::Null);
                    *other = Json::Array(vec![old, val]);
                }
                _ => {}
            },
        },
        _ => {}
    }
}

fn into_items(v: Json) -> Vec<Json> {
    match v {
        Json::Array(items) => items,
        other => vec![other],
    }
}

/// JSON_MERGE_PRESERVE of two documents.
fn merge_preserve(a: Json, b: Json) -> Json {
    match (a, b) {
        (Json::Object(mut x), Json::Object(y)) => {
            for (k, v) in y {
                match x.binary_search_by(|(kk, _)| key_cmp(kk, &k)) {
                    Ok(i) => {
                        let old = std::mem::replace(&mut x[i].1, Json::Null);
                        x[i].1 = merge_preserve(old, v);
                    }
                    Err(i) => x.insert(i, (k, v)),
                }
            }
            Json::Object(x)
        }
        (a, b) => {
            let mut items = into_items(a);
            items.extend(into_items(b));
            Json::Array(items)
        }
    }
}

/// JSON_MERGE_PATCH (RFC 7396) of two documents.
fn merge_patch(target: Json, patch: Json) -> Json {
    let Json::Object(p) = patch else { return patch };
    let mut t = match target {
        Json::Object(t) => t,
        _ => Vec::new(),
    };
    for (k, v) in p {
        let pos = t.binary_search_by(|(x, _)| key_cmp(x, &k));
        match (v, pos) {
            (Json::Null, Ok(i)) => {
                t.remove(i);
            }
            (Json::Null, Err(_)) => {}
            (v, Ok(i)) => {
                let old = std::mem::replace(&mut t[i].1, Json::Null);
                t[i].1 = merge_patch(old, v);
            }
            (v, Err(i)) => t.insert(i, (k, merge_patch(Json::Null, v))),
        }
    }
    Json::Object(t)
}

// ----- comparison ------------------------------------------------------------

/// MySQL's order of JSON types, lowest first.
fn type_rank(v: &Json) -> u8 {
    match v {
        Json::Null => 0,
        Json::Int(_) | Json::UInt(_) | Json::Double(_) | Json::Decimal(_) => 1,
        Json::Str(_) => 2,
        Json::Object(_) => 3,
        Json::Array(_) => 4,
        Json::Bool(_) => 5,
    }
}

fn num_cmp(a: &Json, b: &Json) -> Ordering {
    let as_dec = |v: &Json| match v {
        Json::Int(i) => Some(Decimal::from(*i)),
        Json::UInt(u) => Some(Decimal::from(*u)),
        Json::Decimal(d) => Some(*d),
        _ => None,
    };
    let as_f64 = |v: &Json| match v {
        Json::Int(i) => *i as f64,
        Json::UInt(u) => *u as f64,
        Json::Double(d) => *d,
        Json::Decimal(d) => d.to_f64().unwrap_or(0.0),
        _ => 0.0,
    };
    match (a, b) {
        (Json::Int(x), Json::Int(y)) => x.cmp(y),
        (Json::UInt(x), Json::UInt(y)) => x.cmp(y),
        (Json::Int(x), Json::UInt(y)) => (*x as i128).cmp(&(*y as i128)),
        (Json::UInt(x), Json::Int(y)) => (*x as i128).cmp(&(*y as i128)),
        (Json::Double(_), _) | (_, Json::Double(_)) => as_f64(a).partial_cmp(&as_f64(b)).unwrap_or(Ordering::Equal),
        _ => match (as_dec(a), as_dec(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => as_f64(a).partial_cmp(&as_f64(b)).unwrap_or(Ordering::Equal),
        },
    }
}

/// Compare two JSON values with MySQL's rules: by type precedence, then
/// by value (numbers numerically across their kinds, strings by bytes,
/// arrays element by element).
pub fn json_cmp(a: &Json, b: &Json) -> Ordering {
    let (ra, rb) = (type_rank(a), type_rank(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    match (a, b) {
        (Json::Null, Json::Null) => Ordering::Equal,
        (Json::Str(x), Json::Str(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Json::Bool(x), Json::Bool(y)) => x.cmp(y),
        (Json::Array(x), Json::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                let o = json_cmp(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Json::Object(x), Json::Object(y)) => {
            let o = x.len().cmp(&y.len());
            if o != Ordering::Equal {
                return o;
            }
            for ((k1, v1), (k2, v2)) in x.iter().zip(y) {
                let o = key_cmp(k1, k2).then_with(|| json_cmp(v1, v2));
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        }
        _ => num_cmp(a, b),
    }
}

/// Compare two JSON texts (MIN/MAX of JSON values); text that does not
/// parse compares as text.
pub fn compare_texts(a: &Value, b: &Value) -> Ordering {
    let parse = |v: &Value| v.to_text().and_then(|t| json::parse(t.as_bytes()).ok());
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => json_cmp(&x, &y),
        _ => value::compare(a, b).unwrap_or(Ordering::Equal),
    }
}

fn json_eq(a: &Json, b: &Json) -> bool {
    json_cmp(a, b) == Ordering::Equal
}

/// JSON_CONTAINS(target, candidate).
fn contains(t: &Json, c: &Json) -> bool {
    match (t, c) {
        (Json::Array(ts), Json::Array(cs)) => cs.iter().all(|c| ts.iter().any(|t| contains(t, c))),
        (Json::Array(ts), c) => ts.iter().any(|t| contains(t, c)),
        (Json::Object(tm), Json::Object(cm)) => {
            cm.iter().all(|(k, cv)| member(tm, k).is_some_and(|tv| contains(tv, cv)))
        }
        (Json::Object(_), _) | (_, Json::Object(_)) | (_, Json::Array(_)) => false,
        (a, b) => json_eq(a, b),
    }
}

/// JSON_OVERLAPS(a, b).
fn overlaps(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Array(x), Json::Array(y)) => x.iter().any(|e| y.iter().any(|f| json_eq(e, f))),
        (Json::Array(x), o) | (o, Json::Array(x)) => x.iter().any(|e| json_eq(e, o)),
        (Json::Object(x), Json::Object(y)) => x.iter().any(|(k, v)| member(y, k).is_some_and(|w| json_eq(v, w))),
        (a, b) => json_eq(a, b),
    }
}

/// Bytes that sort as MySQL orders JSON values (ORDER BY a JSON
/// expression): the type's rank, then the value.
fn sort_key(v: &Json, out: &mut Vec<u8>) {
    out.push(type_rank(v) + 1);
    match v {
        Json::Null => {}
        Json::Bool(b) => out.push(*b as u8),
        Json::Int(_) | Json::UInt(_) | Json::Double(_) | Json::Decimal(_) => {
            let f = match v {
                Json::Int(i) => *i as f64,
                Json::UInt(u) => *u as f64,
                Json::Double(d) => *d,
                Json::Decimal(d) => d.to_f64().unwrap_or(0.0),
                _ => 0.0,
            };
            let bits = f.to_bits();
            let key = if f.is_sign_negative() { !bits } else { bits | (1 << 63) };
            out.extend_from_slice(&key.to_be_bytes());
        }
        Json::Str(s) => {
            for &c in s.as_bytes() {
                out.push(c);
                if c == 0 {
                    out.push(0xFF);
                }
            }
            out.extend_from_slice(&[0, 1]);
        }
        Json::Array(items) => {
            for x in items {
                sort_key(x, out);
            }
            out.push(0);
        }
        Json::Object(m) => {
            let _ = write!(ByteWriter(out), "{:08}", m.len());
            for (k, x) in m {
                sort_key(&Json::Str(k.clone()), out);
                sort_key(x, out);
            }
            out.push(0);
        }
    }
}

struct ByteWriter<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for ByteWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

// ----- conversions -----------------------------------------------------------

fn base64(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(b.len().div_ceil(3) * 4);
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                s.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// An SQL value as a JSON value, as MySQL converts one: strings become
/// JSON strings, numbers numbers, temporal values strings in MySQL's JSON
/// format (six fraction digits), binary strings `base64:type15:…`.
pub fn sql_to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Int(i) => Json::Int(*i),
        Value::UInt(u) => Json::UInt(*u),
        Value::Double(d) => Json::Double(*d),
        Value::Decimal(d) => Json::Decimal(*d),
        Value::Str(s) | Value::Enum(_, s) => Json::Str(s.clone()),
        Value::Bytes(b) => Json::Str(format!("base64:type15:{}", base64(b))),
        Value::Bit(n, m) => Json::Str(format!("base64:type16:{}", base64(&value::bit_bytes(*n, *m)))),
        Value::Date(d) => Json::Str(d.format("%Y-%m-%d").to_string()),
        Value::DateTime(dt) => Json::Str(value::format_datetime_fsp(dt, 6)),
        Value::Time(t) => Json::Str(value::format_time(*t, Some(6))),
    }
}

/// A JSON scalar as an SQL value (JSON_VALUE, CAST from JSON).
fn json_to_sql(v: &Json) -> Value {
    match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Int(*b as i64),
        Json::Int(i) => Value::Int(*i),
        Json::UInt(u) => Value::UInt(*u),
        Json::Double(d) => Value::Double(*d),
        Json::Decimal(d) => Value::Decimal(*d),
        Json::Str(s) => Value::Str(s.clone()),
        other => Value::Str(other.to_text()),
    }
}

fn type_name(v: &Json) -> &'static str {
    match v {
        Json::Null => "NULL",
        Json::Bool(_) => "BOOLEAN",
        Json::Int(_) => "INTEGER",
        Json::UInt(_) => "UNSIGNED INTEGER",
        Json::Double(_) => "DOUBLE",
        Json::Decimal(_) => "DECIMAL",
        Json::Str(_) => "STRING",
        Json::Array(_) => "ARRAY",
        Json::Object(_) => "OBJECT",
    }
}

/// JSON_PRETTY's layout: two-space indents, one member or element a line.
fn pretty(v: &Json, indent: usize, out: &mut String) {
    let pad = |out: &mut String, n: usize| out.extend(std::iter::repeat_n(' ', n));
    match v {
        Json::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, x) in items.iter().enumerate() {
                pad(out, indent + 2);
                pretty(x, indent + 2, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            pad(out, indent);
            out.push(']');
        }
        Json::Object(m) if !m.is_empty() => {
            out.push_str("{\n");
            for (i, (k, x)) in m.iter().enumerate() {
                pad(out, indent + 2);
                json::write_string(k, out);
                out.push_str(": ");
                pretty(x, indent + 2, out);
                out.push_str(if i + 1 < m.len() { ",\n" } else { "\n" });
            }
            pad(out, indent);
            out.push('}');
        }
        other => json::write_json(other, out),
    }
}

/// Bytes of a length in MySQL's variable-length encoding (7 bits a byte).
fn varlen(n: usize) -> usize {
    let mut n = n;
    let mut k = 1;
    while n >= 128 {
        n >>= 7;
        k += 1;
    }
    k
}

/// Bytes a value takes in MySQL's binary JSON format outside its parent's
/// entry (`large`: the container uses 4-byte offsets).
fn stored_size(v: &Json) -> usize {
    match v {
        Json::Null | Json::Bool(_) => 1,
        Json::Int(i) => {
            if i16::try_from(*i).is_ok() {
                2
            } else if i32::try_from(*i).is_ok() {
                4
            } else {
                8
            }
        }
        Json::UInt(u) => {
            if *u <= u16::MAX as u64 {
                2
            } else if *u <= u32::MAX as u64 {
                4
            } else {
                8
            }
        }
        Json::Double(_) => 8,
        // An opaque value: field type, precision, scale and the packed digits.
        Json::Decimal(d) => {
            let digits = d.mantissa().unsigned_abs().to_string().len().max(1);
            let body = 3 + digits.div_ceil(9) * 4;
            varlen(body) + body
        }
        Json::Str(s) => varlen(s.len()) + s.len(),
        Json::Array(_) | Json::Object(_) => container_size(v, false)
            .filter(|n| *n <= u16::MAX as usize)
            .unwrap_or_else(|| container_size(v, true).unwrap_or(0)),
    }
}

fn inlined(v: &Json, large: bool) -> bool {
    match v {
        Json::Null | Json::Bool(_) => true,
        Json::Int(i) => i16::try_from(*i).is_ok() || (large && i32::try_from(*i).is_ok()),
        Json::UInt(u) => *u <= u16::MAX as u64 || (large && *u <= u32::MAX as u64),
        _ => false,
    }
}

fn container_size(v: &Json, large: bool) -> Option<usize> {
    let w = if large { 4 } else { 2 };
    let (n, keys, values): (usize, usize, Vec<&Json>) = match v {
        Json::Array(items) => (items.len(), 0, items.iter().collect()),
        Json::Object(m) => (m.len(), m.iter().map(|(k, _)| w + 2 + k.len()).sum(), m.iter().map(|(_, x)| x).collect()),
        _ => return None,
    };
    let data: usize = values.iter().filter(|x| !inlined(x, large)).map(|x| stored_size(x)).sum();
    Some(2 * w + keys + n * (1 + w) + data)
}

/// JSON_STORAGE_SIZE: the size of the value in MySQL's binary format (a
/// type byte and the value), which is what MySQL reports for a value not
/// updated in place.
fn storage_size(v: &Json) -> usize {
    1 + stored_size(v)
}

// ----- evaluation ------------------------------------------------------------

/// Arguments evaluated for one call, with the conversions every function
/// shares.
struct Args<'c> {
    call: &'c JsonCall,
    vals: Vec<Value>,
    /// The longest result (`max_allowed_packet`).
    limit: usize,
}

impl Args<'_> {
    fn is_null(&self, i: usize) -> bool {
        self.vals.get(i).is_none_or(Value::is_null)
    }

    fn kind(&self, i: usize) -> ArgKind {
        self.call.kinds.get(i).copied().unwrap_or(ArgKind::Sql)
    }

    /// Argument `i` where a JSON document is expected (NULL: `None`).
    fn doc(&self, i: usize) -> Result<Option<Json>> {
        let name = self.call.name;
        match &self.vals[i] {
            Value::Null => Ok(None),
            _ if self.kind(i) == ArgKind::Bool => Err(wrong_json_type(i + 1, name)),
            Value::Str(s) | Value::Enum(_, s) => {
                json::parse(s.as_bytes()).map(Some).map_err(|e| json_error(e, i + 1, name))
            }
            Value::Bytes(b) => json::parse(b).map(Some).map_err(|e| json_error(e, i + 1, name)),
            _ => Err(wrong_json_type(i + 1, name)),
        }
    }

    /// Argument `i` where a JSON value is expected: JSON arguments parse,
    /// SQL values convert.
    fn value(&self, i: usize) -> Result<Json> {
        let v = &self.vals[i];
        match self.kind(i) {
            ArgKind::Json => Ok(self.doc(i)?.unwrap_or(Json::Null)),
            ArgKind::Bool => Ok(match v.truth() {
                None => Json::Null,
                Some(b) => Json::Bool(b),
            }),
            ArgKind::Sql => Ok(sql_to_json(v)),
        }
    }

    fn text(&self, i: usize) -> Option<String> {
        self.vals[i].to_text()
    }

    /// Argument `i` as a path (NULL: `None`).
    fn path(&self, i: usize) -> Result<Option<Path>> {
        match self.text(i) {
            None => Ok(None),
            Some(t) => parse_path(&t).map(Some),
        }
    }

    /// A path that may reach only one value.
    fn exact_path(&self, i: usize) -> Result<Option<Path>> {
        let p = self.path(i)?;
        if p.as_ref().is_some_and(Path::has_wildcard) {
            return Err(wildcard_not_allowed());
        }
        Ok(p)
    }
}

/// A JSON result: its text, NULL when longer than `limit`, 3157 when too
/// deep.
fn json_result(v: &Json, limit: usize) -> Result<Value> {
    if v.depth() > json::MAX_DEPTH {
        return Err(DbError::json_too_deep());
    }
    text_result(v.to_text(), limit)
}

fn text_result(s: String, limit: usize) -> Result<Value> {
    if s.len() > limit {
        return Ok(Value::Null);
    }
    Ok(Value::Str(s))
}

fn bool_val(b: bool) -> Value {
    Value::Int(b as i64)
}

/// Evaluate a JSON function call.
pub fn eval(call: &JsonCall, row: &[Value], ctx: &Ctx) -> Result<Value> {
    let vals = call.args.iter().map(|a| a.eval(row, ctx)).collect::<Result<Vec<_>>>()?;
    let a = Args { call, vals, limit: result_limit(ctx) };
    apply(&a)
}

fn apply(a: &Args) -> Result<Value> {
    use JsonFn as F;
    let call = a.call;
    let n = a.vals.len();
    match call.f {
        F::Extract => {
            let Some(doc) = a.doc(0)? else { return Ok(Value::Null) };
            let mut paths = Vec::with_capacity(n - 1);
            for i in 1..n {
                match a.path(i)? {
                    Some(p) => paths.push(p),
                    None => return Ok(Value::Null),
                }
            }
            let mut found: Vec<&Json> = Vec::new();
            for p in &paths {
                found.extend(find_all(&doc, p));
            }
            if paths.len() == 1 && !paths[0].has_wildcard() {
                return match found.first() {
                    Some(v) => json_result(v, a.limit),
                    None => Ok(Value::Null),
                };
            }
            if found.is_empty() {
                return Ok(Value::Null);
            }
            json_result(&Json::Array(found.into_iter().cloned().collect()), a.limit)
        }
        F::Unquote => match &a.vals[0] {
            Value::Null => Ok(Value::Null),
            v if a.kind(0) == ArgKind::Json => match a.doc(0)? {
                Some(Json::Str(s)) => Ok(Value::Str(s)),
                _ => Ok(Value::Str(v.to_text().unwrap_or_default())),
            },
            Value::Str(s) | Value::Enum(_, s) => {
                if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
                    match json::parse(s.as_bytes()) {
                        Ok(Json::Str(x)) => Ok(Value::Str(x)),
                        Ok(_) => Ok(Value::Str(s.clone())),
                        Err(e) => Err(json_error(e, 1, call.name)),
                    }
                } else {
                    Ok(Value::Str(s.clone()))
                }
            }
            Value::Bytes(b) => Ok(Value::Str(String::from_utf8_lossy(b).into_owned())),
            _ => Err(incorrect_type(1, call.name)),
        },
        F::Quote => match &a.vals[0] {
            Value::Null => Ok(Value::Null),
            Value::Str(s) | Value::Enum(_, s) if a.kind(0) != ArgKind::Bool => text_result(json::string(s), a.limit),
            Value::Bytes(b) => text_result(json::string(&String::from_utf8_lossy(b)), a.limit),
            _ => Err(incorrect_type(1, call.name)),
        },
        F::Object => {
            let mut members = Vec::with_capacity(n / 2);
            for i in (0..n).step_by(2) {
                let Some(k) = a.text(i) else { return Err(null_member_name()) };
                members.push((k, a.value(i + 1)?));
            }
            json::sort_members(&mut members);
            json_result(&Json::Object(members), a.limit)
        }
        F::Array => {
            let items = (0..n).map(|i| a.value(i)).collect::<Result<Vec<_>>>()?;
            json_result(&Json::Array(items), a.limit)
        }
        F::Set | F::Insert | F::Replace | F::ArrayAppend | F::ArrayInsert => {
            let Some(mut doc) = a.doc(0)? else { return Ok(Value::Null) };
            for i in (1..n).step_by(2) {
                let Some(path) = a.exact_path(i)? else { return Ok(Value::Null) };
                let val = a.value(i + 1)?;
                match call.f {
                    F::Set => update(&mut doc, &path, val, Mode::Set),
                    F::Insert => update(&mut doc, &path, val, Mode::Insert),
                    F::Replace => update(&mut doc, &path, val, Mode::Replace),
                    F::ArrayAppend => {
                        if let Some(t) = find_mut(&mut doc, &path.legs) {
                            match t {
                                Json::Array(items) => items.push(val),
                                other => {
                                    let old = std::mem::replace(other, Json::Null);
                                    *other = Json::Array(vec![old, val]);
                                }
                            }
                        }
                    }
                    _ => {
                        let Some((Leg::Cell(idx), parent_legs)) = path.legs.split_last() else {
                            return Err(DbError::new(
                                3165,
                                "42000",
                                "A path expression is not a path to a cell in an array.",
                            ));
                        };
                        if let Some(Json::Array(items)) = find_mut(&mut doc, parent_legs) {
                            let len = items.len();
                            let at = match *idx {
                                Index::Start(k) => (k as usize).min(len),
                                Index::Last(k) => len.saturating_sub(1).saturating_sub(k as usize),
                            };
                            items.insert(at, val);
                        }
                    }
                }
                if doc.depth() > json::MAX_DEPTH {
                    return Err(DbError::json_too_deep());
                }
            }
            json_result(&doc, a.limit)
        }
        F::Remove => {
            let Some(mut doc) = a.doc(0)? else { return Ok(Value::Null) };
            for i in 1..n {
                let Some(path) = a.exact_path(i)? else { return Ok(Value::Null) };
                let Some((last, parent_legs)) = path.legs.split_last() else {
                    return Err(DbError::new(3153, "42000", "The path expression '$' is not allowed in this context."));
                };
                match (last, find_mut(&mut doc, parent_legs)) {
                    (Leg::Member(k), Some(Json::Object(m))) => {
                        if let Ok(j) = m.binary_search_by(|(x, _)| key_cmp(x, k)) {
                            m.remove(j);
                        }
                    }
                    (Leg::Cell(idx), Some(Json::Array(items))) => {
                        if let Some(j) = idx.resolve(items.len()) {
                            items.remove(j);
                        }
                    }
                    _ => {}
                }
            }
            json_result(&doc, a.limit)
        }
        F::MergePreserve => {
            let mut acc: Option<Json> = None;
            for i in 0..n {
                let Some(d) = a.doc(i)? else { return Ok(Value::Null) };
                acc = Some(match acc {
                    None => d,
                    Some(x) => merge_preserve(x, d),
                });
            }
            json_result(&acc.unwrap_or(Json::Null), a.limit)
        }
        F::MergePatch => {
            // A NULL argument makes the result NULL until a later patch
            // that is not an object replaces it whole.
            let mut acc: Option<Json> = None;
            for i in 0..n {
                acc = match (a.doc(i)?, acc) {
                    (None, _) => None,
                    (Some(d), None) if i == 0 || !matches!(d, Json::Object(_)) => Some(d),
                    (Some(_), None) => None,
                    (Some(d), Some(x)) => Some(merge_patch(x, d)),
                };
            }
            match acc {
                Some(v) => json_result(&v, a.limit),
                None => Ok(Value::Null),
            }
        }
        F::Contains => {
            if (0..n).any(|i| a.is_null(i)) {
                return Ok(Value::Null);
            }
            let (Some(target), Some(cand)) = (a.doc(0)?, a.doc(1)?) else { return Ok(Value::Null) };
            let target = if n == 3 {
                let Some(p) = a.exact_path(2)? else { return Ok(Value::Null) };
                match find_all(&target, &p).first() {
                    Some(v) => (*v).clone(),
                    None => return Ok(Value::Null),
                }
            } else {
                target
            };
            Ok(bool_val(contains(&target, &cand)))
        }
        F::ContainsPath => {
            let Some(doc) = a.doc(0)? else { return Ok(Value::Null) };
            let Some(mode) = a.text(1) else { return Ok(Value::Null) };
            let all = match mode.to_ascii_lowercase().as_str() {
                "all" => true,
                "one" => false,
                _ => {
                    return Err(DbError::new(
                        3154,
                        "42000",
                        "The oneOrAll argument to json_contains_path may take these values: 'one' or 'all'.",
                    ))
                }
            };
            // Paths are read in order until one decides the answer (a NULL
            // path makes it NULL), so later paths are never parsed.
            for i in 2..n {
                let Some(p) = a.path(i)? else { return Ok(Value::Null) };
                let hit = !find_all(&doc, &p).is_empty();
                if hit != all {
                    return Ok(bool_val(hit));
                }
            }
            Ok(bool_val(all))
        }
        F::Keys | F::Length | F::Depth | F::Type | F::Pretty | F::StorageSize => {
            let Some(doc) = a.doc(0)? else { return Ok(Value::Null) };
            let target: Json = if n == 2 {
                let path = if call.f == F::Keys { a.exact_path(1)? } else { a.path(1)? };
                let Some(p) = path else { return Ok(Value::Null) };
                let found = find_all(&doc, &p);
                if found.is_empty() {
                    return Ok(Value::Null);
                }
                if p.has_wildcard() {
                    Json::Array(found.into_iter().cloned().collect())
                } else {
                    found[0].clone()
                }
            } else {
                doc
            };
            Ok(match call.f {
                F::Keys => match &target {
                    Json::Object(m) => {
                        return json_result(
                            &Json::Array(m.iter().map(|(k, _)| Json::Str(k.clone())).collect()),
                            a.limit,
                        )
                    }
                    _ => Value::Null,
                },
                F::Length => Value::Int(match &target {
                    Json::Array(items) => items.len(),
                    Json::Object(m) => m.len(),
                    _ => 1,
                } as i64),
                F::Depth => Value::Int(target.depth() as i64),
                F::Type => Value::Str(type_name(&target).to_string()),
                F::Pretty => {
                    let mut s = String::new();
                    pretty(&target, 0, &mut s);
                    return text_result(s, a.limit);
                }
                _ => Value::Int(storage_size(&target) as i64),
            })
        }
        F::Valid => Ok(match &a.vals[0] {
            Value::Null => Value::Null,
            _ if a.kind(0) == ArgKind::Json => bool_val(true),
            Value::Str(s) | Value::Enum(_, s) if a.kind(0) == ArgKind::Sql => {
                bool_val(json::parse(s.as_bytes()).is_ok())
            }
            Value::Bytes(b) => bool_val(json::parse(b).is_ok()),
            _ => bool_val(false),
        }),
        F::Search => search(a),
        F::Overlaps => {
            let (Some(x), Some(y)) = (a.doc(0)?, a.doc(1)?) else { return Ok(Value::Null) };
            Ok(bool_val(overlaps(&x, &y)))
        }
        F::MemberOf => {
            if a.is_null(0) || a.is_null(1) {
                return Ok(Value::Null);
            }
            let v = a.value(0)?;
            let Some(arr) = a.doc(1)? else { return Ok(Value::Null) };
            Ok(bool_val(match &arr {
                Json::Array(items) => items.iter().any(|x| json_eq(x, &v)),
                other => json_eq(other, &v),
            }))
        }
        F::Value => {
            let Some(doc) = a.doc(0)? else { return Ok(Value::Null) };
            let Some(p) = a.exact_path(1)? else { return Ok(Value::Null) };
            let found = find_all(&doc, &p);
            let Some(v) = found.first() else { return Ok(Value::Null) };
            if matches!(v, Json::Array(_) | Json::Object(_)) {
                return Ok(Value::Null);
            }
            match call.returning {
                None => Ok(match v {
                    Json::Null => Value::Null,
                    Json::Str(s) => Value::Str(s.clone()),
                    other => Value::Str(other.to_text()),
                }),
                Some(CastTarget::Json) => json_result(v, a.limit),
                Some(t) => expr::cast(json_to_sql(v), t),
            }
        }
        F::ToJson => json_result(&a.value(0)?, a.limit),
        F::ToScalar => match a.doc(0)? {
            None => Ok(Value::Null),
            Some(v) => Ok(json_to_sql(&v)),
        },
        F::SortKey => match &a.vals[0] {
            Value::Null => Ok(Value::Null),
            _ => {
                let v = a.value(0)?;
                let mut key = Vec::new();
                sort_key(&v, &mut key);
                Ok(Value::Bytes(key))
            }
        },
        F::Compare(op) => {
            let (ln, rn) = (a.is_null(0), a.is_null(1));
            if op == BinOp::NullSafeEq && (ln || rn) {
                return Ok(bool_val(ln && rn));
            }
            if ln || rn {
                return Ok(Value::Null);
            }
            let o = json_cmp(&a.value(0)?, &a.value(1)?);
            Ok(bool_val(match op {
                BinOp::Eq | BinOp::NullSafeEq => o == Ordering::Equal,
                BinOp::NotEq => o != Ordering::Equal,
                BinOp::Lt => o == Ordering::Less,
                BinOp::LtEq => o != Ordering::Greater,
                BinOp::Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            }))
        }
    }
}

/// JSON_SEARCH(doc, one_or_all, pattern [, escape [, path …]]).
fn search(a: &Args) -> Result<Value> {
    let n = a.vals.len();
    if a.is_null(0) || a.is_null(1) || a.is_null(2) {
        return Ok(Value::Null);
    }
    let doc = a.doc(0)?.unwrap_or(Json::Null);
    let all = match a.text(1).unwrap_or_default().to_ascii_lowercase().as_str() {
        "all" => true,
        "one" => false,
        _ => {
            return Err(DbError::new(
                3154,
                "42000",
                "The oneOrAll argument to json_search may take these values: 'one' or 'all'.",
            ))
        }
    };
    let pattern = a.text(2).unwrap_or_default();
    let escape = match a.vals.get(3).and_then(Value::to_text) {
        None => '\\',
        Some(e) => {
            let mut cs = e.chars();
            match (cs.next(), cs.next()) {
                (None, _) => '\\',
                (Some(c), None) => c,
                _ => return Err(DbError::wrong_arguments("ESCAPE")),
            }
        }
    };
    let mut roots: Vec<(&Json, Vec<Step>)> = Vec::new();
    if n > 4 {
        for i in 4..n {
            let Some(p) = a.path(i)? else { return Ok(Value::Null) };
            seek(&doc, &p.legs, &mut Vec::new(), true, &mut roots, &mut visited_for(&p.legs));
        }
        // Paths that reach the same value search it once.
        let mut seen = std::collections::HashSet::new();
        roots.retain(|(v, _)| seen.insert(*v as *const Json as usize));
    } else {
        roots.push((&doc, Vec::new()));
    }
    let mut hits: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    type Hits<'h> = (&'h mut Vec<String>, &'h mut std::collections::HashSet<String>);
    fn walk(v: &Json, here: &mut Vec<Step>, pat: &str, esc: char, all: bool, hits: &mut Hits) {
        if !all && !hits.0.is_empty() {
            return;
        }
        match v {
            Json::Str(s) if expr::like_match(s, pat, esc, true) => {
                let loc = format_location(here);
                if hits.1.insert(loc.clone()) {
                    hits.0.push(loc);
                }
            }
            Json::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    here.push(Step::Idx(i));
                    walk(x, here, pat, esc, all, hits);
                    here.pop();
                }
            }
            Json::Object(m) => {
                for (k, x) in m {
                    here.push(Step::Key(k.clone()));
                    walk(x, here, pat, esc, all, hits);
                    here.pop();
                }
            }
            _ => {}
        }
    }
    for (v, mut here) in roots {
        walk(v, &mut here, &pattern, escape, all, &mut (&mut hits, &mut seen));
    }
    match hits.len() {
        0 => Ok(Value::Null),
        1 => json_result(&Json::Str(hits.remove(0)), a.limit),
        _ => json_result(&Json::Array(hits.into_iter().map(Json::Str).collect()), a.limit),
    }
}

/// JSON_ARRAYAGG / JSON_OBJECTAGG state for one group: the JSON texts
/// collected (each argument went through [`JsonFn::ToJson`]).
#[derive(Debug, Default, Clone)]
pub struct AggState {
    items: Vec<(Option<String>, String)>,
    bytes: usize,
    too_big: bool,
    limit: usize,
}

impl AggState {
    /// Add one row: `key` for JSON_OBJECTAGG (NULL is 3158), `value` the
    /// JSON text (SQL NULL is JSON null).
    pub fn add(&mut self, key: Option<&Value>, value: &Value, limit: usize) -> Result<()> {
        let key = match key {
            Some(k) => Some(k.to_text().ok_or_else(null_member_name)?),
            None => None,
        };
        let text = value.to_text().unwrap_or_else(|| "null".to_string());
        self.bytes += text.len() + key.as_ref().map_or(0, String::len) + 4;
        self.limit = limit;
        if self.bytes > limit {
            self.too_big = true;
            self.items.clear();
            return Ok(());
        }
        if !self.too_big {
            self.items.push((key, text));
        }
        Ok(())
    }

    /// The group's array or object (NULL for no rows or too long).
    pub fn finish(self, object: bool) -> Result<Value> {
        if self.too_big || self.items.is_empty() {
            return Ok(Value::Null);
        }
        let parse = |t: &str| json::parse(t.as_bytes()).map_err(|e| json_error(e, 1, "json_arrayagg"));
        let v = if object {
            let mut m = Vec::with_capacity(self.items.len());
            for (k, t) in &self.items {
                m.push((k.clone().unwrap_or_default(), parse(t)?));
            }
            json::sort_members(&mut m);
            Json::Object(m)
        } else {
            Json::Array(self.items.iter().map(|(_, t)| parse(t)).collect::<Result<Vec<_>>>()?)
        };
        json_result(&v, self.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(s: &str) -> Json {
        json::parse(s.as_bytes()).unwrap()
    }

    fn extract(doc: &str, path: &str) -> Vec<String> {
        let d = j(doc);
        let p = parse_path(path).unwrap();
        find_all(&d, &p).iter().map(|v| v.to_text()).collect()
    }

    fn path_err(p: &str) -> String {
        match parse_path(p) {
            Ok(_) => "ok".into(),
            Err(e) => format!("{} {}", e.code, e.message),
        }
    }

    #[test]
    fn paths_parse_and_fail_where_mysql_does() {
        assert_eq!(
            parse_path(r#"$.a."b c"[1][last-2][1 to last]**.*[*]"#).unwrap().legs,
            vec![
                Leg::Member("a".into()),
                Leg::Member("b c".into()),
                Leg::Cell(Index::Start(1)),
                Leg::Cell(Index::Last(2)),
                Leg::Range(Index::Start(1), Index::Last(0)),
                Leg::Ellipsis,
                Leg::AnyMember,
                Leg::AnyCell,
            ]
        );
        assert_eq!(parse_path(" $ ").unwrap().legs, vec![]);
        assert!(path_err("a").ends_with("position 1."));
        assert!(path_err("$.").ends_with("position 2."));
        assert!(path_err("$[").ends_with("position 2."));
        assert!(path_err("$**").ends_with("position 3."));
        assert!(path_err("$x").ends_with("position 1."));
        assert!(path_err("$.:typeField").ends_with("position 12."));
        assert!(path_err("$[3 to 1]").starts_with("3143"));
        assert!(path_err("$[-1]").starts_with("3143"));
        assert!(path_err("$.1a").starts_with("3143"));
    }

    #[test]
    fn seeking_follows_mysql() {
        let d = r#"{"a": 1, "b": [1, 2, {"c": "x"}], "d": {"e": null, "f": "y"}}"#;
        assert_eq!(extract(d, "$.b[2].c"), vec![r#""x""#]);
        assert_eq!(extract(d, "$.b[last]"), vec![r#"{"c": "x"}"#]);
        assert_eq!(extract(d, "$.b[last-1]"), vec!["2"]);
        assert_eq!(extract(d, "$.b[1 to 5]").len(), 2);
        assert_eq!(extract(d, "$.*").len(), 3);
        assert_eq!(extract(d, "$[0]"), vec![j(d).to_text()]);
        assert_eq!(extract("[[1,2,3]]", "$**[0]"), vec!["[1, 2, 3]", "1", "2", "3"]);
        assert_eq!(extract(r#"{"a": 1, "b": {"a": 2}}"#, "$**.a"), vec!["1", "2"]);
        assert!(extract("[1]", "$[1]").is_empty());
        // Several `**` over a deep document: each value once, no blow-up.
        let deep = "[".repeat(60) + &"]".repeat(60);
        assert_eq!(extract(&deep, "$**[*]**[*]**[*]**[*]").len(), 56);
        assert_eq!(extract(&deep, "$**[*]").len(), 59);
    }

    #[test]
    fn updates_merges_and_containment() {
        let mut d = j(r#"{"a": 1}"#);
        update(&mut d, &parse_path("$.a[1]").unwrap(), Json::Int(2), Mode::Set);
        update(&mut d, &parse_path("$.b").unwrap(), Json::Int(3), Mode::Replace);
        update(&mut d, &parse_path("$.c").unwrap(), Json::Int(4), Mode::Insert);
        assert_eq!(d.to_text(), r#"{"a": [1, 2], "c": 4}"#);
        assert_eq!(merge_preserve(j(r#"{"a":1}"#), j(r#"{"a":2,"b":3}"#)).to_text(), r#"{"a": [1, 2], "b": 3}"#);
        assert_eq!(merge_preserve(j("1"), j("[2]")).to_text(), "[1, 2]");
        assert_eq!(
            merge_patch(j(r#"{"a":1,"b":2}"#), j(r#"{"a":null,"c":{"d":null}}"#)).to_text(),
            r#"{"b": 2, "c": {}}"#
        );
        assert!(contains(&j("[1, [2, 3]]"), &j("[3]")));
        assert!(contains(&j("1"), &j("1.0")));
        assert!(!contains(&j(r#""1""#), &j("1")));
        assert!(!contains(&j("[1]"), &j("{}")));
        assert!(overlaps(&j("[1]"), &j("1")));
        assert!(!overlaps(&j("[[1]]"), &j("[1]")));
        assert!(!overlaps(&j("[]"), &j("[]")));
    }

    #[test]
    fn comparison_and_sort_keys_agree() {
        let vals = ["null", "-5", "1", "1.5", "2", "\"a\"", "\"b\"", "{}", "[]", "[1]", "false", "true"];
        for w in vals.windows(2) {
            assert_eq!(json_cmp(&j(w[0]), &j(w[1])), Ordering::Less, "{} < {}", w[0], w[1]);
            let (mut k1, mut k2) = (Vec::new(), Vec::new());
            sort_key(&j(w[0]), &mut k1);
            sort_key(&j(w[1]), &mut k2);
            assert!(k1 < k2, "{} < {}", w[0], w[1]);
        }
        assert_eq!(json_cmp(&j("1"), &j("1.0")), Ordering::Equal);
        assert_eq!(json_cmp(&Json::Decimal(Decimal::new(15, 1)), &j("1.5")), Ordering::Equal);
    }

    #[test]
    fn storage_size_matches_mysql_examples() {
        assert_eq!(storage_size(&j(r#"[100, "sakila", [1, 3, 5], 425.05]"#)), 45);
        assert_eq!(storage_size(&j(r#"{"a": 1000, "b": "wxyz", "c": "[1, 3, 5, 7]"}"#)), 47);
        assert_eq!(storage_size(&j(r#"[100, "json", [[10, 20, 30], 3, 5], 425.05]"#)), 56);
    }

    #[test]
    fn pretty_prints_like_mysql() {
        let mut s = String::new();
        pretty(&j(r#"{"a":[1,{}],"b":[]}"#), 0, &mut s);
        assert_eq!(s, "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": []\n}");
        assert_eq!(base64(b"A"), "QQ==");
        assert_eq!(base64(b"abc"), "YWJj");
    }
}

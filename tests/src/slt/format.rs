//! Turning MySQL result sets into sqllogictest values, and comparing them.
//!
//! Values are formatted by the result column's own type, as the
//! MySQL-regenerated corpus expects: integer columns `%d`, DECIMAL, FLOAT and
//! DOUBLE columns `%.3f`, everything else as text, NULL as `NULL` and the
//! empty string as `(empty)`. Before comparing, a value is normalised to the
//! expected column letter: an integer where `R` is expected becomes `N.000`,
//! and a whole-number real where `I` is expected becomes `N`. Then the sort
//! mode is applied, and the values are compared one by one or by md5.
//!
//! Nothing here talks to a server.

use mysql_async::consts::ColumnType;
use mysql_async::{Column, Value};

use super::parser::{Expected, SortMode};

/// How a result column's values are formatted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// TINYINT … BIGINT, YEAR: `%d`.
    Integer,
    /// BIT: the bytes as a big-endian unsigned integer, `%d`.
    Bit,
    /// DECIMAL, FLOAT, DOUBLE: `%.3f`.
    Real,
    /// Everything else (strings, blobs, dates, JSON…): as is.
    Text,
    /// The NULL type (`SELECT NULL`): every value is NULL, any letter matches.
    Null,
}

impl ColumnKind {
    /// Classifies a column by its wire type.
    pub fn of(column: &Column) -> ColumnKind {
        Self::of_type(column.column_type())
    }

    /// Classifies a wire type.
    pub fn of_type(t: ColumnType) -> ColumnKind {
        use ColumnType::*;
        match t {
            MYSQL_TYPE_TINY | MYSQL_TYPE_SHORT | MYSQL_TYPE_LONG | MYSQL_TYPE_LONGLONG | MYSQL_TYPE_INT24
            | MYSQL_TYPE_YEAR => ColumnKind::Integer,
            MYSQL_TYPE_BIT => ColumnKind::Bit,
            MYSQL_TYPE_DECIMAL | MYSQL_TYPE_NEWDECIMAL | MYSQL_TYPE_FLOAT | MYSQL_TYPE_DOUBLE => ColumnKind::Real,
            MYSQL_TYPE_NULL => ColumnKind::Null,
            _ => ColumnKind::Text,
        }
    }

    /// The sqllogictest type letter; `?` for the NULL type (matches anything).
    pub fn letter(self) -> char {
        match self {
            ColumnKind::Integer | ColumnKind::Bit => 'I',
            ColumnKind::Real => 'R',
            ColumnKind::Text => 'T',
            ColumnKind::Null => '?',
        }
    }
}

/// The type string of a result set, one letter per column.
pub fn type_string(kinds: &[ColumnKind]) -> String {
    kinds.iter().map(|k| k.letter()).collect()
}

/// Formats one value of a column of kind `kind`.
pub fn format_value(kind: ColumnKind, value: Option<&Value>) -> String {
    let bytes: Vec<u8> = match value {
        None | Some(Value::NULL) => return "NULL".to_string(),
        Some(Value::Bytes(b)) => b.clone(),
        // The text protocol only sends bytes; be lenient with the rest.
        Some(Value::Int(i)) => i.to_string().into_bytes(),
        Some(Value::UInt(u)) => u.to_string().into_bytes(),
        Some(Value::Float(f)) => f.to_string().into_bytes(),
        Some(Value::Double(d)) => d.to_string().into_bytes(),
        Some(other) => other.as_sql(true).trim_matches('\'').to_string().into_bytes(),
    };
    match kind {
        ColumnKind::Bit => {
            if bytes.len() <= 8 {
                let n = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
                n.to_string()
            } else {
                text(&bytes)
            }
        }
        ColumnKind::Integer => {
            let s = text(&bytes);
            match s.trim().parse::<i128>() {
                Ok(n) => n.to_string(),
                Err(_) => s,
            }
        }
        ColumnKind::Real => {
            let s = text(&bytes);
            match s.trim().parse::<f64>() {
                Ok(f) => format!("{f:.3}"),
                Err(_) => s,
            }
        }
        ColumnKind::Text | ColumnKind::Null => text(&bytes),
    }
}

fn text(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "(empty)".to_string()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// Normalises an actual value to the expected column letter (see module docs).
pub fn normalize(value: String, expected: char) -> String {
    match expected {
        'R' if !value.contains('.') && value.parse::<i128>().is_ok() => value + ".000",
        'I' if value.contains('.') => match value.parse::<f64>() {
            Ok(f) if f.is_finite() && f.trunc() == f && f.abs() < 9.2e18 => {
                format!("{}", f as i64)
            }
            _ => value,
        },
        _ => value,
    }
}

/// Whether an actual column letter satisfies an expected one.
pub fn compatible(expected: char, actual: char) -> bool {
    expected == actual || actual == '?' || (expected == 'I' && actual == 'R') || (expected == 'R' && actual == 'I')
}

/// Sorts a flat list of values (`ncols` per row) by the sort mode.
pub fn sort_values(values: &mut Vec<String>, ncols: usize, mode: SortMode) {
    match mode {
        SortMode::NoSort => {}
        SortMode::ValueSort => values.sort(),
        SortMode::RowSort => {
            if ncols == 0 || values.len() % ncols != 0 {
                return;
            }
            let mut rows: Vec<Vec<String>> = values.chunks(ncols).map(|c| c.to_vec()).collect();
            rows.sort();
            *values = rows.into_iter().flatten().collect();
        }
    }
}

/// md5 of every value followed by `\n`, as lower-case hex.
pub fn hash_values(values: &[String]) -> String {
    let mut ctx = md5::Context::new();
    for v in values {
        ctx.consume(v.as_bytes());
        ctx.consume(b"\n");
    }
    format!("{:x}", ctx.compute())
}

/// A query result as the runner received it.
#[derive(Debug, Clone, Default)]
pub struct ActualResult {
    /// One kind per column; empty when the statement returned no result set.
    pub kinds: Vec<ColumnKind>,
    /// Formatted values, row by row.
    pub values: Vec<String>,
}

/// Why a query's result did not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Human-readable reason.
    pub reason: String,
    /// The actual values after normalisation and sorting.
    pub actual: Vec<String>,
}

/// Compares an actual result with the expectation of a `query` record.
///
/// The column types must match (I and R are interchangeable, see
/// [`normalize`]) unless both the expected and the actual result are empty.
pub fn check_query(types: &str, sort: SortMode, expected: &Expected, actual: ActualResult) -> Result<(), Mismatch> {
    let actual_types = type_string(&actual.kinds);
    let exp_letters: Vec<char> = types.chars().collect();
    let both_empty = expected.count() == 0 && actual.values.is_empty();
    let schema_ok = exp_letters.len() == actual.kinds.len()
        && exp_letters.iter().zip(actual_types.chars()).all(|(e, a)| compatible(*e, a));

    let mut values = actual.values;
    if !exp_letters.is_empty() {
        values =
            values.into_iter().enumerate().map(|(i, v)| normalize(v, exp_letters[i % exp_letters.len()])).collect();
    }
    let ncols = if actual.kinds.is_empty() { exp_letters.len() } else { actual.kinds.len() };
    sort_values(&mut values, ncols, sort);

    if !both_empty && !schema_ok {
        return Err(Mismatch {
            reason: format!("column types differ: expected {types}, got {actual_types}"),
            actual: values,
        });
    }
    if values.len() != expected.count() {
        return Err(Mismatch {
            reason: format!("expected {} values, got {}", expected.count(), values.len()),
            actual: values,
        });
    }
    match expected {
        Expected::Hash { md5, .. } => {
            let got = hash_values(&values);
            if &got != md5 {
                return Err(Mismatch { reason: format!("hash differs: expected {md5}, got {got}"), actual: values });
            }
        }
        Expected::Values(exp) => {
            if let Some(i) = exp.iter().zip(&values).position(|(e, a)| e != a) {
                return Err(Mismatch {
                    reason: format!(
                        "value {} (row {}, column {}) differs: expected `{}`, got `{}`",
                        i + 1,
                        i / ncols.max(1) + 1,
                        i % ncols.max(1) + 1,
                        exp[i],
                        values[i]
                    ),
                    actual: values,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Value {
        Value::Bytes(s.as_bytes().to_vec())
    }

    #[test]
    fn formats_by_column_kind() {
        assert_eq!(format_value(ColumnKind::Integer, Some(&b("-42"))), "-42");
        assert_eq!(format_value(ColumnKind::Integer, Some(&b("0007"))), "7");
        assert_eq!(format_value(ColumnKind::Integer, Some(&b("18446744073709551615"))), "18446744073709551615");
        assert_eq!(format_value(ColumnKind::Real, Some(&b("3.5000"))), "3.500");
        assert_eq!(format_value(ColumnKind::Real, Some(&b("-12"))), "-12.000");
        assert_eq!(format_value(ColumnKind::Real, Some(&b("1e3"))), "1000.000");
        assert_eq!(format_value(ColumnKind::Text, Some(&b("a b"))), "a b");
        assert_eq!(format_value(ColumnKind::Text, Some(&b(""))), "(empty)");
        assert_eq!(format_value(ColumnKind::Text, Some(&Value::NULL)), "NULL");
        assert_eq!(format_value(ColumnKind::Real, None), "NULL");
        assert_eq!(format_value(ColumnKind::Bit, Some(&Value::Bytes(vec![1, 2]))), "258");
    }

    #[test]
    fn normalizes_between_i_and_r() {
        assert_eq!(normalize("5".into(), 'R'), "5.000");
        assert_eq!(normalize("-5".into(), 'R'), "-5.000");
        assert_eq!(normalize("5.500".into(), 'R'), "5.500");
        assert_eq!(normalize("NULL".into(), 'R'), "NULL");
        assert_eq!(normalize("3.000".into(), 'I'), "3");
        assert_eq!(normalize("-0.000".into(), 'I'), "0");
        assert_eq!(normalize("3.500".into(), 'I'), "3.500");
        assert_eq!(normalize("x".into(), 'T'), "x");
    }

    #[test]
    fn hashes_like_sqllogictest() {
        // md5("1\n2\n")
        assert_eq!(hash_values(&["1".to_string(), "2".to_string()]), format!("{:x}", md5::compute(b"1\n2\n")));
    }

    #[test]
    fn sorts_rows_and_values() {
        let mut v: Vec<String> = ["2", "a", "10", "b", "1", "c"].iter().map(|s| s.to_string()).collect();
        sort_values(&mut v, 2, SortMode::RowSort);
        assert_eq!(v, ["1", "c", "10", "b", "2", "a"]);
        sort_values(&mut v, 2, SortMode::ValueSort);
        assert_eq!(v, ["1", "10", "2", "a", "b", "c"]);
    }

    #[test]
    fn checks_queries() {
        let actual = ActualResult {
            kinds: vec![ColumnKind::Integer, ColumnKind::Real],
            values: vec!["2".into(), "1.500".into(), "1".into(), "2.000".into()],
        };
        let exp = Expected::Values(vec!["1".into(), "2.000".into(), "2".into(), "1.500".into()]);
        assert!(check_query("IR", SortMode::RowSort, &exp, actual.clone()).is_ok());
        assert!(check_query("IR", SortMode::NoSort, &exp, actual.clone()).is_err());
        // R expected: an integer is accepted as N.000; I expected: 2.000 as 2.
        let exp2 = Expected::Values(vec!["1.000".into(), "2".into(), "2.000".into(), "1.500".into()]);
        assert!(check_query("RI", SortMode::RowSort, &exp2, actual.clone()).is_ok());
        let exp3 = Expected::Values(vec!["1.000".into(), "2".into(), "2.000".into(), "2".into()]);
        let whole = ActualResult {
            kinds: vec![ColumnKind::Integer, ColumnKind::Real],
            values: vec!["2".into(), "2.000".into(), "1".into(), "2.000".into()],
        };
        assert!(check_query("RI", SortMode::RowSort, &exp3, whole).is_ok());
        assert!(check_query("TR", SortMode::RowSort, &exp, actual.clone()).is_err());
        let hashed =
            Expected::Hash { count: 4, md5: hash_values(&["1".into(), "2.000".into(), "2".into(), "1.500".into()]) };
        assert!(check_query("IR", SortMode::RowSort, &hashed, actual).is_ok());
        // Empty results skip the type check.
        let none = ActualResult { kinds: vec![ColumnKind::Text], values: vec![] };
        assert!(check_query("I", SortMode::NoSort, &Expected::Values(vec![]), none).is_ok());
    }
}

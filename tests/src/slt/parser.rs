//! Parser for sqllogictest files.
//!
//! The format (from SQLite's sqllogictest, as used by the MySQL-regenerated
//! corpus) is a sequence of records separated by blank lines:
//!
//! ```text
//! # a comment line
//! skipif postgresql        # conditions apply to the next record
//! onlyif mysql
//! statement ok             # or: statement error [MYSQL_ERROR_CODE]
//! CREATE TABLE t(a INT)
//!
//! query IT rowsort label-1 # types I/R/T, sort mode, optional label
//! SELECT a, b FROM t
//! ----
//! 1
//! x
//!
//! hash-threshold 8
//! halt
//! ```
//!
//! Expected results are listed one value per line, or as a single line
//! `N values hashing to MD5`. This module only parses; it never talks to a
//! server and never decides pass or fail.

use std::fmt;

/// A condition guarding a record: `skipif ENGINE` or `onlyif ENGINE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Skip the record when running against this engine.
    SkipIf(String),
    /// Run the record only when running against this engine.
    OnlyIf(String),
}

/// How query results are ordered before they are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortMode {
    /// Compare in the order the server returned them.
    NoSort,
    /// Sort whole rows (lexicographically by their formatted values).
    RowSort,
    /// Sort every value independently of its row.
    ValueSort,
}

impl SortMode {
    /// The keyword used in test files.
    pub fn as_str(self) -> &'static str {
        match self {
            SortMode::NoSort => "nosort",
            SortMode::RowSort => "rowsort",
            SortMode::ValueSort => "valuesort",
        }
    }
}

/// The expected output of a query record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// Every value, one per line, after sorting.
    Values(Vec<String>),
    /// `count values hashing to md5`.
    Hash {
        /// Number of values.
        count: usize,
        /// Lower-case hex md5 of every value followed by `\n`.
        md5: String,
    },
}

impl Expected {
    /// Number of values the query must return.
    pub fn count(&self) -> usize {
        match self {
            Expected::Values(v) => v.len(),
            Expected::Hash { count, .. } => *count,
        }
    }
}

/// What a record asks the runner to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordKind {
    /// `statement ok` / `statement error [code]`.
    Statement {
        /// `statement error`.
        expect_error: bool,
        /// The MySQL error number the statement must fail with, if given.
        error_code: Option<u16>,
    },
    /// `query TYPES [SORT] [LABEL]`.
    Query {
        /// One letter per column: `I` integer, `R` real, `T` text.
        types: String,
        /// Sort mode applied to actual and expected results.
        sort: SortMode,
        /// Optional label (kept for reporting; results are always checked).
        label: Option<String>,
        /// The expected results.
        expected: Expected,
    },
    /// `halt`: stop running the file here.
    Halt,
}

/// One record of a test file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// 1-based line of the `statement`/`query`/`halt` line.
    pub line: usize,
    /// Conditions that precede the record.
    pub conditions: Vec<Condition>,
    /// The SQL text (lines joined with `\n`); empty for `halt`.
    pub sql: String,
    /// What to do with it.
    pub kind: RecordKind,
}

impl Record {
    /// Whether this record runs against a server known by `engines` (e.g.
    /// `["mysql"]`, or `["mysql", "mariadb"]` for MariaDB).
    ///
    /// A `skipif` naming any of them skips the record; an `onlyif` naming
    /// none of them skips it too.
    pub fn runs_on<S: AsRef<str>>(&self, engines: &[S]) -> bool {
        let known = |e: &str| engines.iter().any(|n| n.as_ref().eq_ignore_ascii_case(e));
        self.conditions.iter().all(|c| match c {
            Condition::SkipIf(e) => !known(e),
            Condition::OnlyIf(e) => known(e),
        })
    }

    /// Whether the record is counted (statements and queries are; `halt` is not).
    pub fn is_counted(&self) -> bool {
        !matches!(self.kind, RecordKind::Halt)
    }
}

/// A malformed test file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

fn is_comment(line: &str) -> bool {
    line.starts_with('#')
}

/// The words of a directive line, with any trailing `# comment` removed.
fn directive_words(line: &str) -> Vec<&str> {
    let code = match line.find('#') {
        Some(i) => &line[..i],
        None => line,
    };
    code.split_whitespace().collect()
}

/// Parses `N values hashing to H`.
fn parse_hash_line(line: &str) -> Option<(usize, String)> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        [n, "values", "hashing", "to", h] if h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
            let count = n.parse().ok()?;
            Some((count, h.to_ascii_lowercase()))
        }
        _ => None,
    }
}

/// Parses the text of a whole test file.
pub fn parse(text: &str) -> Result<Vec<Record>, ParseError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut records = Vec::new();
    let mut conditions = Vec::new();
    let mut i = 0;

    while i < lines.len() {
        let line = lines[i];
        let lineno = i + 1;
        i += 1;
        if is_blank(line) || is_comment(line) {
            continue;
        }
        let words = directive_words(line);
        let err = |message: String| ParseError { line: lineno, message };
        match words.first().copied() {
            Some("skipif") | Some("onlyif") => {
                let engine = words.get(1).ok_or_else(|| err(format!("`{}` needs an engine name", words[0])))?;
                conditions.push(if words[0] == "skipif" {
                    Condition::SkipIf((*engine).to_string())
                } else {
                    Condition::OnlyIf((*engine).to_string())
                });
            }
            Some("hash-threshold") => {
                // Only matters when generating files; verification follows
                // the form of the expected results.
                let ok = words.get(1).is_some_and(|n| n.parse::<usize>().is_ok());
                if !ok {
                    return Err(err("`hash-threshold` needs a number".into()));
                }
            }
            Some("halt") => {
                records.push(Record {
                    line: lineno,
                    conditions: std::mem::take(&mut conditions),
                    sql: String::new(),
                    kind: RecordKind::Halt,
                });
            }
            Some("statement") => {
                let (expect_error, error_code) = match words.get(1).copied() {
                    Some("ok") if words.len() == 2 => (false, None),
                    Some("error") => match words.get(2) {
                        None => (true, None),
                        Some(code) => match code.parse::<u16>() {
                            Ok(c) if words.len() == 3 => (true, Some(c)),
                            _ => {
                                return Err(err(format!(
                                    "`statement error` takes only a MySQL error number, got `{}`",
                                    words[2..].join(" ")
                                )))
                            }
                        },
                    },
                    _ => {
                        return Err(err(format!("expected `statement ok` or `statement error`, got `{}`", line.trim())))
                    }
                };
                let (sql, next) = read_sql(&lines, i);
                i = next;
                if sql.is_empty() {
                    return Err(err("statement without SQL".into()));
                }
                if lines.get(i).is_some_and(|l| l.trim() == "----") {
                    return Err(err("`----` after a statement".into()));
                }
                records.push(Record {
                    line: lineno,
                    conditions: std::mem::take(&mut conditions),
                    sql,
                    kind: RecordKind::Statement { expect_error, error_code },
                });
            }
            Some("query") => {
                let types = words.get(1).ok_or_else(|| err("`query` needs a type string".into()))?;
                if let Some(bad) = types.chars().find(|c| !matches!(c, 'I' | 'R' | 'T')) {
                    return Err(err(format!("bad column type `{bad}` in `{types}` (use I, R or T)")));
                }
                let sort = match words.get(2).copied() {
                    None | Some("nosort") => SortMode::NoSort,
                    Some("rowsort") => SortMode::RowSort,
                    Some("valuesort") => SortMode::ValueSort,
                    Some(other) => return Err(err(format!("unknown sort mode `{other}`"))),
                };
                let label = words.get(3).map(|s| (*s).to_string());
                if words.len() > 4 {
                    return Err(err(format!("too many words in `{}`", line.trim())));
                }
                let (sql, next) = read_sql(&lines, i);
                i = next;
                if sql.is_empty() {
                    return Err(err("query without SQL".into()));
                }
                let mut values = Vec::new();
                if lines.get(i).is_some_and(|l| l.trim() == "----") {
                    i += 1;
                    while i < lines.len() && !is_blank(lines[i]) {
                        if !is_comment(lines[i]) {
                            values.push(lines[i].to_string());
                        }
                        i += 1;
                    }
                }
                let expected = match values.as_slice() {
                    [only] => match parse_hash_line(only) {
                        Some((count, md5)) => Expected::Hash { count, md5 },
                        None => Expected::Values(values),
                    },
                    _ => Expected::Values(values),
                };
                records.push(Record {
                    line: lineno,
                    conditions: std::mem::take(&mut conditions),
                    sql,
                    kind: RecordKind::Query { types: (*types).to_string(), sort, label, expected },
                });
            }
            _ => {
                return Err(err(format!("unknown directive `{}`", line.trim())));
            }
        }
    }
    Ok(records)
}

/// Reads SQL lines from `start` up to a blank line or `----`. Returns the
/// SQL and the index of the line that ended it.
fn read_sql(lines: &[&str], start: usize) -> (String, usize) {
    let mut sql = Vec::new();
    let mut i = start;
    while i < lines.len() {
        let line = lines[i];
        if is_blank(line) || line.trim() == "----" {
            break;
        }
        if !is_comment(line) {
            sql.push(line);
        }
        i += 1;
    }
    (sql.join("\n"), i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_statements_queries_and_conditions() {
        let text = "\
# comment
hash-threshold 8

statement ok
CREATE TABLE t(a INT,
 b TEXT)

skipif postgresql # why
onlyif mysql
statement error 1062
INSERT INTO t VALUES(1)

query IT rowsort label-7
SELECT a, b
FROM t
----
1
x

query R nosort
SELECT 1.5
----
3 values hashing to 0123456789abcdef0123456789ABCDEF

query I
SELECT 1 WHERE 0

halt
";
        let recs = parse(text).expect("parses");
        assert_eq!(recs.len(), 6);
        assert_eq!(recs[0].sql, "CREATE TABLE t(a INT,\n b TEXT)");
        assert_eq!(recs[0].line, 4);
        assert_eq!(recs[1].kind, RecordKind::Statement { expect_error: true, error_code: Some(1062) });
        assert!(recs[1].runs_on(&["mysql"]));
        assert!(!recs[1].runs_on(&["sqlite"]));
        assert!(!recs[1].runs_on(&["mysql", "postgresql"]));
        match &recs[2].kind {
            RecordKind::Query { types, sort, label, expected } => {
                assert_eq!(types, "IT");
                assert_eq!(*sort, SortMode::RowSort);
                assert_eq!(label.as_deref(), Some("label-7"));
                assert_eq!(*expected, Expected::Values(vec!["1".into(), "x".into()]));
            }
            other => panic!("unexpected {other:?}"),
        }
        match &recs[3].kind {
            RecordKind::Query { expected, .. } => {
                assert_eq!(*expected, Expected::Hash { count: 3, md5: "0123456789abcdef0123456789abcdef".into() })
            }
            other => panic!("unexpected {other:?}"),
        }
        match &recs[4].kind {
            RecordKind::Query { expected, .. } => {
                assert_eq!(*expected, Expected::Values(vec![]))
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(recs[5].kind, RecordKind::Halt);
    }

    #[test]
    fn skipif_mysql_skips() {
        let recs = parse("skipif mysql\nstatement ok\nSELECT 1\n").expect("parses");
        assert!(!recs[0].runs_on(&["mysql"]));
        let recs = parse("skipif mariadb\nstatement ok\nSELECT 1\n").expect("parses");
        assert!(recs[0].runs_on(&["mysql"]));
        assert!(!recs[0].runs_on(&["mysql", "mariadb"]));
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse("select 1\n").is_err());
        assert!(parse("query X\nSELECT 1\n").is_err());
        assert!(parse("statement maybe\nSELECT 1\n").is_err());
        assert!(parse("statement error oops\nSELECT 1\n").is_err());
        assert!(parse("query I sideways\nSELECT 1\n").is_err());
    }
}

//! `LOAD DATA [LOCAL] INFILE`: parsing the statement (sqlparser does not
//! know MySQL's form) and splitting the file's bytes into rows of fields
//! under its FIELDS / LINES options, with MySQL's escape, enclosure and
//! NULL rules. The session turns the rows into inserts
//! (`session/load.rs`); the protocol layer fetches a LOCAL file from the
//! client.

use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

use crate::error::{DbError, Result};

/// The most bytes one LOAD DATA LOCAL may send.
pub const MAX_LOAD_BYTES: usize = 1 << 30;

/// The most rows one LOAD DATA may produce.
pub const MAX_LOAD_ROWS: usize = 50_000_000;

/// What happens to a row whose key is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDup {
    /// Not said: an error, except with LOCAL, where it is IGNORE.
    Default,
    Replace,
    Ignore,
}

/// Where one input field goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Column(String),
    /// A user variable (without the `@`).
    Var(String),
}

/// A parsed LOAD DATA statement.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadSpec {
    pub local: bool,
    pub file: String,
    pub on_dup: OnDup,
    /// Database (if named) and table.
    pub db: Option<String>,
    pub table: String,
    pub fields_terminated: Vec<u8>,
    pub enclosed: Option<u8>,
    pub optionally: bool,
    pub escaped: Option<u8>,
    pub lines_starting: Vec<u8>,
    pub lines_terminated: Vec<u8>,
    pub ignore_lines: u64,
    /// The column list; empty means every column in table order.
    pub targets: Vec<Target>,
    /// `SET col = expr` assignments.
    pub set: Vec<(String, sqlparser::ast::Expr)>,
}

impl LoadSpec {
    /// True when IGNORE applies: said, or implied by LOCAL (the server
    /// cannot stop a client in mid-file, so MySQL turns errors into
    /// warnings).
    pub fn ignore(&self) -> bool {
        self.on_dup == OnDup::Ignore || (self.on_dup == OnDup::Default && self.local)
    }
}

/// True when `sql` is a LOAD DATA statement (leading comments aside).
pub fn is_load_data(sql: &str) -> bool {
    let mut words = sql.trim_start().split_ascii_whitespace();
    matches!(words.next(), Some(w) if w.eq_ignore_ascii_case("load"))
        && matches!(words.next(), Some(w) if w.eq_ignore_ascii_case("data") || w.eq_ignore_ascii_case("xml"))
}

fn syntax(near: &str) -> DbError {
    DbError::parse(near.to_string())
}

fn bad_separator() -> DbError {
    DbError::new(1083, "42000", "Field separator argument is not what is expected; check the manual")
}

struct P {
    toks: Vec<Token>,
    pos: usize,
}

impl P {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn rest_text(&self) -> String {
        self.toks[self.pos.min(self.toks.len())..].iter().map(|t| t.to_string()).collect()
    }

    fn err(&self) -> DbError {
        let rest = self.rest_text();
        syntax(if rest.is_empty() { "end of statement" } else { rest.trim() })
    }

    fn word_is(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(x)) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w))
    }

    fn eat_word(&mut self, w: &str) -> bool {
        if self.word_is(w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, w: &str) -> Result<()> {
        if self.eat_word(w) {
            Ok(())
        } else {
            Err(self.err())
        }
    }

    fn eat(&mut self, t: &Token) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn string(&mut self) -> Result<String> {
        match self.peek().cloned() {
            Some(Token::SingleQuotedString(s) | Token::DoubleQuotedString(s)) => {
                self.pos += 1;
                Ok(s)
            }
            Some(Token::HexStringLiteral(h)) => {
                self.pos += 1;
                let bytes = (0..h.len() / 2)
                    .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16))
                    .collect::<std::result::Result<Vec<u8>, _>>()
                    .map_err(|_| syntax(&h))?;
                Ok(String::from_utf8_lossy(&bytes).into_owned())
            }
            _ => Err(self.err()),
        }
    }

    fn ident(&mut self) -> Result<String> {
        match self.peek().cloned() {
            Some(Token::Word(w)) => {
                self.pos += 1;
                Ok(w.value)
            }
            _ => Err(self.err()),
        }
    }

    fn number(&mut self) -> Result<u64> {
        match self.peek().cloned() {
            Some(Token::Number(n, _)) => {
                self.pos += 1;
                n.parse().map_err(|_| syntax(&n))
            }
            _ => Err(self.err()),
        }
    }
}

/// One character (or nothing) for ENCLOSED BY / ESCAPED BY.
fn one_char(s: &str) -> Result<Option<u8>> {
    match s.as_bytes() {
        [] => Ok(None),
        [b] => Ok(Some(*b)),
        _ => Err(bad_separator()),
    }
}

/// Parse a LOAD DATA statement.
pub fn parse(sql: &str) -> Result<LoadSpec> {
    let dialect = crate::sql::dialect::GuoceDialect::default();
    let toks = Tokenizer::new(&dialect, sql).tokenize().map_err(|e| syntax(&e.to_string()))?;
    let toks: Vec<Token> = toks
        .into_iter()
        .filter(|t| {
            !matches!(
                t,
                Token::Whitespace(Whitespace::Space | Whitespace::Newline | Whitespace::Tab)
                    | Token::Whitespace(Whitespace::SingleLineComment { .. } | Whitespace::MultiLineComment(_))
            )
        })
        .collect();
    let mut p = P { toks, pos: 0 };
    p.expect_word("load")?;
    if p.word_is("xml") {
        return Err(DbError::unsupported("LOAD XML"));
    }
    p.expect_word("data")?;
    let _ = p.eat_word("low_priority") || p.eat_word("concurrent");
    let local = p.eat_word("local");
    p.expect_word("infile")?;
    let file = p.string()?;
    let on_dup = if p.eat_word("replace") {
        OnDup::Replace
    } else if p.eat_word("ignore") {
        OnDup::Ignore
    } else {
        OnDup::Default
    };
    p.expect_word("into")?;
    p.expect_word("table")?;
    let first = p.ident()?;
    let (db, table) = if p.eat(&Token::Period) { (Some(first), p.ident()?) } else { (None, first) };
    if p.eat_word("partition") {
        return Err(DbError::unsupported("LOAD DATA … PARTITION"));
    }
    if p.eat_word("character") {
        p.expect_word("set")?;
        let _charset = p.ident().or_else(|_| p.string())?;
    } else if p.eat_word("charset") {
        let _charset = p.ident().or_else(|_| p.string())?;
    }
    let mut spec = LoadSpec {
        local,
        file,
        on_dup,
        db,
        table,
        fields_terminated: b"\t".to_vec(),
        enclosed: None,
        optionally: false,
        escaped: Some(b'\\'),
        lines_starting: Vec::new(),
        lines_terminated: b"\n".to_vec(),
        ignore_lines: 0,
        targets: Vec::new(),
        set: Vec::new(),
    };
    if p.eat_word("fields") || p.eat_word("columns") {
        let mut any = false;
        loop {
            if p.eat_word("terminated") {
                p.expect_word("by")?;
                spec.fields_terminated = p.string()?.into_bytes();
            } else if p.word_is("optionally") || p.word_is("enclosed") {
                spec.optionally = p.eat_word("optionally");
                p.expect_word("enclosed")?;
                p.expect_word("by")?;
                spec.enclosed = one_char(&p.string()?)?;
            } else if p.eat_word("escaped") {
                p.expect_word("by")?;
                spec.escaped = one_char(&p.string()?)?;
            } else {
                break;
            }
            any = true;
        }
        if !any {
            return Err(p.err());
        }
    }
    if p.eat_word("lines") {
        let mut any = false;
        loop {
            if p.eat_word("starting") {
                p.expect_word("by")?;
                spec.lines_starting = p.string()?.into_bytes();
            } else if p.eat_word("terminated") {
                p.expect_word("by")?;
                spec.lines_terminated = p.string()?.into_bytes();
            } else {
                break;
            }
            any = true;
        }
        if !any {
            return Err(p.err());
        }
    }
    if p.eat_word("ignore") {
        spec.ignore_lines = p.number()?;
        if !(p.eat_word("lines") || p.eat_word("rows")) {
            return Err(p.err());
        }
    }
    if p.eat(&Token::LParen) && !p.eat(&Token::RParen) {
        {
            loop {
                let name = p.ident()?;
                spec.targets.push(match name.strip_prefix('@') {
                    Some(v) => Target::Var(v.trim_matches('`').to_string()),
                    None => Target::Column(name),
                });
                if p.eat(&Token::RParen) {
                    break;
                }
                if !p.eat(&Token::Comma) {
                    return Err(p.err());
                }
            }
        }
    }
    if p.eat_word("set") {
        // The assignments' right-hand sides are kept as SQL text; split them
        // with sqlparser by parsing them as an UPDATE's SET list.
        let text = format!("UPDATE t SET {}", p.rest_text_spaced());
        let stmts = crate::sql::parse(&text)?;
        let Some(sqlparser::ast::Statement::Update(up)) = stmts.first() else { return Err(p.err()) };
        for a in &up.assignments {
            let col = match &a.target {
                sqlparser::ast::AssignmentTarget::ColumnName(n) => {
                    n.0.last().and_then(|p| p.as_ident()).map(|i| i.value.clone()).ok_or_else(|| p.err())?
                }
                _ => return Err(p.err()),
            };
            spec.set.push((col, a.value.clone()));
        }
        p.pos = p.toks.len();
    }
    if p.pos < p.toks.len() && !(p.pos + 1 == p.toks.len() && p.eat(&Token::SemiColon)) {
        return Err(p.err());
    }
    if spec.fields_terminated.is_empty() && spec.enclosed.is_none() {
        // Fixed-width rows (both empty) are not supported.
        return Err(DbError::unsupported("LOAD DATA with empty FIELDS TERMINATED BY and ENCLOSED BY"));
    }
    if spec.lines_terminated.is_empty() {
        return Err(DbError::unsupported("LOAD DATA with empty LINES TERMINATED BY"));
    }
    Ok(spec)
}

impl P {
    /// The remaining tokens as SQL text, separated by spaces (comments and
    /// whitespace were dropped when tokenizing).
    fn rest_text_spaced(&self) -> String {
        let parts: Vec<String> = self.toks[self.pos.min(self.toks.len())..].iter().map(|t| t.to_string()).collect();
        parts.join(" ")
    }
}

/// One field: its bytes, or `None` for NULL.
pub type Field = Option<Vec<u8>>;

/// Split `data` into rows of fields as `spec` says. The first
/// `ignore_lines` lines are skipped; with LINES STARTING BY, a line without
/// the prefix is skipped and text before the prefix is dropped.
pub fn split_rows(data: &[u8], spec: &LoadSpec) -> Result<Vec<Vec<Field>>> {
    let mut rows = Vec::new();
    let mut pos = 0;
    let mut skip = spec.ignore_lines;
    while pos < data.len() {
        if !spec.lines_starting.is_empty() {
            match find(&data[pos..], &spec.lines_starting) {
                Some(i) => pos += i + spec.lines_starting.len(),
                None => break,
            }
        }
        let (fields, next) = read_line(data, pos, spec);
        pos = next;
        if skip > 0 {
            skip -= 1;
            continue;
        }
        if rows.len() >= MAX_LOAD_ROWS {
            return Err(DbError::limit("LOAD DATA rows"));
        }
        rows.push(fields);
    }
    Ok(rows)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What an escape sequence `\c` stands for.
fn unescape(c: u8) -> u8 {
    match c {
        b'0' => 0,
        b'b' => 8,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'Z' => 26,
        other => other,
    }
}

/// Read one line starting at `pos`: its fields and where the next line
/// starts.
fn read_line(data: &[u8], mut pos: usize, spec: &LoadSpec) -> (Vec<Field>, usize) {
    let term = &spec.fields_terminated;
    let line_end = &spec.lines_terminated;
    let at = |p: usize, s: &[u8]| !s.is_empty() && data[p..].starts_with(s);
    let mut fields = Vec::new();
    loop {
        // One field.
        let mut buf = Vec::new();
        let mut quoted = false;
        let mut was_quoted = false;
        let mut escaped_null = false;
        if let Some(q) = spec.enclosed {
            if data.get(pos) == Some(&q) {
                quoted = true;
                pos += 1;
            }
        }
        let mut field_start = true;
        loop {
            if pos >= data.len() {
                break;
            }
            let c = data[pos];
            if let Some(esc) = spec.escaped {
                if c == esc && pos + 1 < data.len() {
                    let n = data[pos + 1];
                    if n == b'N' && field_start && !quoted {
                        escaped_null = true;
                    }
                    buf.push(unescape(n));
                    pos += 2;
                    field_start = false;
                    continue;
                }
            }
            if quoted {
                if Some(c) == spec.enclosed {
                    if data.get(pos + 1) == Some(&c) {
                        // A doubled enclosing character stands for itself.
                        buf.push(c);
                        pos += 2;
                        continue;
                    }
                    let after = pos + 1;
                    if after >= data.len() || at(after, term) || at(after, line_end) {
                        pos = after;
                        was_quoted = true;
                        break;
                    }
                }
                buf.push(c);
                pos += 1;
                continue;
            }
            if at(pos, term) || at(pos, line_end) {
                break;
            }
            buf.push(c);
            pos += 1;
            field_start = false;
        }
        // `\N`, or the bare word NULL when there is no escape character or
        // fields may be enclosed (an enclosed "NULL" is the string).
        let bare_null = !was_quoted && buf == b"NULL" && (spec.escaped.is_none() || spec.enclosed.is_some());
        let value = if (escaped_null && buf == b"N") || bare_null { None } else { Some(buf) };
        fields.push(value);
        if pos >= data.len() {
            return (fields, pos);
        }
        if at(pos, line_end) {
            return (fields, pos + line_end.len());
        }
        if at(pos, term) {
            pos += term.len();
            continue;
        }
        // An unterminated quoted field ran to the end.
        return (fields, data.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(sql: &str) -> LoadSpec {
        parse(sql).expect("parses")
    }

    fn rows(data: &str, s: &LoadSpec) -> Vec<Vec<Option<String>>> {
        split_rows(data.as_bytes(), s)
            .expect("splits")
            .into_iter()
            .map(|r| r.into_iter().map(|f| f.map(|b| String::from_utf8(b).expect("utf8"))).collect())
            .collect()
    }

    fn v(x: &[Option<&str>]) -> Vec<Option<String>> {
        x.iter().map(|f| f.map(str::to_string)).collect()
    }

    #[test]
    fn statement_forms_parse() {
        let s = spec(
            "LOAD DATA LOCAL INFILE '/tmp/x.csv' REPLACE INTO TABLE d.t CHARACTER SET utf8mb4 \
             FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '\\\\' \
             LINES STARTING BY '>' TERMINATED BY '\\r\\n' IGNORE 1 LINES (a, @b, c) SET d = @b * 2, e = NOW()",
        );
        assert!(s.local);
        assert_eq!(s.file, "/tmp/x.csv");
        assert_eq!(s.on_dup, OnDup::Replace);
        assert_eq!((s.db.as_deref(), s.table.as_str()), (Some("d"), "t"));
        assert_eq!(s.fields_terminated, b",");
        assert_eq!((s.enclosed, s.optionally, s.escaped), (Some(b'"'), true, Some(b'\\')));
        assert_eq!((s.lines_starting.as_slice(), s.lines_terminated.as_slice()), (&b">"[..], &b"\r\n"[..]));
        assert_eq!(s.ignore_lines, 1);
        assert_eq!(s.targets, vec![Target::Column("a".into()), Target::Var("b".into()), Target::Column("c".into())]);
        let set: Vec<(String, String)> = s.set.iter().map(|(c, e)| (c.clone(), e.to_string())).collect();
        assert_eq!(set, vec![("d".into(), "@b * 2".into()), ("e".into(), "NOW()".into())]);
        let d = spec("load data infile 'f' into table t");
        assert!(!d.local && d.on_dup == OnDup::Default && !d.ignore());
        assert!(spec("LOAD DATA LOCAL INFILE 'f' INTO TABLE t").ignore());
        assert_eq!(parse("LOAD DATA INFILE 'f' INTO TABLE t FIELDS ENCLOSED BY 'ab'").unwrap_err().code, 1083);
        assert_eq!(parse("LOAD DATA INFILE 'f' INTO t").unwrap_err().code, 1064);
        assert_eq!(parse("LOAD DATA INFILE 'f' INTO TABLE t junk").unwrap_err().code, 1064);
        assert!(is_load_data("  load  DATA local infile"));
        assert!(!is_load_data("loaded data"));
    }

    #[test]
    fn default_format_escapes_and_nulls() {
        let s = spec("LOAD DATA INFILE 'f' INTO TABLE t");
        let got = rows("1\ta\\tb\t\\N\n2\t\\\\N\tNULL\n3\n\n", &s);
        assert_eq!(
            got,
            vec![
                v(&[Some("1"), Some("a\tb"), None]),
                v(&[Some("2"), Some("\\N"), Some("NULL")]),
                v(&[Some("3")]),
                v(&[Some("")]),
            ]
        );
        // A last line without its terminator is still a row.
        assert_eq!(rows("1\t2", &s), vec![v(&[Some("1"), Some("2")])]);
    }

    #[test]
    fn csv_with_enclosures() {
        let s = spec(
            "LOAD DATA INFILE 'f' INTO TABLE t FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' \
             LINES TERMINATED BY '\\r\\n' IGNORE 1 LINES",
        );
        let data = "id,name,note\r\n1,\"a, b\",\"say \"\"hi\"\"\"\r\n2,plain,NULL\r\n3,\"NULL\",\"x\r\ny\"\r\n";
        assert_eq!(
            rows(data, &s),
            vec![
                v(&[Some("1"), Some("a, b"), Some("say \"hi\"")]),
                v(&[Some("2"), Some("plain"), None]),
                v(&[Some("3"), Some("NULL"), Some("x\r\ny")]),
            ]
        );
    }

    #[test]
    fn lines_starting_by_skips_other_lines() {
        let s = spec("LOAD DATA INFILE 'f' INTO TABLE t FIELDS TERMINATED BY ',' LINES STARTING BY 'xxx'");
        assert_eq!(
            rows("xxx1,a\nsomething else\njunk xxx2,b\n", &s),
            vec![v(&[Some("1"), Some("a")]), v(&[Some("2"), Some("b")])]
        );
    }

    #[test]
    fn no_escape_character_reads_bare_null_word() {
        let s = spec("LOAD DATA INFILE 'f' INTO TABLE t FIELDS TERMINATED BY ',' ESCAPED BY ''");
        assert_eq!(rows("NULL,a\\b\n", &s), vec![v(&[None, Some("a\\b")])]);
    }
}

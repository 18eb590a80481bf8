//! `CREATE [AGGREGATE] FUNCTION … SONAME 'f.wasm'`, the inline form
//! `CREATE FUNCTION f(a INT, …) RETURNS INT LANGUAGE WASM AS X'…'`, and
//! `DROP FUNCTION`: parsing (sqlparser does not know these forms) and
//! execution against the catalog.
//!
//! A SONAME is a bare file name resolved under `plugin_dir`, as MySQL
//! resolves loadable functions; the module's bytes are stored in the
//! catalog with their SHA-256, so a restart, a backup or a replica needs
//! nothing from the file system afterwards.

use guocedb_udf::abi::Type;

use crate::catalog::{self, Function, FunctionDef};
use crate::db::Database;
use crate::error::{DbError, Result};
use crate::sql::func;
use crate::sql::QueryResult;
use crate::wasm::{ReturnType, UdfKind, WasmHost};
use guocedb_engines::WriteBatch;

/// Where a function's module comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Soname(String),
    Inline(Vec<u8>),
}

/// A parsed CREATE FUNCTION.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateFunction {
    pub aggregate: bool,
    pub if_not_exists: bool,
    /// The name as written.
    pub name: String,
    /// The inline form's parameters: (name, ABI type).
    pub params: Option<Vec<(String, Type)>>,
    pub returns: ReturnType,
    pub source: Source,
    /// `WITH (FUEL = n, MEMORY = bytes)`.
    pub limits: crate::wasm::FunctionLimits,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Str(String),
    Hex(Vec<u8>),
    Num(String),
    Punct(char),
}

fn syntax(near: &str) -> DbError {
    DbError::parse(near.to_string())
}

fn hex_digits(s: &str) -> Result<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return Err(syntax("an odd number of hex digits"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|_| syntax("a bad hex digit")))
        .collect()
}

fn tokenize(sql: &str) -> Result<Vec<Tok>> {
    let b = sql.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i] as char;
        if c.is_ascii_whitespace() || c == ';' {
            i += 1;
        } else if (c == 'x' || c == 'X') && b.get(i + 1) == Some(&b'\'') {
            let end = sql[i + 2..].find('\'').ok_or_else(|| syntax("an unterminated hex literal"))? + i + 2;
            out.push(Tok::Hex(hex_digits(&sql[i + 2..end])?));
            i = end + 1;
        } else if c == '0' && matches!(b.get(i + 1), Some(b'x' | b'X')) {
            let end = sql[i + 2..].find(|ch: char| !ch.is_ascii_hexdigit()).map_or(sql.len(), |e| e + i + 2);
            out.push(Tok::Hex(hex_digits(&sql[i + 2..end])?));
            i = end;
        } else if c == '\'' || c == '"' {
            let mut s = String::new();
            let mut j = i + 1;
            loop {
                let Some(ch) = sql[j..].chars().next() else { return Err(syntax("an unterminated string")) };
                j += ch.len_utf8();
                if ch == c {
                    if sql[j..].starts_with(c) {
                        s.push(c);
                        j += 1;
                        continue;
                    }
                    break;
                }
                if ch == '\\' {
                    if let Some(n) = sql[j..].chars().next() {
                        s.push(n);
                        j += n.len_utf8();
                        continue;
                    }
                }
                s.push(ch);
            }
            out.push(Tok::Str(s));
            i = j;
        } else if c == '`' {
            let end = sql[i + 1..].find('`').ok_or_else(|| syntax("an unterminated identifier"))? + i + 1;
            out.push(Tok::Quoted(sql[i + 1..end].to_string()));
            i = end + 1;
        } else if c.is_ascii_digit() {
            let end = sql[i..].find(|ch: char| !ch.is_ascii_digit()).map_or(sql.len(), |e| e + i);
            out.push(Tok::Num(sql[i..end].to_string()));
            i = end;
        } else if c.is_alphanumeric() || c == '_' || c == '$' || !c.is_ascii() {
            let end = sql[i..]
                .find(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '$' || !ch.is_ascii()))
                .map_or(sql.len(), |e| e + i);
            out.push(Tok::Word(sql[i..end].to_string()));
            i = end;
        } else {
            // Any other character is punctuation; the grammar decides.
            out.push(Tok::Punct(c));
            i += c.len_utf8();
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }
    fn eat_word(&mut self, w: &str) -> bool {
        if self.peek_word(w) {
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
    fn eat_punct(&mut self, p: char) -> bool {
        if self.toks.get(self.pos) == Some(&Tok::Punct(p)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn err(&self) -> DbError {
        match self.toks.get(self.pos) {
            Some(Tok::Word(w) | Tok::Quoted(w) | Tok::Str(w) | Tok::Num(w)) => syntax(w),
            Some(Tok::Punct(p)) => syntax(&p.to_string()),
            Some(Tok::Hex(_)) => syntax("a hex literal"),
            None => syntax("the end of the statement"),
        }
    }
    fn ident(&mut self) -> Result<String> {
        match self.toks.get(self.pos).cloned() {
            Some(Tok::Word(w) | Tok::Quoted(w)) => {
                self.pos += 1;
                Ok(w)
            }
            _ => Err(self.err()),
        }
    }
    /// A SQL type name with optional `(n[,m])`, `UNSIGNED`, `CHARACTER SET x`.
    fn sql_type(&mut self) -> Result<String> {
        let t = self.ident()?.to_ascii_uppercase();
        if self.eat_punct('(') {
            while !self.eat_punct(')') {
                if self.pos >= self.toks.len() {
                    return Err(self.err());
                }
                self.pos += 1;
            }
        }
        while self.eat_word("unsigned") || self.eat_word("signed") || self.eat_word("zerofill") {}
        if self.eat_word("character") || self.eat_word("charset") {
            self.eat_word("set");
            self.ident()?;
        }
        Ok(t)
    }
    fn done(&self) -> bool {
        self.pos >= self.toks.len()
    }
}

/// The ABI type an SQL parameter type maps to.
fn abi_type(sql: &str) -> Option<Type> {
    Some(match sql {
        "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "INTEGER" | "BIGINT" | "BOOL" | "BOOLEAN" | "BIT" | "YEAR" => {
            Type::Int
        }
        "FLOAT" | "DOUBLE" | "REAL" => Type::Real,
        "DECIMAL" | "NUMERIC" | "DEC" | "FIXED" => Type::Decimal,
        "CHAR" | "VARCHAR" | "TEXT" | "TINYTEXT" | "MEDIUMTEXT" | "LONGTEXT" | "STRING" | "JSON" | "ENUM" | "SET" => {
            Type::String
        }
        "BINARY" | "VARBINARY" | "BLOB" | "TINYBLOB" | "MEDIUMBLOB" | "LONGBLOB" | "BYTES" => Type::Bytes,
        "DATE" | "DATETIME" | "TIMESTAMP" | "TIME" => Type::Temporal,
        _ => return None,
    })
}

/// The declared return type.
fn return_type(sql: &str) -> Option<ReturnType> {
    Some(match abi_type(sql) {
        _ if sql == "TABLE" => ReturnType::Table,
        Some(Type::Int) => ReturnType::Integer,
        Some(Type::Real) => ReturnType::Real,
        Some(Type::Decimal) => ReturnType::Decimal,
        Some(Type::String | Type::Bytes | Type::Temporal) => ReturnType::String,
        _ => return None,
    })
}

/// Decode standard base64 (padding optional, whitespace ignored).
fn base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Parse CREATE FUNCTION text. `Ok(None)`: not a loadable-function form
/// (a stored function, which is unsupported elsewhere).
pub fn parse_create(sql: &str) -> Result<Option<CreateFunction>> {
    let mut p = Parser { toks: tokenize(sql)?, pos: 0 };
    p.expect_word("create")?;
    let aggregate = p.eat_word("aggregate");
    p.expect_word("function")?;
    let mut if_not_exists = false;
    if p.eat_word("if") {
        p.expect_word("not")?;
        p.expect_word("exists")?;
        if_not_exists = true;
    }
    let mut name = p.ident()?;
    if p.eat_punct('.') {
        name = p.ident()?; // a database qualifier: loadable functions are global
    }
    let mut params = None;
    if p.eat_punct('(') {
        let mut list = Vec::new();
        if !p.eat_punct(')') {
            loop {
                let pname = p.ident()?;
                let t = p.sql_type()?;
                let ty = abi_type(&t).ok_or_else(|| syntax(&t))?;
                list.push((pname, ty));
                if p.eat_punct(')') {
                    break;
                }
                if !p.eat_punct(',') {
                    return Err(p.err());
                }
            }
        }
        params = Some(list);
    }
    p.expect_word("returns")?;
    let rt = p.sql_type()?;
    let returns = return_type(&rt).ok_or_else(|| syntax(&rt))?;
    let source = if p.eat_word("soname") {
        match p.toks.get(p.pos).cloned() {
            Some(Tok::Str(s)) => {
                p.pos += 1;
                Source::Soname(s)
            }
            _ => return Err(p.err()),
        }
    } else if p.eat_word("language") {
        p.expect_word("wasm")?;
        p.expect_word("as")?;
        match p.toks.get(p.pos).cloned() {
            Some(Tok::Hex(b)) => {
                p.pos += 1;
                Source::Inline(b)
            }
            Some(Tok::Str(s)) => {
                p.pos += 1;
                Source::Inline(base64(&s).ok_or_else(|| syntax("a module that is not base64"))?)
            }
            _ => return Err(p.err()),
        }
    } else {
        return Ok(None);
    };
    let mut limits = crate::wasm::FunctionLimits::default();
    if p.eat_word("with") {
        if !p.eat_punct('(') {
            return Err(p.err());
        }
        loop {
            let key = p.ident()?.to_ascii_uppercase();
            if !p.eat_punct('=') {
                return Err(p.err());
            }
            let n: u64 = match p.toks.get(p.pos) {
                Some(Tok::Num(n)) => n.parse().map_err(|_| syntax(n))?,
                _ => return Err(p.err()),
            };
            p.pos += 1;
            match key.as_str() {
                "FUEL" => limits.fuel = Some(n),
                "MEMORY" => limits.memory_bytes = Some(usize::try_from(n).map_err(|_| syntax("MEMORY"))?),
                _ => return Err(syntax(&key)),
            }
            if p.eat_punct(')') {
                break;
            }
            if !p.eat_punct(',') {
                return Err(p.err());
            }
        }
    }
    if !p.done() {
        return Err(p.err());
    }
    if matches!(source, Source::Inline(_)) && params.is_none() {
        return Err(DbError::new(
            1064,
            "42000",
            "an inline (LANGUAGE WASM) function needs a typed parameter list: CREATE FUNCTION f(a INT, …)",
        ));
    }
    if aggregate && returns == ReturnType::Table {
        return Err(syntax("AGGREGATE … RETURNS TABLE"));
    }
    Ok(Some(CreateFunction { aggregate, if_not_exists, name, params, returns, source, limits }))
}

/// Parse `DROP FUNCTION [IF EXISTS] name`: (if_exists, name).
pub fn parse_drop(sql: &str) -> Result<(bool, String)> {
    let mut p = Parser { toks: tokenize(sql)?, pos: 0 };
    p.expect_word("drop")?;
    p.expect_word("function")?;
    let if_exists = if p.eat_word("if") {
        p.expect_word("exists")?;
        true
    } else {
        false
    };
    let mut name = p.ident()?;
    if p.eat_punct('.') {
        name = p.ident()?;
    }
    if !p.done() {
        return Err(p.err());
    }
    Ok((if_exists, name))
}

/// Read a SONAME's bytes from `plugin_dir` (bare names only: error 1124).
fn read_soname(db: &Database, file: &str) -> Result<Vec<u8>> {
    if file.contains('/') || file.contains('\\') || file == ".." || file.is_empty() {
        return Err(DbError::new(1124, "HY000", "No paths allowed for shared library"));
    }
    let path = db.config.plugin_dir.join(file);
    let meta = std::fs::metadata(&path)
        .map_err(|e| DbError::new(1126, "HY000", format!("Can't open shared library '{file}' (errno: 2 {e})")))?;
    if meta.len() > db.wasm.limits.module_bytes as u64 {
        return Err(DbError::new(
            1126,
            "HY000",
            format!(
                "Can't open shared library '{file}' (errno: 22 module is {} bytes; the limit is {})",
                meta.len(),
                db.wasm.limits.module_bytes
            ),
        ));
    }
    std::fs::read(&path)
        .map_err(|e| DbError::new(1126, "HY000", format!("Can't open shared library '{file}' (errno: 5 {e})")))
}

/// Run CREATE FUNCTION. Returns the result and an optional note (warning).
pub fn create(db: &Database, cf: CreateFunction) -> Result<(QueryResult, Option<(u16, String)>)> {
    let lname = cf.name.to_ascii_lowercase();
    if func::lookup(&lname).is_some() || crate::sql::plan::agg_func(&lname).is_some() {
        return Err(DbError::new(
            1585,
            "HY000",
            format!("This function '{}' has the same name as a native function", cf.name),
        ));
    }
    let (bytes, soname) = match &cf.source {
        Source::Soname(f) => (read_soname(db, f)?, Some(f.clone())),
        Source::Inline(b) => (b.clone(), None),
    };
    let _g = db.ddl_write();
    let mut cat = (*db.catalog()).clone();
    if cat.functions.contains_key(&lname) {
        let msg = format!("Function '{}' already exists", cf.name);
        if cf.if_not_exists {
            return Ok((QueryResult::ok(0), Some((1125, msg))));
        }
        return Err(DbError::new(1125, "HY000", msg));
    }
    let kind = match (cf.aggregate, cf.returns) {
        (true, _) => UdfKind::Aggregate,
        (false, ReturnType::Table) => UdfKind::Table,
        _ => UdfKind::Scalar,
    };
    let file = soname.clone().unwrap_or_else(|| format!("<inline {}>", cf.name));
    let symbol = db.wasm.pick_symbol(&file, &bytes, &cf.name, kind)?;
    let def = FunctionDef {
        name: lname,
        symbol,
        kind,
        ret: cf.returns,
        soname,
        sha256: hex(&WasmHost::digest(&bytes)),
        args: cf.params.map(|ps| ps.into_iter().map(|(n, t)| (n, t.name().to_string())).collect()),
        limits: cf.limits,
    };
    let udf = catalog::load_udf(&db.wasm, &def, &bytes)?;
    let mut batch = WriteBatch::new();
    cat.put_function(Function { def, udf }, &bytes, &mut batch)?;
    db.commit_ddl(cat, batch)?;
    Ok((QueryResult::ok(0), None))
}

/// Run DROP FUNCTION.
pub fn drop(
    db: &Database,
    if_exists: bool,
    name: &str,
    current_db: Option<&str>,
) -> Result<(QueryResult, Option<(u16, String)>)> {
    let _g = db.ddl_write();
    let mut cat = (*db.catalog()).clone();
    let mut batch = WriteBatch::new();
    if cat.drop_function(&name.to_ascii_lowercase(), &mut batch).is_none() {
        let msg = format!("FUNCTION {}.{} does not exist", current_db.unwrap_or(""), name);
        if if_exists {
            return Ok((QueryResult::ok(0), Some((1305, msg))));
        }
        return Err(DbError::new(1305, "42000", msg));
    }
    db.commit_ddl(cat, batch)?;
    Ok((QueryResult::ok(0), None))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms() {
        let c = parse_create("CREATE AGGREGATE FUNCTION IF NOT EXISTS median RETURNS REAL SONAME 'median.wasm';")
            .unwrap()
            .unwrap();
        assert!(c.aggregate && c.if_not_exists);
        assert_eq!((c.name.as_str(), c.returns), ("median", ReturnType::Real));
        assert_eq!(c.source, Source::Soname("median.wasm".into()));
        let c = parse_create("create function `Add`(a BIGINT, b int unsigned) returns bigint language wasm as X'0061'")
            .unwrap()
            .unwrap();
        assert_eq!(c.params, Some(vec![("a".into(), Type::Int), ("b".into(), Type::Int)]));
        assert_eq!(c.source, Source::Inline(vec![0, 0x61]));
        let c =
            parse_create("CREATE FUNCTION f(s VARCHAR(10)) RETURNS TEXT LANGUAGE WASM AS 'AGFzbQ=='").unwrap().unwrap();
        assert_eq!(c.source, Source::Inline(b"\0asm".to_vec()));
        assert_eq!(c.returns, ReturnType::String);
        let c = parse_create("CREATE FUNCTION split RETURNS TABLE SONAME 'split.wasm'").unwrap().unwrap();
        assert_eq!(c.returns, ReturnType::Table);
        let c = parse_create("CREATE FUNCTION f RETURNS INT SONAME 'f.wasm' WITH (FUEL = 1000, memory=65536)")
            .unwrap()
            .unwrap();
        assert_eq!(c.limits, crate::wasm::FunctionLimits { fuel: Some(1000), memory_bytes: Some(65536) });
        assert!(parse_create("CREATE FUNCTION f RETURNS INT SONAME 'f.wasm' WITH (SPEED = 1)").is_err());
    }

    #[test]
    fn rejects_bad_text() {
        assert!(parse_create("CREATE FUNCTION f RETURNS NOPE SONAME 'x'").is_err());
        assert!(parse_create("CREATE FUNCTION f RETURNS INT SONAME 'x' extra").is_err());
        assert!(parse_create("CREATE FUNCTION f RETURNS INT LANGUAGE WASM AS X'00'").is_err(), "needs parameters");
        assert!(parse_create("CREATE FUNCTION f(a INT) RETURNS INT LANGUAGE WASM AS X'0'").is_err());
        assert_eq!(parse_create("CREATE FUNCTION f(a INT) RETURNS INT RETURN a + 1").unwrap(), None);
        assert_eq!(parse_drop("DROP FUNCTION IF EXISTS db.f;").unwrap(), (true, "f".into()));
    }
}

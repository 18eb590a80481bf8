//! The SQL dialect guocedb parses: sqlparser's MySQL dialect plus the parts
//! of MySQL 8's grammar it lacks.
//!
//! - Column type names: `NATIONAL CHAR/VARCHAR`, `NCHAR [VARYING]`,
//!   `VARCHARACTER`, `LONG [VARCHAR | VARBINARY]`, `TEXT(M)`, `SERIAL`,
//!   `FIXED`, `INT1`/`INT3`/`MIDDLEINT`, `FLOAT4`/`FLOAT8`, `YEAR` and the
//!   spatial types. Names sqlparser has no `DataType` for come back as
//!   `DataType::Custom` with a canonical upper-case name (see
//!   [`CustomType`]); `ddl::sql_type` maps them to ours.
//! - `CREATE TABLE`: the whole statement, so that every MySQL table option
//!   parses (`SECONDARY_ENGINE`, `TABLE_CHECKSUM`, `UNION = (…)`, options
//!   repeated or separated by commas, numbers written `4.2` or `0x10` where
//!   MySQL's `ulong_num` takes them). Options come out normalized as
//!   `SqlOption::KeyValue { key: NAME, value }` (see [`parse_table_options`]);
//!   what they mean is decided in `ddl`.
//!
//! Everything else is MySQL's dialect unchanged: `dialect()` reports
//! `MySqlDialect`, so the parser's MySQL-specific paths still apply. This
//! module only parses; it never looks at the catalog.

use sqlparser::ast::{
    self, CreateTableLike, CreateTableLikeKind, CreateTableOptions, DataType, ExactNumberInfo, Expr, Ident,
    NamedParenthesizedList, ObjectName, SqlOption, Statement, TypeModifier,
};
use sqlparser::dialect::{BindPlaceholderStyle, Dialect, MySqlDialect};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

/// MySQL 8's grammar on top of sqlparser's MySQL dialect. The flag is
/// `sql_mode` PIPES_AS_CONCAT: `||` then concatenates and binds tighter than
/// `*`; without it `||` is OR and binds like OR.
#[derive(Debug, Default, Clone, Copy)]
pub struct GuoceDialect(MySqlDialect, bool);

impl GuoceDialect {
    pub fn new(pipes_as_concat: bool) -> Self {
        Self(MySqlDialect {}, pipes_as_concat)
    }
}

/// Type names that have no `DataType` variant; they reach the binder as
/// `DataType::Custom(name, modifiers)` with these names.
pub struct CustomType;

impl CustomType {
    /// `BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE`.
    pub const SERIAL: &'static str = "SERIAL";
    /// `YEAR`; modifier: the display width if written.
    pub const YEAR: &'static str = "YEAR";
    /// `NATIONAL CHAR(n)` / `NCHAR(n)`; modifier: n if written, then
    /// `BINARY` if written.
    pub const NCHAR: &'static str = "NCHAR";
    /// `NATIONAL VARCHAR(n)` / `NVARCHAR(n)` / `NCHAR VARYING(n)`.
    pub const NVARCHAR: &'static str = "NVARCHAR";
    /// The spatial types, by their MySQL names.
    pub const SPATIAL: [&'static str; 8] = [
        "GEOMETRY",
        "POINT",
        "LINESTRING",
        "POLYGON",
        "MULTIPOINT",
        "MULTILINESTRING",
        "MULTIPOLYGON",
        "GEOMETRYCOLLECTION",
    ];
}

fn custom(name: &str, modifiers: Vec<TypeModifier>) -> DataType {
    DataType::Custom(ObjectName::from(vec![Ident::new(name)]), modifiers)
}

fn number_modifier(n: u64) -> TypeModifier {
    TypeModifier::Number(n.to_string(), false)
}

/// The upper-case text of the `n`th next token when it is an unquoted word.
fn peek_word(parser: &Parser, n: usize) -> Option<String> {
    match parser.peek_nth_token(n).token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    }
}

/// Consume the next token if it is the unquoted word `word`.
fn eat_word(parser: &mut Parser, word: &str) -> bool {
    if peek_word(parser, 0).as_deref() == Some(word) {
        parser.next_token();
        true
    } else {
        false
    }
}

/// `[SIGNED | UNSIGNED] [ZEROFILL]` after a numeric type: whether the type is
/// unsigned (ZEROFILL implies UNSIGNED).
fn parse_sign(parser: &mut Parser) -> bool {
    let mut unsigned = false;
    loop {
        if eat_word(parser, "UNSIGNED") || eat_word(parser, "ZEROFILL") {
            unsigned = true;
        } else if !eat_word(parser, "SIGNED") {
            return unsigned;
        }
    }
}

/// `(n)` if present.
fn parse_length(parser: &mut Parser) -> Result<Option<u64>, ParserError> {
    parser.parse_optional_precision()
}

impl GuoceDialect {
    /// The type names handled here; `None` leaves the cursor alone for
    /// sqlparser's own type parser.
    fn mysql_type(&self, parser: &mut Parser) -> Option<Result<DataType, ParserError>> {
        let first = peek_word(parser, 0)?;
        let second = peek_word(parser, 1);
        let starts = match first.as_str() {
            "NATIONAL" => matches!(second.as_deref(), Some("CHAR" | "CHARACTER" | "VARCHAR" | "VARCHARACTER")),
            "NCHAR" | "NVARCHAR" | "VARCHARACTER" | "LONG" | "SERIAL" | "FIXED" | "INT1" | "INT3" | "MIDDLEINT"
            | "FLOAT4" | "FLOAT8" | "YEAR" | "GEOMCOLLECTION" => true,
            "TEXT" => parser.peek_nth_token(1).token == Token::LParen,
            s => CustomType::SPATIAL.contains(&s),
        };
        if !starts {
            return None;
        }
        parser.next_token();
        Some(self.mysql_type_after(parser, &first))
    }

    fn mysql_type_after(&self, parser: &mut Parser, first: &str) -> Result<DataType, ParserError> {
        Ok(match first {
            "NATIONAL" | "NCHAR" | "NVARCHAR" => {
                let varying = match first {
                    "NVARCHAR" => true,
                    "NATIONAL" => {
                        let w = peek_word(parser, 0).unwrap_or_default();
                        parser.next_token();
                        matches!(w.as_str(), "VARCHAR" | "VARCHARACTER") || eat_word(parser, "VARYING")
                    }
                    _ => eat_word(parser, "VARYING") || eat_word(parser, "VARCHAR") || eat_word(parser, "VARCHARACTER"),
                };
                let len = parse_length(parser)?;
                if varying && len.is_none() {
                    return parser.expected("a length for a VARCHAR", parser.peek_token());
                }
                let mut modifiers: Vec<TypeModifier> = len.map(number_modifier).into_iter().collect();
                if eat_word(parser, "BINARY") {
                    modifiers.push(TypeModifier::Identifier(Ident::new("BINARY")));
                }
                custom(if varying { CustomType::NVARCHAR } else { CustomType::NCHAR }, modifiers)
            }
            "VARCHARACTER" => DataType::Varchar(parser.parse_optional_character_length()?),
            "LONG" => {
                if eat_word(parser, "VARBINARY") {
                    DataType::MediumBlob
                } else {
                    // LONG, LONG VARCHAR, LONG CHAR VARYING: MEDIUMTEXT.
                    if !(eat_word(parser, "VARCHAR") || eat_word(parser, "VARCHARACTER")) {
                        let w = peek_word(parser, 0);
                        if matches!(w.as_deref(), Some("CHAR" | "CHARACTER"))
                            && peek_word(parser, 1).as_deref() == Some("VARYING")
                        {
                            parser.next_token();
                            parser.next_token();
                        }
                    }
                    DataType::MediumText
                }
            }
            "TEXT" => {
                // TEXT(M): the smallest TEXT type that holds M characters of
                // utf8mb4 (4 bytes each).
                let m = parse_length(parser)?.unwrap_or(0);
                match m.saturating_mul(4) {
                    0..=255 => DataType::TinyText,
                    256..=65_535 => DataType::Text,
                    65_536..=16_777_215 => DataType::MediumText,
                    _ => DataType::LongText,
                }
            }
            "SERIAL" => custom(CustomType::SERIAL, vec![]),
            "FIXED" => {
                let info = parser.parse_exact_number_optional_precision_scale()?;
                if parse_sign(parser) {
                    DataType::DecimalUnsigned(info)
                } else {
                    DataType::Decimal(info)
                }
            }
            "INT1" | "INT3" | "MIDDLEINT" => {
                let p = parse_length(parser)?;
                let unsigned = parse_sign(parser);
                match (first == "INT1", unsigned) {
                    (true, false) => DataType::TinyInt(p),
                    (true, true) => DataType::TinyIntUnsigned(p),
                    (false, false) => DataType::MediumInt(p),
                    (false, true) => DataType::MediumIntUnsigned(p),
                }
            }
            "FLOAT4" | "FLOAT8" => {
                let unsigned = parse_sign(parser);
                match (first == "FLOAT4", unsigned) {
                    (true, false) => DataType::Float(ExactNumberInfo::None),
                    (true, true) => DataType::FloatUnsigned(ExactNumberInfo::None),
                    (false, false) => DataType::Double(ExactNumberInfo::None),
                    (false, true) => DataType::DoubleUnsigned(ExactNumberInfo::None),
                }
            }
            "YEAR" => {
                let width = parse_length(parser)?;
                // UNSIGNED / ZEROFILL are accepted and mean nothing for YEAR.
                let _ = parse_sign(parser);
                custom(CustomType::YEAR, width.map(number_modifier).into_iter().collect())
            }
            "GEOMCOLLECTION" => custom("GEOMETRYCOLLECTION", vec![]),
            spatial => custom(spatial, vec![]),
        })
    }
}

/// MySQL 8's CHECK operations sqlparser lacks, when they are an ALTER
/// TABLE's only operation:
///
/// - `ALTER TABLE t DROP CHECK c` → `DROP CONSTRAINT c`;
/// - `ALTER TABLE t ALTER {CHECK | CONSTRAINT} c [NOT] ENFORCED` →
///   `ADD CONSTRAINT c CHECK (NULL) [NOT] ENFORCED` with `not_valid` set,
///   which `ddl` reads as "change the enforcement of `c`" (MySQL has no
///   NOT VALID, so the marker cannot come from SQL text).
///
/// Anything else is left to sqlparser (the tokens are put back).
fn parse_alter_check(parser: &mut Parser) -> Option<Result<Statement, ParserError>> {
    if peek_word(parser, 0).as_deref() != Some("ALTER") || peek_word(parser, 1).as_deref() != Some("TABLE") {
        return None;
    }
    let start = parser.index();
    let rewind = |parser: &mut Parser| {
        while parser.index() > start {
            parser.prev_token();
        }
    };
    parser.next_token();
    parser.next_token();
    let Ok(name) = parser.parse_object_name(false) else {
        rewind(parser);
        return None;
    };
    let op = match (peek_word(parser, 0).as_deref(), peek_word(parser, 1).as_deref()) {
        (Some("DROP"), Some("CHECK")) => {
            parser.next_token();
            parser.next_token();
            match parser.parse_identifier() {
                Ok(n) => ast::AlterTableOperation::DropConstraint { if_exists: false, name: n, drop_behavior: None },
                Err(_) => {
                    rewind(parser);
                    return None;
                }
            }
        }
        (Some("ALTER"), Some("CHECK" | "CONSTRAINT")) => {
            parser.next_token();
            parser.next_token();
            let Ok(n) = parser.parse_identifier() else {
                rewind(parser);
                return None;
            };
            let enforced = !eat_word(parser, "NOT");
            if !eat_word(parser, "ENFORCED") {
                rewind(parser);
                return None;
            }
            ast::AlterTableOperation::AddConstraint {
                constraint: ast::TableConstraint::Check(ast::CheckConstraint {
                    name: Some(n),
                    expr: Box::new(Expr::value(ast::Value::Null)),
                    no_inherit: false,
                    enforced: Some(enforced),
                }),
                not_valid: true,
            }
        }
        _ => {
            rewind(parser);
            return None;
        }
    };
    if !matches!(parser.peek_token().token, Token::EOF | Token::SemiColon) {
        rewind(parser);
        return None;
    }
    Some(Ok(Statement::AlterTable(ast::AlterTable {
        name,
        if_exists: false,
        only: false,
        operations: vec![op],
        location: None,
        on_cluster: None,
        table_type: None,
        end_token: ast::helpers::attached_token::AttachedToken::empty(),
    })))
}

/// `CREATE [TEMPORARY] TABLE` ahead?
fn at_create_table(parser: &Parser) -> bool {
    if peek_word(parser, 0).as_deref() != Some("CREATE") {
        return false;
    }
    match peek_word(parser, 1).as_deref() {
        Some("TABLE") => true,
        Some("TEMPORARY") => peek_word(parser, 2).as_deref() == Some("TABLE"),
        _ => false,
    }
}

/// MySQL's `CREATE TABLE`:
///
/// ```text
/// CREATE [TEMPORARY] TABLE [IF NOT EXISTS] name
///     { LIKE old | (LIKE old)
///     | [(create_definition, …)] [table_options] [IGNORE | REPLACE] [AS] query
///     | (create_definition, …) [table_options] }
/// ```
fn parse_create_table(parser: &mut Parser) -> Result<Statement, ParserError> {
    parser.expect_keyword(Keyword::CREATE)?;
    let temporary = eat_word(parser, "TEMPORARY");
    parser.expect_keyword(Keyword::TABLE)?;
    let if_not_exists = parser.parse_keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
    let name = parser.parse_object_name(false)?;
    let builder = ast::helpers::stmt_create_table::CreateTableBuilder::new(name)
        .temporary(temporary)
        .if_not_exists(if_not_exists);
    if parser.parse_keyword(Keyword::LIKE) {
        let like = CreateTableLike { name: parser.parse_object_name(false)?, defaults: None };
        return Ok(Statement::CreateTable(builder.like(Some(CreateTableLikeKind::Plain(like))).build()));
    }
    if parser.peek_token().token == Token::LParen && peek_word(parser, 1).as_deref() == Some("LIKE") {
        parser.next_token();
        parser.next_token();
        let like = CreateTableLike { name: parser.parse_object_name(false)?, defaults: None };
        parser.expect_token(&Token::RParen)?;
        return Ok(Statement::CreateTable(builder.like(Some(CreateTableLikeKind::Parenthesized(like))).build()));
    }
    let (columns, constraints) = parser.parse_columns()?;
    let options = parse_table_options(parser)?;
    if peek_word(parser, 0).as_deref() == Some("PARTITION") {
        return parser.expected("end of statement (partitioned tables are not supported)", parser.peek_token());
    }
    // IGNORE / REPLACE only qualify a CREATE … SELECT.
    let _ = eat_word(parser, "IGNORE") || eat_word(parser, "REPLACE");
    let query = if parser.parse_keyword(Keyword::AS)
        || matches!(peek_word(parser, 0).as_deref(), Some("SELECT" | "WITH" | "VALUES" | "TABLE"))
        || parser.peek_token().token == Token::LParen
    {
        Some(parser.parse_query()?)
    } else {
        None
    };
    let table_options = if options.is_empty() { CreateTableOptions::None } else { CreateTableOptions::Plain(options) };
    Ok(Statement::CreateTable(
        builder.columns(columns).constraints(constraints).table_options(table_options).query(query).build(),
    ))
}

/// How a table option's value is written.
#[derive(Clone, Copy)]
enum OptionValue {
    /// MySQL's `ulong_num`: an integer, hex or decimal number (truncated).
    Ulong,
    /// `ulonglong_num`: like `ulong_num` but no hex.
    Ulonglong,
    /// `0`, `1` or `DEFAULT`.
    Ternary,
    /// `STATS_SAMPLE_PAGES`: 1..65535 or `DEFAULT`.
    SamplePages,
    /// A quoted string.
    Text,
    /// A name: an identifier or a quoted string.
    Name,
    /// A name, `DEFAULT` or `BINARY` (character sets and collations).
    CharsetName,
    /// A name or `NULL` (SECONDARY_ENGINE).
    NameOrNull,
    /// One of the listed words.
    Word(&'static [&'static str]),
}

const ROW_FORMATS: &[&str] = &["DEFAULT", "DYNAMIC", "FIXED", "COMPRESSED", "REDUNDANT", "COMPACT"];

/// MySQL 8's table options (`create_table_option` in its grammar): the
/// written key(s), the normalized key, and the kind of value.
fn option_spec(parser: &Parser) -> Option<(usize, &'static str, OptionValue)> {
    use OptionValue::*;
    let w0 = peek_word(parser, 0)?;
    let w1 = peek_word(parser, 1);
    let w2 = peek_word(parser, 2);
    Some(match (w0.as_str(), w1.as_deref(), w2.as_deref()) {
        ("ENGINE", ..) => (1, "ENGINE", Name),
        ("SECONDARY_ENGINE", ..) => (1, "SECONDARY_ENGINE", NameOrNull),
        ("MAX_ROWS", ..) => (1, "MAX_ROWS", Ulonglong),
        ("MIN_ROWS", ..) => (1, "MIN_ROWS", Ulonglong),
        ("AVG_ROW_LENGTH", ..) => (1, "AVG_ROW_LENGTH", Ulong),
        ("PASSWORD", ..) => (1, "PASSWORD", Text),
        ("COMMENT", ..) => (1, "COMMENT", Text),
        ("COMPRESSION", ..) => (1, "COMPRESSION", Text),
        ("ENCRYPTION", ..) => (1, "ENCRYPTION", Text),
        ("AUTO_INCREMENT", ..) => (1, "AUTO_INCREMENT", Ulonglong),
        ("PACK_KEYS", ..) => (1, "PACK_KEYS", Ternary),
        ("STATS_AUTO_RECALC", ..) => (1, "STATS_AUTO_RECALC", Ternary),
        ("STATS_PERSISTENT", ..) => (1, "STATS_PERSISTENT", Ternary),
        ("STATS_SAMPLE_PAGES", ..) => (1, "STATS_SAMPLE_PAGES", SamplePages),
        ("CHECKSUM" | "TABLE_CHECKSUM", ..) => (1, "CHECKSUM", Ulong),
        ("DELAY_KEY_WRITE", ..) => (1, "DELAY_KEY_WRITE", Ulong),
        ("ROW_FORMAT", ..) => (1, "ROW_FORMAT", Word(ROW_FORMATS)),
        ("INSERT_METHOD", ..) => (1, "INSERT_METHOD", Word(&["NO", "FIRST", "LAST"])),
        ("KEY_BLOCK_SIZE", ..) => (1, "KEY_BLOCK_SIZE", Ulong),
        ("CONNECTION", ..) => (1, "CONNECTION", Text),
        ("ENGINE_ATTRIBUTE", ..) => (1, "ENGINE_ATTRIBUTE", Text),
        ("SECONDARY_ENGINE_ATTRIBUTE", ..) => (1, "SECONDARY_ENGINE_ATTRIBUTE", Text),
        ("AUTOEXTEND_SIZE", ..) => (1, "AUTOEXTEND_SIZE", Ulonglong),
        ("STORAGE", ..) => (1, "STORAGE", Word(&["DISK", "MEMORY"])),
        ("DATA", Some("DIRECTORY"), _) => (2, "DATA DIRECTORY", Text),
        ("INDEX", Some("DIRECTORY"), _) => (2, "INDEX DIRECTORY", Text),
        ("CHARSET", ..) => (1, "CHARSET", CharsetName),
        ("CHARACTER", Some("SET"), _) => (2, "CHARSET", CharsetName),
        ("COLLATE", ..) => (1, "COLLATE", CharsetName),
        ("DEFAULT", Some("CHARSET"), _) => (2, "CHARSET", CharsetName),
        ("DEFAULT", Some("CHARACTER"), Some("SET")) => (3, "CHARSET", CharsetName),
        ("DEFAULT", Some("COLLATE"), _) => (2, "COLLATE", CharsetName),
        _ => return None,
    })
}

fn key(name: &str) -> ObjectName {
    ObjectName::from(vec![Ident::new(name)])
}

fn number_expr(n: u64) -> Expr {
    Expr::value(ast::Value::Number(n.to_string(), false))
}

/// The value of MySQL's `ulong_num` / `ulonglong_num`: integers as written,
/// decimals and floats truncated at the point (MySQL reads them with
/// `strtoul`), hex (`0x1F`) only where `hex` allows.
fn parse_unsigned_number(parser: &mut Parser, hex: bool) -> Result<u64, ParserError> {
    let t = parser.next_token();
    match &t.token {
        Token::Number(s, _) => {
            let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
            if digits.is_empty() {
                return parser.expected("a number", t);
            }
            Ok(digits.parse::<u64>().unwrap_or(u64::MAX))
        }
        Token::HexStringLiteral(h) if hex => {
            let h = h.trim_start_matches('0').replace('_', "");
            if h.is_empty() {
                return Ok(0);
            }
            u64::from_str_radix(&h, 16).or_else(|_| parser.expected("a number", t.clone()))
        }
        _ => parser.expected("a number", t),
    }
}

/// A name written as an identifier or a quoted string.
fn parse_name(parser: &mut Parser) -> Result<String, ParserError> {
    let t = parser.next_token();
    match t.token {
        Token::Word(w) => Ok(w.value),
        Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => Ok(s),
        _ => parser.expected("a name", t),
    }
}

/// `table_options`: options separated by spaces or commas, each written
/// `KEY [=] value`. A repeated option overrides the earlier one (the caller
/// keeps the last). Unknown words end the list.
pub fn parse_table_options(parser: &mut Parser) -> Result<Vec<SqlOption>, ParserError> {
    let mut out = Vec::new();
    loop {
        if peek_word(parser, 0).as_deref() == Some("START") && peek_word(parser, 1).as_deref() == Some("TRANSACTION") {
            parser.next_token();
            parser.next_token();
            out.push(SqlOption::Ident(key("START TRANSACTION")));
        } else if peek_word(parser, 0).as_deref() == Some("UNION") && {
            let n = if parser.peek_nth_token(1).token == Token::Eq { 2 } else { 1 };
            parser.peek_nth_token(n).token == Token::LParen
        } {
            parser.next_token();
            let _ = parser.consume_token(&Token::Eq);
            parser.expect_token(&Token::LParen)?;
            let mut tables = Vec::new();
            if !parser.consume_token(&Token::RParen) {
                loop {
                    let n = parser.parse_object_name(false)?;
                    let parts: Vec<String> =
                        n.0.iter()
                            .map(|p| match p {
                                ast::ObjectNamePart::Identifier(i) => i.value.clone(),
                                other => other.to_string(),
                            })
                            .collect();
                    tables.push(Ident::new(parts.join(".")));
                    if parser.consume_token(&Token::RParen) {
                        break;
                    }
                    parser.expect_token(&Token::Comma)?;
                }
            }
            out.push(SqlOption::NamedParenthesizedList(NamedParenthesizedList {
                key: Ident::new("UNION"),
                name: None,
                values: tables,
            }));
        } else if peek_word(parser, 0).as_deref() == Some("TABLESPACE") {
            parser.next_token();
            let _ = parser.consume_token(&Token::Eq);
            let name = parse_name(parser)?;
            out.push(SqlOption::KeyValue { key: key("TABLESPACE"), value: Expr::Identifier(Ident::new(name)) });
            if eat_word(parser, "STORAGE") {
                let w = parse_word(parser, &["DISK", "MEMORY"])?;
                out.push(SqlOption::KeyValue { key: key("STORAGE"), value: Expr::Identifier(Ident::new(w)) });
            }
        } else if let Some((words, name, kind)) = option_spec(parser) {
            for _ in 0..words {
                parser.next_token();
            }
            let _ = parser.consume_token(&Token::Eq);
            let value = option_value(parser, kind)?;
            out.push(SqlOption::KeyValue { key: key(name), value });
        } else {
            return Ok(out);
        }
        let _ = parser.consume_token(&Token::Comma);
    }
}

/// One of `words` (upper case in the result).
fn parse_word(parser: &mut Parser, words: &[&str]) -> Result<String, ParserError> {
    match peek_word(parser, 0) {
        Some(w) if words.contains(&w.as_str()) => {
            parser.next_token();
            Ok(w)
        }
        _ => parser.expected(&words.join(" or "), parser.peek_token()),
    }
}

fn option_value(parser: &mut Parser, kind: OptionValue) -> Result<Expr, ParserError> {
    use OptionValue::*;
    let ident = |s: String| Expr::Identifier(Ident::new(s));
    Ok(match kind {
        Ulong => number_expr(parse_unsigned_number(parser, true)?),
        Ulonglong => number_expr(parse_unsigned_number(parser, false)?),
        Ternary | SamplePages => {
            if eat_word(parser, "DEFAULT") {
                ident("DEFAULT".into())
            } else {
                let at = parser.peek_token();
                let n = parse_unsigned_number(parser, true)?;
                let ok = match kind {
                    Ternary => n <= 1,
                    _ => (1..=0xFFFF).contains(&n),
                };
                if !ok {
                    return parser.expected("a valid option value", at);
                }
                number_expr(n)
            }
        }
        Text => {
            let t = parser.next_token();
            match t.token {
                Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => {
                    Expr::value(ast::Value::SingleQuotedString(s))
                }
                _ => return parser.expected("a quoted string", t),
            }
        }
        Name => ident(parse_name(parser)?),
        CharsetName => {
            if eat_word(parser, "DEFAULT") {
                ident("DEFAULT".into())
            } else {
                ident(parse_name(parser)?)
            }
        }
        NameOrNull => {
            if parser.parse_keyword(Keyword::NULL) {
                Expr::value(ast::Value::Null)
            } else {
                ident(parse_name(parser)?)
            }
        }
        Word(words) => ident(parse_word(parser, words)?),
    })
}

impl Dialect for GuoceDialect {
    fn dialect(&self) -> std::any::TypeId {
        self.0.dialect()
    }

    /// `INTERVAL expr HOUR_MINUTE` and MySQL's other composite units, which
    /// sqlparser does not know: parsed here as an interval whose unit is a
    /// custom field; any other INTERVAL is left to sqlparser.
    fn parse_prefix(&self, parser: &mut Parser) -> Option<Result<Expr, ParserError>> {
        if peek_word(parser, 0).as_deref() != Some("INTERVAL") {
            return self.0.parse_prefix(parser);
        }
        parser.next_token();
        // Rewinding stops on the INTERVAL token: the first non-whitespace
        // token before this index.
        let after = parser.index();
        let value = parser.parse_expr().ok();
        let unit = peek_word(parser, 0).filter(|w| crate::sql::temporal::composite(w).is_some());
        match (value, unit) {
            (Some(value), Some(unit)) => {
                parser.next_token();
                Some(Ok(Expr::Interval(ast::Interval {
                    value: Box::new(value),
                    leading_field: Some(ast::DateTimeField::Custom(ast::Ident::new(unit))),
                    leading_precision: None,
                    last_field: None,
                    fractional_seconds_precision: None,
                })))
            }
            _ => {
                while parser.index() >= after {
                    parser.prev_token();
                }
                None
            }
        }
    }

    /// EXTRACT(YEAR_MONTH FROM …) and the other composite units.
    fn allow_extract_custom(&self) -> bool {
        true
    }

    fn parse_statement(&self, parser: &mut Parser) -> Option<Result<Statement, ParserError>> {
        if at_create_table(parser) {
            return Some(parse_create_table(parser));
        }
        if let Some(stmt) = parse_alter_check(parser) {
            return Some(stmt);
        }
        self.0.parse_statement(parser)
    }

    fn parse_data_type(&self, parser: &mut Parser) -> Option<Result<DataType, ParserError>> {
        self.mysql_type(parser)
    }

    /// `SERIAL DEFAULT VALUE` (an integer column's NOT NULL AUTO_INCREMENT
    /// UNIQUE) comes back as a dialect-specific option `SERIAL DEFAULT VALUE`.
    fn parse_column_option(
        &self,
        parser: &mut Parser,
    ) -> Result<Option<Result<Option<ast::ColumnOption>, ParserError>>, ParserError> {
        if peek_word(parser, 0).as_deref() == Some("SERIAL")
            && peek_word(parser, 1).as_deref() == Some("DEFAULT")
            && peek_word(parser, 2).as_deref() == Some("VALUE")
        {
            let tokens = (0..3).map(|_| parser.next_token().token).collect();
            return Ok(Some(Ok(Some(ast::ColumnOption::DialectSpecific(tokens)))));
        }
        self.0.parse_column_option(parser)
    }

    // The rest is MySqlDialect's behaviour, forwarded one by one (a
    // wrapper dialect must forward every method MySqlDialect overrides).

    fn supports_string_literal_table_alias(&self, explicit: bool) -> bool {
        self.0.supports_string_literal_table_alias(explicit)
    }
    fn is_identifier_start(&self, ch: char) -> bool {
        self.0.is_identifier_start(ch)
    }
    fn is_identifier_part(&self, ch: char) -> bool {
        self.0.is_identifier_part(ch)
    }
    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        self.0.is_delimited_identifier_start(ch)
    }
    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        self.0.identifier_quote_style(identifier)
    }
    fn ordered_bind_placeholder_style(&self) -> Option<BindPlaceholderStyle> {
        self.0.ordered_bind_placeholder_style()
    }
    fn supports_string_literal_backslash_escape(&self) -> bool {
        self.0.supports_string_literal_backslash_escape()
    }
    fn supports_string_literal_concatenation(&self) -> bool {
        self.0.supports_string_literal_concatenation()
    }
    fn ignores_wildcard_escapes(&self) -> bool {
        self.0.ignores_wildcard_escapes()
    }
    fn supports_numeric_prefix(&self) -> bool {
        self.0.supports_numeric_prefix()
    }
    fn supports_literal_prefix_in_qualified_name(&self) -> bool {
        self.0.supports_literal_prefix_in_qualified_name()
    }
    fn supports_bitwise_shift_operators(&self) -> bool {
        self.0.supports_bitwise_shift_operators()
    }
    fn supports_singular_value_keyword(&self) -> bool {
        self.0.supports_singular_value_keyword()
    }
    fn supports_multiline_comment_hints(&self) -> bool {
        self.0.supports_multiline_comment_hints()
    }
    fn parse_infix(&self, parser: &mut Parser, expr: &Expr, precedence: u8) -> Option<Result<Expr, ParserError>> {
        // The infix loop grows a chain without the parser's recursion
        // counter seeing it: refuse it here, before it is deeper than
        // anything after the parser can walk (see `depth`).
        let cap = super::depth::MAX_NESTING;
        if super::depth::left_chain_len(expr, cap) >= cap {
            return Some(Err(ParserError::RecursionLimitExceeded));
        }
        self.0.parse_infix(parser, expr, precedence)
    }
    fn require_interval_qualifier(&self) -> bool {
        self.0.require_interval_qualifier()
    }
    fn supports_limit_comma(&self) -> bool {
        self.0.supports_limit_comma()
    }
    fn supports_create_table_select(&self) -> bool {
        self.0.supports_create_table_select()
    }
    fn supports_insert_set(&self) -> bool {
        self.0.supports_insert_set()
    }
    fn supports_user_host_grantee(&self) -> bool {
        self.0.supports_user_host_grantee()
    }
    fn is_table_factor_alias(&self, explicit: bool, kw: &Keyword, parser: &mut Parser) -> bool {
        self.0.is_table_factor_alias(explicit, kw, parser)
    }
    fn supports_table_hints(&self) -> bool {
        self.0.supports_table_hints()
    }
    fn requires_single_line_comment_whitespace(&self) -> bool {
        self.0.requires_single_line_comment_whitespace()
    }
    fn supports_hash_comment(&self) -> bool {
        self.0.supports_hash_comment()
    }
    fn supports_match_against(&self) -> bool {
        self.0.supports_match_against()
    }
    fn supports_select_modifiers(&self) -> bool {
        self.0.supports_select_modifiers()
    }
    fn supports_set_names(&self) -> bool {
        self.0.supports_set_names()
    }
    fn supports_comma_separated_set_assignments(&self) -> bool {
        self.0.supports_comma_separated_set_assignments()
    }
    fn supports_alter_column_position(&self) -> bool {
        self.0.supports_alter_column_position()
    }
    fn supports_update_order_by(&self) -> bool {
        self.0.supports_update_order_by()
    }
    fn supports_data_type_signed_suffix(&self) -> bool {
        self.0.supports_data_type_signed_suffix()
    }
    fn supports_data_type_zerofill_suffix(&self) -> bool {
        self.0.supports_data_type_zerofill_suffix()
    }
    fn supports_cross_join_constraint(&self) -> bool {
        self.0.supports_cross_join_constraint()
    }
    fn supports_double_ampersand_operator(&self) -> bool {
        self.0.supports_double_ampersand_operator()
    }
    fn get_next_precedence(&self, parser: &Parser) -> Option<Result<u8, ParserError>> {
        if parser.peek_token_ref().token == Token::StringConcat {
            use sqlparser::dialect::Precedence;
            // Concatenation binds tighter than `*` (MySQL puts it just below `^`).
            let p = if self.1 { self.prec_value(Precedence::MulDivModOp) + 1 } else { self.prec_value(Precedence::Or) };
            return Some(Ok(p));
        }
        self.0.get_next_precedence(parser)
    }
    fn supports_binary_kw_as_cast(&self) -> bool {
        self.0.supports_binary_kw_as_cast()
    }
    fn supports_table_partitions(&self) -> bool {
        self.0.supports_table_partitions()
    }
    fn supports_comment_optimizer_hint(&self) -> bool {
        self.0.supports_comment_optimizer_hint()
    }
    fn supports_constraint_keyword_without_name(&self) -> bool {
        self.0.supports_constraint_keyword_without_name()
    }
    fn supports_key_column_option(&self) -> bool {
        self.0.supports_key_column_option()
    }
    fn supports_group_by_with_modifier(&self) -> bool {
        self.0.supports_group_by_with_modifier()
    }
    fn supports_left_associative_joins_without_parens(&self) -> bool {
        self.0.supports_left_associative_joins_without_parens()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(sql: &str) -> Result<Vec<Statement>, ParserError> {
        Parser::parse_sql(&GuoceDialect::default(), sql)
    }

    fn options(sql: &str) -> Vec<String> {
        match parse(sql).ok().and_then(|mut v| v.pop()) {
            Some(Statement::CreateTable(ct)) => match ct.table_options {
                CreateTableOptions::Plain(o) => o.iter().map(|o| o.to_string()).collect(),
                _ => vec![],
            },
            other => panic!("not a CREATE TABLE: {other:?}"),
        }
    }

    #[test]
    fn table_options_normalize() {
        assert_eq!(
            options("CREATE TABLE t (a INT) KEY_BLOCK_SIZE 4.2, TABLE_CHECKSUM = 0x9 SECONDARY_ENGINE NULL"),
            ["KEY_BLOCK_SIZE = 4", "CHECKSUM = 9", "SECONDARY_ENGINE = NULL"]
        );
        assert_eq!(
            options("CREATE TABLE t (a INT) UNION = (a, `b`) INSERT_METHOD LAST"),
            ["UNION = (a, b)", "INSERT_METHOD = LAST"]
        );
        assert_eq!(
            options("CREATE TABLE t (a INT) DEFAULT CHARACTER SET = utf8mb4 COLLATE BINARY"),
            ["CHARSET = utf8mb4", "COLLATE = BINARY"]
        );
    }

    #[test]
    fn mysql_grammar_limits_hold() {
        // ulonglong_num takes no hex; ternary options take 0, 1 or DEFAULT.
        assert!(parse("CREATE TABLE t (a INT) MAX_ROWS 0x10").is_err());
        assert!(parse("CREATE TABLE t (a INT) PACK_KEYS 2").is_err());
        assert!(parse("CREATE TABLE t (a INT) STATS_SAMPLE_PAGES 0").is_err());
        assert!(parse("CREATE TABLE t (a INT) ROW_FORMAT SLOW").is_err());
        assert!(parse("CREATE TABLE t (a INT) PACK_KEYS DEFAULT STATS_PERSISTENT 0").is_ok());
    }

    #[test]
    fn type_names() {
        let col_type = |sql: &str| match parse(sql).ok().and_then(|mut v| v.pop()) {
            Some(Statement::CreateTable(ct)) => ct.columns[0].data_type.to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(col_type("CREATE TABLE t (a NATIONAL VARCHAR (4) UNIQUE)"), "NVARCHAR(4)");
        assert_eq!(col_type("CREATE TABLE t (a NCHAR VARYING(9))"), "NVARCHAR(9)");
        assert_eq!(col_type("CREATE TABLE t (a NCHAR)"), "NCHAR");
        assert_eq!(col_type("CREATE TABLE t (a LONG COMMENT 'x')"), "MEDIUMTEXT");
        assert_eq!(col_type("CREATE TABLE t (a LONG VARBINARY)"), "MEDIUMBLOB");
        assert_eq!(col_type("CREATE TABLE t (a FIXED(5,2) UNSIGNED)"), "DECIMAL(5,2) UNSIGNED");
        assert_eq!(col_type("CREATE TABLE t (a SERIAL)"), "SERIAL");
        assert_eq!(col_type("CREATE TABLE t (a YEAR(4))"), "YEAR(4)");
        assert_eq!(col_type("CREATE TABLE t (a GEOMCOLLECTION)"), "GEOMETRYCOLLECTION");
        assert_eq!(col_type("CREATE TABLE t (a TEXT(10))"), "TINYTEXT");
        let serial_default = |sql: &str| match parse(sql).ok().and_then(|mut v| v.pop()) {
            Some(Statement::CreateTable(ct)) => {
                ct.columns[0].options.iter().map(|o| o.option.to_string()).collect::<Vec<_>>()
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(
            serial_default("CREATE TABLE t (a INT SERIAL DEFAULT VALUE COMMENT 'x')"),
            ["SERIAL DEFAULT VALUE", "COMMENT 'x'"]
        );
        // Column names that look like type words still parse as names.
        assert!(parse("CREATE TABLE t (year INT, point INT, long INT)").is_ok());
        assert!(parse("SELECT year, point FROM t").is_ok());
    }
}

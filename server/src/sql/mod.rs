//! SQL: parse (sqlparser, MySQL dialect) → bind → plan → execute.
//!
//! `plan` turns an AST into a bound [`plan::Plan`]; `exec` runs plans over a
//! transaction; `table` writes rows and index entries; `ddl`, `dml` and
//! `show` implement the statements of their names. This layer never talks
//! to the network and never touches the engine except through `txn`.

pub mod charset;
pub mod constraints;
pub mod conversion;
pub mod ddl;
pub mod depth;
pub mod dialect;
pub mod dml;
pub mod exec;
pub mod expr;
pub mod fk;
pub mod func;
pub mod funclib;
pub mod json;
pub mod jsonfn;
pub mod load;
pub mod plan;
pub mod show;
pub mod table;
pub mod temporal;
pub mod timezone;
pub mod types;
pub mod udf;
pub mod value;
pub mod window;

use plan::ColumnInfo;
use value::Value;

/// The outcome of one statement.
#[derive(Debug, Clone)]
pub enum QueryResult {
    /// A result set.
    Rows { columns: Vec<ColumnInfo>, rows: Vec<Vec<Value>> },
    /// An OK packet.
    Ok { affected: u64, last_insert_id: u64, info: String },
}

impl QueryResult {
    pub fn ok(affected: u64) -> Self {
        QueryResult::Ok { affected, last_insert_id: 0, info: String::new() }
    }
}

/// Parse SQL text with MySQL 8's grammar ([`dialect::GuoceDialect`]).
pub fn parse(sql: &str) -> crate::error::Result<Vec<sqlparser::ast::Statement>> {
    parse_in_mode(sql, false)
}

/// [`parse`] with `sql_mode` PIPES_AS_CONCAT on or off.
pub fn parse_in_mode(sql: &str, pipes_as_concat: bool) -> crate::error::Result<Vec<sqlparser::ast::Statement>> {
    let dialect = dialect::GuoceDialect::new(pipes_as_concat);
    sqlparser::parser::Parser::new(&dialect)
        .with_recursion_limit(200)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| {
            if matches!(e, sqlparser::parser::ParserError::RecursionLimitExceeded) {
                return depth::too_deep();
            }
            let msg = e.to_string();
            let near = msg.rsplit("found: ").next().unwrap_or(&msg).to_string();
            crate::error::DbError::parse(near)
        })
        .and_then(depth::check)
}

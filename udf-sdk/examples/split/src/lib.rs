//! Table functions.
//!
//! ```sql
//! CREATE FUNCTION split RETURNS TABLE SONAME 'split.wasm';
//! SELECT * FROM split('a,b,,c', ',');
//! -- part | idx:  'a' 1, 'b' 2, '' 3, 'c' 4
//! ```

use guocedb_udf::table;

/// The pieces of `s` between occurrences of `sep`, numbered from 1. An
/// empty separator is an error; a NULL argument gives no rows.
#[table(columns = "part STRING, idx INT")]
pub fn split(s: &str, sep: &str) -> Result<Vec<(String, i64)>, String> {
    if sep.is_empty() {
        return Err("split: the separator must not be empty".into());
    }
    Ok(s.split(sep).zip(1..).map(|(part, i)| (part.to_string(), i)).collect())
}

/// The characters of `s` with their code points: rows from an iterator.
#[table(columns = "ch STRING, code INT")]
pub fn chars(s: &str) -> impl Iterator<Item = (String, i64)> + '_ {
    s.chars().map(|c| (c.to_string(), i64::from(u32::from(c))))
}

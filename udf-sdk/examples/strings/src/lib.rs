//! String scalar functions.
//!
//! ```sql
//! CREATE FUNCTION initcap RETURNS STRING SONAME 'strings.wasm';
//! SELECT initcap('hello wORLD'), reverse_words('a b c'), count_vowels('Éclair');
//! -- 'Hello World', 'c b a', 3
//! ```

use guocedb_udf::scalar;

/// Upper-cases the first letter of each word and lower-cases the rest
/// (words are separated by anything that is not alphanumeric).
#[scalar]
pub fn initcap(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at_start = true;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if at_start {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            at_start = false;
        } else {
            out.push(c);
            at_start = true;
        }
    }
    out
}

/// The words of `s` (split on whitespace) in reverse order, one space apart.
#[scalar]
pub fn reverse_words(s: &str) -> String {
    s.split_whitespace().rev().collect::<Vec<_>>().join(" ")
}

/// How many vowels (a, e, i, o, u, with or without accents, any case).
#[scalar]
pub fn count_vowels(s: &str) -> i64 {
    s.chars()
        .flat_map(char::to_lowercase)
        .filter(
            |c| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'à'..='å' | 'è'..='ë' | 'ì'..='ï' | 'ò'..='ö' | 'ù'..='ü'),
        )
        .count() as i64
}

/// `s` repeated `n` times; NULL for a negative `n`, an error past 1 MiB.
#[scalar]
pub fn repeat_str(s: &str, n: i64) -> Result<Option<String>, String> {
    let Ok(n) = usize::try_from(n) else { return Ok(None) };
    match s.len().checked_mul(n) {
        Some(len) if len <= 1 << 20 => Ok(Some(s.repeat(n))),
        _ => Err(format!("repeat_str: result longer than 1 MiB ({} bytes × {n})", s.len())),
    }
}

/// NULL for an empty (or all-space) string, else the string: an example of
/// an `Option` parameter, which sees NULL instead of short-circuiting.
#[scalar]
pub fn null_if_blank(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.trim().is_empty())
}

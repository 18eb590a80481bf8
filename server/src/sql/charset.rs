//! Character set and collation names: which exist in MySQL 8, each set's
//! default collation, and the checks CREATE TABLE makes on them (1115,
//! 1273, 1253).
//!
//! Only names live here, and which collations compare byte for byte
//! ([`is_case_sensitive`]). Every string is stored as UTF-8 and compared
//! under the default collation (`value::collate_key`) or as bytes, whatever
//! its declared character set, except `binary`, which DDL turns into the
//! binary string types (BINARY, VARBINARY, BLOB) as MySQL does.

use crate::error::{DbError, Result};

/// MySQL 8's character sets and their default collations.
const CHARSETS: &[(&str, &str)] = &[
    ("armscii8", "armscii8_general_ci"),
    ("ascii", "ascii_general_ci"),
    ("big5", "big5_chinese_ci"),
    ("binary", "binary"),
    ("cp1250", "cp1250_general_ci"),
    ("cp1251", "cp1251_general_ci"),
    ("cp1256", "cp1256_general_ci"),
    ("cp1257", "cp1257_general_ci"),
    ("cp850", "cp850_general_ci"),
    ("cp852", "cp852_general_ci"),
    ("cp866", "cp866_general_ci"),
    ("cp932", "cp932_japanese_ci"),
    ("dec8", "dec8_swedish_ci"),
    ("eucjpms", "eucjpms_japanese_ci"),
    ("euckr", "euckr_korean_ci"),
    ("gb18030", "gb18030_chinese_ci"),
    ("gb2312", "gb2312_chinese_ci"),
    ("gbk", "gbk_chinese_ci"),
    ("geostd8", "geostd8_general_ci"),
    ("greek", "greek_general_ci"),
    ("hebrew", "hebrew_general_ci"),
    ("hp8", "hp8_english_ci"),
    ("keybcs2", "keybcs2_general_ci"),
    ("koi8r", "koi8r_general_ci"),
    ("koi8u", "koi8u_general_ci"),
    ("latin1", "latin1_swedish_ci"),
    ("latin2", "latin2_general_ci"),
    ("latin5", "latin5_turkish_ci"),
    ("latin7", "latin7_general_ci"),
    ("macce", "macce_general_ci"),
    ("macroman", "macroman_general_ci"),
    ("sjis", "sjis_japanese_ci"),
    ("swe7", "swe7_swedish_ci"),
    ("tis620", "tis620_thai_ci"),
    ("ucs2", "ucs2_general_ci"),
    ("ujis", "ujis_japanese_ci"),
    ("utf16", "utf16_general_ci"),
    ("utf16le", "utf16le_general_ci"),
    ("utf32", "utf32_general_ci"),
    ("utf8mb3", "utf8mb3_general_ci"),
    ("utf8mb4", "utf8mb4_0900_ai_ci"),
];

/// The canonical (lower-case) name of a character set; `utf8` is
/// `utf8mb3`, as in MySQL 8.
fn canonical(name: &str) -> String {
    let n = name.to_ascii_lowercase();
    if n == "utf8" {
        "utf8mb3".into()
    } else {
        n
    }
}

/// The default collation of a character set, if it exists.
pub fn default_collation(charset: &str) -> Option<&'static str> {
    let c = canonical(charset);
    CHARSETS.iter().find(|(n, _)| *n == c).map(|(_, d)| *d)
}

/// A character set name checked and made canonical, or 1115.
pub fn charset(name: &str) -> Result<String> {
    let c = canonical(name);
    if default_collation(&c).is_none() {
        return Err(DbError::new(1115, "42000", format!("Unknown character set: '{name}'")));
    }
    Ok(c)
}

/// The character set a collation belongs to, or 1273 for an unknown name.
/// A collation is `binary` or `<charset>_<suffix>` (`utf8_` meaning
/// `utf8mb3_`).
pub fn collation_charset(collation: &str) -> Result<(String, String)> {
    let c = collation.to_ascii_lowercase();
    let unknown = || DbError::new(1273, "HY000", format!("Unknown collation: '{collation}'"));
    if c == "binary" {
        return Ok(("binary".into(), c));
    }
    let (set, suffix) = CHARSETS
        .iter()
        .map(|(n, _)| *n)
        .chain(["utf8"])
        .filter_map(|n| c.strip_prefix(n).and_then(|rest| rest.strip_prefix('_')).map(|rest| (n, rest)))
        .max_by_key(|(n, _)| n.len())
        .ok_or_else(unknown)?;
    if suffix.is_empty() || !suffix.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(unknown());
    }
    let set = canonical(set);
    let coll = if c.starts_with("utf8_") { format!("utf8mb3_{suffix}") } else { c };
    Ok((set, coll))
}

/// Resolve `CHARACTER SET x` / `COLLATE y` given together or alone into a
/// (character set, explicit collation) pair; 1253 when they disagree.
pub fn resolve(charset_name: Option<&str>, collation_name: Option<&str>) -> Result<(Option<String>, Option<String>)> {
    let cs = charset_name.map(charset).transpose()?;
    let Some(coll) = collation_name else {
        return Ok((cs, None));
    };
    let (coll_cs, coll) = collation_charset(coll)?;
    match cs {
        Some(cs) if cs != coll_cs => {
            Err(DbError::new(1253, "42000", format!("COLLATION '{coll}' is not valid for CHARACTER SET '{cs}'")))
        }
        _ => Ok((Some(coll_cs), Some(coll))),
    }
}

/// True when `collation` compares strings byte for byte (a `_bin`
/// collation) or case- and accent-sensitively (`_cs`); guocedb compares
/// both kinds as bytes.
pub fn is_case_sensitive(collation: &str) -> bool {
    let c = collation.to_ascii_lowercase();
    c.ends_with("_bin") || c.ends_with("_cs")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve() {
        assert_eq!(charset("UTF8").ok().as_deref(), Some("utf8mb3"));
        assert_eq!(charset("nope").map_err(|e| e.code).err(), Some(1115));
        assert_eq!(resolve(None, Some("BINARY")).ok(), Some((Some("binary".into()), Some("binary".into()))));
        assert_eq!(
            resolve(Some("utf8mb4"), Some("utf8mb4_bin")).ok(),
            Some((Some("utf8mb4".into()), Some("utf8mb4_bin".into())))
        );
        assert_eq!(resolve(Some("latin1"), Some("utf8mb4_bin")).map_err(|e| e.code).err(), Some(1253));
        assert_eq!(resolve(None, Some("klingon_ci")).map_err(|e| e.code).err(), Some(1273));
        assert_eq!(default_collation("latin1"), Some("latin1_swedish_ci"));
    }
}

//! The text of a COM_QUERY or COM_STMT_PREPARE as a Rust string.
//!
//! Statements are UTF-8 (the connection character set is utf8mb4), but a
//! string literal may carry any bytes: drivers that put parameters into the
//! statement on the client side send binary values as `_binary'…'` literals
//! holding the raw bytes, backslash-escaped (MariaDB Connector/J's default
//! client-side prepared statements, PyMySQL, Connector/Python's plain
//! cursor). MySQL takes such a literal byte for byte. Here a literal whose
//! bytes are not UTF-8 becomes the hex literal `X'…'` of the same bytes
//! (its `_binary` introducer dropped), so the parser and everything after it
//! work on a `String`. Outside string literals the text must be UTF-8, as
//! before (error 1300). A text that is already UTF-8 is never changed.

/// What a query text could not be decoded into: the bytes that are not
/// UTF-8 outside any string literal.
#[derive(Debug, PartialEq, Eq)]
pub struct NotUtf8;

/// Decode `bytes` (see the module comment).
pub fn decode(bytes: &[u8]) -> Result<String, NotUtf8> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len() * 2);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"') => {
                let end = literal_end(bytes, i + 1, q);
                let raw = &bytes[i + 1..end.min(bytes.len())];
                if end >= bytes.len() || std::str::from_utf8(raw).is_ok() {
                    // Unterminated, or text: left for the parser as it is.
                    out.extend_from_slice(&bytes[i..(end + 1).min(bytes.len())]);
                } else {
                    drop_binary_introducer(&mut out);
                    out.extend_from_slice(b"X'");
                    for b in unescape(raw, q) {
                        out.extend_from_slice(format!("{b:02X}").as_bytes());
                    }
                    out.push(b'\'');
                }
                i = end + 1;
            }
            b'`' => {
                let end = literal_end(bytes, i + 1, b'`');
                out.extend_from_slice(&bytes[i..(end + 1).min(bytes.len())]);
                i = end + 1;
            }
            b'#' => i = copy_line_comment(bytes, i, &mut out),
            b'-' if bytes.get(i + 1) == Some(&b'-') && bytes.get(i + 2).is_none_or(|c| c.is_ascii_whitespace()) => {
                i = copy_line_comment(bytes, i, &mut out)
            }
            // A plain comment is copied whole; `/*!…*/` holds code, so it is
            // lexed like the text around it.
            b'/' if bytes.get(i + 1) == Some(&b'*') && bytes.get(i + 2) != Some(&b'!') => {
                let end = bytes[i + 2..].windows(2).position(|w| w == b"*/").map_or(bytes.len(), |p| i + 2 + p + 2);
                out.extend_from_slice(&bytes[i..end]);
                i = end;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| NotUtf8)
}

/// Index of the quote that closes a literal whose content starts at
/// `start` (`bytes.len()` if none does). A doubled quote and, in '…' and
/// "…" literals, a backslash escape do not close it.
fn literal_end(bytes: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote != b'`' => i += 2,
            c if c == quote => {
                if bytes.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The bytes a '…' or "…" literal's content stands for (MySQL's escapes).
fn unescape(raw: &[u8], quote: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b == b'\\' && i + 1 < raw.len() {
            let e = raw[i + 1];
            match e {
                b'0' => out.push(0),
                b'b' => out.push(0x08),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'Z' => out.push(0x1A),
                // `\%` and `\_` keep their backslash (they are LIKE escapes).
                b'%' | b'_' => out.extend_from_slice(&[b'\\', e]),
                other => out.push(other),
            }
            i += 2;
        } else if b == quote && raw.get(i + 1) == Some(&quote) {
            out.push(quote);
            i += 2;
        } else {
            out.push(b);
            i += 1;
        }
    }
    out
}

/// Remove a `_binary` introducer (and the blanks after it) that ends `out`.
fn drop_binary_introducer(out: &mut Vec<u8>) {
    let text_end = out.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |p| p + 1);
    const INTRODUCER: &[u8] = b"_binary";
    if text_end < INTRODUCER.len() || !out[text_end - INTRODUCER.len()..text_end].eq_ignore_ascii_case(INTRODUCER) {
        return;
    }
    let start = text_end - INTRODUCER.len();
    // It must be a word of its own, not the end of an identifier.
    if start > 0 && (out[start - 1].is_ascii_alphanumeric() || out[start - 1] == b'_' || out[start - 1] >= 0x80) {
        return;
    }
    out.truncate(start);
}

/// Copy a `#` or `-- ` comment up to (not including) its newline.
fn copy_line_comment(bytes: &[u8], start: usize, out: &mut Vec<u8>) -> usize {
    let end = bytes[start..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |p| start + p);
    out.extend_from_slice(&bytes[start..end]);
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn utf8_text_is_unchanged() {
        for s in ["SELECT 'Grüße', \"世界\", `🚀`", "SELECT '\\xff' -- é", "INSERT INTO t VALUES (_binary'abc')", ""]
        {
            assert_eq!(decode(s.as_bytes()).as_deref(), Ok(s));
        }
    }

    #[test]
    fn binary_literals_become_hex() {
        let mut q = b"INSERT INTO t (id, b) VALUES (1, _binary'".to_vec();
        q.extend_from_slice(&[0x00, 0xFF, 0x80]);
        q.extend_from_slice(b"\\0\\'\\\\''x')");
        assert_eq!(decode(&q).as_deref(), Ok("INSERT INTO t (id, b) VALUES (1, X'00FF8000275C2778')"));
        // Without the introducer, in double quotes, and with text around.
        let q = [&b"SELECT 'a\xFEb', \"\xC3\", 'ok', _BINARY  '\xFF' FROM t WHERE x = '\\n'"[..]].concat();
        assert_eq!(decode(&q).as_deref(), Ok("SELECT X'61FE62', X'C3', 'ok', X'FF' FROM t WHERE x = '\\n'"));
        // An identifier ending in _binary is not an introducer.
        assert_eq!(decode(b"SELECT my_binary'\xFF'").as_deref(), Ok("SELECT my_binaryX'FF'"));
    }

    #[test]
    fn invalid_bytes_outside_literals_are_refused() {
        assert_eq!(decode(b"SELECT \xFF"), Err(NotUtf8));
        assert_eq!(decode(b"SELECT `\xFF`"), Err(NotUtf8));
        assert_eq!(decode(b"SELECT 1 /* \xFF */"), Err(NotUtf8));
        assert_eq!(decode(b"SELECT 1 -- \xFF"), Err(NotUtf8));
        // A quote inside a comment does not start a literal.
        assert_eq!(decode(b"SELECT 1 # it's\n, '\xFF'").as_deref(), Ok("SELECT 1 # it's\n, X'FF'"));
        // Unterminated: left as it is (the parser reports it).
        assert_eq!(decode(b"SELECT '\xFF"), Err(NotUtf8));
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn any_bytes_round_trip_through_a_binary_literal(data in proptest::collection::vec(any::<u8>(), 0..100)) {
            let mut q = b"SELECT _binary'".to_vec();
            for &b in &data {
                match b {
                    0 => q.extend_from_slice(b"\\0"),
                    b'\'' | b'\\' => q.extend_from_slice(&[b'\\', b]),
                    _ => q.push(b),
                }
            }
            q.push(b'\'');
            let s = decode(&q).expect("decodes");
            if std::str::from_utf8(&data).is_err() {
                let hex: String = data.iter().map(|b| format!("{b:02X}")).collect();
                prop_assert_eq!(s, format!("SELECT X'{hex}'"));
            }
        }
    }
}

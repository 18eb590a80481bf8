//! Protocol building blocks: capability and status flags, a bounds-checked
//! payload reader, length-encoded integers and strings, the generic
//! response packets (OK, ERR, EOF), column definitions and text-protocol
//! rows.
//!
//! Everything here is pure: it turns values into payload bytes (framing is
//! `packet.rs`'s job) or payload bytes into values, and never panics on
//! malformed input.

use crate::error::DbError;
use crate::sql::plan::ColumnInfo;
use crate::sql::types::{SqlType, TypeKind};
use crate::sql::value::{self, Value};

/// Capability flags (`CLIENT_*`).
pub mod caps {
    pub const LONG_PASSWORD: u32 = 1;
    pub const FOUND_ROWS: u32 = 1 << 1;
    pub const LONG_FLAG: u32 = 1 << 2;
    pub const CONNECT_WITH_DB: u32 = 1 << 3;
    /// LOAD DATA LOCAL: the server may ask the client for a file.
    pub const LOCAL_FILES: u32 = 1 << 7;
    pub const PROTOCOL_41: u32 = 1 << 9;
    pub const SSL: u32 = 1 << 11;
    pub const TRANSACTIONS: u32 = 1 << 13;
    pub const SECURE_CONNECTION: u32 = 1 << 15;
    pub const MULTI_STATEMENTS: u32 = 1 << 16;
    pub const MULTI_RESULTS: u32 = 1 << 17;
    pub const PS_MULTI_RESULTS: u32 = 1 << 18;
    pub const PLUGIN_AUTH: u32 = 1 << 19;
    /// Not advertised (named for the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    pub const CONNECT_ATTRS: u32 = 1 << 20;
    pub const PLUGIN_AUTH_LENENC_CLIENT_DATA: u32 = 1 << 21;
    /// Not advertised (named for the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    pub const SESSION_TRACK: u32 = 1 << 23;
    pub const DEPRECATE_EOF: u32 = 1 << 24;

    /// What this server advertises: no SSL, no compression, no session
    /// state tracking, no optional metadata, no query attributes.
    pub const SERVER: u32 = LONG_PASSWORD
        | FOUND_ROWS
        | LONG_FLAG
        | CONNECT_WITH_DB
        | LOCAL_FILES
        | PROTOCOL_41
        | TRANSACTIONS
        | SECURE_CONNECTION
        | MULTI_STATEMENTS
        | MULTI_RESULTS
        | PS_MULTI_RESULTS
        | PLUGIN_AUTH
        | PLUGIN_AUTH_LENENC_CLIENT_DATA
        | DEPRECATE_EOF;
}

/// Server status flags (`SERVER_STATUS_*`, `SERVER_MORE_RESULTS_EXISTS`).
pub mod status {
    pub const IN_TRANS: u16 = 0x0001;
    pub const AUTOCOMMIT: u16 = 0x0002;
    pub const MORE_RESULTS_EXISTS: u16 = 0x0008;
    pub const IN_TRANS_READONLY: u16 = 0x2000;
}

/// Column type codes (`MYSQL_TYPE_*`).
pub mod ty {
    pub const DECIMAL: u8 = 0;
    pub const TINY: u8 = 1;
    pub const SHORT: u8 = 2;
    pub const LONG: u8 = 3;
    pub const FLOAT: u8 = 4;
    pub const DOUBLE: u8 = 5;
    pub const NULL: u8 = 6;
    pub const TIMESTAMP: u8 = 7;
    pub const LONGLONG: u8 = 8;
    pub const INT24: u8 = 9;
    pub const DATE: u8 = 10;
    pub const TIME: u8 = 11;
    pub const DATETIME: u8 = 12;
    pub const YEAR: u8 = 13;
    pub const NEWDATE: u8 = 14;
    pub const VARCHAR: u8 = 15;
    pub const BIT: u8 = 16;
    pub const JSON: u8 = 245;
    pub const NEWDECIMAL: u8 = 246;
    pub const ENUM: u8 = 247;
    pub const SET: u8 = 248;
    pub const TINY_BLOB: u8 = 249;
    pub const MEDIUM_BLOB: u8 = 250;
    pub const LONG_BLOB: u8 = 251;
    pub const BLOB: u8 = 252;
    pub const VAR_STRING: u8 = 253;
    pub const STRING: u8 = 254;
    pub const GEOMETRY: u8 = 255;
}

/// Column definition flags (`*_FLAG`).
pub mod flags {
    pub const NOT_NULL: u16 = 1;
    pub const BLOB: u16 = 16;
    pub const UNSIGNED: u16 = 32;
    pub const ZEROFILL: u16 = 64;
    pub const BINARY: u16 = 128;
    pub const ENUM: u16 = 256;
    pub const SET: u16 = 2048;
    pub const NUM: u16 = 32768;
}

/// Character set ids sent in column definitions and the greeting.
pub mod charset {
    /// utf8mb4_0900_ai_ci, MySQL 8's default.
    pub const UTF8MB4: u8 = 255;
    /// The `binary` pseudo character set.
    pub const BINARY: u8 = 63;
}

/// A payload did not have the shape its command requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

/// A cursor over a payload whose every read is bounds-checked.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        if n > self.remaining() {
            return Err(Malformed);
        }
        let b = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(b)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Malformed> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.bytes(N)?);
        Ok(a)
    }

    pub fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.array::<1>()?[0])
    }

    pub fn u16(&mut self) -> Result<u16, Malformed> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    pub fn u24(&mut self) -> Result<u32, Malformed> {
        let [a, b, c] = self.array()?;
        Ok(u32::from_le_bytes([a, b, c, 0]))
    }

    pub fn u32(&mut self) -> Result<u32, Malformed> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64, Malformed> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A length-encoded integer. 0xFB (NULL) and 0xFF are not integers.
    pub fn lenenc_int(&mut self) -> Result<u64, Malformed> {
        match self.u8()? {
            b @ 0..=0xFA => Ok(b as u64),
            0xFC => Ok(self.u16()? as u64),
            0xFD => Ok(self.u24()? as u64),
            0xFE => self.u64(),
            _ => Err(Malformed),
        }
    }

    /// A length-encoded string.
    pub fn lenenc_bytes(&mut self) -> Result<&'a [u8], Malformed> {
        let n = self.lenenc_int()?;
        let n = usize::try_from(n).map_err(|_| Malformed)?;
        self.bytes(n)
    }

    /// A NUL-terminated string (the NUL is consumed, not returned).
    pub fn nul_bytes(&mut self) -> Result<&'a [u8], Malformed> {
        let rest = &self.buf[self.pos..];
        let end = rest.iter().position(|&b| b == 0).ok_or(Malformed)?;
        self.pos += end + 1;
        Ok(&rest[..end])
    }

    /// A NUL-terminated string, or the rest of the payload when the NUL is
    /// missing (some clients leave it off the last field).
    pub fn nul_or_rest(&mut self) -> &'a [u8] {
        self.nul_bytes().unwrap_or_else(|_| self.rest())
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        let b = &self.buf[self.pos..];
        self.pos = self.buf.len();
        b
    }
}

pub fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

pub fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

pub fn put_lenenc_int(out: &mut Vec<u8>, v: u64) {
    if v < 251 {
        out.push(v as u8);
    } else if v < 1 << 16 {
        out.push(0xFC);
        out.extend_from_slice(&(v as u16).to_le_bytes());
    } else if v < 1 << 24 {
        out.push(0xFD);
        out.extend_from_slice(&(v as u32).to_le_bytes()[..3]);
    } else {
        out.push(0xFE);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

pub fn put_lenenc_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_lenenc_int(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// An OK packet. `header` is 0x00, or 0xFE when the packet ends a result
/// set under CLIENT_DEPRECATE_EOF.
///
/// The info text, when there is one, is a length-encoded string. The
/// protocol documentation calls it `string<EOF>` without
/// CLIENT_SESSION_TRACK (which we never negotiate), but MySQL's server
/// writes it length-encoded either way, and clients parse it so: MariaDB
/// Connector/C (the `mariadb` CLI) reports "malformed packet" otherwise.
pub fn ok_packet(header: u8, affected: u64, last_insert_id: u64, status: u16, warnings: u16, info: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + info.len());
    out.push(header);
    put_lenenc_int(&mut out, affected);
    put_lenenc_int(&mut out, last_insert_id);
    put_u16(&mut out, status);
    put_u16(&mut out, warnings);
    if !info.is_empty() {
        put_lenenc_bytes(&mut out, info.as_bytes());
    }
    out
}

/// An EOF packet (protocol 4.1 form).
pub fn eof_packet(status: u16, warnings: u16) -> Vec<u8> {
    let mut out = vec![0xFE];
    put_u16(&mut out, warnings);
    put_u16(&mut out, status);
    out
}

/// The packet that ends a row stream or a block of definitions: EOF, or an
/// OK packet with header 0xFE when CLIENT_DEPRECATE_EOF was negotiated.
pub fn end_packet(caps: u32, status: u16, warnings: u16) -> Vec<u8> {
    if caps & caps::DEPRECATE_EOF != 0 {
        ok_packet(0xFE, 0, 0, status, warnings, "")
    } else {
        eof_packet(status, warnings)
    }
}

/// An ERR packet (protocol 4.1 form, with SQLSTATE).
pub fn err_packet(e: &DbError) -> Vec<u8> {
    let mut out = Vec::with_capacity(9 + e.message.len());
    out.push(0xFF);
    put_u16(&mut out, e.code);
    out.push(b'#');
    let state = e.state.as_bytes();
    out.extend_from_slice(if state.len() == 5 { state } else { b"HY000" });
    out.extend_from_slice(e.message.as_bytes());
    out
}

/// One column definition (Protocol::ColumnDefinition41).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDef {
    pub schema: String,
    pub table: String,
    pub org_table: String,
    pub name: String,
    pub org_name: String,
    pub charset: u8,
    pub length: u32,
    pub ty: u8,
    pub flags: u16,
    pub decimals: u8,
}

impl ColumnDef {
    /// The definition of a prepared statement's parameter.
    pub fn param() -> Self {
        Self {
            schema: String::new(),
            table: String::new(),
            org_table: String::new(),
            name: "?".into(),
            org_name: String::new(),
            charset: charset::BINARY,
            length: 0,
            ty: ty::VAR_STRING,
            flags: flags::BINARY,
            decimals: 0,
        }
    }

    /// Encode as a payload. COM_FIELD_LIST replies carry a trailing
    /// default-value field (`with_default`), sent as NULL.
    pub fn encode(&self, with_default: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + self.name.len() * 2 + self.table.len() * 2 + self.schema.len());
        put_lenenc_bytes(&mut out, b"def");
        put_lenenc_bytes(&mut out, self.schema.as_bytes());
        put_lenenc_bytes(&mut out, self.table.as_bytes());
        put_lenenc_bytes(&mut out, self.org_table.as_bytes());
        put_lenenc_bytes(&mut out, self.name.as_bytes());
        put_lenenc_bytes(&mut out, self.org_name.as_bytes());
        out.push(0x0C); // length of the fixed-length fields
        put_u16(&mut out, self.charset as u16);
        put_u32(&mut out, self.length);
        out.push(self.ty);
        put_u16(&mut out, self.flags);
        out.push(self.decimals);
        put_u16(&mut out, 0); // filler
        if with_default {
            out.push(0xFB);
        }
        out
    }
}

/// The wire type code of a SQL type.
pub fn type_code(t: &SqlType) -> u8 {
    match t.kind {
        TypeKind::TinyInt => ty::TINY,
        TypeKind::SmallInt => ty::SHORT,
        TypeKind::MediumInt => ty::INT24,
        TypeKind::Int => ty::LONG,
        TypeKind::BigInt => ty::LONGLONG,
        TypeKind::Decimal => ty::NEWDECIMAL,
        TypeKind::Float => ty::FLOAT,
        TypeKind::Double => ty::DOUBLE,
        TypeKind::Char | TypeKind::Binary => ty::STRING,
        TypeKind::Varchar | TypeKind::Varbinary => ty::VAR_STRING,
        TypeKind::Text | TypeKind::Blob => ty::BLOB,
        TypeKind::Date => ty::DATE,
        TypeKind::DateTime => ty::DATETIME,
        TypeKind::Timestamp => ty::TIMESTAMP,
        TypeKind::Time => ty::TIME,
        TypeKind::Year => ty::YEAR,
        TypeKind::Bit => ty::BIT,
        // ENUM and SET travel as strings marked by a column flag.
        TypeKind::Enum | TypeKind::Set => ty::STRING,
        TypeKind::Json => ty::JSON,
        TypeKind::Geometry(_) => ty::GEOMETRY,
        TypeKind::Null => ty::NULL,
    }
}

/// The column definition of a result column: wire type, character set,
/// length, flags and decimals as MySQL 8 sends them.
pub fn column_def(c: &ColumnInfo) -> ColumnDef {
    let t = &c.ty;
    let mut f = 0u16;
    if !c.nullable {
        f |= flags::NOT_NULL;
    }
    if t.unsigned {
        f |= flags::UNSIGNED;
    }
    let binary_kind = matches!(t.kind, TypeKind::Year | TypeKind::Bit | TypeKind::Json | TypeKind::Geometry(_));
    if t.is_binary() || t.is_numeric() || t.is_temporal() || binary_kind {
        f |= flags::BINARY;
    }
    if matches!(t.kind, TypeKind::Blob | TypeKind::Text | TypeKind::Json | TypeKind::Geometry(_)) {
        f |= flags::BLOB;
    }
    match t.kind {
        TypeKind::Year => f |= flags::UNSIGNED | flags::ZEROFILL | flags::NUM,
        TypeKind::Bit => f |= flags::UNSIGNED,
        TypeKind::Enum => f |= flags::ENUM,
        TypeKind::Set => f |= flags::SET,
        _ => {}
    }
    if t.is_numeric() {
        f |= flags::NUM;
    }
    let charset = if t.is_string() { charset::UTF8MB4 } else { charset::BINARY };
    let fsp = t.len.min(6);
    let length = match t.kind {
        TypeKind::DateTime | TypeKind::Timestamp if fsp > 0 => 20 + fsp,
        TypeKind::Time if fsp > 0 => 11 + fsp,
        _ => t.display_len(),
    };
    let decimals = match t.kind {
        TypeKind::Decimal => t.scale,
        TypeKind::Float | TypeKind::Double if t.scale > 0 && t.scale < 31 => t.scale,
        TypeKind::Float | TypeKind::Double => 31,
        TypeKind::DateTime | TypeKind::Timestamp | TypeKind::Time => fsp as u8,
        _ => 0,
    };
    ColumnDef {
        schema: c.db.clone(),
        table: c.table.clone().unwrap_or_default(),
        org_table: c.org_table.clone(),
        name: c.name.clone(),
        org_name: c.name.clone(),
        charset,
        length,
        ty: type_code(t),
        flags: f,
        decimals,
    }
}

/// The text-protocol form of a value in a column of type `t` (`None` for
/// NULL).
pub fn text_value(v: &Value, t: &SqlType) -> Option<Vec<u8>> {
    match (v, t.kind) {
        (Value::Null, _) => None,
        // FLOAT columns print with single precision, as MySQL does.
        (Value::Double(d), TypeKind::Float) => Some(format!("{}", *d as f32).into_bytes()),
        // DATETIME(fsp)/TIMESTAMP(fsp) print exactly fsp fractional digits.
        (Value::DateTime(dt), TypeKind::DateTime | TypeKind::Timestamp) if t.len > 0 => {
            Some(crate::sql::value::format_datetime_fsp(dt, t.len).into_bytes())
        }
        (Value::Decimal(d), TypeKind::Decimal) => {
            let mut d = *d;
            if d.scale() < t.scale as u32 {
                d.rescale(t.scale as u32);
            }
            Some(d.to_string().into_bytes())
        }
        // TIME prints exactly its fractional digits; YEAR four digits; BIT
        // its bytes.
        (Value::Time(x), TypeKind::Time) => Some(value::format_time(*x, Some(t.len.min(6))).into_bytes()),
        (Value::Int(y), TypeKind::Year) => Some(format!("{y:04}").into_bytes()),
        (Value::Bit(v, _), TypeKind::Bit) => Some(value::bit_bytes(*v, t.len.clamp(1, 64) as u8)),
        (other, _) => other.to_bytes(),
    }
}

/// A text-protocol row: each value a length-encoded string, NULL as 0xFB.
/// One value per column (`types`); a missing value is sent as NULL.
pub fn text_row(row: &[Value], types: &[SqlType]) -> Vec<u8> {
    let mut out = Vec::with_capacity(types.len() * 8);
    for (i, t) in types.iter().enumerate() {
        match row.get(i).and_then(|v| text_value(v, t)) {
            None => out.push(0xFB),
            Some(b) => put_lenenc_bytes(&mut out, &b),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lenenc_boundaries() {
        for (v, len) in
            [(0u64, 1), (250, 1), (251, 3), (65_535, 3), (65_536, 4), (16_777_215, 4), (16_777_216, 9), (u64::MAX, 9)]
        {
            let mut out = Vec::new();
            put_lenenc_int(&mut out, v);
            assert_eq!(out.len(), len, "encoded length of {v}");
            let mut r = Reader::new(&out);
            assert_eq!(r.lenenc_int(), Ok(v));
            assert!(r.is_empty());
        }
        assert_eq!(Reader::new(&[0xFB]).lenenc_int(), Err(Malformed));
        assert_eq!(Reader::new(&[0xFF]).lenenc_int(), Err(Malformed));
        assert_eq!(Reader::new(&[0xFC, 1]).lenenc_int(), Err(Malformed));
        assert_eq!(Reader::new(&[0xFE, 1, 2, 3]).lenenc_int(), Err(Malformed));
        assert_eq!(Reader::new(&[5, b'a']).lenenc_bytes(), Err(Malformed));
        assert_eq!(Reader::new(&[0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]).lenenc_bytes(), Err(Malformed));
    }

    #[test]
    fn nul_strings() {
        let mut r = Reader::new(b"root\0db");
        assert_eq!(r.nul_bytes(), Ok(&b"root"[..]));
        assert_eq!(r.nul_bytes(), Err(Malformed));
        assert_eq!(r.nul_or_rest(), &b"db"[..]);
        assert!(r.is_empty());
    }

    #[test]
    fn ok_err_eof_layout() {
        assert_eq!(ok_packet(0, 1, 300, status::AUTOCOMMIT, 0, ""), vec![0, 1, 0xFC, 0x2C, 0x01, 2, 0, 0, 0]);
        let info = "Rows matched: 3  Changed: 3  Warnings: 0";
        let p = ok_packet(0, 3, 0, 2, 0, info);
        assert_eq!(p[7] as usize, info.len());
        assert_eq!(&p[8..], info.as_bytes());
        assert_eq!(eof_packet(0x000A, 0), vec![0xFE, 0, 0, 0x0A, 0]);
        assert_eq!(eof_packet(0x0002, 3), vec![0xFE, 3, 0, 0x02, 0]);
        assert_eq!(end_packet(caps::DEPRECATE_EOF, 2, 0), vec![0xFE, 0, 0, 2, 0, 0, 0]);
        assert_eq!(end_packet(caps::DEPRECATE_EOF, 2, 1), vec![0xFE, 0, 0, 2, 0, 1, 0]);
        assert_eq!(end_packet(caps::PROTOCOL_41, 2, 0), vec![0xFE, 0, 0, 2, 0]);
        let e = err_packet(&DbError::access_denied("root", "127.0.0.1", true));
        assert_eq!(&e[..9], &[0xFF, 0x15, 0x04, b'#', b'2', b'8', b'0', b'0', b'0']);
        assert!(e.ends_with(b"Access denied for user 'root'@'127.0.0.1' (using password: YES)"));
    }

    #[test]
    fn column_definitions_follow_the_type() {
        let col = |ty: SqlType, nullable: bool| ColumnInfo {
            name: "c".into(),
            table: Some("t".into()),
            org_table: "t".into(),
            db: "d".into(),
            ty,
            nullable,
            hidden: false,
        };
        let d = column_def(&col(SqlType::new(TypeKind::Blob), true));
        assert_eq!((d.ty, d.charset, d.flags, d.length), (ty::BLOB, 63, flags::BLOB | flags::BINARY, 65_535));
        let d = column_def(&col(SqlType::varchar(20), false));
        assert_eq!((d.ty, d.charset, d.flags, d.length, d.decimals), (ty::VAR_STRING, 255, flags::NOT_NULL, 80, 0));
        let d = column_def(&col(SqlType { unsigned: true, ..SqlType::bigint() }, true));
        assert_eq!((d.ty, d.charset, d.flags), (ty::LONGLONG, 63, flags::UNSIGNED | flags::BINARY | flags::NUM));
        let d = column_def(&col(SqlType::decimal(10, 2), true));
        assert_eq!((d.ty, d.decimals, d.length), (ty::NEWDECIMAL, 2, 12));
        let d = column_def(&col(SqlType::double(), true));
        assert_eq!((d.ty, d.decimals), (ty::DOUBLE, 31));
        let d = column_def(&col(SqlType { len: 3, ..SqlType::new(TypeKind::DateTime) }, true));
        assert_eq!((d.ty, d.decimals, d.length, d.charset), (ty::DATETIME, 3, 23, 63));
        let enc = d.encode(false);
        assert!(enc.starts_with(&[3, b'd', b'e', b'f', 1, b'd', 1, b't', 1, b't', 1, b'c', 1, b'c', 0x0C]));
        assert_eq!(enc.len(), 15 + 12);
    }

    #[test]
    fn text_rows() {
        let types = [SqlType::new(TypeKind::Float), SqlType::decimal(6, 2), SqlType::varchar(3)];
        let row = [Value::Double(0.1f32 as f64), Value::Decimal("1.5".parse().unwrap()), Value::Null];
        assert_eq!(text_row(&row, &types), b"\x030.1\x041.50\xFB".to_vec());
    }

    #[test]
    fn datetimes_print_the_column_precision() {
        let dt = crate::sql::value::parse_datetime("2038-01-19 03:14:07.5").unwrap();
        let at = |kind, len| text_value(&Value::DateTime(dt), &SqlType { len, ..SqlType::new(kind) });
        assert_eq!(at(TypeKind::Timestamp, 3), Some(b"2038-01-19 03:14:07.500".to_vec()));
        assert_eq!(at(TypeKind::DateTime, 6), Some(b"2038-01-19 03:14:07.500000".to_vec()));
        assert_eq!(at(TypeKind::DateTime, 1), Some(b"2038-01-19 03:14:07.5".to_vec()));
        let whole = crate::sql::value::parse_datetime("1970-01-01 00:00:01").unwrap();
        let t3 = SqlType { len: 3, ..SqlType::new(TypeKind::Timestamp) };
        assert_eq!(text_value(&Value::DateTime(whole), &t3), Some(b"1970-01-01 00:00:01.000".to_vec()));
    }

    proptest! {
        #[test]
        fn lenenc_round_trips(v in any::<u64>(), s in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut out = Vec::new();
            put_lenenc_int(&mut out, v);
            put_lenenc_bytes(&mut out, &s);
            let mut r = Reader::new(&out);
            prop_assert_eq!(r.lenenc_int(), Ok(v));
            prop_assert_eq!(r.lenenc_bytes(), Ok(&s[..]));
            prop_assert!(r.is_empty());
        }

        #[test]
        fn reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut r = Reader::new(&bytes);
            while !r.is_empty() {
                if r.lenenc_bytes().is_err() && r.nul_bytes().is_err() {
                    let _ = r.u24();
                    let _ = r.u8();
                }
            }
        }
    }
}

//! The UDF ABI, version 1 (see `ABI.md`): typed values, row-major batches,
//! results (a batch or an error message), and packed pointer/length pairs.
//!
//! Decoding never trusts its input: every length is checked against the
//! bytes present, so a hostile module's output is an error, not a panic or
//! an unbounded allocation.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// The ABI version this crate speaks (`guocedb_abi_version` returns it).
pub const ABI_VERSION: i32 = 1;

const TAG_NULL: u8 = 0;
const TAG_INT: u8 = 1;
const TAG_REAL: u8 = 2;
const TAG_STRING: u8 = 3;
const TAG_BYTES: u8 = 4;
const TAG_DECIMAL: u8 = 5;
const TAG_TEMPORAL: u8 = 6;

/// One value crossing the boundary.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    String(String),
    Bytes(Vec<u8>),
    /// Exact decimal as text, e.g. `"-12.50"`.
    Decimal(String),
    /// Date, datetime or time as text (`"2024-01-31"`, `"2024-01-31 10:00:00"`, `"-01:30:00"`).
    Temporal(String),
}

/// The types a function can declare for its arguments and result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Int,
    Real,
    String,
    Bytes,
    Decimal,
    Temporal,
    /// Whatever the caller passes, unconverted.
    Any,
}

impl Type {
    /// Parse one type name (case-insensitive; `INTEGER` is `INT`).
    pub fn parse(s: &str) -> Option<Type> {
        let s = s.trim();
        let eq = |n: &str| s.eq_ignore_ascii_case(n);
        Some(if eq("INT") || eq("INTEGER") {
            Type::Int
        } else if eq("REAL") || eq("DOUBLE") {
            Type::Real
        } else if eq("STRING") {
            Type::String
        } else if eq("BYTES") {
            Type::Bytes
        } else if eq("DECIMAL") {
            Type::Decimal
        } else if eq("TEMPORAL") {
            Type::Temporal
        } else if eq("ANY") {
            Type::Any
        } else {
            return None;
        })
    }

    /// Parse a comma-separated list (`"INT, STRING"`); empty text is no types.
    pub fn parse_list(s: &str) -> Option<Vec<Type>> {
        if s.trim().is_empty() {
            return Some(Vec::new());
        }
        s.split(',').map(Type::parse).collect()
    }

    pub fn name(self) -> &'static str {
        match self {
            Type::Int => "INT",
            Type::Real => "REAL",
            Type::String => "STRING",
            Type::Bytes => "BYTES",
            Type::Decimal => "DECIMAL",
            Type::Temporal => "TEMPORAL",
            Type::Any => "ANY",
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parse a table function's column list: `name TYPE, name TYPE, …`.
pub fn parse_columns(s: &str) -> Option<Vec<(String, Type)>> {
    s.split(',')
        .map(|c| {
            let mut parts = c.split_whitespace();
            let (name, ty) = (parts.next()?, Type::parse(parts.next()?)?);
            if parts.next().is_some() {
                return None;
            }
            Some((String::from(name), ty))
        })
        .collect()
}

/// A decoded batch: `nrows × ncols` values, row-major.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Batch {
    pub nrows: u32,
    pub ncols: u32,
    pub values: Vec<Value>,
}

impl Batch {
    /// Row `i` as a slice of `ncols` values.
    pub fn row(&self, i: usize) -> &[Value] {
        let n = self.ncols as usize;
        &self.values[i * n..(i + 1) * n]
    }
}

/// Why bytes are not a valid batch or result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub &'static str);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Pack a pointer and length into the `i64` results use.
pub fn pack(ptr: u32, len: u32) -> i64 {
    (((ptr as u64) << 32) | len as u64) as i64
}

/// Split a packed result into pointer and length.
pub fn unpack(v: i64) -> (u32, u32) {
    let v = v as u64;
    ((v >> 32) as u32, v as u32)
}

fn put_len_bytes(out: &mut Vec<u8>, tag: u8, b: &[u8]) {
    out.push(tag);
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

/// Append one value.
pub fn encode_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.push(TAG_NULL),
        Value::Int(i) => {
            out.push(TAG_INT);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::Real(r) => {
            out.push(TAG_REAL);
            out.extend_from_slice(&r.to_le_bytes());
        }
        Value::String(s) => put_len_bytes(out, TAG_STRING, s.as_bytes()),
        Value::Bytes(b) => put_len_bytes(out, TAG_BYTES, b),
        Value::Decimal(s) => put_len_bytes(out, TAG_DECIMAL, s.as_bytes()),
        Value::Temporal(s) => put_len_bytes(out, TAG_TEMPORAL, s.as_bytes()),
    }
}

/// Append a batch header; the caller then appends `nrows × ncols` values.
pub fn encode_batch_header(out: &mut Vec<u8>, nrows: u32, ncols: u32) {
    out.extend_from_slice(&nrows.to_le_bytes());
    out.extend_from_slice(&ncols.to_le_bytes());
}

/// Encode a whole batch.
pub fn encode_batch(out: &mut Vec<u8>, batch: &Batch) {
    debug_assert_eq!(batch.values.len(), batch.nrows as usize * batch.ncols as usize);
    encode_batch_header(out, batch.nrows, batch.ncols);
    batch.values.iter().for_each(|v| encode_value(out, v));
}

/// Encode a successful result.
pub fn encode_ok(out: &mut Vec<u8>, batch: &Batch) {
    out.push(0);
    encode_batch(out, batch);
}

/// Encode an error result.
pub fn encode_error(out: &mut Vec<u8>, message: &str) {
    out.push(1);
    out.extend_from_slice(&(message.len() as u32).to_le_bytes());
    out.extend_from_slice(message.as_bytes());
}

/// A bounds-checked reader over untrusted bytes.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.buf.len() {
            return Err(DecodeError("truncated"));
        }
        let (a, b) = self.buf.split_at(n);
        self.buf = b;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    fn text(&mut self) -> Result<String, DecodeError> {
        let n = self.u32()? as usize;
        let b = self.take(n)?;
        core::str::from_utf8(b).map(String::from).map_err(|_| DecodeError("text is not UTF-8"))
    }
    fn value(&mut self) -> Result<Value, DecodeError> {
        Ok(match self.u8()? {
            TAG_NULL => Value::Null,
            TAG_INT => Value::Int(self.u64()? as i64),
            TAG_REAL => Value::Real(f64::from_bits(self.u64()?)),
            TAG_STRING => Value::String(self.text()?),
            TAG_BYTES => {
                let n = self.u32()? as usize;
                Value::Bytes(self.take(n)?.to_vec())
            }
            TAG_DECIMAL => Value::Decimal(self.text()?),
            TAG_TEMPORAL => Value::Temporal(self.text()?),
            _ => return Err(DecodeError("unknown value tag")),
        })
    }
    fn batch(&mut self) -> Result<Batch, DecodeError> {
        let nrows = self.u32()?;
        let ncols = self.u32()?;
        let n = (nrows as usize).checked_mul(ncols as usize).ok_or(DecodeError("batch too large"))?;
        // Every value takes at least one byte: a count larger than the
        // bytes left is a lie, refused before allocating for it.
        if n > self.buf.len() {
            return Err(DecodeError("batch claims more values than it holds"));
        }
        let mut values = Vec::with_capacity(n);
        for _ in 0..n {
            values.push(self.value()?);
        }
        Ok(Batch { nrows, ncols, values })
    }
}

/// Decode a batch that must fill `bytes` exactly.
pub fn decode_batch(bytes: &[u8]) -> Result<Batch, DecodeError> {
    let mut r = Reader { buf: bytes };
    let b = r.batch()?;
    if !r.buf.is_empty() {
        return Err(DecodeError("trailing bytes after batch"));
    }
    Ok(b)
}

/// Decode a result: `Ok(Ok(batch))`, `Ok(Err(message))` when the function
/// reported an error, `Err` when the bytes are malformed.
pub fn decode_result(bytes: &[u8]) -> Result<Result<Batch, String>, DecodeError> {
    let mut r = Reader { buf: bytes };
    let out = match r.u8()? {
        0 => Ok(r.batch()?),
        1 => Err(r.text()?),
        _ => return Err(DecodeError("unknown result status")),
    };
    if !r.buf.is_empty() {
        return Err(DecodeError("trailing bytes after result"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn batches_and_results_round_trip() {
        let b = Batch {
            nrows: 2,
            ncols: 3,
            values: vec![
                Value::Null,
                Value::Int(-7),
                Value::Real(1.5),
                Value::String("héllo".into()),
                Value::Bytes(vec![0, 255]),
                Value::Decimal("-12.50".into()),
            ],
        };
        let mut out = Vec::new();
        encode_ok(&mut out, &b);
        assert_eq!(decode_result(&out), Ok(Ok(b.clone())));
        let mut e = Vec::new();
        encode_error(&mut e, "bad input");
        assert_eq!(decode_result(&e), Ok(Err("bad input".into())));
        let mut raw = Vec::new();
        encode_batch(&mut raw, &b);
        assert_eq!(decode_batch(&raw), Ok(b));
    }

    #[test]
    fn hostile_bytes_are_errors() {
        assert!(decode_batch(&[]).is_err());
        // Claims 2^32-1 × 2^32-1 values in 8 bytes.
        assert!(decode_batch(&[0xFF; 8]).is_err());
        // A string longer than what follows.
        let mut b = Vec::new();
        encode_batch_header(&mut b, 1, 1);
        b.extend_from_slice(&[TAG_STRING, 0xFF, 0xFF, 0xFF, 0x7F, b'a']);
        assert!(decode_batch(&b).is_err());
        assert!(decode_result(&[9]).is_err());
        let mut t = Vec::new();
        encode_ok(&mut t, &Batch::default());
        t.push(0);
        assert!(decode_result(&t).is_err(), "trailing bytes");
    }

    #[test]
    fn pack_and_types() {
        assert_eq!(unpack(pack(0xDEAD_BEEF, 12)), (0xDEAD_BEEF, 12));
        assert_eq!(Type::parse_list("int, STRING ,decimal"), Some(vec![Type::Int, Type::String, Type::Decimal]));
        assert_eq!(Type::parse_list("int, nope"), None);
        assert_eq!(
            parse_columns("part STRING, idx INT"),
            Some(vec![("part".into(), Type::String), ("idx".into(), Type::Int)])
        );
    }
}

//! The row codec: a row's values as stored in the primary index.
//!
//! Layout: `u16 column count`, then per value a tag byte and a payload
//! (TIME: i64 microseconds; BIT: M then u64; ENUM/SET: number then text). The
//! codec never fails on data it wrote; on bytes it did not write (corruption)
//! it returns an error rather than panicking.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::error::{DbError, Result};
use crate::sql::value::Value;

pub fn encode_row(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + values.len() * 9);
    out.extend_from_slice(&(values.len() as u16).to_le_bytes());
    for v in values {
        match v {
            Value::Null => out.push(0),
            Value::Int(i) => {
                out.push(1);
                out.extend_from_slice(&i.to_le_bytes());
            }
            Value::UInt(u) => {
                out.push(2);
                out.extend_from_slice(&u.to_le_bytes());
            }
            Value::Double(d) => {
                out.push(3);
                out.extend_from_slice(&d.to_le_bytes());
            }
            Value::Decimal(d) => {
                out.push(4);
                out.extend_from_slice(&d.serialize());
            }
            Value::Str(s) => {
                out.push(5);
                out.extend_from_slice(&(s.len() as u32).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            Value::Bytes(b) => {
                out.push(6);
                out.extend_from_slice(&(b.len() as u32).to_le_bytes());
                out.extend_from_slice(b);
            }
            Value::Date(d) => {
                out.push(7);
                out.extend_from_slice(&chrono::Datelike::num_days_from_ce(d).to_le_bytes());
            }
            Value::DateTime(dt) => {
                out.push(8);
                out.extend_from_slice(&dt.and_utc().timestamp_micros().to_le_bytes());
            }
            Value::Time(t) => {
                out.push(9);
                out.extend_from_slice(&t.to_le_bytes());
            }
            Value::Bit(v, m) => {
                out.push(10);
                out.push(*m);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Value::Enum(n, text) => {
                out.push(11);
                out.extend_from_slice(&n.to_le_bytes());
                out.extend_from_slice(&(text.len() as u32).to_le_bytes());
                out.extend_from_slice(text.as_bytes());
            }
        }
    }
    out
}

fn corrupt() -> DbError {
    DbError::internal("corrupt row encoding")
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or_else(corrupt)?;
        let s = self.b.get(self.pos..end).ok_or_else(corrupt)?;
        self.pos = end;
        Ok(s)
    }
    fn arr<const N: usize>(&mut self) -> Result<[u8; N]> {
        self.take(N)?.try_into().map_err(|_| corrupt())
    }
}

pub fn decode_row(b: &[u8]) -> Result<Vec<Value>> {
    let mut r = Reader { b, pos: 0 };
    let n = u16::from_le_bytes(r.arr()?) as usize;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let tag = r.take(1)?[0];
        out.push(match tag {
            0 => Value::Null,
            1 => Value::Int(i64::from_le_bytes(r.arr()?)),
            2 => Value::UInt(u64::from_le_bytes(r.arr()?)),
            3 => Value::Double(f64::from_le_bytes(r.arr()?)),
            4 => Value::Decimal(Decimal::deserialize(r.arr()?)),
            5 | 6 => {
                let len = u32::from_le_bytes(r.arr()?) as usize;
                let bytes = r.take(len)?.to_vec();
                if tag == 5 {
                    Value::Str(String::from_utf8(bytes).map_err(|_| corrupt())?)
                } else {
                    Value::Bytes(bytes)
                }
            }
            7 => {
                let days = i32::from_le_bytes(r.arr()?);
                Value::Date(NaiveDate::from_num_days_from_ce_opt(days).ok_or_else(corrupt)?)
            }
            8 => {
                let m = i64::from_le_bytes(r.arr()?);
                Value::DateTime(chrono::DateTime::from_timestamp_micros(m).ok_or_else(corrupt)?.naive_utc())
            }
            9 => Value::Time(i64::from_le_bytes(r.arr()?)),
            10 => {
                let m = r.take(1)?[0];
                Value::Bit(u64::from_le_bytes(r.arr()?), m)
            }
            11 => {
                let n = u64::from_le_bytes(r.arr()?);
                let len = u32::from_le_bytes(r.arr()?) as usize;
                let text = String::from_utf8(r.take(len)?.to_vec()).map_err(|_| corrupt())?;
                Value::Enum(n, text)
            }
            _ => return Err(corrupt()),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let row = vec![
            Value::Null,
            Value::Int(-5),
            Value::UInt(7),
            Value::Double(1.5),
            Value::Decimal(Decimal::new(12345, 2)),
            Value::Str("héllo".into()),
            Value::Bytes(vec![0, 1, 2]),
            Value::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap_or_default()),
            Value::Time(-3_723_000_001),
            Value::Bit(5, 3),
            Value::Enum(2, "b".into()),
        ];
        assert_eq!(decode_row(&encode_row(&row)).ok(), Some(row));
    }

    #[test]
    fn corrupt_input_is_an_error() {
        assert!(decode_row(&[5, 0, 9]).is_err());
        assert!(decode_row(&[1, 0, 5, 255, 255, 255, 255]).is_err());
    }
}

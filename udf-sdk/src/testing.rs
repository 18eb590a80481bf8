//! Calling a function's generated glue from host tests, through the same
//! bytes a server would send: `#[scalar] fn f` and `#[table] fn f` also
//! define `__guocedb_call_f(input: &[u8]) -> Vec<u8>` on every target, and
//! `#[aggregate]` implements the hidden `AggregateGlue` for its type.
//!
//! ```ignore
//! #[guocedb_udf::scalar]
//! fn add(a: i64, b: i64) -> i64 { a + b }
//!
//! let out = guocedb_udf::testing::scalar(__guocedb_call_add, 2, &[vec![Value::Int(1), Value::Int(2)]]);
//! assert_eq!(out, Ok(vec![Value::Int(3)]));
//! ```

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::abi::{self, Batch, Value};
use crate::glue::{AggregateGlue, Slab};

/// Encode rows of `ncols` values each as an argument batch.
pub fn batch(ncols: u32, rows: &[Vec<Value>]) -> Vec<u8> {
    let mut out = Vec::new();
    abi::encode_batch_header(&mut out, rows.len() as u32, ncols);
    for v in rows.iter().flatten() {
        abi::encode_value(&mut out, v);
    }
    out
}

/// Decode a result: its batch, or the function's error message; malformed
/// bytes are an error too (`"malformed result: …"`).
pub fn result(bytes: &[u8]) -> Result<Batch, String> {
    abi::decode_result(bytes).map_err(|e| format!("malformed result: {e}"))?
}

/// Call a scalar's glue on rows of `ncols` arguments; the one-column
/// results, one per row.
pub fn scalar(call: fn(&[u8]) -> Vec<u8>, ncols: u32, rows: &[Vec<Value>]) -> Result<Vec<Value>, String> {
    let b = result(&call(&batch(ncols, rows)))?;
    if b.ncols != 1 || b.nrows as usize != rows.len() {
        return Err(format!("result has {} rows × {} columns for {} input rows", b.nrows, b.ncols, rows.len()));
    }
    Ok(b.values)
}

/// Call a table function's glue with one row of arguments; the rows.
pub fn table(call: fn(&[u8]) -> Vec<u8>, args: &[Value]) -> Result<Vec<Vec<Value>>, String> {
    let b = result(&call(&batch(args.len() as u32, &[args.to_vec()])))?;
    Ok((0..b.nrows as usize).map(|i| b.row(i).to_vec()).collect())
}

/// Run an aggregate through its exports' glue: one accumulator per group,
/// each fed its batches (a batch's column count is its first row's
/// length), then all merged into the first and finished. The value, or the
/// first error.
pub fn aggregate<T: AggregateGlue>(groups: &[Vec<Vec<Vec<Value>>>]) -> Result<Value, String> {
    let declared = T::arg_types().len();
    let mut slab = Slab::<T>::new();
    let mut handles = Vec::new();
    for batches in groups {
        let h = slab.init();
        for rows in batches {
            let ncols = rows.first().map_or(declared, Vec::len) as u32;
            result(&slab.add(h, &batch(ncols, rows)))?;
        }
        handles.push(h);
    }
    let first = match handles.first() {
        Some(&h) => h,
        None => slab.init(),
    };
    for &h in handles.iter().skip(1) {
        result(&slab.merge(first, h))?;
    }
    let b = result(&slab.finish(first))?;
    match (b.nrows, b.ncols, b.values.into_iter().next()) {
        (1, 1, Some(v)) => Ok(v),
        (r, c, _) => Err(format!("finish returned {r} rows × {c} columns")),
    }
}

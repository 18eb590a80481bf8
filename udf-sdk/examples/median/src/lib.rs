//! An aggregate: the median of a REAL column.
//!
//! ```sql
//! CREATE AGGREGATE FUNCTION median RETURNS REAL SONAME 'median.wasm';
//! SELECT dept, median(salary) FROM emp GROUP BY dept;
//! ```

use guocedb_udf::aggregate;

/// The values seen so far. One accumulator per group; the server may merge
/// accumulators built in parallel.
#[derive(Default)]
pub struct Median {
    values: Vec<f64>,
}

#[aggregate]
impl Median {
    /// One row. `x` is not an `Option`, so rows where it is NULL are
    /// skipped before this is called, as SQL aggregates skip NULLs.
    pub fn add(&mut self, x: f64) {
        self.values.push(x);
    }

    pub fn merge(&mut self, other: Self) {
        self.values.extend(other.values);
    }

    /// NULL for no rows; the mean of the middle two for an even count.
    pub fn finish(mut self) -> Option<f64> {
        let n = self.values.len();
        if n == 0 {
            return None;
        }
        self.values.sort_by(f64::total_cmp);
        Some(if n % 2 == 1 { self.values[n / 2] } else { (self.values[n / 2 - 1] + self.values[n / 2]) / 2.0 })
    }
}

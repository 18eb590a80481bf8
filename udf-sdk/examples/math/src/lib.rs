//! Integer and floating-point scalar functions. `identity` and `add` are
//! what the server's benchmarks call to measure the per-row cost of the
//! boundary.
//!
//! ```sql
//! CREATE FUNCTION add RETURNS INTEGER SONAME 'math.wasm';
//! SELECT add(1, 2), gcd(12, 18), safe_div(1, 0);   -- 3, 6, NULL
//! ```

use guocedb_udf::scalar;

/// Returns its argument.
#[scalar]
pub fn identity(x: i64) -> i64 {
    x
}

/// `a + b`, wrapping on overflow (see `checked_add` for an error instead).
#[scalar]
pub fn add(a: i64, b: i64) -> i64 {
    a.wrapping_add(b)
}

/// `a + b`, failing the statement on overflow as MySQL's `+` does.
#[scalar]
pub fn checked_add(a: i64, b: i64) -> Result<i64, String> {
    a.checked_add(b).ok_or_else(|| format!("BIGINT value is out of range in 'checked_add({a}, {b})'"))
}

/// Greatest common divisor (always ≥ 0; `gcd(0, 0)` is 0).
#[scalar]
pub fn gcd(a: i64, b: i64) -> i64 {
    let (mut x, mut y) = (a.unsigned_abs(), b.unsigned_abs());
    while y != 0 {
        (x, y) = (y, x % y);
    }
    // Only gcd(i64::MIN, 0) and gcd(i64::MIN, i64::MIN) exceed i64::MAX.
    i64::try_from(x).unwrap_or(i64::MAX)
}

/// `a / b`, or NULL when `b` is 0 (as MySQL's `/` does).
#[scalar]
pub fn safe_div(a: f64, b: f64) -> Option<f64> {
    (b != 0.0).then(|| a / b)
}

/// Whether `n` is prime (1 or 0).
#[scalar]
pub fn is_prime(n: i64) -> bool {
    if n < 2 {
        return false;
    }
    let n = n as u64;
    let mut d = 2u64;
    while d * d <= n {
        if n % d == 0 {
            return false;
        }
        d += 1;
    }
    true
}

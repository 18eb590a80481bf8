//! The seams the simulator swaps: wall clock, monotonic time and randomness.
//!
//! Request paths never call `SystemTime::now()`, `Instant::now()` or
//! `thread_rng()` directly; they go through this module so that a
//! `--cfg madsim` build gets simulated time and seeded randomness. In a
//! madsim build, `madsim`'s tokio shim virtualises `std` time and the
//! randomness source is seeded by the simulator.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Microseconds since the Unix epoch, from the (possibly simulated) wall
/// clock.
pub fn now_micros() -> i64 {
    // Under madsim, SystemTime is intercepted by the simulator.
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// A monotonic instant from tokio's clock (simulated under madsim).
pub fn instant() -> tokio::time::Instant {
    tokio::time::Instant::now()
}

/// A random u64 from the process-wide source (seeded under madsim).
pub fn random_u64() -> u64 {
    rand::random::<u64>()
}

/// Fill `buf` with random bytes (used for the auth scramble).
pub fn random_bytes(buf: &mut [u8]) {
    for b in buf.iter_mut() {
        *b = (random_u64() & 0xFF) as u8;
    }
}

//! The seams the simulator swaps: wall clock, monotonic time and randomness.
//!
//! Request paths never call `SystemTime::now()`, `Instant::now()` or
//! `thread_rng()` directly; they go through this module so that a
//! `--cfg madsim` build gets simulated time and seeded randomness. In a
//! madsim build, `madsim`'s tokio shim virtualises `std` time and the
//! randomness source is seeded by the simulator.
//!
//! Simulator builds also get the fault hooks the simulator drives: a clock
//! offset per node (clock jumps and drift), the disk's commit latency, and
//! [`buggify`] points that fire only in simulation.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Microseconds since the Unix epoch, from the (possibly simulated) wall
/// clock.
pub fn now_micros() -> i64 {
    // Under madsim, SystemTime is intercepted by the simulator.
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let t = i64::try_from(d.as_micros()).unwrap_or(i64::MAX);
    #[cfg(madsim)]
    let t = {
        let k = sim::knobs();
        let drift = (t - k.clock_drift_since_us).max(0) as i128 * i128::from(k.clock_drift_ppm) / 1_000_000;
        t.saturating_add(k.clock_offset_us).saturating_add(drift as i64)
    };
    t
}

/// True at a fault-injection point, with probability `p`, only in a
/// simulator build with buggify enabled by the simulator.
#[inline]
pub fn buggify(p: f64) -> bool {
    #[cfg(madsim)]
    {
        madsim::buggify::buggify_with_prob(p)
    }
    #[cfg(not(madsim))]
    {
        let _ = p;
        false
    }
}

/// Simulator build: wait the simulated disk's commit latency (a slow disk
/// is a seed-chosen fault).
#[cfg(madsim)]
pub async fn commit_latency() {
    let max = sim::knobs().commit_latency_max_us;
    if max > 0 {
        let us = random_u64() % (max + 1);
        tokio::time::sleep(Duration::from_micros(us)).await;
    }
}

/// The simulator's knobs, per simulated node.
#[cfg(madsim)]
pub mod sim {
    use std::collections::BTreeMap;

    use parking_lot::Mutex;

    /// Faults and planted bugs for one node.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    pub struct Knobs {
        /// Added to the wall clock (jumps), in microseconds.
        pub clock_offset_us: i64,
        /// The node's clock runs this many parts per million fast (or slow,
        /// negative) from `clock_drift_since_us` (simulated wall time) on.
        pub clock_drift_ppm: i64,
        pub clock_drift_since_us: i64,
        /// Each commit group waits up to this long for the disk.
        pub commit_latency_max_us: u64,
        /// A planted bug: acknowledge commits without syncing them.
        pub bug_ack_before_sync: bool,
    }

    static KNOBS: Mutex<BTreeMap<String, Knobs>> = Mutex::new(BTreeMap::new());

    fn node() -> String {
        madsim::plugin::node().to_string()
    }

    /// The knobs of the current node (defaults outside a node).
    pub fn knobs() -> Knobs {
        if madsim::runtime::Handle::try_current().is_err() {
            return Knobs::default();
        }
        KNOBS.lock().get(&node()).copied().unwrap_or_default()
    }

    /// Change the knobs of node `id` (as `madsim::task::NodeId` displays).
    pub fn set(id: &str, k: Knobs) {
        KNOBS.lock().insert(id.to_string(), k);
    }

    /// Forget every node's knobs (between runs in one process).
    pub fn reset() {
        KNOBS.lock().clear();
    }
}

/// A monotonic instant from tokio's clock (simulated under madsim).
pub fn instant() -> tokio::time::Instant {
    tokio::time::Instant::now()
}

/// A random u64 from the process-wide source (seeded under madsim).
pub fn random_u64() -> u64 {
    // madsim's generator, not `rand`'s thread-local one: that one is seeded
    // by a raw getrandom syscall the simulator cannot intercept.
    #[cfg(madsim)]
    {
        madsim::rand::random::<u64>()
    }
    #[cfg(not(madsim))]
    {
        rand::random::<u64>()
    }
}

/// Fill `buf` with random bytes (used for the auth scramble).
pub fn random_bytes(buf: &mut [u8]) {
    for b in buf.iter_mut() {
        *b = (random_u64() & 0xFF) as u8;
    }
}

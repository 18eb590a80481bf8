//! The guest side of the ABI, compiled only for `wasm32`: the module-wide
//! exports `guocedb_alloc` and `guocedb_abi_version`, the input and output
//! buffers, and the adapters between raw exports and the glue in
//! [`crate::glue`].
//!
//! Buffers: `guocedb_alloc` hands out one input buffer, which is reused (and
//! grown) by the next `guocedb_alloc`; every result is kept in one output
//! buffer until the next export replaces it. So a buffer stays valid until
//! the next call into the module, as `ABI.md` promises, and a module holds
//! at most one input and one output however many calls it serves.

use alloc::vec::Vec;
use core::cell::RefCell;

use crate::abi::{pack, ABI_VERSION};
use crate::glue::error_result;

#[cfg(target_feature = "atomics")]
compile_error!("guocedb UDF modules are single-threaded: build without the `atomics` target feature");

/// A global for a single-threaded guest. The `RefCell` turns any
/// re-entrant use into a panic (a trap) rather than aliased `&mut`.
pub struct GuestCell<T>(RefCell<T>);

// SAFETY: a wasm32 module without the `atomics` feature (refused above)
// has exactly one thread, so the cell is never shared across threads.
unsafe impl<T> Sync for GuestCell<T> {}

impl<T> GuestCell<T> {
    /// A cell holding `v`.
    pub const fn new(v: T) -> Self {
        GuestCell(RefCell::new(v))
    }

    /// Run `f` on the contents.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.0.borrow_mut())
    }
}

static INPUT: GuestCell<Vec<u8>> = GuestCell::new(Vec::new());
static OUTPUT: GuestCell<Vec<u8>> = GuestCell::new(Vec::new());

/// ABI export: a buffer of at least `len` bytes for the host to write the
/// next call's input into; 0 when `len` is negative or memory is exhausted.
#[unsafe(no_mangle)]
pub extern "C" fn guocedb_alloc(len: i32) -> i32 {
    let Ok(len) = usize::try_from(len) else { return 0 };
    INPUT.with(|buf| {
        buf.clear();
        if buf.try_reserve(len.max(1)).is_err() {
            return 0;
        }
        buf.as_mut_ptr() as usize as i32
    })
}

/// ABI export: the ABI version, 1.
#[unsafe(no_mangle)]
pub extern "C" fn guocedb_abi_version() -> i32 {
    ABI_VERSION
}

/// Keep `bytes` as the current result and return it packed.
pub fn output(bytes: Vec<u8>) -> i64 {
    OUTPUT.with(|out| {
        *out = bytes;
        pack(out.as_ptr() as usize as u32, out.len() as u32)
    })
}

/// The input bytes at `ptr`, `len` as the host passed them, checked against
/// the memory's size.
fn input<'a>(ptr: i32, len: i32) -> Result<&'a [u8], &'static str> {
    let (Ok(p), Ok(n)) = (usize::try_from(ptr as u32), usize::try_from(len)) else {
        return Err("negative input length");
    };
    if n == 0 {
        return Ok(&[]);
    }
    let memory = core::arch::wasm32::memory_size(0).saturating_mul(65536);
    if p == 0 || p.checked_add(n).is_none_or(|end| end > memory) {
        return Err("input outside the module's memory");
    }
    // SAFETY: the range is non-null and inside linear memory, which is
    // always mapped; the host wrote it (normally into the buffer from
    // `guocedb_alloc`) before this call, and nothing in the module writes
    // to it while the returned slice lives (the input buffer is only
    // touched by `guocedb_alloc`, which is not re-entered during a call).
    Ok(unsafe { core::slice::from_raw_parts(p as *const u8, n) })
}

/// An export taking input bytes: run `f` on them and return its result.
pub fn call_with_input(ptr: i32, len: i32, f: impl FnOnce(&[u8]) -> Vec<u8>) -> i64 {
    let bytes = match input(ptr, len) {
        Ok(bytes) => f(bytes),
        Err(e) => error_result(e),
    };
    output(bytes)
}

/// An export returning text (`NAME__args`, `NAME__columns`).
pub fn text(s: &str) -> i64 {
    output(Vec::from(s.as_bytes()))
}

/// A `&'static str` returned without copying.
pub fn static_text(s: &'static str) -> i64 {
    pack(s.as_ptr() as usize as u32, s.len() as u32)
}

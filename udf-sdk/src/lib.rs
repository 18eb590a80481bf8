//! `guocedb-udf`: what a function author uses to write guocedb user-defined
//! functions in Rust, and the byte-level ABI (`ABI.md`) that the server
//! shares with every guest.
//!
//! ```ignore
//! #[guocedb_udf::scalar]
//! fn add(a: i64, b: i64) -> i64 {
//!     a.wrapping_add(b)
//! }
//! ```
//!
//! builds (with `build.sh`) into a core Wasm module exporting `add`,
//! `add__args` (`"INT,INT"`), `add__returns` (`"INT"`), `guocedb_alloc`,
//! `guocedb_abi_version` and `memory`. See `README.md` for aggregates
//! (`#[aggregate]`), table functions (`#[table]`), the type mapping and the
//! NULL rules.
//!
//! The crate is `no_std` + `alloc`, so it builds for the server (host) and
//! for `wasm32-unknown-unknown` guests alike. Modules:
//! - [`abi`]: values, batches, results (shared with the server);
//! - [`convert`]: MySQL's conversions and the Rust ⇔ SQL type mapping;
//! - [`testing`]: calling generated glue from host tests;
//! - `guest` (wasm32 only): the module-wide exports and buffers.

#![no_std]

extern crate alloc;
// Lets the macros' `::guocedb_udf::…` paths resolve inside this crate too.
extern crate self as guocedb_udf;

pub mod abi;
pub mod convert;
#[doc(hidden)]
pub mod glue;
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod guest;
pub mod testing;

pub use abi::{Type, Value};
pub use convert::{ConvertError, FromValue, IntoResult, IntoRow, IntoUnitResult, IntoValue};

/// What the macros' generated code calls; not a stable API.
#[doc(hidden)]
pub use glue as __private;

#[cfg(feature = "macros")]
pub use guocedb_udf_macros::{aggregate, scalar, table};

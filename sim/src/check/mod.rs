//! History checkers: list-append (Elle-style dependency cycles) and
//! single-register linearizability.

pub mod elle;
pub mod linear;

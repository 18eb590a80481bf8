//! Linearizability checker for one register.

//! Elle-style list-append checker.

//! How deep a statement may nest, and the checks that keep every later
//! recursive walk (binder, evaluator, the AST's own drop) inside the stack.
//!
//! Two places let a statement grow without bound in depth:
//! - sqlparser builds operator chains (`1+1+1…`, `a IS NULL IS NULL…`,
//!   `x COLLATE c COLLATE c…`) and set-operation chains (`… UNION … UNION`)
//!   in a loop, so its recursion limit never sees them. The dialect calls
//!   [`left_chain_len`] before each infix operator and refuses a chain longer
//!   than [`MAX_NESTING`] while parsing, before the tree exists.
//! - Everything else nests through the parser's recursion counter (200), but
//!   chains inside 200 levels of parentheses still multiply. After parsing,
//!   [`check`] measures the whole statement, counting expression, query and
//!   set-operation levels together, and stops at the first level past
//!   [`MAX_NESTING`] — so the check itself never recurses deeper than that.
//!
//! A statement refused after parsing is dropped on a stack of its own
//! ([`drop_deep`]): its depth is bounded by the two limits, but not small.
//! The refusal is MySQL's 1436 (ER_STACK_OVERRUN_NEED_MORE), which MySQL and
//! MariaDB give for the same inputs.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Query, SetExpr, Statement, TableFactor, Visit, Visitor};

use crate::error::DbError;

/// Levels of expressions, queries and set operations one statement may
/// nest. MariaDB (with its 299 KB thread stack) refuses a chain of 1000
/// additions; this takes twice that.
pub const MAX_NESTING: usize = 2000;

/// Stack kept free for the depth check's own recursion (at most
/// [`MAX_NESTING`] levels of sqlparser's derived visitor).
const CHECK_STACK: usize = 64 << 20;

/// Stack for dropping a refused statement: its depth is at most the
/// parser's recursion limit times [`MAX_NESTING`]. Only the pages the drop
/// touches are committed.
const DROP_STACK: usize = 1 << 30;

/// Stack a `#[recursive]` function (binder, evaluator) keeps free below
/// itself: from there it calls walks that are not protected (the AST's
/// derived `==`, `clone` and drop, small visitors), each as deep as the
/// statement, at most [`MAX_NESTING`] levels of a few hundred bytes each in
/// a debug build.
const RECURSION_RED_ZONE: usize = 8 << 20;
/// Size of each heap segment a `#[recursive]` function moves onto when less
/// than [`RECURSION_RED_ZONE`] is left. Pages are committed as touched.
const RECURSION_SEGMENT: usize = 32 << 20;

/// Configure the `recursive` crate's segments (process-wide; idempotent).
pub fn set_stack_segments() {
    recursive::set_minimum_stack_size(RECURSION_RED_ZONE);
    recursive::set_stack_allocation_size(RECURSION_SEGMENT);
}

/// MySQL's error for a statement nested too deeply to run.
pub fn too_deep() -> DbError {
    DbError::new(
        1436,
        "HY000",
        format!(
            "Thread stack overrun: the statement nests more than {MAX_NESTING} levels of expressions or subqueries"
        ),
    )
}

/// Length of the operator chain `e` heads: the links sqlparser's infix
/// loop adds without recursing (left operands, postfix operands, and the
/// parentheses between them), counted up to `cap`.
pub fn left_chain_len(mut e: &Expr, cap: usize) -> usize {
    let mut n = 0;
    while n < cap {
        e = match e {
            Expr::BinaryOp { left, .. } | Expr::AnyOp { left, .. } | Expr::AllOp { left, .. } => left,
            Expr::IsNull(x)
            | Expr::IsNotNull(x)
            | Expr::IsTrue(x)
            | Expr::IsNotTrue(x)
            | Expr::IsFalse(x)
            | Expr::IsNotFalse(x)
            | Expr::IsUnknown(x)
            | Expr::IsNotUnknown(x)
            | Expr::IsDistinctFrom(x, _)
            | Expr::IsNotDistinctFrom(x, _)
            | Expr::Nested(x) => x,
            Expr::Like { expr, .. }
            | Expr::ILike { expr, .. }
            | Expr::RLike { expr, .. }
            | Expr::SimilarTo { expr, .. }
            | Expr::In { expr, .. }
            | Expr::Between { expr, .. }
            | Expr::Collate { expr, .. }
            | Expr::Cast { expr, .. }
            | Expr::UnaryOp { expr, .. }
            | Expr::AtTimeZone { timestamp: expr, .. } => expr,
            Expr::MemberOf(m) => &m.value,
            _ => return n,
        };
        n += 1;
    }
    n
}

/// Set operations on the left spine of a query body (`a UNION b UNION c`
/// nests to the left), counted without recursing.
fn set_chain_len(mut body: &SetExpr) -> usize {
    let mut n = 0;
    while let SetExpr::SetOperation { left, .. } = body {
        n += 1;
        body = left;
    }
    n
}

/// Counts nesting on the way down and stops past the limit.
struct Depth {
    now: usize,
}

impl Depth {
    fn enter(&mut self, levels: usize) -> ControlFlow<()> {
        self.now += levels;
        if self.now > MAX_NESTING {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

impl Visitor for Depth {
    type Break = ();

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        // A query adds itself plus its set-operation chain.
        self.enter(1 + set_chain_len(&q.body))
    }
    fn post_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        self.now = self.now.saturating_sub(1 + set_chain_len(&q.body));
        ControlFlow::Continue(())
    }
    fn pre_visit_expr(&mut self, _e: &Expr) -> ControlFlow<()> {
        self.enter(1)
    }
    fn post_visit_expr(&mut self, _e: &Expr) -> ControlFlow<()> {
        self.now = self.now.saturating_sub(1);
        ControlFlow::Continue(())
    }
    fn pre_visit_table_factor(&mut self, _t: &TableFactor) -> ControlFlow<()> {
        self.enter(1)
    }
    fn post_visit_table_factor(&mut self, _t: &TableFactor) -> ControlFlow<()> {
        self.now = self.now.saturating_sub(1);
        ControlFlow::Continue(())
    }
}

/// Refuse statements nested deeper than [`MAX_NESTING`] (1436). A refused
/// list is dropped by [`drop_deep`] before the error returns.
pub fn check(stmts: Vec<Statement>) -> Result<Vec<Statement>, DbError> {
    let ok = stacker::maybe_grow(CHECK_STACK / 2, CHECK_STACK, || {
        stmts.iter().all(|s| {
            let mut d = Depth { now: 0 };
            s.visit(&mut d).is_continue()
        })
    });
    if ok {
        Ok(stmts)
    } else {
        drop_deep(stmts);
        Err(too_deep())
    }
}

/// Drop a possibly deep tree on a stack of its own: the compiler's drop
/// glue recurses once per level.
pub fn drop_deep<T: Send>(value: T) {
    stacker::grow(DROP_STACK, move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(sql: &str) -> Result<Vec<Statement>, DbError> {
        crate::sql::parse(sql)
    }

    #[test]
    fn chains_are_measured_without_recursion() {
        let stmts = parse("SELECT 1 + 2 * 3 - 4 IS NULL").expect("parses");
        let Statement::Query(q) = &stmts[0] else { panic!("a query") };
        let SetExpr::Select(s) = q.body.as_ref() else { panic!("a select") };
        let sqlparser::ast::SelectItem::UnnamedExpr(e) = &s.projection[0] else { panic!("an expression") };
        // IS NULL → (… - 4) → (1 + …) → 1
        assert_eq!(left_chain_len(e, 100), 3);
        assert_eq!(left_chain_len(e, 2), 2);
    }

    #[test]
    fn deep_statements_are_refused_with_1436() {
        let long = format!("SELECT 1{}", "+1".repeat(MAX_NESTING + 10));
        assert_eq!(parse(&long).map(|_| ()).map_err(|e| e.code), Err(1436));
        let unions = format!("SELECT 1{}", " UNION SELECT 1".repeat(MAX_NESTING + 10));
        assert_eq!(parse(&unions).map(|_| ()).map_err(|e| e.code), Err(1436));
        // Chains inside parentheses add up across the levels.
        let half = format!("1{}", "+1".repeat(MAX_NESTING / 2));
        let nested = format!("SELECT ({half}) + ({half}) + (({half}) + ({half}) + ({half}))");
        assert!(parse(&nested).is_ok(), "siblings do not add up");
        // A parenthesized operand at the bottom of a chain stacks under it.
        let rest = "+1".repeat(MAX_NESTING / 2);
        let deep = format!("SELECT 1 + (1 + ({half}){rest}){rest}");
        assert_eq!(parse(&deep).map(|_| ()).map_err(|e| e.code), Err(1436));
        // Just inside the limit parses.
        let fits = format!("SELECT 1{}", "+1".repeat(MAX_NESTING - 10));
        assert!(parse(&fits).is_ok());
    }
}

//! CHECK constraints and generated columns: what their expressions may
//! contain (checked at DDL time with MySQL 8's errors), the text MySQL 8
//! prints for them (`(`a` > 0)`), and [`RowRules`], which computes a
//! row's generated columns and evaluates its enforced CHECK constraints
//! before the row is written.
//!
//! The stored text is also what is parsed and bound again when a
//! statement writes rows, so it must stay valid MySQL.

use std::collections::HashSet;

use sqlparser::ast;

use crate::catalog::{Catalog, TableDef};
use crate::error::{DbError, Result};
use crate::sql::exec::ExecEnv;
use crate::sql::expr::{Ctx, Expr};
use crate::sql::plan::{self, Binder, ColumnInfo, Scope, VarSource};
use crate::sql::table;
use crate::sql::value::Value;

/// Most CHECK constraints a table may have.
pub const MAX_CHECKS: usize = 1024;

/// Longest expression text a CHECK or generated column may have.
pub const MAX_EXPR_TEXT: usize = 65_535;

/// Functions whose result is not determined by their arguments (MySQL 8
/// refuses them in CHECK constraints and generated columns), under the
/// name MySQL's error message gives them.
fn nondeterministic(name: &str) -> Option<&'static str> {
    Some(match name {
        "rand" => "rand",
        "uuid" => "uuid",
        "uuid_short" => "uuid_short",
        "now" | "current_timestamp" | "localtime" | "localtimestamp" => "now",
        "curdate" | "current_date" => "curdate",
        "curtime" | "current_time" => "curtime",
        "sysdate" => "sysdate",
        "unix_timestamp" => "unix_timestamp",
        "utc_date" => "utc_date",
        "utc_time" => "utc_time",
        "utc_timestamp" => "utc_timestamp",
        "connection_id" => "connection_id",
        "current_user" => "current_user",
        "user" | "session_user" | "system_user" => "user",
        "database" | "schema" => "database",
        "found_rows" => "found_rows",
        "last_insert_id" => "last_insert_id",
        "row_count" => "row_count",
        "version" => "version",
        "get_lock" => "get_lock",
        "release_lock" => "release_lock",
        "is_free_lock" => "is_free_lock",
        "is_used_lock" => "is_used_lock",
        "sleep" => "sleep",
        "benchmark" => "benchmark",
        "load_file" => "load_file",
        _ => return None,
    })
}

/// What an expression refers to and the first thing in it MySQL refuses.
#[derive(Debug, Default)]
pub struct ExprFacts {
    /// Column names referenced (as written).
    pub columns: Vec<String>,
    pub subquery: bool,
    pub variable: bool,
    /// The first non-deterministic function (MySQL's name for it).
    pub function: Option<String>,
    /// A loadable or unknown function name.
    pub udf: Option<String>,
}

/// Collect [`ExprFacts`] of `e`.
pub fn facts(e: &ast::Expr, catalog: &Catalog) -> ExprFacts {
    let mut f = ExprFacts::default();
    let _ = ast::visit_expressions(e, |x| {
        match x {
            ast::Expr::Identifier(i) => f.columns.push(i.value.clone()),
            ast::Expr::CompoundIdentifier(parts) => {
                if let Some(last) = parts.last() {
                    f.columns.push(last.value.clone());
                }
            }
            ast::Expr::Subquery(_)
            | ast::Expr::Exists { .. }
            | ast::Expr::In { target: ast::InTarget::Subquery(_), .. } => f.subquery = true,
            ast::Expr::Function(func) => {
                let n = plan::object_name_parts(&func.name).last().cloned().unwrap_or_default().to_ascii_lowercase();
                if let Some(m) = nondeterministic(&n) {
                    f.function.get_or_insert_with(|| m.to_string());
                } else if catalog.functions.contains_key(&n) {
                    f.udf.get_or_insert(n);
                }
            }
            ast::Expr::Value(v) if matches!(v.value, ast::Value::Placeholder(_)) => f.variable = true,
            _ => {}
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    // `@x` and `@@x` come back as identifiers starting with '@'.
    f.columns.retain(|c| {
        if c.starts_with('@') {
            f.variable = true;
            false
        } else {
            true
        }
    });
    f
}

/// Quote a name with backticks, as MySQL prints it.
fn q(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A string literal as MySQL 8 prints it in a CHECK or generated column
/// expression: with its character set introducer.
fn string_literal(s: &str) -> String {
    let mut out = String::from("_utf8mb4'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\0' => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `e` printed the way MySQL 8 prints a CHECK constraint or a generated
/// column's expression: names in backticks, every operation in its own
/// parentheses, keywords and function names in lower case, string
/// literals with their character set (`(`a` > 0)`, `(`a` + `b`)`,
/// `(`s` like _utf8mb4'a%')`). Forms it does not know are printed as the
/// parser prints them.
pub fn mysql_text(e: &ast::Expr) -> String {
    use ast::Expr as E;
    match e {
        E::Identifier(i) if i.value.starts_with('@') => i.value.clone(),
        E::Identifier(i) => q(&i.value),
        E::CompoundIdentifier(parts) => parts.last().map(|p| q(&p.value)).unwrap_or_default(),
        E::Nested(inner) => mysql_text(inner),
        // A string with its character set introducer (`_utf8mb4'x'`, as printed).
        E::Prefixed { prefix, value } if prefix.value.starts_with('_') => match value.as_ref() {
            E::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(t) | ast::Value::DoubleQuotedString(t) => {
                    let lit = string_literal(t);
                    format!("{}{}", prefix.value.to_ascii_lowercase(), &lit["_utf8mb4".len()..])
                }
                _ => format!("{}{}", prefix.value, mysql_text(value)),
            },
            _ => format!("{}{}", prefix.value, mysql_text(value)),
        },
        E::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => string_literal(s),
            ast::Value::Null => "NULL".into(),
            ast::Value::Boolean(b) => (if *b { "true" } else { "false" }).into(),
            other => other.to_string(),
        },
        E::BinaryOp { left, op, right } => {
            let op = match op {
                ast::BinaryOperator::And => "and".to_string(),
                ast::BinaryOperator::Or => "or".to_string(),
                ast::BinaryOperator::Xor => "xor".to_string(),
                ast::BinaryOperator::NotEq => "<>".to_string(),
                ast::BinaryOperator::MyIntegerDivide => "div".to_string(),
                ast::BinaryOperator::Modulo => "%".to_string(),
                other => other.to_string(),
            };
            format!("({} {op} {})", mysql_text(left), mysql_text(right))
        }
        E::UnaryOp { op: ast::UnaryOperator::Not, expr } => format!("(not({}))", mysql_text(expr)),
        E::UnaryOp { op: ast::UnaryOperator::Minus, expr } => match expr.as_ref() {
            E::Value(_) => format!("-{}", mysql_text(expr)),
            _ => format!("-({})", mysql_text(expr)),
        },
        E::UnaryOp { op, expr } => format!("{op}({})", mysql_text(expr)),
        E::IsNull(x) => format!("({} is null)", mysql_text(x)),
        E::IsNotNull(x) => format!("({} is not null)", mysql_text(x)),
        E::IsTrue(x) => format!("({} is true)", mysql_text(x)),
        E::IsFalse(x) => format!("({} is false)", mysql_text(x)),
        E::In { expr, target: ast::InTarget::List(list), negated, .. } => format!(
            "({} {}in ({}))",
            mysql_text(expr),
            if *negated { "not " } else { "" },
            list.iter().map(mysql_text).collect::<Vec<_>>().join(",")
        ),
        E::Between { expr, negated, low, high } => format!(
            "({} {}between {} and {})",
            mysql_text(expr),
            if *negated { "not " } else { "" },
            mysql_text(low),
            mysql_text(high)
        ),
        E::Like { negated, expr, pattern, escape_char: None, .. } => {
            let t = format!("({} like {})", mysql_text(expr), mysql_text(pattern));
            if *negated {
                format!("(not{t})")
            } else {
                t
            }
        }
        E::Function(f) if f.over.is_none() && f.filter.is_none() => {
            let name = plan::object_name_parts(&f.name).last().cloned().unwrap_or_default().to_ascii_lowercase();
            let args = match &f.args {
                ast::FunctionArguments::List(l) if l.duplicate_treatment.is_none() && l.clauses.is_empty() => l
                    .args
                    .iter()
                    .map(|a| match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => Some(mysql_text(x)),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>(),
                ast::FunctionArguments::None => Some(vec![]),
                _ => None,
            };
            match args {
                Some(a) => format!("{name}({})", a.join(",")),
                None => e.to_string(),
            }
        }
        E::Case { operand, conditions, else_result, .. } => {
            let mut s = String::from("(case");
            if let Some(o) = operand {
                s.push_str(&format!(" {}", mysql_text(o)));
            }
            for c in conditions {
                s.push_str(&format!(" when {} then {}", mysql_text(&c.condition), mysql_text(&c.result)));
            }
            if let Some(e) = else_result {
                s.push_str(&format!(" else {}", mysql_text(e)));
            }
            s.push_str(" end)");
            s
        }
        other => other.to_string(),
    }
}

/// Parse an expression text (a stored CHECK or generation expression).
pub fn parse_expr(text: &str) -> Result<ast::Expr> {
    let dialect = crate::sql::dialect::GuoceDialect::default();
    sqlparser::parser::Parser::new(&dialect)
        .with_recursion_limit(200)
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| DbError::parse(e.to_string()))
}

/// The columns of `t` as a binding scope (names qualified by the table).
pub fn table_scope(t: &TableDef, qualifier: &str) -> Scope {
    Scope {
        cols: t
            .columns
            .iter()
            .map(|c| ColumnInfo {
                name: c.name.clone(),
                table: Some(qualifier.to_string()),
                org_table: t.name.clone(),
                db: t.db.clone(),
                ty: c.ty.clone(),
                nullable: c.nullable,
                hidden: false,
            })
            .collect(),
    }
}

/// Functions whose result is a truth value (MySQL's `is_bool_func`), so a
/// CHECK constraint may be just a call to one.
const BOOLEAN_FUNCTIONS: &[&str] = &[
    "json_valid",
    "json_contains",
    "json_contains_path",
    "json_overlaps",
    "regexp_like",
    "isnull",
    "st_contains",
    "st_crosses",
    "st_disjoint",
    "st_equals",
    "st_intersects",
    "st_overlaps",
    "st_touches",
    "st_within",
];

/// Whether `e` is a condition (a comparison, a logical operation, IS,
/// IN, BETWEEN, LIKE, EXISTS, TRUE/FALSE, a boolean function): what a
/// CHECK constraint must be (3812 otherwise).
fn is_condition(e: &ast::Expr) -> bool {
    use ast::BinaryOperator as B;
    use ast::Expr as E;
    match e {
        E::Nested(x) => is_condition(x),
        E::BinaryOp { op, .. } => {
            matches!(op, B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq | B::Spaceship | B::And | B::Or | B::Xor)
        }
        E::UnaryOp { op: ast::UnaryOperator::Not, .. } => true,
        E::IsNull(_)
        | E::IsNotNull(_)
        | E::IsTrue(_)
        | E::IsNotTrue(_)
        | E::IsFalse(_)
        | E::IsNotFalse(_)
        | E::IsUnknown(_)
        | E::IsNotUnknown(_)
        | E::In { .. }
        | E::Between { .. }
        | E::Like { .. }
        | E::ILike { .. }
        | E::RLike { .. }
        | E::SimilarTo { .. }
        | E::Exists { .. } => true,
        E::Value(v) => matches!(v.value, ast::Value::Boolean(_)),
        E::Function(f) => {
            let n = plan::object_name_parts(&f.name).last().cloned().unwrap_or_default().to_ascii_lowercase();
            BOOLEAN_FUNCTIONS.contains(&n.as_str())
        }
        _ => false,
    }
}

/// Check a CHECK constraint named `name` of table `t` as MySQL 8 does at
/// DDL time. `column`: the column a column-level constraint is written on.
pub fn validate_check(
    t: &TableDef,
    name: &str,
    e: &ast::Expr,
    column: Option<&str>,
    catalog: &Catalog,
    vars: &dyn VarSource,
) -> Result<()> {
    let f = facts(e, catalog);
    if let Some(c) = column {
        if f.columns.iter().any(|x| !x.eq_ignore_ascii_case(c)) {
            return Err(DbError::new(
                3813,
                "HY000",
                format!("Column check constraint '{name}' references other column."),
            ));
        }
    }
    if let Some(func) = &f.function {
        return Err(DbError::new(
            3814,
            "HY000",
            format!("An expression of a check constraint '{name}' contains disallowed function: {func}."),
        ));
    }
    if f.subquery || f.udf.is_some() {
        return Err(DbError::new(
            3815,
            "HY000",
            format!("An expression of a check constraint '{name}' contains disallowed function."),
        ));
    }
    if f.variable {
        return Err(DbError::new(
            3816,
            "HY000",
            format!("An expression of a check constraint '{name}' cannot refer to a user or system variable."),
        ));
    }
    for c in &f.columns {
        match t.column_index(c) {
            None => {
                return Err(DbError::new(
                    3820,
                    "HY000",
                    format!("Check constraint '{name}' refers to non-existing column '{c}'."),
                ))
            }
            Some(i) if t.columns[i].auto_increment => {
                return Err(DbError::new(
                    3818,
                    "HY000",
                    format!("Check constraint '{name}' cannot refer to an auto-increment column."),
                ))
            }
            _ => {}
        }
    }
    if !is_condition(e) {
        return Err(DbError::new(
            3812,
            "HY000",
            format!("An expression of non-boolean type specified to a check constraint '{name}'."),
        ));
    }
    if mysql_text(e).len() > MAX_EXPR_TEXT {
        return Err(DbError::new(1059, "42000", format!("Identifier name '{name}' is too long")));
    }
    // Bind once, so an unknown function or a type error fails now.
    let mut binder = Binder::new(catalog, vars);
    binder.bind_expr(e, &table_scope(t, &t.name), &mut None, "check constraint")?;
    Ok(())
}

/// Check the expression of generated column `pos` of `t` as MySQL 8 does.
pub fn validate_generated(
    t: &TableDef,
    pos: usize,
    e: &ast::Expr,
    catalog: &Catalog,
    vars: &dyn VarSource,
) -> Result<()> {
    let col = &t.columns[pos];
    let f = facts(e, catalog);
    if let Some(func) = &f.function {
        return Err(DbError::new(
            3763,
            "HY000",
            format!("Expression of generated column '{}' contains a disallowed function: {func}.", col.name),
        ));
    }
    if f.subquery || f.variable || f.udf.is_some() {
        return Err(DbError::new(
            3102,
            "HY000",
            format!("Expression of generated column '{}' contains a disallowed function.", col.name),
        ));
    }
    for c in &f.columns {
        match t.column_index(c) {
            None => return Err(DbError::unknown_column(c, "generated column function")),
            Some(i) if t.columns[i].generated.is_some() && i >= pos => {
                return Err(DbError::new(
                    3107,
                    "HY000",
                    "Generated column can refer only to generated columns defined prior to it.",
                ))
            }
            Some(i) if t.columns[i].auto_increment => {
                return Err(DbError::new(
                    3109,
                    "HY000",
                    format!("Generated column '{}' cannot refer to auto-increment column.", col.name),
                ))
            }
            _ => {}
        }
    }
    if col.auto_increment {
        return Err(DbError::new(
            3106,
            "HY000",
            "'Generated column AUTO_INCREMENT' is not supported for generated columns.",
        ));
    }
    let mut binder = Binder::new(catalog, vars);
    binder.bind_expr(e, &table_scope(t, &t.name), &mut None, "generated column function")?;
    Ok(())
}

/// A table's generated columns and enforced CHECK constraints, bound for
/// one statement.
pub struct RowRules {
    generated: Vec<(usize, Expr)>,
    checks: Vec<(String, Expr)>,
}

impl RowRules {
    pub fn new(t: &TableDef, catalog: &Catalog, vars: &dyn VarSource) -> Result<Self> {
        let scope = table_scope(t, &t.name);
        let mut binder = Binder::new(catalog, vars);
        let mut generated = Vec::new();
        for (i, c) in t.columns.iter().enumerate() {
            if let Some(g) = &c.generated {
                let e = parse_expr(&g.expr)?;
                generated.push((i, binder.bind_expr(&e, &scope, &mut None, "generated column function")?));
            }
        }
        let mut checks = Vec::new();
        for c in t.checks.iter().filter(|c| c.enforced) {
            let e = parse_expr(&c.expr)?;
            checks.push((c.name.clone(), binder.bind_expr(&e, &scope, &mut None, "check constraint")?));
        }
        Ok(RowRules { generated, checks })
    }

    pub fn is_empty(&self) -> bool {
        self.generated.is_empty() && self.checks.is_empty()
    }

    /// Compute `row`'s generated columns (in column order, so one may use
    /// an earlier one), then evaluate the enforced CHECK constraints: a
    /// FALSE result is 3819, TRUE and NULL pass. `rownum` is 1-based.
    pub fn apply(&self, t: &TableDef, env: &ExecEnv, row: &mut [Value], rownum: usize) -> Result<()> {
        let ctx = Ctx { env, outer: vec![] };
        for (i, e) in &self.generated {
            let c = &t.columns[*i];
            let v = table::coerce_column(e.eval(row, &ctx)?, c, rownum)?;
            if v.is_null() && !c.nullable {
                return Err(DbError::null_column(&c.name));
            }
            row[*i] = v;
        }
        self.check(env, row)
    }

    /// Only the CHECK constraints.
    pub fn check(&self, env: &ExecEnv, row: &[Value]) -> Result<()> {
        let ctx = Ctx { env, outer: vec![] };
        for (name, e) in &self.checks {
            if e.eval(row, &ctx)?.truth() == Some(false) {
                return Err(check_violated(name));
            }
        }
        Ok(())
    }
}

/// 3819: a row fails a CHECK constraint.
pub fn check_violated(name: &str) -> DbError {
    DbError::new(3819, "HY000", format!("Check constraint '{name}' is violated."))
}

/// Names of the CHECK constraints of every table in `db` (they share one
/// namespace per schema, as in MySQL), lower-cased.
pub fn check_names_in(catalog: &Catalog, db: &str, except_table: Option<u64>) -> HashSet<String> {
    catalog
        .tables_in(db)
        .filter(|t| Some(t.id) != except_table)
        .flat_map(|t| t.checks.iter().map(|c| c.name.to_ascii_lowercase()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(sql: &str) -> String {
        mysql_text(&parse_expr(sql).unwrap())
    }

    #[test]
    fn prints_expressions_as_mysql_8() {
        assert_eq!(text("a > 0"), "(`a` > 0)");
        assert_eq!(text("a + b"), "(`a` + `b`)");
        assert_eq!(text("a > 0 AND (b < 10 OR c IS NULL)"), "((`a` > 0) and ((`b` < 10) or (`c` is null)))");
        assert_eq!(text("c != 'it''s'"), "(`c` <> _utf8mb4'it\\'s')");
        assert_eq!(text("CONCAT('n', a)"), "concat(_utf8mb4'n',`a`)");
        assert_eq!(text("a IN (1, 2) AND b BETWEEN 1 AND 5"), "((`a` in (1,2)) and (`b` between 1 and 5))");
        assert_eq!(text("NOT a"), "(not(`a`))");
        assert_eq!(text("-a"), "-(`a`)");
        assert_eq!(text("t.a"), "`a`");
    }

    #[test]
    fn printed_text_parses_back_to_the_same_text() {
        for sql in [
            "a > 0",
            "CONCAT('x', a, 'y')",
            "a <> _latin1'q'",
            "a * (b + 1) DIV 2",
            "CASE WHEN a > 1 THEN 'x' ELSE 'y' END",
        ] {
            let once = text(sql);
            assert_eq!(text(&once), once, "{sql}");
        }
    }

    #[test]
    fn finds_what_mysql_refuses() {
        let cat = Catalog::default();
        let f = facts(&parse_expr("a < RAND() + b").unwrap(), &cat);
        assert_eq!(f.function.as_deref(), Some("rand"));
        assert_eq!(f.columns, vec!["a".to_string(), "b".to_string()]);
        assert!(facts(&parse_expr("a < (SELECT 1)").unwrap(), &cat).subquery);
        assert!(facts(&parse_expr("a IN (SELECT 1)").unwrap(), &cat).subquery);
        assert!(facts(&parse_expr("a < @v").unwrap(), &cat).variable);
        assert_eq!(facts(&parse_expr("d < CURRENT_TIMESTAMP()").unwrap(), &cat).function.as_deref(), Some("now"));
    }
}

//! System variables: defaults (what drivers and tools ask on connect),
//! `SHOW VARIABLES`, and validation of `SET`.

use crate::db::Database;
use crate::error::{DbError, Result};
use crate::sql::show;
use crate::sql::value::Value;

use super::Session;

/// Every system variable we report, with its default. Names are lower case.
pub fn system_variable_defaults(db: &Database) -> Vec<(&'static str, Value)> {
    let s = |x: &str| Value::Str(x.to_string());
    let i = Value::Int;
    let c = &db.config;
    vec![
        ("auto_increment_increment", i(1)),
        ("auto_increment_offset", i(1)),
        ("autocommit", i(1)),
        ("bind_address", s(&c.bind.to_string())),
        ("character_set_client", s("utf8mb4")),
        ("character_set_connection", s("utf8mb4")),
        ("character_set_database", s("utf8mb4")),
        ("character_set_filesystem", s("binary")),
        ("character_set_results", s("utf8mb4")),
        ("character_set_server", s("utf8mb4")),
        ("character_set_system", s("utf8mb3")),
        ("collation_connection", s("utf8mb4_0900_ai_ci")),
        ("collation_database", s("utf8mb4_0900_ai_ci")),
        ("collation_server", s("utf8mb4_0900_ai_ci")),
        ("cte_max_recursion_depth", i(1000)),
        ("datadir", s(&c.data_dir.display().to_string())),
        ("default_storage_engine", s("InnoDB")),
        ("div_precision_increment", i(4)),
        ("explicit_defaults_for_timestamp", i(1)),
        ("foreign_key_checks", i(1)),
        ("group_concat_max_len", i(1024)),
        ("have_ssl", s("DISABLED")),
        ("hostname", s("localhost")),
        ("init_connect", s("")),
        ("innodb_lock_wait_timeout", i(50)),
        ("interactive_timeout", i(28800)),
        ("license", s("Apache-2.0")),
        // LOAD DATA LOCAL is on (MySQL 8's default is off, MariaDB's on);
        // server-side LOAD DATA INFILE is off (secure_file_priv NULL).
        ("local_infile", i(1)),
        ("lower_case_table_names", i(0)),
        ("max_allowed_packet", i(c.max_allowed_packet as i64)),
        ("max_connections", i(c.max_connections as i64)),
        ("net_buffer_length", i(16384)),
        ("net_read_timeout", i(30)),
        ("net_write_timeout", i(60)),
        ("performance_schema", i(0)),
        ("port", i(c.port as i64)),
        ("protocol_version", i(10)),
        ("query_cache_size", i(0)),
        ("query_cache_type", s("OFF")),
        ("read_only", i(0)),
        ("secure_file_priv", Value::Null),
        ("sql_auto_is_null", i(0)),
        ("sql_mode", s("ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION")),
        ("sql_require_primary_key", i(0)),
        ("sql_safe_updates", i(0)),
        ("sql_select_limit", Value::UInt(u64::MAX)),
        ("sql_warnings", i(0)),
        ("sql_notes", i(1)),
        ("sql_quote_show_create", i(1)),
        ("storage_engine", s("InnoDB")),
        ("system_time_zone", s("UTC")),
        // The memory one window node may hold (MySQL spills to disk past it).
        ("temptable_max_ram", i(1 << 30)),
        ("time_zone", s("SYSTEM")),
        ("transaction_isolation", s("REPEATABLE-READ")),
        ("transaction_read_only", i(0)),
        ("tx_isolation", s("REPEATABLE-READ")),
        ("tx_read_only", i(0)),
        ("unique_checks", i(1)),
        ("version", s(crate::SERVER_VERSION)),
        ("version_comment", s("guocedb (Apache-2.0)")),
        ("version_compile_machine", s(std::env::consts::ARCH)),
        ("version_compile_os", s(std::env::consts::OS)),
        ("wait_timeout", i(28800)),
        ("warning_count", i(0)),
        ("error_count", i(0)),
    ]
}

/// The default of system variable `name` (lower case).
pub fn default_value(db: &Database, name: &str) -> Option<Value> {
    db.var_defaults.get_or_init(|| system_variable_defaults(db).into_iter().collect()).get(name).cloned()
}

fn is_true(v: &Value) -> Option<bool> {
    match v {
        Value::Str(s) => match s.to_ascii_lowercase().as_str() {
            "on" | "true" | "1" => Some(true),
            "off" | "false" | "0" => Some(false),
            _ => None,
        },
        other => other.truth(),
    }
}

/// Check a `SET` of a system variable and normalise its value.
pub fn validate_assignment(db: &Database, name: &str, v: Value) -> Result<Value> {
    if default_value(db, name).is_none() {
        return Err(DbError::unknown_variable(name));
    }
    match name {
        "autocommit" => match is_true(&v) {
            Some(true) => Ok(Value::Int(1)),
            Some(false) => Ok(Value::Int(0)),
            None => Err(DbError::new(
                1231,
                "42000",
                format!("Variable 'autocommit' can't be set to the value of '{}'", v.to_text().unwrap_or_default()),
            )),
        },
        "version"
        | "version_comment"
        | "hostname"
        | "datadir"
        | "port"
        | "protocol_version"
        | "license"
        | "have_ssl"
        | "secure_file_priv"
        | "lower_case_table_names" => {
            Err(DbError::new(1238, "HY000", format!("Variable '{name}' is a read only variable")))
        }
        "time_zone" => {
            let name = v.to_text().unwrap_or_default();
            crate::sql::timezone::parse(&name)?;
            Ok(Value::Str(name))
        }
        "temptable_max_ram" => {
            let n = match &v {
                Value::Str(s) => s.trim().parse::<i128>().ok(),
                other => other.as_i128(),
            };
            match n {
                // MySQL's minimum is 2 MiB.
                Some(n) => Ok(Value::Int(n.clamp(2 << 20, i64::MAX as i128) as i64)),
                None => Err(DbError::new(1232, "42000", format!("Incorrect argument type to variable '{name}'"))),
            }
        }
        "cte_max_recursion_depth" => {
            let n = match &v {
                Value::Str(s) => s.trim().parse::<i128>().ok(),
                other => other.as_i128(),
            };
            match n {
                Some(n) => Ok(Value::Int(n.clamp(0, u32::MAX as i128) as i64)),
                None => Err(DbError::new(1232, "42000", format!("Incorrect argument type to variable '{name}'"))),
            }
        }
        "foreign_key_checks"
        | "local_infile"
        | "unique_checks"
        | "sql_auto_is_null"
        | "sql_safe_updates"
        | "sql_notes"
        | "sql_quote_show_create"
        | "sql_warnings"
        | "transaction_read_only" => Ok(Value::Int(is_true(&v).unwrap_or(false) as i64)),
        "transaction_isolation" | "tx_isolation" => {
            let s = v.to_text().unwrap_or_default().to_ascii_uppercase().replace(' ', "-");
            match s.as_str() {
                "READ-UNCOMMITTED" | "READ-COMMITTED" | "REPEATABLE-READ" | "SERIALIZABLE" => Ok(Value::Str(s)),
                _ => Err(DbError::new(
                    1231,
                    "42000",
                    format!("Variable '{name}' can't be set to the value of '{}'", v.to_text().unwrap_or_default()),
                )),
            }
        }
        _ => Ok(v),
    }
}

/// Every system variable and its value in the session's (or the global)
/// scope, as text, in name order.
pub fn variable_rows(sess: &Session, global: bool) -> Vec<(String, String)> {
    use crate::sql::plan::VarSource;
    let mut rows: Vec<(String, String)> = system_variable_defaults(&sess.db)
        .into_iter()
        .map(|(n, d)| {
            let v = sess.system_var(n, global).unwrap_or(d);
            (n.to_string(), v.to_text().unwrap_or_default())
        })
        .collect();
    rows.sort();
    rows
}

pub fn show_variables(sess: &Session, global: bool, like: Option<&str>) -> crate::sql::QueryResult {
    let rows = variable_rows(sess, global).into_iter().map(|(n, v)| vec![Value::Str(n), Value::Str(v)]).collect();
    show::rows_result(&["Variable_name", "Value"], show::filter_like(rows, like))
}

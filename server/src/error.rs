//! MySQL errors: every error a client can see carries MySQL's code, SQLSTATE
//! and message shape. Internal failures become `ER_INTERNAL_ERROR`-style
//! errors (1105) rather than panics or dropped connections.

use std::fmt;

/// A MySQL error: numeric code, SQLSTATE and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbError {
    pub code: u16,
    pub state: &'static str,
    pub message: String,
}

/// Result alias used throughout the server.
pub type Result<T> = std::result::Result<T, DbError>;

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ERROR {} ({}): {}", self.code, self.state, self.message)
    }
}

impl std::error::Error for DbError {}

/// Internal code of a statement stopped at a taken row lock while its
/// session parks lock waits (simulator builds). Never sent to a client: the
/// connection waits as a task and runs the statement again.
pub const PARKED: u16 = 0xFFFF;

impl DbError {
    /// A row lock is taken and the session parks its waits ([`PARKED`]).
    pub fn parked() -> Self {
        Self::new(PARKED, "HY000", "waiting for a row lock")
    }

    pub fn is_parked(&self) -> bool {
        self.code == PARKED
    }

    pub fn new(code: u16, state: &'static str, message: impl Into<String>) -> Self {
        Self { code, state, message: message.into() }
    }

    /// 1105 ER_UNKNOWN_ERROR: something went wrong inside the server.
    pub fn internal(msg: impl Into<String>) -> Self {
        Self::new(1105, "HY000", msg)
    }

    /// 1064 ER_PARSE_ERROR.
    pub fn parse(detail: impl fmt::Display) -> Self {
        Self::new(
            1064,
            "42000",
            format!("You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '{detail}'"),
        )
    }

    /// 1235 ER_NOT_SUPPORTED_YET.
    pub fn unsupported(what: impl fmt::Display) -> Self {
        Self::new(1235, "42000", format!("This version of guocedb doesn't yet support '{what}'"))
    }

    /// 1046 ER_NO_DB_ERROR.
    pub fn no_db() -> Self {
        Self::new(1046, "3D000", "No database selected")
    }

    /// 1049 ER_BAD_DB_ERROR.
    pub fn unknown_db(db: &str) -> Self {
        Self::new(1049, "42000", format!("Unknown database '{db}'"))
    }

    /// 1007 ER_DB_CREATE_EXISTS.
    pub fn db_exists(db: &str) -> Self {
        Self::new(1007, "HY000", format!("Can't create database '{db}'; database exists"))
    }

    /// 1008 ER_DB_DROP_EXISTS.
    pub fn db_drop_missing(db: &str) -> Self {
        Self::new(1008, "HY000", format!("Can't drop database '{db}'; database doesn't exist"))
    }

    /// 1146 ER_NO_SUCH_TABLE.
    pub fn no_table(db: &str, table: &str) -> Self {
        Self::new(1146, "42S02", format!("Table '{db}.{table}' doesn't exist"))
    }

    /// 1050 ER_TABLE_EXISTS_ERROR.
    pub fn table_exists(table: &str) -> Self {
        Self::new(1050, "42S01", format!("Table '{table}' already exists"))
    }

    /// 1051 ER_BAD_TABLE_ERROR.
    pub fn bad_table(db: &str, table: &str) -> Self {
        Self::new(1051, "42S02", format!("Unknown table '{db}.{table}'"))
    }

    /// 1054 ER_BAD_FIELD_ERROR.
    pub fn unknown_column(col: &str, clause: &str) -> Self {
        Self::new(1054, "42S22", format!("Unknown column '{col}' in '{clause}'"))
    }

    /// 1052 ER_NON_UNIQ_ERROR.
    pub fn ambiguous_column(col: &str, clause: &str) -> Self {
        Self::new(1052, "23000", format!("Column '{col}' in {clause} is ambiguous"))
    }

    /// 1060 ER_DUP_FIELDNAME.
    pub fn dup_column(col: &str) -> Self {
        Self::new(1060, "42S21", format!("Duplicate column name '{col}'"))
    }

    /// 1061 ER_DUP_KEYNAME.
    pub fn dup_key_name(name: &str) -> Self {
        Self::new(1061, "42000", format!("Duplicate key name '{name}'"))
    }

    /// 1062 ER_DUP_ENTRY.
    pub fn dup_entry(value: &str, key: &str) -> Self {
        Self::new(1062, "23000", format!("Duplicate entry '{value}' for key '{key}'"))
    }

    /// 1048 ER_BAD_NULL_ERROR.
    pub fn null_column(col: &str) -> Self {
        Self::new(1048, "23000", format!("Column '{col}' cannot be null"))
    }

    /// 1364 ER_NO_DEFAULT_FOR_FIELD.
    pub fn no_default(col: &str) -> Self {
        Self::new(1364, "HY000", format!("Field '{col}' doesn't have a default value"))
    }

    /// 1136 ER_WRONG_VALUE_COUNT_ON_ROW.
    pub fn value_count(row: usize) -> Self {
        Self::new(1136, "21S01", format!("Column count doesn't match value count at row {row}"))
    }

    /// 1264 ER_WARN_DATA_OUT_OF_RANGE.
    pub fn out_of_range(col: &str, row: usize) -> Self {
        Self::new(1264, "22003", format!("Out of range value for column '{col}' at row {row}"))
    }

    /// 1406 ER_DATA_TOO_LONG.
    pub fn too_long(col: &str, row: usize) -> Self {
        Self::new(1406, "22001", format!("Data too long for column '{col}' at row {row}"))
    }

    /// 1265 WARN_DATA_TRUNCATED, an error in strict mode (an ENUM or SET
    /// value that is no member).
    pub fn data_truncated(col: &str, row: usize) -> Self {
        Self::new(1265, "01000", format!("Data truncated for column '{col}' at row {row}"))
    }

    /// 3140 ER_INVALID_JSON_TEXT: a JSON column given text that is not JSON.
    pub fn invalid_json(reason: &str, pos: usize, col: &str) -> Self {
        Self::new(
            3140,
            "22032",
            format!("Invalid JSON text: \"{reason}\" at position {pos} in value for column '{col}'."),
        )
    }

    /// 3141 ER_INVALID_JSON_TEXT_IN_PARAM: a JSON argument that is not JSON.
    pub fn invalid_json_arg(arg: usize, func: &str, reason: &str, pos: usize) -> Self {
        Self::new(
            3141,
            "22032",
            format!("Invalid JSON text in argument {arg} to function {func}: \"{reason}\" at position {pos}."),
        )
    }

    /// 3157 ER_JSON_DOCUMENT_TOO_DEEP.
    pub fn json_too_deep() -> Self {
        Self::new(3157, "22032", "The JSON document exceeds the maximum depth of 100.")
    }

    /// 1416 ER_CANT_CREATE_GEOMETRY_OBJECT.
    pub fn not_geometry() -> Self {
        Self::new(1416, "22003", "Cannot get geometry object from data you send to the GEOMETRY field")
    }

    /// 3643 ER_WRONG_SRID_FOR_COLUMN.
    pub fn srid_mismatch(col: &str, got: u32, want: u32) -> Self {
        Self::new(
            3643,
            "HY000",
            format!("The SRID of the geometry does not match the SRID of the column '{col}'. The SRID of the geometry is {got}, but the SRID of the column is {want}. Consider changing the SRID of the geometry or the SRID property of the column."),
        )
    }

    /// 1366 ER_TRUNCATED_WRONG_VALUE_FOR_FIELD.
    pub fn wrong_value(ty: &str, value: &str, col: &str, row: usize) -> Self {
        Self::new(1366, "HY000", format!("Incorrect {ty} value: '{value}' for column '{col}' at row {row}"))
    }

    /// 1292 for a temporal column given a value that is not a valid date.
    pub fn bad_temporal(ty: &str, value: &str, col: &str, row: usize) -> Self {
        Self::new(1292, "22007", format!("Incorrect {ty} value: '{value}' for column '{col}' at row {row}"))
    }

    /// 1292 ER_TRUNCATED_WRONG_VALUE.
    pub fn truncated(ty: &str, value: &str) -> Self {
        Self::new(1292, "22007", format!("Truncated incorrect {ty} value: '{value}'"))
    }

    /// 1690 ER_DATA_OUT_OF_RANGE (arithmetic overflow).
    pub fn arith_range(ty: &str, expr: &str) -> Self {
        Self::new(1690, "22003", format!("{ty} value is out of range in '{expr}'"))
    }

    /// 1305 ER_SP_DOES_NOT_EXIST (unknown function).
    pub fn unknown_function(name: &str) -> Self {
        Self::new(1305, "42000", format!("FUNCTION {name} does not exist"))
    }

    /// 1582 ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT.
    pub fn param_count(name: &str) -> Self {
        Self::new(1582, "42000", format!("Incorrect parameter count in the call to native function '{name}'"))
    }

    /// 1111 ER_INVALID_GROUP_FUNC_USE.
    pub fn group_func() -> Self {
        Self::new(1111, "HY000", "Invalid use of group function")
    }

    /// 1242 ER_SUBQUERY_NO_1_ROW.
    pub fn subquery_rows() -> Self {
        Self::new(1242, "21000", "Subquery returns more than 1 row")
    }

    /// 1241 ER_OPERAND_COLUMNS.
    pub fn operand_columns(n: usize) -> Self {
        Self::new(1241, "21000", format!("Operand should contain {n} column(s)"))
    }

    /// 1193 ER_UNKNOWN_SYSTEM_VARIABLE.
    pub fn unknown_variable(name: &str) -> Self {
        Self::new(1193, "HY000", format!("Unknown system variable '{name}'"))
    }

    /// 1091 ER_CANT_DROP_FIELD_OR_KEY.
    pub fn cant_drop(name: &str) -> Self {
        Self::new(1091, "42000", format!("Can't DROP '{name}'; check that column/key exists"))
    }

    /// 1068 ER_MULTIPLE_PRI_KEY.
    pub fn multiple_pk() -> Self {
        Self::new(1068, "42000", "Multiple primary key defined")
    }

    /// 1075 ER_WRONG_AUTO_KEY.
    pub fn wrong_auto_key() -> Self {
        Self::new(
            1075,
            "42000",
            "Incorrect table definition; there can be only one auto column and it must be defined as a key",
        )
    }

    /// 1067 ER_INVALID_DEFAULT.
    pub fn invalid_default(col: &str) -> Self {
        Self::new(1067, "42000", format!("Invalid default value for '{col}'"))
    }

    /// 1153 ER_NET_PACKET_TOO_LARGE.
    pub fn packet_too_large() -> Self {
        Self::new(1153, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes")
    }

    /// 1040 ER_CON_COUNT_ERROR.
    pub fn too_many_connections() -> Self {
        Self::new(1040, "08004", "Too many connections")
    }

    /// 1045 ER_ACCESS_DENIED_ERROR.
    pub fn access_denied(user: &str, host: &str, using_password: bool) -> Self {
        Self::new(
            1045,
            "28000",
            format!(
                "Access denied for user '{user}'@'{host}' (using password: {})",
                if using_password { "YES" } else { "NO" }
            ),
        )
    }

    /// 1243 ER_UNKNOWN_STMT_HANDLER.
    pub fn unknown_stmt(id: u32, what: &str) -> Self {
        Self::new(1243, "HY000", format!("Unknown prepared statement handler ({id}) given to {what}"))
    }

    /// 1210 ER_WRONG_ARGUMENTS.
    pub fn wrong_arguments(what: &str) -> Self {
        Self::new(1210, "HY000", format!("Incorrect arguments to {what}"))
    }

    /// 1213 ER_LOCK_DEADLOCK: used for write conflicts the statement could
    /// not resolve by retrying.
    pub fn deadlock() -> Self {
        Self::new(1213, "40001", "Deadlock found when trying to get lock; try restarting transaction")
    }

    /// 1114 ER_RECORD_FILE_FULL: a size limit was reached.
    pub fn limit(what: &str) -> Self {
        Self::new(1114, "HY000", format!("The {what} is full"))
    }

    /// 1365 ER_DIVISION_BY_ZERO (only under strict ERROR_FOR_DIVISION_BY_ZERO
    /// in DML; a SELECT yields NULL).
    pub fn division_by_zero() -> Self {
        Self::new(1365, "22012", "Division by 0")
    }
}

impl From<guocedb_engines::EngineError> for DbError {
    fn from(e: guocedb_engines::EngineError) -> Self {
        DbError::new(1030, "HY000", format!("Got error from storage engine: {e}"))
    }
}

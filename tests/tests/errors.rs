//! The common MySQL errors, each provoked through a real connection and
//! checked for MySQL 8's code, SQLSTATE and exact message text. The same
//! table is documented in `docs/errors.md`; keep the two in step.

use guocedb_tests::slt::runner;
use guocedb_tests::TestServer;
use mysql_async::prelude::*;
use mysql_async::Conn;

/// (statement, code, SQLSTATE, message). Statements run in order on one
/// connection, in database `e` after the setup below; a statement with
/// code 0 is setup that must succeed.
const CASES: &[(&str, u16, &str, &str)] = &[
    ("SELEC 1", 1064, "42000", "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near"),
    ("", 1065, "42000", "Query was empty"),
    ("SELECT * FROM t", 1046, "3D000", "No database selected"),
    ("USE nowhere", 1049, "42000", "Unknown database 'nowhere'"),
    ("CREATE DATABASE e", 0, "", ""),
    ("CREATE DATABASE e", 1007, "HY000", "Can't create database 'e'; database exists"),
    ("DROP DATABASE nowhere", 1008, "HY000", "Can't drop database 'nowhere'; database doesn't exist"),
    ("USE e", 0, "", ""),
    ("SELECT * FROM missing", 1146, "42S02", "Table 'e.missing' doesn't exist"),
    ("DROP TABLE missing", 1051, "42S02", "Unknown table 'e.missing'"),
    ("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(5) NOT NULL, n INT, d DATE, k INT NOT NULL DEFAULT 0, UNIQUE KEY uk (k))", 0, "", ""),
    ("CREATE TABLE t (x INT)", 1050, "42S01", "Table 't' already exists"),
    ("CREATE TABLE u (a INT, a INT)", 1060, "42S21", "Duplicate column name 'a'"),
    ("CREATE TABLE u (a INT, KEY i (a), KEY i (a))", 1061, "42000", "Duplicate key name 'i'"),
    ("CREATE TABLE u (a INT PRIMARY KEY, b INT PRIMARY KEY)", 1068, "42000", "Multiple primary key defined"),
    ("CREATE TABLE u (a INT AUTO_INCREMENT, b INT)", 1075, "42000", "Incorrect table definition; there can be only one auto column and it must be defined as a key"),
    ("CREATE TABLE u (b BLOB, KEY (b))", 1170, "42000", "BLOB/TEXT column 'b' used in key specification without a key length"),
    ("CREATE TABLE u (b TEXT DEFAULT 'x')", 1101, "42000", "BLOB, TEXT, GEOMETRY or JSON column 'b' can't have a default value"),
    ("CREATE TABLE u (a INT DEFAULT 'x')", 1067, "42000", "Invalid default value for 'a'"),
    ("INSERT INTO t VALUES (1, 'a', 1, NULL, 1)", 0, "", ""),
    ("INSERT INTO t VALUES (1, 'b', 2, NULL, 2)", 1062, "23000", "Duplicate entry '1' for key 't.PRIMARY'"),
    ("INSERT INTO t VALUES (2, 'b', 2, NULL, 1)", 1062, "23000", "Duplicate entry '1' for key 't.uk'"),
    ("INSERT INTO t VALUES (2, NULL, 1, NULL, 2)", 1048, "23000", "Column 'name' cannot be null"),
    ("INSERT INTO t (id) VALUES (3)", 1364, "HY000", "Field 'name' doesn't have a default value"),
    ("INSERT INTO t VALUES (4, 'x')", 1136, "21S01", "Column count doesn't match value count at row 1"),
    ("INSERT INTO t VALUES (4, 'toolong', 1, NULL, 4)", 1406, "22001", "Data too long for column 'name' at row 1"),
    ("INSERT INTO t VALUES (4, 'x', 99999999999, NULL, 4)", 1264, "22003", "Out of range value for column 'n' at row 1"),
    ("INSERT INTO t VALUES (4, 'x', 'abc', NULL, 4)", 1366, "HY000", "Incorrect integer value: 'abc' for column 'n' at row 1"),
    ("INSERT INTO t VALUES (4, 'x', 1, 'notadate', 4)", 1292, "22007", "Incorrect date value: 'notadate' for column 'd' at row 1"),
    ("SELECT DATE '2024-13-45'", 1525, "HY000", "Incorrect DATE value: '2024-13-45'"),
    ("SELECT TIME 'x'", 1525, "HY000", "Incorrect TIME value: 'x'"),
    ("SELECT nope FROM t", 1054, "42S22", "Unknown column 'nope' in 'field list'"),
    ("SELECT * FROM t WHERE nope = 1", 1054, "42S22", "Unknown column 'nope' in 'where clause'"),
    ("SELECT id FROM t, t AS t2", 1052, "23000", "Column 'id' in field list is ambiguous"),
    ("SELECT * FROM t, t", 1066, "42000", "Not unique table/alias: 't'"),
    ("SELECT * FROM t WHERE COUNT(*) > 0", 1111, "HY000", "Invalid use of group function"),
    ("SELECT (SELECT id, n FROM t)", 1241, "21000", "Operand should contain 1 column(s)"),
    ("INSERT INTO t VALUES (2, 'b', 2, NULL, 2)", 0, "", ""),
    ("SELECT (SELECT id FROM t)", 1242, "21000", "Subquery returns more than 1 row"),
    ("SELECT 1 UNION SELECT 1, 2", 1222, "21000", "The used SELECT statements have a different number of columns"),
    ("SELECT * FROM (SELECT 1)", 1248, "42000", "Every derived table must have its own alias"),
    ("ALTER TABLE t DROP INDEX nokey", 1091, "42000", "Can't DROP 'nokey'; check that column/key exists"),
    ("SELECT ABS(1, 2)", 1582, "42000", "Incorrect parameter count in the call to native function 'ABS'"),
    ("SELECT nofunc(1)", 1305, "42000", "FUNCTION e.nofunc does not exist"),
    ("SET @@nosuchvar = 1", 1193, "HY000", "Unknown system variable 'nosuchvar'"),
    ("SET autocommit = 'maybe'", 1231, "42000", "Variable 'autocommit' can't be set to the value of 'maybe'"),
    ("ROLLBACK TO SAVEPOINT nowhere", 1305, "42000", "SAVEPOINT nowhere does not exist"),
    ("CREATE TABLE u (a INT NULL, PRIMARY KEY (a))", 1171, "42000", "All parts of a PRIMARY KEY must be NOT NULL; if you need NULL in a key, use UNIQUE instead"),
    ("CREATE TABLE u (a VARCHAR(70000))", 1074, "42000", "Column length too big for column 'a' (max = 16383); use BLOB or TEXT instead"),
    ("CREATE TABLE aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa (a INT)", 1059, "42000", "Identifier name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is too long"),
    ("SELECT * FROM t ORDER BY nope", 1054, "42S22", "Unknown column 'nope' in 'order clause'"),
    ("SELECT * FROM t GROUP BY nope", 1054, "42S22", "Unknown column 'nope' in 'group statement'"),
    ("SELECT 1 FROM t HAVING nope > 0", 1054, "42S22", "Unknown column 'nope' in 'having clause'"),
    ("UPDATE t SET nope = 1", 1054, "42S22", "Unknown column 'nope' in 'field list'"),
    ("INSERT INTO t (nope) VALUES (1)", 1054, "42S22", "Unknown column 'nope' in 'field list'"),
    ("SELECT * FROM t JOIN t AS t2 ON nope = 1", 1054, "42S22", "Unknown column 'nope' in 'on clause'"),
    ("ALTER TABLE t ADD COLUMN id INT", 1060, "42S21", "Duplicate column name 'id'"),
    ("ALTER TABLE t DROP COLUMN nope", 1091, "42000", "Can't DROP 'nope'; check that column/key exists"),
    ("CREATE INDEX uk ON t (n)", 1061, "42000", "Duplicate key name 'uk'"),
    ("SELECT CAST('x' AS NOSUCHTYPE)", 1064, "42000", "You have an error in your SQL syntax"),
    ("DROP VIEW noview", 1051, "42S02", "Unknown table 'e.noview'"),
    ("CREATE VIEW v AS SELECT 1 AS a, 2 AS a", 1060, "42S21", "Duplicate column name 'a'"),
    ("EXECUTE nostmt", 1243, "HY000", "Unknown prepared statement handler (nostmt) given to EXECUTE"),
    ("PREPARE two FROM 'SELECT ?, ?'", 0, "", ""),
    ("EXECUTE two", 1210, "HY000", "Incorrect arguments to EXECUTE"),
    ("KILL 999999", 1094, "HY000", "Unknown thread id: 999999"),
    ("CREATE TABLE fp (id INT PRIMARY KEY)", 0, "", ""),
    ("CREATE TABLE fc (a INT, CONSTRAINT fk FOREIGN KEY (a) REFERENCES fp (id))", 0, "", ""),
    ("INSERT INTO fc VALUES (1)", 1452, "23000", "Cannot add or update a child row: a foreign key constraint fails (`e`.`fc`, CONSTRAINT `fk` FOREIGN KEY (`a`) REFERENCES `fp` (`id`))"),
    ("INSERT INTO fp VALUES (1)", 0, "", ""),
    ("INSERT INTO fc VALUES (1)", 0, "", ""),
    ("DELETE FROM fp", 1451, "23000", "Cannot delete or update a parent row: a foreign key constraint fails (`e`.`fc`, CONSTRAINT `fk` FOREIGN KEY (`a`) REFERENCES `fp` (`id`))"),
    ("DROP TABLE fp", 3730, "HY000", "Cannot drop table 'fp' referenced by a foreign key constraint 'fk' on table 'fc'."),
    ("TRUNCATE TABLE fp", 1701, "42000", "Cannot truncate a table referenced in a foreign key constraint (`e`.`fc`, CONSTRAINT `fk`)"),
    ("CREATE TABLE u (a INT, FOREIGN KEY (a) REFERENCES nosuch (id))", 1824, "HY000", "Failed to open the referenced table 'nosuch'"),
    ("CREATE TABLE u (a INT, CONSTRAINT fku FOREIGN KEY (a) REFERENCES t (n))", 1822, "HY000", "Failed to add the foreign key constraint. Missing index for constraint 'fku' in the referenced table 't'"),
    ("CREATE TABLE u (a INT, CONSTRAINT fku FOREIGN KEY (a) REFERENCES fp (nosuch))", 3734, "HY000", "Failed to add the foreign key constraint. Missing column 'nosuch' for constraint 'fku' in the referenced table 'fp'"),
    ("CREATE TABLE u (a BIGINT, CONSTRAINT fku FOREIGN KEY (a) REFERENCES fp (id))", 3780, "HY000", "Referencing column 'a' and referenced column 'id' in foreign key constraint 'fku' are incompatible."),
    ("CREATE TABLE u (a INT NOT NULL, CONSTRAINT fku FOREIGN KEY (a) REFERENCES fp (id) ON DELETE SET NULL)", 1830, "HY000", "Column 'a' cannot be NOT NULL: needed in a foreign key constraint 'fku' SET NULL"),
    ("CREATE TABLE ck (a INT CHECK (a > 0))", 0, "", ""),
    ("INSERT INTO ck VALUES (0)", 3819, "HY000", "Check constraint 'ck_chk_1' is violated."),
    ("CREATE TABLE u (a DOUBLE CHECK (a < RAND()))", 3814, "HY000", "An expression of a check constraint 'u_chk_1' contains disallowed function: rand."),
    ("CREATE TABLE u (a INT CHECK (a < (SELECT 1)))", 3815, "HY000", "An expression of a check constraint 'u_chk_1' contains disallowed function."),
    ("CREATE TABLE u (a INT AUTO_INCREMENT PRIMARY KEY CHECK (a > 0))", 3818, "HY000", "Check constraint 'u_chk_1' cannot refer to an auto-increment column."),
    ("CREATE TABLE u (a INT, CHECK (z > 0))", 3820, "HY000", "Check constraint 'u_chk_1' refers to non-existing column 'z'."),
    ("CREATE TABLE u (a INT, CONSTRAINT ck_chk_1 CHECK (a > 0))", 3822, "HY000", "Duplicate check constraint name 'ck_chk_1'."),
    ("ALTER TABLE ck ALTER CHECK nosuch ENFORCED", 3821, "HY000", "Check constraint 'nosuch' is not found in the table."),
    ("CREATE TABLE gt (a INT, b INT AS (a + 1))", 0, "", ""),
    ("INSERT INTO gt VALUES (1, 2)", 3105, "HY000", "The value specified for generated column 'b' in table 'gt' is not allowed."),
    ("CREATE TABLE u (a INT, b INT AS (c + 1), c INT AS (a))", 3107, "HY000", "Generated column can refer only to generated columns defined prior to it."),
    ("CREATE TABLE u (a DOUBLE, b DOUBLE AS (RAND()))", 3763, "HY000", "Expression of generated column 'b' contains a disallowed function: rand."),
    ("CREATE TABLE u (a INT, b INT AS ((SELECT 1)))", 3102, "HY000", "Expression of generated column 'b' contains a disallowed function."),
    ("ALTER TABLE gt DROP COLUMN a", 3108, "HY000", "Column 'a' has a generated column dependency."),
    ("SELECT JSON_EXTRACT('{\"a\": 1}', '$.')", 3143, "42000", "Invalid JSON path expression. The error is around character position 2."),
    ("SELECT JSON_EXTRACT('{a}', '$.a')", 3141, "22032", "Invalid JSON text in argument 1 to function json_extract: \"Missing a name for object member.\" at position 1."),
    ("SELECT JSON_CONTAINS(1, '1')", 3146, "22032", "Invalid data type for JSON data in argument 1 to function json_contains; a JSON string or JSON type is required."),
    ("SELECT JSON_SET('[1]', '$[*]', 2)", 3149, "42000", "In this situation, path expressions may not contain the * and ** tokens or an array range."),
    ("SELECT JSON_UNQUOTE(1)", 3064, "HY000", "Incorrect type for argument 1 in function json_unquote."),
    ("SELECT JSON_CONTAINS_PATH('[1]', 'some', '$')", 3154, "42000", "The oneOrAll argument to json_contains_path may take these values: 'one' or 'all'."),
    ("SELECT JSON_REMOVE('[1]', '$')", 3153, "42000", "The path expression '$' is not allowed in this context."),
    ("SELECT JSON_ARRAY(CAST(CONCAT(REPEAT('[', 100), REPEAT(']', 100)) AS JSON))", 3157, "22032", "The JSON document exceeds the maximum depth of 100."),
    ("SELECT JSON_OBJECT(NULL, 1)", 3158, "22032", "JSON documents may not contain NULL member names."),
    ("SELECT JSON_ARRAY_INSERT('[1]', '$.a', 1)", 3165, "42000", "A path expression is not a path to a cell in an array."),
    ("START TRANSACTION READ ONLY", 0, "", ""),
    ("INSERT INTO t VALUES (9, 'x', 1, NULL, 9)", 1792, "25006", "Cannot execute statement in a READ ONLY transaction."),
    ("COMMIT", 0, "", ""),
];

#[test]
fn common_errors_match_mysql_8() {
    let server = TestServer::start();
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(async {
        let opts = runner::connection_opts(&server.url()).expect("valid URL");
        let mut c = Conn::new(opts).await.expect("connect");
        let mut wrong = Vec::new();
        for (sql, code, state, message) in CASES {
            let r = c.query_drop(*sql).await;
            match (r, code) {
                (Ok(()), 0) => {}
                (Err(e), 0) => panic!("setup {sql:?} failed: {e}"),
                (Ok(()), _) => wrong.push(format!("{sql:?}: succeeded, expected {code}")),
                (Err(mysql_async::Error::Server(e)), _) => {
                    let msg_ok = if *code == 1064 { e.message.starts_with(message) } else { e.message == *message };
                    if e.code != *code || e.state != *state || !msg_ok {
                        wrong.push(format!(
                            "{sql:?}: got {} ({}) {:?}, expected {code} ({state}) {message:?}",
                            e.code, e.state, e.message
                        ));
                    }
                }
                (Err(e), _) => wrong.push(format!("{sql:?}: not a server error: {e}")),
            }
        }
        assert!(
            wrong.is_empty(),
            "{} of {} errors differ from MySQL 8:\n{}",
            wrong.len(),
            CASES.len(),
            wrong.join("\n")
        );
    });
}

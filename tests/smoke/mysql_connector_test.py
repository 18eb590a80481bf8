#!/usr/bin/env python3
"""Smoke test through MySQL Connector/Python (Oracle's driver), unchanged.

    GUOCEDB_HOST=127.0.0.1 GUOCEDB_PORT=3306 python3 tests/smoke/mysql_connector_test.py

Uses the pure-Python protocol implementation (``use_pure=True``), so the
driver itself parses every packet. Connects as root with no password and:

- creates a table of typed columns (INT, BIGINT, DECIMAL, DOUBLE, VARCHAR,
  DATE, DATETIME, DATETIME(6), TIMESTAMP(3), BLOB) and inserts rows through
  server-side prepared statements (``cursor(prepared=True)``: COM_STMT_PREPARE
  / COM_STMT_EXECUTE with typed binary parameters): extreme integers,
  non-ASCII text (incl. a 4-byte emoji), binary bytes 0x00..0xFF, NULLs;
- reads them back over both the binary protocol (prepared cursor) and the
  text protocol (plain cursor) and checks each value and its Python type;
- binds non-ASCII text and binary bytes on the client side (plain cursor:
  the values travel escaped inside the statement text);
- JSON: probes ``CREATE TABLE … JSON``; a server without JSON (error 1235)
  is reported as a skip, one with it must round-trip a document;
- a transaction with rollback and one with commit (the driver's own
  ``start_transaction`` / ``rollback`` / ``commit``), checking what another
  connection sees before and after the commit;
- MySQL errors: ``errno`` and ``sqlstate`` of a duplicate key (1062, 23000),
  an unknown table (1146, 42S02) and a syntax error (1064, 42000), and the
  exception class the driver maps them to.

Exits 0 when everything matched, 1 otherwise (each mismatch is printed as
``FAIL: what: expected …, got …``). Needs ``pip install mysql-connector-python``.
"""

import datetime
import decimal
import json
import os
import sys

try:
    import mysql.connector
    from mysql.connector import errors
except ImportError:
    sys.exit("mysql_connector_test.py: mysql-connector-python is not installed")

HOST = os.environ.get("GUOCEDB_HOST", "127.0.0.1")
PORT = int(os.environ.get("GUOCEDB_PORT", "3306"))
DB = "smoke_connector"

failures = []

BLOB = bytes(range(256)) + b"\x00\xff\x00"
ROWS = [
    (
        1,
        -2147483648,
        9223372036854775807,
        decimal.Decimal("-123456789012.345"),
        3.141592653589793,
        "Grüße, 世界 🚀 ñ",
        datetime.date(2024, 2, 29),
        datetime.datetime(1999, 12, 31, 23, 59, 59),
        datetime.datetime(2024, 12, 31, 23, 59, 58, 123456),
        datetime.datetime(2038, 1, 19, 3, 14, 7, 500000),
        BLOB,
    ),
    (
        2,
        2147483647,
        -9223372036854775808,
        decimal.Decimal("0.001"),
        -2.5e-300,
        "",
        datetime.date(1000, 1, 1),
        datetime.datetime(9999, 12, 31, 23, 59, 59),
        datetime.datetime(1970, 1, 1, 0, 0, 0, 1),
        datetime.datetime(1970, 1, 1, 0, 0, 1),
        b"\x00",
    ),
    (3, None, None, None, None, None, None, None, None, None, None),
]
COLUMNS = "id, i, b, d, f, s, dt, dtm, dtm6, ts, bl"
TYPES = [int, int, int, decimal.Decimal, float, str, datetime.date]
TYPES += [datetime.datetime, datetime.datetime, datetime.datetime, (bytes, bytearray)]


def check(name, actual, expected):
    if actual == expected:
        print(f"ok:   {name}")
    else:
        print(f"FAIL: {name}: expected {expected!r}, got {actual!r}")
        failures.append(name)


def check_rows(name, rows):
    """Compares fetched rows with ROWS, value by value and type by type."""
    check(f"{name}: row count", len(rows), len(ROWS))
    for want, got in zip(ROWS, rows):
        row_ok = True
        for col, w, g, ty in zip(COLUMNS.split(", "), want, got, TYPES):
            if w is None:
                ok = g is None
            else:
                ok = isinstance(g, ty) and type(g) is not bool and (bytes(g) if ty == TYPES[-1] else g) == w
                # A DATETIME is also a date in Python: DATE must be a plain date.
                if ty is datetime.date and isinstance(g, datetime.datetime):
                    ok = False
            if not ok:
                row_ok = False
                print(f"FAIL: {name}: row {want[0]} column {col}: expected {w!r}, got {g!r} ({type(g).__name__})")
                failures.append(f"{name} {want[0]}.{col}")
        if row_ok:
            print(f"ok:   {name}: row {want[0]}")


def expect_error(cur, name, exc_class, errno, sqlstate, sql, args=None):
    try:
        cur.execute(sql, args)
        if cur.with_rows:
            cur.fetchall()
    except errors.Error as e:
        check(f"{name}: errno", e.errno, errno)
        check(f"{name}: sqlstate", e.sqlstate, sqlstate)
        check(f"{name}: exception class", type(e).__name__, exc_class.__name__)
        return
    print(f"FAIL: {name}: expected error {errno}, the statement succeeded")
    failures.append(name)


def connect(**kw):
    return mysql.connector.connect(
        host=HOST, port=PORT, user="root", password="", use_pure=True, connection_timeout=10, **kw
    )


def json_round_trip(conn):
    cur = conn.cursor()
    try:
        cur.execute("CREATE TABLE docs (id INT PRIMARY KEY, doc JSON)")
    except errors.Error as e:
        if e.errno == 1235:
            print(f"skip: JSON: the server has no JSON type ({e.errno}: {e.msg})")
            return
        raise
    doc = {"a": [1, 2.5, "ü"], "b": None, "c": {"d": True}}
    pcur = conn.cursor(prepared=True)
    pcur.execute("INSERT INTO docs VALUES (?, ?)", (1, json.dumps(doc)))
    pcur.close()
    conn.commit()
    cur.execute("SELECT doc FROM docs WHERE id = 1")
    (got,) = cur.fetchone()
    if isinstance(got, (bytes, bytearray)):
        got = got.decode()
    check("JSON round-trips", json.loads(got), doc)
    cur.close()


def main():
    try:
        conn = connect()
    except errors.Error as e:
        sys.exit(f"mysql_connector_test.py: cannot connect to {HOST}:{PORT}: {e}")
    print(f"connected: server {conn.server_info}, driver {mysql.connector.__version__} (pure Python)")

    cur = conn.cursor()
    cur.execute("SELECT 1 + 1, 'x'")
    check("select 1 + 1", cur.fetchall(), [(2, "x")])
    cur.execute(f"DROP DATABASE IF EXISTS {DB}")
    cur.execute(f"CREATE DATABASE {DB}")
    conn.database = DB
    cur.execute(
        "CREATE TABLE typed ("
        " id INT PRIMARY KEY, i INT, b BIGINT, d DECIMAL(15,3), f DOUBLE,"
        " s VARCHAR(40), dt DATE, dtm DATETIME, dtm6 DATETIME(6), ts TIMESTAMP(3) NULL, bl BLOB)"
    )

    # Typed inserts through server-side prepared statements.
    pcur = conn.cursor(prepared=True)
    placeholders = ", ".join(["?"] * len(ROWS[0]))
    for row in ROWS:
        pcur.execute(f"INSERT INTO typed ({COLUMNS}) VALUES ({placeholders})", row)
        check(f"prepared insert of row {row[0]}: rowcount", pcur.rowcount, 1)
    conn.commit()

    # Binary protocol (prepared statement) and text protocol (plain query).
    pcur.execute(f"SELECT {COLUMNS} FROM typed WHERE id >= ? ORDER BY id", (1,))
    check_rows("binary protocol", pcur.fetchall())
    cur.execute(f"SELECT {COLUMNS} FROM typed ORDER BY id")
    check_rows("text protocol", cur.fetchall())
    check("column names", [d[0] for d in cur.description], COLUMNS.split(", "))

    # Parameters in a WHERE clause, each of its own type.
    pcur.execute("SELECT id FROM typed WHERE s = ? AND d = ? AND dt = ?", (ROWS[0][5], ROWS[0][3], ROWS[0][6]))
    check("non-ASCII / DECIMAL / DATE parameters in WHERE", pcur.fetchall(), [(1,)])
    pcur.execute("SELECT id FROM typed WHERE bl = ?", (BLOB,))
    check("binary parameter in WHERE", pcur.fetchall(), [(1,)])
    pcur.execute("SELECT id FROM typed WHERE i IS NULL")
    check("IS NULL", pcur.fetchall(), [(3,)])
    pcur.execute("SELECT LENGTH(bl), HEX(SUBSTRING(bl, 1, 2)), CHAR_LENGTH(s) FROM typed WHERE id = ?", (1,))
    check("server sees the bytes and characters sent", pcur.fetchall(), [(259, "0001", 13)])

    # A plain cursor binds on the client side: the bytes travel inside the
    # statement text as an escaped string literal.
    cur.execute("INSERT INTO typed (id, s, bl) VALUES (%s, %s, %s)", (20, ROWS[0][5], BLOB))
    pcur.execute("SELECT s, bl FROM typed WHERE id = ?", (20,))
    got = [(s, bytes(b)) for s, b in pcur.fetchall()]
    check("client-side bound text and bytes round-trip", got, [(ROWS[0][5], BLOB)])
    cur.execute("DELETE FROM typed WHERE id = %s", (20,))
    conn.commit()
    pcur.close()

    json_round_trip(conn)

    # Transactions: rollback leaves nothing, commit makes the row visible to
    # another connection (and not before).
    other = connect(database=DB, autocommit=True)
    ocur = other.cursor()
    # autocommit is off (the driver's default): a statement starts a
    # transaction, which the server reports; end it first.
    cur.execute("SELECT COUNT(*) FROM typed")
    cur.fetchall()
    check("in_transaction with autocommit off", conn.in_transaction, True)
    conn.commit()
    check("in_transaction after commit", conn.in_transaction, False)
    conn.start_transaction()
    cur.execute("INSERT INTO typed (id, s) VALUES (10, 'rolled back')")
    cur.execute("SELECT COUNT(*) FROM typed WHERE id = 10")
    check("own uncommitted row is visible", cur.fetchall(), [(1,)])
    conn.rollback()
    cur.execute("SELECT COUNT(*) FROM typed WHERE id = 10")
    check("rollback removes the row", cur.fetchall(), [(0,)])
    conn.commit()
    conn.start_transaction()
    cur.execute("INSERT INTO typed (id, s) VALUES (11, 'committed')")
    ocur.execute("SELECT COUNT(*) FROM typed WHERE id = 11")
    check("another connection does not see an uncommitted row", ocur.fetchall(), [(0,)])
    conn.commit()
    ocur.execute("SELECT s FROM typed WHERE id = 11")
    check("another connection sees the committed row", ocur.fetchall(), [("committed",)])

    # Errors: errno, SQLSTATE and the driver's exception class.
    expect_error(
        cur, "duplicate key", errors.IntegrityError, 1062, "23000", "INSERT INTO typed (id) VALUES (%s)", (1,)
    )
    expect_error(cur, "unknown table", errors.ProgrammingError, 1146, "42S02", "SELECT * FROM no_such_table")
    expect_error(cur, "syntax error", errors.ProgrammingError, 1064, "42000", "SELEC 1")
    conn.rollback()
    cur.execute("SELECT COUNT(*) FROM typed")
    check("usable after errors", cur.fetchall(), [(4,)])

    cur.execute(f"DROP DATABASE {DB}")
    cur.close()
    ocur.close()
    other.close()
    conn.close()

    if failures:
        print(f"mysql_connector_test.py: {len(failures)} check(s) failed")
        return 1
    print("mysql_connector_test.py: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Smoke test through PyMySQL, a real client library.

    GUOCEDB_HOST=127.0.0.1 GUOCEDB_PORT=3306 python3 tests/smoke/pymysql_test.py

Connects as root with no password, creates a database and tables, inserts
with parameters (client-side interpolation, as PyMySQL does), runs a join
and aggregates, checks types of returned values, and checks that errors
carry MySQL's error numbers (1064, 1146, 1062) in ``e.args[0]``. Exits 0
when everything matched, 1 otherwise. Needs ``pip install PyMySQL``.
"""

import datetime
import decimal
import json
import os
import sys

try:
    import pymysql
except ImportError:
    sys.exit("pymysql_test.py: PyMySQL is not installed (pip install PyMySQL)")

HOST = os.environ.get("GUOCEDB_HOST", "127.0.0.1")
PORT = int(os.environ.get("GUOCEDB_PORT", "3306"))
DB = "smoke_pymysql"

failures = []


def check(name, actual, expected):
    if actual == expected:
        print(f"ok:   {name}")
    else:
        print(f"FAIL: {name}: expected {expected!r}, got {actual!r}")
        failures.append(name)


def expect_error(cur, name, code, sql, args=None):
    try:
        cur.execute(sql, args)
    except pymysql.err.MySQLError as e:
        check(f"{name} (error {code})", e.args[0], code)
        return
    print(f"FAIL: {name}: expected error {code}, the statement succeeded")
    failures.append(name)


def main():
    try:
        conn = pymysql.connect(
            host=HOST, port=PORT, user="root", password="", connect_timeout=10, autocommit=True
        )
    except pymysql.err.MySQLError as e:
        sys.exit(f"pymysql_test.py: cannot connect to {HOST}:{PORT}: {e}")

    with conn.cursor() as cur:
        cur.execute("SELECT 1 + 1")
        check("select 1 + 1", cur.fetchone(), (2,))

        cur.execute(f"DROP DATABASE IF EXISTS {DB}")
        cur.execute(f"CREATE DATABASE {DB}")
        conn.select_db(DB)

        cur.execute(
            "CREATE TABLE customers ("
            " id INT PRIMARY KEY AUTO_INCREMENT,"
            " name VARCHAR(50) NOT NULL UNIQUE,"
            " city VARCHAR(30))"
        )
        cur.execute(
            "CREATE TABLE orders ("
            " id INT PRIMARY KEY AUTO_INCREMENT,"
            " customer_id INT NOT NULL,"
            " amount DECIMAL(10,2) NOT NULL,"
            " note TEXT)"
        )

        # Parameters, including quotes and NULL, as PyMySQL escapes them.
        n = cur.execute(
            "INSERT INTO customers (name, city) VALUES (%s, %s)", ("Ann O'Neil", "Oslo")
        )
        check("insert one row: rowcount", n, 1)
        check("insert one row: lastrowid", cur.lastrowid, 1)
        n = cur.executemany(
            "INSERT INTO customers (name, city) VALUES (%s, %s)",
            [("Bob", "Rome"), ("Cid", None), ("Dee", "Oslo")],
        )
        check("executemany: rowcount", n, 3)
        cur.executemany(
            "INSERT INTO orders (customer_id, amount, note) VALUES (%s, %s, %s)",
            [
                (1, decimal.Decimal("10.50"), "first"),
                (1, decimal.Decimal("4.25"), None),
                (2, decimal.Decimal("100.00"), 'has "quotes" and \\ backslash'),
                (4, decimal.Decimal("0.75"), ""),
            ],
        )

        cur.execute("SELECT name, city FROM customers WHERE id = %s", (1,))
        check("select with a parameter", cur.fetchone(), ("Ann O'Neil", "Oslo"))

        cur.execute("SELECT name FROM customers WHERE city IS NULL")
        check("NULL comes back as None", cur.fetchall(), (("Cid",),))

        cur.execute("SELECT note FROM orders WHERE customer_id = %s", (2,))
        check("escaped text round-trips", cur.fetchone(), ('has "quotes" and \\ backslash',))

        # Join + aggregate: DECIMAL sums come back as Decimal, counts as int.
        cur.execute(
            "SELECT c.name, COUNT(o.id), SUM(o.amount)"
            " FROM customers c LEFT JOIN orders o ON o.customer_id = c.id"
            " GROUP BY c.id, c.name ORDER BY c.id"
        )
        check(
            "join + aggregate",
            cur.fetchall(),
            (
                ("Ann O'Neil", 2, decimal.Decimal("14.75")),
                ("Bob", 1, decimal.Decimal("100.00")),
                ("Cid", 0, None),
                ("Dee", 1, decimal.Decimal("0.75")),
            ),
        )

        cur.execute(
            "SELECT city, COUNT(*) AS n FROM customers WHERE city IS NOT NULL"
            " GROUP BY city HAVING COUNT(*) > 1"
        )
        check("group by + having", cur.fetchall(), (("Oslo", 2),))
        check("column names", [d[0] for d in cur.description], ["city", "n"])

        cur.execute("SELECT AVG(amount), MAX(amount), MIN(id) FROM orders")
        check(
            "avg / max / min",
            cur.fetchone(),
            (decimal.Decimal("28.875000"), decimal.Decimal("100.00"), 1),
        )

        n = cur.execute("UPDATE orders SET amount = amount * 2 WHERE customer_id = %s", (1,))
        check("update: rowcount", n, 2)
        n = cur.execute("DELETE FROM orders WHERE amount < %s", (1,))
        check("delete: rowcount", n, 1)

        expect_error(cur, "syntax error", 1064, "SELEC 1")
        expect_error(cur, "unknown table", 1146, "SELECT * FROM no_such_table")
        expect_error(
            cur, "duplicate key", 1062, "INSERT INTO customers (name) VALUES (%s)", ("Bob",)
        )

        # The connection is still usable after errors.
        cur.execute("SELECT COUNT(*) FROM customers")
        check("usable after errors", cur.fetchone(), (4,))

        # Each statement commits on its own; COMMIT outside a transaction
        # is accepted, as in MySQL.
        cur.execute("INSERT INTO customers (name) VALUES (%s)", ("Kept",))
        conn.commit()
        cur.execute("SELECT COUNT(*) FROM customers WHERE name = %s", ("Kept",))
        check("commit", cur.fetchone(), (1,))

        # JSON: stored in MySQL's normalized form, read back and queried
        # with JSON functions; dates and blobs round-trip typed.
        cur.execute("CREATE TABLE docs (id INT PRIMARY KEY, doc JSON, born DATE, raw BLOB)")
        doc = {"name": "Zoë", "tags": ["a", "b"], "n": 2.5, "ok": True, "none": None}
        cur.execute(
            "INSERT INTO docs VALUES (%s, %s, %s, %s)",
            (1, json.dumps(doc), datetime.date(1999, 12, 31), b"\x00\xff\x10"),
        )
        cur.execute("SELECT doc, born, raw FROM docs WHERE id = 1")
        got_doc, born, raw = cur.fetchone()
        check("JSON round-trips", json.loads(got_doc), doc)
        check("DATE comes back as date", born, datetime.date(1999, 12, 31))
        check("BLOB comes back as bytes", raw, b"\x00\xff\x10")
        cur.execute("SELECT doc->>'$.name', JSON_LENGTH(doc, '$.tags'), JSON_EXTRACT(doc, '$.n') FROM docs")
        check("JSON functions", cur.fetchone(), ("Zoë", 2, "2.5"))
        expect_error(cur, "invalid JSON", 3140, "INSERT INTO docs (id, doc) VALUES (2, %s)", ("{bad",))

        cur.execute(f"DROP DATABASE {DB}")
    conn.close()

    if failures:
        print(f"pymysql_test.py: {len(failures)} check(s) failed")
        return 1
    print("pymysql_test.py: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

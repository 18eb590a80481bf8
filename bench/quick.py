#!/usr/bin/env python3
"""A small single-connection benchmark over PyMySQL: autocommit inserts,
point selects by primary key, secondary-index lookups and a range
aggregate. Prints one line per workload: operations per second and the
mean latency. Usage: quick.py PORT [ROWS]"""
import sys
import time

import pymysql

port = int(sys.argv[1])
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
conn = pymysql.connect(host="127.0.0.1", port=port, user="root", password="", autocommit=True)
cur = conn.cursor()
cur.execute("DROP DATABASE IF EXISTS benchq")
cur.execute("CREATE DATABASE benchq")
cur.execute("USE benchq")
cur.execute("CREATE TABLE t (id INT PRIMARY KEY, k INT NOT NULL, c CHAR(60) NOT NULL, KEY k_idx (k))")


def run(name, n, fn):
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    dt = time.perf_counter() - start
    print(f"{name:<16} {n / dt:>10.0f} ops/s {dt * 1e6 / n:>9.0f} us/op")


run("insert", rows, lambda i: cur.execute("INSERT INTO t VALUES (%s, %s, %s)", (i, i % 500, "x" * 60)))
run("point_select", rows, lambda i: (cur.execute("SELECT c FROM t WHERE id = %s", ((i * 7919) % rows,)), cur.fetchall()))
run("index_lookup", rows // 5, lambda i: (cur.execute("SELECT id FROM t WHERE k = %s", (i % 500,)), cur.fetchall()))
run("range_sum", 500, lambda i: (cur.execute("SELECT SUM(k) FROM t WHERE id BETWEEN %s AND %s", (i, i + 99)), cur.fetchall()))
run("update_pk", rows // 5, lambda i: cur.execute("UPDATE t SET k = k + 1 WHERE id = %s", (i,)))
cur.execute("DROP DATABASE benchq")

#!/usr/bin/env python3
"""Grammar-based expression fuzzer, over the wire.

Builds random, mostly well-formed expressions (literals at the edges of
every type, columns, ~150 functions, CAST, INTERVAL arithmetic, CASE, IN,
BETWEEN, aggregates, window functions, scalar subqueries) and runs them in
four statement shapes against a server. A statement may fail with any MySQL
error; what counts as a problem:

- the connection is lost (the server dropped it after a panic, or the
  client could not read a value under its declared column type and lost
  sync), or
- error 1105 (an internal error).

    python3 fuzz/expressions.py --port 3399 --seed 7 --seconds 60

Exits 1 when a problem was seen and prints the statements before it.
Session 5 found seven bugs with it (overflow panics in FROM_DAYS,
PERIOD_ADD/DIFF, month arithmetic, ROUND of DECIMAL, TIME from huge
numbers; BIGINT-typed TIME_TO_SEC and JSON arithmetic returning
fractions). Still open: a correlated scalar subquery that reads a
non-grouped outer column, in both the select list and ORDER BY of a
grouped query, fails with 1105 "outer column out of range" (seed 3).
"""
import argparse
import random
import sys
import time

import pymysql

LITS = ["1","0","-1","2.5","-0.0","1e308","18446744073709551615","-9223372036854775808","9223372036854775807","NULL","'abc'","''","'2024-02-29'","'2024-13-45'",
        "'10:11:12'","'2024-01-01 10:00:00.123456'","X'ff00'","0x41","b'101'","'{\"a\":[1,2]}'","'[1,2,3]'","'9999-12-31'","'0000-00-00'","TRUE","'%'","'_'","' x '","'ÄÖü'","'\\\\'"]
COLS = ["a","b","c","d","t.a","t.b"]
F1 = ["ABS","CEIL","FLOOR","SIGN","SQRT","EXP","LN","LOG2","LOG10","SIN","ATAN","DEGREES","HEX","UNHEX","LENGTH","CHAR_LENGTH","UPPER","LOWER","TRIM","LTRIM","REVERSE","SOUNDEX","QUOTE","ORD","ASCII","BIN","OCT",
      "YEAR","MONTH","DAY","HOUR","MINUTE","SECOND","MICROSECOND","DAYNAME","MONTHNAME","DAYOFWEEK","DAYOFYEAR","WEEK","QUARTER","LAST_DAY","TO_DAYS","FROM_DAYS","TO_SECONDS","TIME_TO_SEC","SEC_TO_TIME","DATE","TIME","TIMESTAMP",
      "UNIX_TIMESTAMP","FROM_UNIXTIME","JSON_VALID","JSON_TYPE","JSON_UNQUOTE","JSON_QUOTE","JSON_LENGTH","JSON_DEPTH","JSON_KEYS","JSON_PRETTY","TO_BASE64","FROM_BASE64","MD5","SHA1","CRC32","INET_ATON","INET_NTOA","IS_IPV4","BIT_COUNT","SPACE","CHAR","ISNULL","YEARWEEK","WEEKDAY","MAKEDATE(2024,"]
F2 = ["ROUND","TRUNCATE","POW","MOD","ATAN2","LEFT","RIGHT","REPEAT","INSTR","LOCATE","STRCMP","FIND_IN_SET","IFNULL","NULLIF","DATEDIFF","TIMEDIFF","ADDTIME","SUBTIME","DATE_FORMAT","STR_TO_DATE","TIME_FORMAT","FORMAT",
      "JSON_EXTRACT","JSON_CONTAINS","JSON_ARRAY_APPEND","JSON_MERGE_PATCH","JSON_SEARCH('[\"a\"]','one',","SUBSTRING","CONCAT","CONCAT_WS","GREATEST","LEAST","COALESCE","ELT","FIELD","MAKE_SET","PERIOD_ADD","PERIOD_DIFF","REGEXP_LIKE","REGEXP_INSTR","SHA2","CONV(10,","MAKETIME(1,","TIMESTAMPADD(DAY,","TIMESTAMPDIFF(SECOND,","JSON_OBJECT","JSON_ARRAY","JSON_SET('{}',","JSON_INSERT('[]',"]
F3 = ["IF","LPAD","RPAD","REPLACE","SUBSTRING","SUBSTRING_INDEX","CONV","INSERT(","EXPORT_SET","REGEXP_REPLACE","REGEXP_SUBSTR","JSON_SET","JSON_REPLACE","JSON_REMOVE","CONCAT","CONVERT_TZ"]
TYPES = ["SIGNED","UNSIGNED","CHAR","CHAR(2)","BINARY","DATE","DATETIME","DATETIME(6)","TIME","TIME(3)","DECIMAL","DECIMAL(10,3)","DECIMAL(65,30)","DOUBLE","FLOAT","JSON","YEAR"]
OPS = ["+","-","*","/","DIV","MOD","%","=","<>","<=>","<",">=","AND","OR","XOR","&","|","^","<<",">>","LIKE","REGEXP","->","->>","COLLATE utf8mb4_bin ="]
UNITS = ["DAY","MONTH","YEAR","HOUR","SECOND","MICROSECOND","WEEK","QUARTER","YEAR_MONTH","DAY_SECOND","HOUR_MICROSECOND","MINUTE_SECOND"]
def e(d):
    if d <= 0 or random.random() < 0.25:
        return random.choice(LITS + COLS)
    r = random.random()
    if r < 0.2: return f"{e(d-1)} {random.choice(OPS)} {e(d-1)}"
    if r < 0.3:
        f = random.choice(F1); return f"{f}{'' if f.endswith(',') else '('}{e(d-1)})"
    if r < 0.45:
        f = random.choice(F2); return f"{f}{'' if f.endswith(',') else '('}{e(d-1)}, {e(d-1)})"
    if r < 0.52:
        f = random.choice(F3); return f"{f}{'' if f.endswith('(') else '('}{e(d-1)}, {e(d-1)}, {e(d-1)})"
    if r < 0.6: return f"CAST({e(d-1)} AS {random.choice(TYPES)})"
    if r < 0.66: return f"{e(d-1)} {random.choice(['+','-'])} INTERVAL {e(d-1)} {random.choice(UNITS)}"
    if r < 0.7: return f"DATE_ADD({e(d-1)}, INTERVAL {e(d-1)} {random.choice(UNITS)})"
    if r < 0.75: return f"CASE WHEN {e(d-1)} THEN {e(d-1)} ELSE {e(d-1)} END"
    if r < 0.8: return f"{e(d-1)} IN ({e(d-1)}, {e(d-1)})"
    if r < 0.84: return f"{e(d-1)} BETWEEN {e(d-1)} AND {e(d-1)}"
    if r < 0.88: return f"{random.choice(['SUM','AVG','MIN','MAX','COUNT','GROUP_CONCAT','STDDEV','BIT_XOR','JSON_ARRAYAGG'])}({e(d-1)})"
    if r < 0.92: return f"(SELECT {e(d-1)} FROM u LIMIT 1)"
    if r < 0.95: return f"{random.choice(['ROW_NUMBER()','RANK()','LAG(' + e(d-1) + ')','SUM(' + e(d-1) + ')','FIRST_VALUE(' + e(d-1) + ')'])} OVER (ORDER BY {e(d-1)})"
    return f"NOT {e(d-1)}"

def connect(port):
    c = pymysql.connect(host="127.0.0.1", port=port, user="root", autocommit=True, connect_timeout=5, read_timeout=30)
    cur = c.cursor()
    for sql in [
        "CREATE DATABASE IF NOT EXISTS fuzz",
        "USE fuzz",
        "CREATE TABLE IF NOT EXISTS t (a INT PRIMARY KEY, b VARCHAR(10), c DECIMAL(5,2), d DOUBLE, KEY (b))",
        "CREATE TABLE IF NOT EXISTS u (a INT, b TEXT, e DATE)",
        "REPLACE INTO t VALUES (1, 'x', 1.5, 2.5), (2, 'y', NULL, -1), (3, NULL, 0, 0)",
    ]:
        cur.execute(sql)
    return c, cur


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=3306)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args()
    random.seed(args.seed)
    c, cur = connect(args.port)
    codes, recent, problems, n = {}, [], 0, 0
    deadline = time.time() + args.seconds
    while time.time() < deadline:
        x = e(random.randint(1, 4))
        sql = random.choice([f"SELECT {x} FROM t", f"SELECT * FROM t WHERE {x}", f"SELECT {x}",
                             f"SELECT a, {x} FROM t GROUP BY a ORDER BY {x}"])
        recent = (recent + [sql])[-3:]
        n += 1
        try:
            cur.execute(sql)
            cur.fetchall()
            codes["ok"] = codes.get("ok", 0) + 1
            continue
        except pymysql.err.MySQLError as ex:
            code = ex.args[0] if ex.args else 0
        except Exception as ex:  # a value the declared column type cannot hold
            code = type(ex).__name__
        codes[code] = codes.get(code, 0) + 1
        lost = code in (0, 2006, 2013, 2014) or isinstance(code, str)
        if lost or code == 1105:
            problems += 1
            print(f"{'CONNECTION LOST' if lost else 'INTERNAL ERROR'} ({code}) after:", *recent, sep="\n  ", flush=True)
        if lost:
            c, cur = connect(args.port)
    top = sorted(codes.items(), key=lambda kv: -kv[1])[:12]
    print(f"{n} statements, {problems} problems; outcomes: {top}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

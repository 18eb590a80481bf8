#!/usr/bin/env bash
# Smoke test through the real `mariadb` (or `mysql`) command-line client.
#
#   tests/smoke/cli.sh PORT
#   tests/smoke/cli.sh HOST PORT
#   tests/smoke/cli.sh mysql://root@HOST:PORT
#
# Connects as root with no password over TCP, creates a database and a
# table, inserts, selects, checks the printed output, checks that bad
# statements make the client exit non-zero with the right MySQL error, and
# drops the database again. Exits 0 when everything matched.
set -u

usage() { echo "usage: $0 [HOST] PORT | mysql://root@HOST:PORT" >&2; exit 2; }

HOST=127.0.0.1
case "$#" in
  1)
    if [[ "$1" =~ ^mysql://([^@/]+@)?([^:/]+):([0-9]+)/?$ ]]; then
      HOST="${BASH_REMATCH[2]}"; PORT="${BASH_REMATCH[3]}"
    elif [[ "$1" =~ ^[0-9]+$ ]]; then
      PORT="$1"
    else
      usage
    fi ;;
  2) HOST="$1"; PORT="$2" ;;
  *) usage ;;
esac

CLIENT=$(command -v mariadb || command -v mysql) || { echo "no mariadb/mysql client found" >&2; exit 2; }
DB=smoke_cli
FAILS=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# sql ARGS... : runs the client in batch mode; stdout to $TMP/out, stderr to $TMP/err.
sql() {
  "$CLIENT" --protocol=TCP -h "$HOST" -P "$PORT" -u root --batch --connect-timeout=10 "$@" \
    >"$TMP/out" 2>"$TMP/err"
}

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
pass() { echo "ok:   $*"; }

# expect_ok NAME EXPECTED_STDOUT ARGS...
expect_ok() {
  local name="$1" want="$2"; shift 2
  if ! sql "$@"; then
    fail "$name: client exited non-zero: $(cat "$TMP/err")"; return
  fi
  if [[ "$(cat "$TMP/out")" != "$want" ]]; then
    fail "$name: output differs"
    echo "  expected:"; printf '%s\n' "$want" | sed 's/^/    /'
    echo "  actual:";   sed 's/^/    /' "$TMP/out"
    return
  fi
  pass "$name"
}

# expect_error NAME CODE ARGS... : the client must exit non-zero with "ERROR CODE".
expect_error() {
  local name="$1" code="$2"; shift 2
  if sql "$@"; then
    fail "$name: client exited 0, expected ERROR $code"; return
  fi
  if ! grep -q "^ERROR $code " "$TMP/err"; then
    fail "$name: expected ERROR $code, got: $(cat "$TMP/err")"; return
  fi
  pass "$name (ERROR $code)"
}

expect_ok "connect" "1" --skip-column-names -e "SELECT 1"
if [[ $FAILS -ne 0 ]]; then
  echo "cli.sh: cannot run queries on $HOST:$PORT; giving up" >&2
  exit 1
fi

expect_ok "create database" "" -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB"

expect_ok "create table" "" "$DB" -e "CREATE TABLE items (
  id INT PRIMARY KEY AUTO_INCREMENT,
  name VARCHAR(20) NOT NULL,
  qty INT NOT NULL DEFAULT 0,
  price DECIMAL(6,2)
)"

# A script on stdin, several statements, as `mariadb db < dump.sql` does.
cat >"$TMP/script.sql" <<'SQL'
INSERT INTO items (name, qty, price) VALUES ('apple', 3, 0.50), ('pear', 0, 1.25);
-- a comment line
INSERT INTO items (name, price) VALUES ('fig', NULL);
UPDATE items SET qty = qty + 1 WHERE name = 'pear';
SQL
if sql "$DB" <"$TMP/script.sql"; then pass "script from stdin"; else fail "script from stdin: $(cat "$TMP/err")"; fi

# Batch output: a header line, then tab-separated rows, NULL as NULL.
expect_ok "select with header" "$(printf 'id\tname\tqty\tprice\n1\tapple\t3\t0.50\n2\tpear\t1\t1.25\n3\tfig\t0\tNULL')" \
  "$DB" -e "SELECT id, name, qty, price FROM items ORDER BY id"

expect_ok "aggregate" "$(printf '3\t4\t1.75')" \
  "$DB" --skip-column-names -e "SELECT COUNT(*), SUM(qty), SUM(price) FROM items"

expect_ok "use + where" "pear" \
  --skip-column-names -e "USE $DB; SELECT name FROM items WHERE price > 1"

# Table output (-t) draws boxes from the column metadata.
expect_ok "table output" "$(printf '%s\n' \
  '+----+-------+' \
  '| id | name  |' \
  '+----+-------+' \
  '|  1 | apple |' \
  '+----+-------+')" "$DB" -t -e "SELECT id, name FROM items WHERE id = 1"

expect_error "syntax error" 1064 "$DB" -e "SELEC * FROM items"
expect_error "unknown table" 1146 "$DB" -e "SELECT * FROM no_such_table"
expect_error "duplicate key" 1062 "$DB" -e "INSERT INTO items (id, name) VALUES (1, 'dup')"
expect_error "unknown database" 1049 no_such_db_smoke -e "SELECT 1"

# The statements before a failing one have run; the ones after have not.
sql "$DB" -e "INSERT INTO items (name) VALUES ('kiwi'); SELEC oops; INSERT INTO items (name) VALUES ('lime')"
rc=$?
expect_ok "stops at the first error" "kiwi" "$DB" --skip-column-names -e "SELECT name FROM items WHERE name IN ('kiwi', 'lime')"
[[ $rc -ne 0 ]] && pass "exit status of a failing script ($rc)" || fail "failing script exited 0"

# LOAD DATA LOCAL INFILE: the client sends the file when the server asks.
printf '1\tone\t1.5\n2\ttwo\t\\N\n3\tthree\n4\tfour\t4.5\textra\n1\tdup\t9\n' >"$TMP/t.tsv"
printf 'id,name,price\r\n10,"a, b",2.5\r\n11,"say ""hi""",NULL\r\n12,caf\xc3\xa9,\r\n' >"$TMP/t.csv"
expect_ok "create load table" "" "$DB" -e "CREATE TABLE loaded (id INT PRIMARY KEY, name VARCHAR(20), price DECIMAL(5,2))"
# LOCAL implies IGNORE: the duplicate is skipped; short and long rows warn.
expect_ok "load data local (tab-separated)" "$(printf '%s\n' \
  $'Warning\t1261\tRow 3 doesn\'t contain data for all columns' \
  $'Warning\t1262\tRow 4 was truncated; it contained more data than there were input columns')" \
  "$DB" --local-infile=1 --skip-column-names -e "LOAD DATA LOCAL INFILE '$TMP/t.tsv' INTO TABLE loaded; SHOW WARNINGS"
expect_ok "loaded rows" "$(printf '1\tone\t1.50\n2\ttwo\tNULL\n3\tthree\tNULL\n4\tfour\t4.50')" \
  "$DB" --skip-column-names -e "SELECT id, name, price FROM loaded ORDER BY id"
# CSV: enclosures, doubled quotes, CRLF lines, a header line, UTF-8 text;
# an empty field for a DECIMAL is 0 with a warning under LOCAL.
expect_ok "load data local (csv)" "$(printf '10\ta, b\t2.50\n11\tsay "hi"\tNULL\n12\tcafé\t0.00')" \
  "$DB" --local-infile=1 --skip-column-names -e "LOAD DATA LOCAL INFILE '$TMP/t.csv' INTO TABLE loaded
    FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\r\n' IGNORE 1 LINES;
    SELECT id, name, price FROM loaded WHERE id >= 10 ORDER BY id"
# A column list with user variables and SET expressions that read them and loaded columns.
expect_ok "load data local (@vars, SET)" "$(printf '10\tdup\t3\n10\tone\t3\n20\ttwo\t3')" \
  "$DB" --local-infile=1 --skip-column-names -e "CREATE TABLE derived (a INT, b VARCHAR(10), c INT);
    LOAD DATA LOCAL INFILE '$TMP/t.tsv' INTO TABLE derived (@x, b) SET a = @x * 10, c = LENGTH(b);
    SELECT a, b, c FROM derived ORDER BY a, b LIMIT 3"
# REPLACE overwrites; the load is one statement: an error undoes all of it.
expect_error "load data replace, strict" 1262 "$DB" --local-infile=1 \
  -e "LOAD DATA LOCAL INFILE '$TMP/t.tsv' REPLACE INTO TABLE loaded (id, name)"
expect_ok "failed load changed nothing" "one" "$DB" --skip-column-names -e "SELECT name FROM loaded WHERE id = 1"
expect_error "client without local-infile" 3948 "$DB" --local-infile=0 \
  -e "LOAD DATA LOCAL INFILE '$TMP/t.tsv' INTO TABLE loaded"
expect_error "server-side file" 1290 "$DB" -e "LOAD DATA INFILE '/etc/passwd' INTO TABLE loaded"
expect_error "load into a missing table" 1146 "$DB" --local-infile=1 \
  -e "LOAD DATA LOCAL INFILE '$TMP/t.tsv' INTO TABLE no_such_table"

expect_ok "drop database" "" -e "DROP DATABASE $DB"

if [[ $FAILS -ne 0 ]]; then
  echo "cli.sh: $FAILS check(s) failed" >&2
  exit 1
fi
echo "cli.sh: all checks passed"

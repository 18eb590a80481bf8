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

expect_ok "drop database" "" -e "DROP DATABASE $DB"

if [[ $FAILS -ne 0 ]]; then
  echo "cli.sh: $FAILS check(s) failed" >&2
  exit 1
fi
echo "cli.sh: all checks passed"

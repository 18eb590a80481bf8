#!/usr/bin/env bash
# mysqldump round trips through the real `mariadb-dump` and `mariadb` clients.
#
#   tests/smoke/dump.sh PORT_A PORT_B
#
# PORT_A and PORT_B are two fresh guocedb servers on 127.0.0.1.
#
# 1. guocedb → guocedb: dump_schema.sql (every supported column type with
#    edge values and NULLs, unique and secondary indexes, a foreign key, a
#    view, generated columns and a CHECK constraint) is loaded into A with the `mariadb` CLI, dumped with mariadb-dump
#    (default options) and loaded into B; the results of a set of queries
#    (ordered SELECTs of every table and the view, index lookups, SHOW CREATE
#    TABLE/VIEW) must be byte-for-byte identical on A and B; a
#    --single-transaction dump must equal the default one; the next
#    AUTO_INCREMENT value must agree; B's unique indexes must reject
#    duplicates.
# 2. When `mariadbd` and `mariadb-install-db` are installed, a private MariaDB
#    server (own datadir, socket and port under a temporary directory; shut
#    down at exit) also takes part:
#    - MariaDB → guocedb: the schema is loaded into MariaDB, dumped, and the
#      dump loaded into B; query results must match MariaDB's;
#    - guocedb → MariaDB: A's dump is loaded into MariaDB; query results must
#      match A's. MariaDB 10.11 has no utf8mb4_0900_ai_ci (MySQL 8's default
#      collation, which the dump names), so for this load only it is renamed
#      to utf8mb4_general_ci, as any MySQL 8 → MariaDB 10.11 migration must.
#    Without mariadbd this part is skipped with a printed reason.
#
# Prints `ok:` / `FAIL:` lines (with a diff) and exits non-zero on any failure.
set -u

[[ $# -eq 2 ]] || { echo "usage: $0 PORT_A PORT_B" >&2; exit 2; }
PORT_A=$1
PORT_B=$2
HERE=$(cd "$(dirname "$0")" && pwd)
SCHEMA="$HERE/dump_schema.sql"
CLIENT=$(command -v mariadb || command -v mysql) || { echo "no mariadb/mysql client (scripts/deps.sh)" >&2; exit 2; }
DUMP=$(command -v mariadb-dump || command -v mysqldump) || { echo "no mariadb-dump (scripts/deps.sh)" >&2; exit 2; }
DB=dumptest
FAILS=0
TMP=$(mktemp -d)
MARIADB_PID=
cleanup() {
  if [[ -n "$MARIADB_PID" ]]; then
    kill "$MARIADB_PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$MARIADB_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$MARIADB_PID" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
pass() { echo "ok:   $*"; }

# cli PORT ARGS... : the mariadb client in batch mode over TCP, as root.
cli() {
  local port=$1; shift
  "$CLIENT" --protocol=TCP -h 127.0.0.1 -P "$port" -u root --default-character-set=utf8mb4 --batch \
    --connect-timeout=10 "$@"
}

# step NAME COMMAND... : runs COMMAND; on failure records NAME with its stderr.
step() {
  local name=$1; shift
  if "$@" >"$TMP/step.out" 2>"$TMP/step.err"; then
    pass "$name"
    return 0
  fi
  fail "$name: $(head -c 2000 "$TMP/step.err")"
  return 1
}

# load PORT DB FILE : (re)creates DB and runs FILE in it.
load() {
  cli "$1" -e "DROP DATABASE IF EXISTS $2; CREATE DATABASE $2" && cli "$1" "$2" <"$3"
}

# dump PORT DB FILE : mariadb-dump with its default options.
dump() {
  "$DUMP" --protocol=TCP -h 127.0.0.1 -P "$1" -u root --default-character-set=utf8mb4 "$2" >"$3"
}

# The compared queries: every table in primary-key order (SELECT * prints
# BLOB and BIT bytes as the client escapes them), hex and numeric views of
# the binary columns, the view, and lookups through each index.
QUERIES=(
  "SELECT * FROM ints ORDER BY id"
  "SELECT * FROM nums ORDER BY id"
  "SELECT * FROM strs ORDER BY id"
  "SELECT id, HEX(b) AS hb, HEX(vb) AS hvb, LENGTH(b) AS lb, CHAR_LENGTH(v) AS cv FROM strs ORDER BY id"
  "SELECT * FROM times ORDER BY id"
  "SELECT * FROM misc ORDER BY id"
  "SELECT id, bt + 0 AS bt_n, bt1 + 0 AS bt1_n, e + 0 AS e_n, s + 0 AS s_n FROM misc ORDER BY id"
  "SELECT * FROM parent ORDER BY id"
  "SELECT * FROM child ORDER BY id"
  "SELECT * FROM v_child ORDER BY id"
  "SELECT * FROM gen ORDER BY id"
  "SELECT id FROM gen WHERE s = 3"
  "SELECT a, b, HEX(bn) AS hbn, mt, HEX(lb) AS hlb, tt FROM nopk ORDER BY a"
  "SELECT id FROM ints WHERE bi = 7"
  "SELECT id, i FROM ints WHERE i > 0 ORDER BY i"
  "SELECT id FROM strs WHERE v = 'Ünïcödé'"
  "SELECT id FROM parent WHERE name = 'três'"
  "SELECT id, note FROM child WHERE parent_id = 1 ORDER BY id"
  "SELECT COUNT(*) AS n, SUM(nums.d) AS sd, MIN(times.dt) AS mdt, MAX(times.tm) AS mtm FROM nums, times WHERE nums.id = times.id"
)
# Only between two guocedb servers: the DDL as SHOW CREATE prints it.
SHOW_QUERIES=(
  "SHOW CREATE TABLE ints" "SHOW CREATE TABLE nums" "SHOW CREATE TABLE strs" "SHOW CREATE TABLE times"
  "SHOW CREATE TABLE misc" "SHOW CREATE TABLE parent" "SHOW CREATE TABLE child" "SHOW CREATE VIEW v_child"
  "SHOW CREATE TABLE nopk" "SHOW CREATE TABLE gen" "SHOW FULL TABLES"
)

# results PORT DB OUT QUERY... : every query's output (or error) into OUT.
results() {
  local port=$1 db=$2 out=$3; shift 3
  : >"$out"
  local q
  for q in "$@"; do
    { echo "== $q"; cli "$port" "$db" -e "$q" 2>&1; } >>"$out"
  done
}

# compare NAME FILE_WANT FILE_GOT
compare() {
  if cmp -s "$2" "$3"; then
    pass "$1"
  else
    fail "$1: results differ (< want, > got)"
    diff "$2" "$3" | head -60 >&2
  fi
}

# --- guocedb → guocedb ------------------------------------------------------

if ! cli "$PORT_A" -e "SELECT 1" >/dev/null 2>"$TMP/err"; then
  echo "dump.sh: cannot connect to guocedb on port $PORT_A: $(cat "$TMP/err")" >&2
  exit 1
fi
step "create the schema in guocedb A" load "$PORT_A" "$DB" "$SCHEMA" || exit 1
step "mariadb-dump guocedb A" dump "$PORT_A" "$DB" "$TMP/guocedb.sql" || exit 1
step "load the dump into guocedb B" load "$PORT_B" "$DB" "$TMP/guocedb.sql"
results "$PORT_A" "$DB" "$TMP/a.txt" "${QUERIES[@]}" "${SHOW_QUERIES[@]}"
results "$PORT_B" "$DB" "$TMP/b.txt" "${QUERIES[@]}" "${SHOW_QUERIES[@]}"
compare "guocedb → guocedb: query results identical" "$TMP/a.txt" "$TMP/b.txt"
if grep -q '^ERROR' "$TMP/a.txt"; then
  fail "a compared query failed on guocedb A: $(grep '^ERROR' "$TMP/a.txt" | head -3)"
fi
# --single-transaction (one snapshot, no LOCK TABLES) dumps the same text.
if step "mariadb-dump --single-transaction guocedb A" \
  "$DUMP" --protocol=TCP -h 127.0.0.1 -P "$PORT_A" -u root --default-character-set=utf8mb4 --single-transaction \
  --result-file="$TMP/single.sql" "$DB"; then
  compare "--single-transaction dump matches the default one" \
    <(grep -av '^-- Dump completed' "$TMP/guocedb.sql") <(grep -av '^-- Dump completed' "$TMP/single.sql")
fi
# AUTO_INCREMENT continues where it was (the dump's AUTO_INCREMENT=5); checked
# before the failed inserts below, which use up a value as in MySQL.
for port in "$PORT_A" "$PORT_B"; do
  cli "$port" "$DB" -e "INSERT INTO ints (i) VALUES (99)" >/dev/null 2>&1
done
results "$PORT_A" "$DB" "$TMP/ai_a.txt" "SELECT id, i FROM ints WHERE i = 99"
results "$PORT_B" "$DB" "$TMP/ai_b.txt" "SELECT id, i FROM ints WHERE i = 99"
compare "AUTO_INCREMENT continues after the load" "$TMP/ai_a.txt" "$TMP/ai_b.txt"
cli "$PORT_A" "$DB" -e "DELETE FROM ints WHERE i = 99" >/dev/null 2>&1
# The indexes came back as indexes: unique ones still reject duplicates.
for q in "INSERT INTO parent VALUES (9, 'one')" "INSERT INTO ints (bi) VALUES (7)"; do
  if cli "$PORT_B" "$DB" -e "$q" >/dev/null 2>"$TMP/err"; then
    fail "guocedb B accepted a duplicate: $q"
  elif grep -q '^ERROR 1062 ' "$TMP/err"; then
    pass "guocedb B: unique index rejects: $q"
  else
    fail "guocedb B: $q: expected ERROR 1062, got $(cat "$TMP/err")"
  fi
done
# The dump carries the foreign key (accepted, not enforced).
if grep -aq 'CONSTRAINT `fk_parent` FOREIGN KEY (`parent_id`) REFERENCES `parent` (`id`)' "$TMP/guocedb.sql"; then
  pass "the dump carries the foreign key"
else
  fail "the dump has no FOREIGN KEY for child.parent_id"
fi

# --- MariaDB ↔ guocedb --------------------------------------------------------

MARIADBD=$(command -v mariadbd || ls /usr/sbin/mariadbd 2>/dev/null)
INSTALL_DB=$(command -v mariadb-install-db)
if [[ -z "$MARIADBD" || -z "$INSTALL_DB" ]]; then
  echo "skip: MariaDB part: mariadbd/mariadb-install-db not installed (mariadb-server; scripts/deps.sh)"
else
  M="$TMP/mariadb"
  mkdir -p "$M"
  M_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # A private server: its own datadir, socket, pid file and port; no
  # option files (--no-defaults); run as the current user.
  M_OPTS=(--no-defaults --datadir="$M/data" --socket="$M/sock" --pid-file="$M/pid" --port="$M_PORT"
    --bind-address=127.0.0.1 --skip-networking=0 --log-error="$M/err.log" --innodb-buffer-pool-size=16M
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci --default-time-zone=+00:00)
  [[ $(id -u) -eq 0 ]] && M_OPTS+=(--user=root)
  if ! "$INSTALL_DB" --no-defaults --datadir="$M/data" --auth-root-authentication-method=normal --skip-test-db \
    $([[ $(id -u) -eq 0 ]] && echo --user=root) >"$M/install.log" 2>&1; then
    fail "mariadb-install-db failed: $(tail -5 "$M/install.log")"
  else
    "$MARIADBD" "${M_OPTS[@]}" >/dev/null 2>&1 &
    MARIADB_PID=$!
    up=
    for _ in $(seq 1 120); do
      if cli "$M_PORT" -e "SELECT 1" >/dev/null 2>&1; then up=1; break; fi
      kill -0 "$MARIADB_PID" 2>/dev/null || break
      sleep 0.25
    done
    if [[ -z "$up" ]]; then
      fail "private mariadbd did not start: $(tail -5 "$M/err.log" 2>/dev/null)"
    else
      pass "private mariadbd $(cli "$M_PORT" -N -e 'SELECT VERSION()') on port $M_PORT"
      # guocedb's one account is root@%, the definer its views are dumped with.
      step "create root@% in MariaDB" cli "$M_PORT" \
        -e "CREATE USER IF NOT EXISTS 'root'@'%'; GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION"
      # MariaDB → guocedb.
      step "create the schema in MariaDB" load "$M_PORT" "$DB" "$SCHEMA" &&
        step "mariadb-dump MariaDB" dump "$M_PORT" "$DB" "$TMP/mariadb.sql" &&
        step "load MariaDB's dump into guocedb B" load "$PORT_B" frommariadb "$TMP/mariadb.sql"
      results "$M_PORT" "$DB" "$TMP/m.txt" "${QUERIES[@]}"
      results "$PORT_B" frommariadb "$TMP/bm.txt" "${QUERIES[@]}"
      compare "MariaDB → guocedb: query results identical" "$TMP/m.txt" "$TMP/bm.txt"
      # guocedb → MariaDB.
      sed 's/utf8mb4_0900_ai_ci/utf8mb4_general_ci/g' "$TMP/guocedb.sql" >"$TMP/guocedb-for-mariadb.sql"
      step "load guocedb A's dump into MariaDB" load "$M_PORT" fromguocedb "$TMP/guocedb-for-mariadb.sql"
      results "$M_PORT" fromguocedb "$TMP/mg.txt" "${QUERIES[@]}"
      results "$PORT_A" "$DB" "$TMP/a2.txt" "${QUERIES[@]}"
      compare "guocedb → MariaDB: query results identical" "$TMP/a2.txt" "$TMP/mg.txt"
    fi
  fi
fi

if [[ $FAILS -ne 0 ]]; then
  echo "dump.sh: $FAILS failure(s)" >&2
  exit 1
fi
echo "dump.sh: all passed"

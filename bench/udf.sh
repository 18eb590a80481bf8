#!/usr/bin/env bash
# Wasm UDF cost: an identity and an add UDF (udf-sdk/examples/math) against
# the built-in expression, over N rows (default 1,000,000), on a release
# guocedb. Each query filters every row through the function, so the
# executor batches calls (1,024 rows per call); the difference between the
# UDF query and the built-in one, divided by N, is the amortised cost of a
# call per row.
#
#   bench/udf.sh [ROWS] [REPEATS]      (defaults: 1000000 5)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-1000000}"; REPEATS="${2:-5}"
PORT=3621
WORK=$(mktemp -d /var/tmp/guocedb-udfbench.XXXXXX)
cleanup() { kill "${GPID:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$WORK/plugins"
cp "$(udf-sdk/build.sh udf-sdk/examples/math)" "$WORK/plugins/math.wasm"
cargo build --release -p guocedb >/dev/null 2>&1
printf 'plugin_dir = "%s"\nsync_commits = false\n' "$WORK/plugins" > "$WORK/g.toml"
./target/release/guocedb serve --config "$WORK/g.toml" --data-dir "$WORK/g" --port $PORT >"$WORK/g.log" 2>&1 & GPID=$!
for _ in $(seq 100); do mariadb -h127.0.0.1 -P$PORT -uroot -e "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
q() { mariadb -h127.0.0.1 -P$PORT -uroot -N -B -e "$1"; }
q "CREATE FUNCTION identity RETURNS INTEGER SONAME 'math.wasm'; CREATE FUNCTION add RETURNS INTEGER SONAME 'math.wasm';
   CREATE DATABASE b; CREATE TABLE b.t (id INT PRIMARY KEY AUTO_INCREMENT, x BIGINT); INSERT INTO b.t (x) VALUES (1)"
n=1
while [ "$n" -lt "$ROWS" ]; do
  take=$(( ROWS - n < n ? ROWS - n : n ))
  q "INSERT INTO b.t (x) SELECT x + $n FROM b.t LIMIT $take"
  n=$(( n + take ))
done
best() { # best wall time (ms) of REPEATS runs of a query
  local b=""
  for _ in $(seq "$REPEATS"); do
    local s e
    s=$(date +%s%N); q "$1" >/dev/null; e=$(date +%s%N)
    local ms=$(( (e - s) / 1000000 ))
    if [ -z "$b" ] || [ "$ms" -lt "$b" ]; then b=$ms; fi
  done
  echo "$b"
}
printf "%-10s %12s %12s %10s %8s\n" function "udf ms" "builtin ms" "ns/row" ratio
for pair in "identity|identity(x) >= 0|x >= 0" "add|add(x, x) >= 0|x + x >= 0"; do
  IFS='|' read -r name udf builtin <<<"$pair"
  u=$(best "SELECT COUNT(*) FROM b.t WHERE $udf")
  b=$(best "SELECT COUNT(*) FROM b.t WHERE $builtin")
  ns=$(( (u - b) * 1000000 / ROWS ))
  printf "%-10s %12s %12s %10s %8s\n" "$name" "$u" "$b" "$ns" "$(python3 -c "print(f'{$u/$b:.2f}')")"
done
echo "($ROWS rows, best of $REPEATS; ns/row = (udf - builtin) / rows)"

#!/usr/bin/env bash
# Runs bench/quick.py against a release guocedb and a MariaDB server started
# side by side on loopback ports, and prints both result tables.
#   bench/compare.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-5000}"
GPORT=3611; MPORT=3612
WORK=$(mktemp -d /var/tmp/guocedb-bench.XXXXXX)
cleanup() { kill "${GPID:-}" "${MPID:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
command -v mariadbd >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null; }
cargo build --release -p guocedb >/dev/null
./target/release/guocedb serve --data-dir "$WORK/g" --port $GPORT >"$WORK/g.log" 2>&1 & GPID=$!
mariadb-install-db --user=root --datadir="$WORK/m" >/dev/null 2>&1
mariadbd --user=root --datadir="$WORK/m" --port=$MPORT --bind-address=127.0.0.1 --socket="$WORK/m.sock" \
  --skip-grant-tables --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=1 >"$WORK/m.log" 2>&1 & MPID=$!
for p in $GPORT $MPORT; do
  for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $p), 1)" 2>/dev/null && break; sleep 0.2; done
done
echo "== guocedb (release, sync_commits = true)"; python3 bench/quick.py $GPORT "$ROWS"
echo "== MariaDB $(mariadbd --version | awk '{print $3}') (innodb_flush_log_at_trx_commit = 1)"; python3 bench/quick.py $MPORT "$ROWS"

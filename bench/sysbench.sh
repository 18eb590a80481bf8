#!/usr/bin/env bash
# sysbench OLTP side by side: guocedb (release, RocksDB, synced commits) and
# MariaDB (InnoDB, innodb_flush_log_at_trx_commit=1, 128 MiB buffer pool),
# each on its own loopback port, the same workloads one after the other.
# Prints throughput, p95 and p99 latency per system and the ratio
# guocedb / MariaDB.
#
#   bench/sysbench.sh [SECONDS] [THREADS]     (defaults: 60 16)
#   WORKLOADS="oltp_read_write" bench/sysbench.sh   (a subset)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-60}"; THREADS="${2:-16}"
GPORT=3631; MPORT=3632
WORK=$(mktemp -d /var/tmp/guocedb-sysbench.XXXXXX)
cleanup() { kill "${GPID:-}" "${MPID:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
need=(); for p in sysbench mariadb-server mariadb-client; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; fi
cargo build --release -p guocedb >/dev/null 2>&1
./target/release/guocedb serve --data-dir "$WORK/g" --port $GPORT >"$WORK/g.log" 2>&1 & GPID=$!
mariadb-install-db --user=root --datadir="$WORK/m" >/dev/null 2>&1
mariadbd --user=root --datadir="$WORK/m" --port=$MPORT --bind-address=127.0.0.1 --socket="$WORK/m.sock" \
  --skip-grant-tables --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=1 --max-connections=500 \
  >"$WORK/m.log" 2>&1 & MPID=$!
for p in $GPORT $MPORT; do
  for _ in $(seq 150); do mariadb -h127.0.0.1 -P$p -uroot -e "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
done
run() { # port workload -> "tps p95 p99 errors"
  local port=$1 wl=$2
  local sb=(sysbench --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$port" --mysql-user=root
            --mysql-db=sbtest --tables=4 --table-size=10000 --threads="$THREADS" --time="$SECS"
            --percentile=95 --mysql-ignore-errors=1213,1205)
  mariadb -h127.0.0.1 -P"$port" -uroot -e "DROP DATABASE IF EXISTS sbtest; CREATE DATABASE sbtest"
  "${sb[@]}" oltp_common prepare >/dev/null 2>&1 || "${sb[@]}" "$wl" prepare >/dev/null
  local out95 out99
  out95=$("${sb[@]}" "$wl" run)
  out99=$("${sb[@]}" --percentile=99 --time=$(( SECS / 4 > 5 ? SECS / 4 : 5 )) "$wl" run)
  local tps p95 p99 errs
  if [ "$wl" = oltp_point_select ]; then
    tps=$(grep -E "^ +queries:" <<<"$out95" | sed -E 's/.*\(([0-9.]+) per sec.*/\1/')
  else
    tps=$(grep -E "^ +transactions:" <<<"$out95" | sed -E 's/.*\(([0-9.]+) per sec.*/\1/')
  fi
  p95=$(grep -E "95th percentile" <<<"$out95" | awk '{print $NF}')
  p99=$(grep -E "99th percentile" <<<"$out99" | awk '{print $NF}')
  errs=$(grep -E "ignored errors" <<<"$out95" | awk '{print $3}')
  echo "$tps $p95 $p99 $errs"
}
printf "%-18s %12s %9s %9s %7s   %12s %9s %9s   %6s\n" workload guocedb p95ms p99ms retries MariaDB p95ms p99ms ratio
for wl in ${WORKLOADS:-oltp_point_select oltp_read_only oltp_read_write oltp_insert}; do
  read -r gt g95 g99 gerr <<<"$(run $GPORT $wl)"
  read -r mt m95 m99 _ <<<"$(run $MPORT $wl)"
  ratio=$(awk -v a="$gt" -v b="$mt" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  printf "%-18s %12s %9s %9s %7s   %12s %9s %9s   %6s\n" "$wl" "$gt" "$g95" "$g99" "$gerr" "$mt" "$m95" "$m99" "$ratio"
done
echo "(point_select: queries/s; others: transactions/s; $THREADS threads, ${SECS}s per run; 4 tables x 10000 rows)"

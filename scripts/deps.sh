#!/usr/bin/env bash
# Install what guocedb builds and tests with (idempotent: each piece is
# checked first and installed only when missing).
#
# Build: RocksDB comes from Debian (librocksdb-dev) so the rocksdb crate
# links it instead of compiling RocksDB's C++ (see ARCHITECTURE.md). Debian's
# Rust (rustc-web, cargo-web, rust-web-src) with lld builds Wasm UDF modules
# (udf-sdk/build.sh): rustup's wasm32 targets cannot be downloaded here.
#
# The real MySQL clients of the end-to-end tests (tests/tests/clients.rs):
# - the `mariadb` CLI (mariadb-client) and PyMySQL (pip);
# - MySQL Connector/Python (pip `mysql-connector-python`, run in pure-Python mode);
# - MariaDB Connector/J (Debian `libmariadb-java`) with a JDK to compile the
#   test program (`default-jdk-headless`, unless javac is already there);
# - Node.js `mysql2`: node and npm (Debian `nodejs npm`, unless both are
#   already there), then `npm ci` in tests/smoke/node from its committed
#   package-lock.json (node_modules is not committed);
# - Rust `sqlx` is a dev-dependency of the tests crate: cargo fetches it;
# - mariadb-server: `mariadb-dump` round trips (tests/smoke/dump.sh) start a
#   private `mariadbd` of their own. The package's own service is not started
#   at install (a temporary policy-rc.d denies it).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for p in librocksdb-dev clang libclang-dev mariadb-client python3-pip rustc-web cargo-web rust-web-src lld wabt binaryen \
  libmariadb-java mariadb-server; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
command -v javac >/dev/null 2>&1 || need+=(default-jdk-headless)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  need+=(nodejs npm)
fi
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  if [[ " ${need[*]} " == *" mariadb-server "* ]] && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# pip_install PACKAGE: a Debian system Python refuses plain `pip install`
# (externally managed); there the package goes in with --break-system-packages.
pip_install() {
  python3 -m pip install -q "$1" 2>/dev/null || python3 -m pip install -q --break-system-packages "$1"
}
python3 -c 'import pymysql' 2>/dev/null || pip_install pymysql
python3 -c 'import mysql.connector' 2>/dev/null || pip_install mysql-connector-python

node_dir=tests/smoke/node
if [ ! -d "$node_dir/node_modules/mysql2" ] || [ "$node_dir/package-lock.json" -nt "$node_dir/node_modules/.package-lock.json" ]; then
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi

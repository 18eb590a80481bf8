#!/usr/bin/env bash
# Install the system packages guocedb builds and tests with (idempotent).
# RocksDB comes from Debian (librocksdb-dev) so the rocksdb crate links it
# instead of compiling RocksDB's C++ (see ARCHITECTURE.md). Debian's Rust
# (rustc-web, cargo-web, rust-web-src) with lld builds Wasm UDF modules
# (udf-sdk/build.sh): rustup's wasm32 targets cannot be downloaded here.
set -euo pipefail
need=()
for p in librocksdb-dev clang libclang-dev mariadb-client python3-pip rustc-web cargo-web rust-web-src lld wabt binaryen; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
python3 -c 'import pymysql' 2>/dev/null || python3 -m pip install -q pymysql

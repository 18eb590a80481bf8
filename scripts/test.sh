#!/usr/bin/env bash
# The whole test suite: unit and engine tests, end-to-end tests against a
# real server (mysql_async, the mariadb CLI, PyMySQL), Wasm UDFs built from
# udf-sdk/examples, our sqllogictest files, and the shared sqllogictest
# corpus (reported as a pass rate).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --workspace --all-targets
# The engine layer must build for the simulator (no RocksDB, no threads).
RUSTFLAGS="--cfg madsim" cargo check -p guocedb-engines --target-dir "$CARGO_TARGET_DIR/madsim"
cargo test --workspace

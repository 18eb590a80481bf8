#!/usr/bin/env bash
# The whole test suite: unit and engine tests, end-to-end tests against a
# real server (mysql_async, sqlx, the mariadb CLI, PyMySQL, Connector/Python,
# Node mysql2, MariaDB Connector/J), Wasm UDFs built from
# udf-sdk/examples, our sqllogictest files, and the shared sqllogictest
# corpus (reported as a pass rate), then the deterministic simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --workspace --all-targets
cargo test --workspace
# The deterministic simulator (its own --cfg madsim build in target/madsim).
./scripts/sim-check.sh

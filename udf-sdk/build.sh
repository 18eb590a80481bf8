#!/usr/bin/env bash
# Build a guocedb UDF crate to a core Wasm module.
#
#   udf-sdk/build.sh PATH        # PATH: a crate (directory or its Cargo.toml)
#                                # that depends on guocedb-udf, anywhere
#
# Prints exactly one line on stdout: the absolute path of the .wasm built.
# Everything else (cargo's output, notes) goes to stderr.
#
# rustup's wasm32 targets cannot be installed on this project's machines, so
# this uses Debian's Rust (rustc-web/cargo-web 1.96 + rust-web-src) with
# -Zbuild-std, and wasm-ld from lld; it installs them with apt-get when they
# are missing. rustup's cargo stays the default for everything else.
#
# Environment:
#   GUOCEDB_UDF_TARGET  cargo target dir (default /var/tmp/guocedb-udf-target),
#                       shared by every function crate so std is built once
#   GUOCEDB_UDF_NO_OPT  set to 1 to skip wasm-opt
set -euo pipefail

die() {
    echo "build.sh: $*" >&2
    exit 1
}

[ $# -eq 1 ] || die "usage: $0 PATH-TO-FUNCTION-CRATE"

src=$1
[ -d "$src" ] || src=$(dirname -- "$src")
[ -f "$src/Cargo.toml" ] || die "no Cargo.toml in $1"
src=$(cd -- "$src" && pwd -P)
manifest=$src/Cargo.toml

# --- toolchain (Debian packages), installed only when missing -------------
need=()
for pkg in rustc-web cargo-web rust-web-src lld; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
# wabt (wasm-objdump, wat2wasm) and binaryen (wasm-opt) are for checking and
# shrinking: installed alongside, but a failure to get them is not fatal.
optional=()
for pkg in wabt binaryen; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || optional+=("$pkg")
done
if [ ${#need[@]} -gt 0 ] || [ ${#optional[@]} -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || die "missing packages ${need[*]} ${optional[*]}: run as root or apt-get install them"
    echo "build.sh: installing ${need[*]} ${optional[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q "${need[@]}" "${optional[@]}" >&2; then
        apt-get update -q >&2 || true
        apt-get install -y -q "${need[@]}" >&2 || die "could not install ${need[*]}"
        [ ${#optional[@]} -eq 0 ] || apt-get install -y -q "${optional[@]}" >&2 ||
            echo "build.sh: note: could not install ${optional[*]}; continuing without them" >&2
    fi
fi
for tool in /usr/bin/rustc /usr/bin/cargo; do
    [ -x "$tool" ] || die "$tool is missing after installing rustc-web/cargo-web"
done
command -v wasm-ld >/dev/null || die "wasm-ld (package lld) is not on PATH"

# --- build ----------------------------------------------------------------
target_dir=${GUOCEDB_UDF_TARGET:-/var/tmp/guocedb-udf-target}
mkdir -p "$target_dir"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Debian's cargo and rustc, never rustup's: unset what would redirect them.
# Panics become a bare trap (panic=immediate-abort, whatever the crate's
# profile says): a module has no imports, so a panic message could never be
# seen, and dropping the formatting machinery saves ~20% of a module. Debug
# info is dropped too (names stay until wasm-opt, for trap backtraces).
if ! env -u RUSTUP_TOOLCHAIN -u CARGO_BUILD_TARGET -u RUSTC_WRAPPER -u CARGO_TARGET_DIR \
    RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld \
    /usr/bin/cargo build --release \
    -Zbuild-std=std,panic_abort \
    -Zpanic-immediate-abort \
    --target wasm32-unknown-unknown \
    --manifest-path "$manifest" \
    --target-dir "$target_dir" \
    --config 'profile.release.panic="immediate-abort"' \
    --config 'profile.release.debug=false' \
    --config 'profile.release.strip="debuginfo"' \
    --message-format=json-render-diagnostics >"$log"; then
    die "cargo build failed for $manifest (errors above)"
fi

# The cdylib of the package at $manifest: its compiler-artifact line.
wasm=$(jq -r --arg m "$manifest" '
    select(.reason == "compiler-artifact" and .manifest_path == $m
           and (.target.crate_types | index("cdylib")))
    | .filenames[] | select(endswith(".wasm"))' <"$log" 2>/dev/null | tail -n 1)
if [ -z "$wasm" ]; then
    # No jq: fall back to a plain match on the same line.
    wasm=$(grep -F "\"manifest_path\":\"$manifest\"" "$log" | grep -o '"[^"]*\.wasm"' | tr -d '"' | tail -n 1 || true)
fi
[ -n "$wasm" ] && [ -f "$wasm" ] ||
    die "no .wasm was produced for $manifest: is it a library with crate-type = [\"cdylib\"]?"

# --- shrink (optional) -----------------------------------------------------
out_dir=$target_dir/udf
mkdir -p "$out_dir"
out=$out_dir/$(basename -- "$wasm")
if [ "${GUOCEDB_UDF_NO_OPT:-0}" != 1 ] && command -v wasm-opt >/dev/null; then
    if ! wasm-opt -O --strip-producers "$wasm" -o "$out.tmp" >&2; then
        echo "build.sh: note: wasm-opt failed; keeping the unoptimised module" >&2
        cp -- "$wasm" "$out.tmp"
    fi
else
    cp -- "$wasm" "$out.tmp"
fi
mv -- "$out.tmp" "$out"

# The server refuses modules with imports: say so now rather than at CREATE.
if command -v wasm-objdump >/dev/null; then
    imports=$(wasm-objdump -j Import -x "$out" 2>/dev/null | grep -c ' <- ' || true)
    [ "$imports" -eq 0 ] || die "$out imports $imports function(s) or value(s); guocedb links none (see wasm-objdump -x)"
fi

echo "build.sh: built $(wc -c <"$out") bytes" >&2
echo "$out"

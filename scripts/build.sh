#!/usr/bin/env bash
# Builds the npm package in pkg/: the .wasm (LTO really applied), wasm-bindgen's web bindings
# turned into a factory (pkg/wasm/bindings.js: a fresh instance after a panic, see
# scripts/wasm-factory.js) with its CommonJS copy, and the CommonJS copy of the shared JS.
set -euo pipefail
cd "$(dirname "$0")/.."

# `cargo rustc --crate-type cdylib` instead of a cdylib+rlib crate: with both types cargo
# silently drops `lto = true` (rust-lang/rust#51009).
# simd128 (Node >= 16.4, current browsers, workerd): sha2 switches to its SIMD code (~10 % faster
# signing, and smaller). inline-threshold=40: opt-level z inlines almost nothing (threshold 5),
# which leaves small hot helpers (serde_json's whitespace skip, slice splits) as calls; 40 costs
# ~+6 KB gzip and makes stream decoding ~15 % faster (bench/README.md). RUSTFLAGS for the wasm
# target only, so host builds are untouched.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128 -C llvm-args=-inline-threshold=40"
cargo rustc --quiet --lib --release --target wasm32-unknown-unknown --crate-type cdylib
wasm=target/wasm32-unknown-unknown/release/bedrock_connect.wasm
# binaryen's size pass (npm `binaryen`, pinned; Debian's 108 is too old), before wasm-bindgen so
# that the tables wasm-bindgen generates are left alone.
# WASM_NAMES=1 keeps function names (for `node --cpu-prof`); releases ship without them.
opt_names=(); bindgen_names=()
if [ "${WASM_NAMES:-}" = 1 ]; then opt_names=(-g); bindgen_names=(--keep-debug); fi
node_modules/.bin/wasm-opt -Oz "${opt_names[@]}" --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-reference-types --enable-mutable-globals --enable-simd "$wasm" -o target/bedrock_connect.opt.wasm
wasm=target/bedrock_connect.opt.wasm

rm -rf pkg/wasm
wasm-bindgen "${bindgen_names[@]}" --target web --out-name bedrock_connect --out-dir pkg/wasm/web "$wasm"
# One factory for every runtime (Node compiles the bytes, browsers fetch them, Workers import
# the module); the glue it was made from and the generated .d.ts do not ship.
node scripts/wasm-factory.js pkg/wasm/web/bedrock_connect.js pkg/wasm/bindings.js
rm -f pkg/wasm/web/bedrock_connect.js pkg/wasm/*/*.d.ts
npx --no-install esbuild pkg/wasm/bindings.js --format=cjs --platform=neutral --log-level=warning --outfile=pkg/wasm/bindings.cjs
# The same types for `require` under module node16/nodenext (a .d.cts is read as CommonJS).
cp pkg/index.d.ts pkg/index.d.cts

# The JS presets are generated from the one table in src/preset.rs.
cargo run --quiet --example presets > pkg/presets.js

npx --no-install esbuild pkg/common.js --bundle --format=cjs --platform=neutral --log-level=warning --outfile=pkg/common.cjs

# The npm package carries the project's README and LICENSE.
cp README.md LICENSE pkg/

raw=$(wc -c < pkg/wasm/web/bedrock_connect_bg.wasm)
gz=$(gzip -9 -c pkg/wasm/web/bedrock_connect_bg.wasm | wc -c)
echo "built pkg/: bedrock_connect_bg.wasm ${raw} bytes raw, ${gz} bytes gzip -9"

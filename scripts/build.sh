#!/usr/bin/env bash
# Builds the npm package in pkg/: the .wasm (LTO really applied), wasm-bindgen's nodejs and web
# bindings under pkg/wasm/, and the CommonJS copy of the shared JS (pkg/common.cjs).
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
wasm-bindgen "${bindgen_names[@]}" --target nodejs --out-name bedrock_connect --out-dir pkg/wasm/nodejs "$wasm"
wasm-bindgen --target web --out-name bedrock_connect --out-dir pkg/wasm/web "$wasm"
# The nodejs target is CommonJS inside a "type": "module" package.
echo '{ "type": "commonjs" }' > pkg/wasm/nodejs/package.json
# Only the bindings' code ships: their generated .d.ts are replaced by pkg/index.d.ts.
rm -f pkg/wasm/*/*.d.ts
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

#!/usr/bin/env bash
# Every test of the project, in order: the Rust core on the host, the simulator's own suite, the
# moto peer, the package in Node and Chromium, the gateway, packaging from the packed tarball, and the types.
# Run after scripts/setup.sh and scripts/build.sh (npm test does all three).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n== %s\n' "$*"; }

step "cargo test (host, sans-I/O core)"
cargo test --workspace --quiet

step "fuzz smoke: every target of fuzz/ for a few seconds against the built .wasm"
node fuzz/run.js --smoke --seconds 5

step "simulator (its own SigV4 checks against @smithy/signature-v4)"
node --test simulator/test/

step "moto peer"
node --test tests/moto/

step "package in Node, against the simulator and moto"
node --test tests/js/

step "packaging: npm pack, install in a fresh directory, import and require"
node --test tests/packaging/

step "gateway (Worker + D1 in workerd through miniflare, against the simulator; wrangler dry-run bundle)"
node --test tests/gateway/

step "npm start, once (simulator + gateway up, /healthz, one registration and invoke, exit)"
node scripts/start.js --once

step "THIRD-PARTY notices match the crates compiled into the .wasm"
node scripts/third-party.js --check

step "types: tsc --noEmit over pkg/index.d.ts and the README examples"
node scripts/check-readme.js

# Last, so that every suite above has run when a lint fails.
# A panic aborts the wasm instance: unwrap/expect/indexing/panic are denied outside tests
# (clippy.toml allows them in tests), for the core on the host and the wasm layer.
lints=(-D warnings -D clippy::unwrap_used -D clippy::expect_used -D clippy::indexing_slicing -D clippy::panic)
step "clippy (host: the core and the workspace)"
cargo clippy --workspace --all-features --all-targets --quiet -- "${lints[@]}"
step "clippy (wasm32: the wasm layer)"
cargo clippy --workspace --all-features --target wasm32-unknown-unknown --quiet -- "${lints[@]}"

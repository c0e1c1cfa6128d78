#!/usr/bin/env bash
# Idempotent setup for a fresh clone: the wasm target, wasm-bindgen-cli pinned to the crate's
# wasm-bindgen version, npm deps, the moto venv and Debian's chromium. Skips what is present;
# any failure stops the run (nothing is skipped silently).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf 'setup: %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (have: ${have:-none}; takes a few minutes)"
  # Without --locked: with it, resolution needs a crate version missing from the registry here.
  cargo install wasm-bindgen-cli --version "$want"
fi

stamp() { sha256sum "$@" | sha256sum | cut -c1-16; }
lock=$(stamp package-lock.json)
if [ "$(cat node_modules/.setup-stamp 2>/dev/null || true)" != "$lock" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund
  echo "$lock" > node_modules/.setup-stamp
fi

req=$(stamp tests/moto/requirements.txt)
if [ "$(cat .venv/.setup-stamp 2>/dev/null || true)" != "$req" ]; then
  say "creating the moto venv (.venv)"
  rm -rf .venv
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r tests/moto/requirements.txt
  echo "$req" > .venv/.setup-stamp
fi

missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
if [ -n "$missing" ]; then
  say "installing Debian packages:$missing (browser tests)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq $missing >/dev/null
fi
say "ready"

// Size profile of the .wasm per crate (twiggy): rebuilds like scripts/build.sh but keeps names,
// then sums twiggy's shallow sizes by crate. Needs `cargo install twiggy --version 0.7.0`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(new URL('..', import.meta.url).pathname);
const run = (cmd, args, env = {}) => execFileSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, ...env } });
// Without simd128: twiggy 0.7 cannot read SIMD opcodes (the shipped build differs only in sha2
// and base64, ~9 KB); with scripts/build.sh's inline threshold.
run('cargo', ['rustc', '--quiet', '--lib', '--release', '--target', 'wasm32-unknown-unknown', '--crate-type', 'cdylib', '--target-dir', 'target/size-profile'],
  { CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS: '-C llvm-args=-inline-threshold=40' });
const out = mkdtempSync(path.join(tmpdir(), 'bc-size-'));
// Nor bulk-memory or saturating float-to-int opcodes (crates/scan's opt-level 2 emits them):
// binaryen lowers them first, names kept.
const lowered = path.join(out, 'lowered.wasm');
run('npx', ['--no-install', 'wasm-opt', '--llvm-memory-copy-fill-lowering', '--llvm-nontrapping-fptoint-lowering', '-g',
  'target/size-profile/wasm32-unknown-unknown/release/bedrock_connect.wasm', '-o', lowered]);
run('wasm-bindgen', ['--keep-debug', '--target', 'web', '--out-dir', out, lowered]);
const csv = run('twiggy', ['top', '-n', '1000000', '--format', 'csv', path.join(out, 'lowered_bg.wasm')]);
const totals = new Map();
for (const line of csv.split('\n').slice(1)) {
  const m = line.match(/^"?(.*?)"?,(\d+),/);
  if (!m) continue;
  const [, name, size] = m;
  if (name.startsWith('custom section') || name.includes('function names')) continue;
  const crate = name.startsWith('data[') ? '(static data: strings, tables)'
    : (name.match(/^<*([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::/)?.[1] ?? '(exports and glue)');
  totals.set(crate, (totals.get(crate) ?? 0) + Number(size));
}
const sum = [...totals.values()].reduce((a, b) => a + b, 0);
console.log(`| crate | bytes (before wasm-opt) | share |\n|---|---:|---:|`);
for (const [crate, bytes] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
  console.log(`| ${crate} | ${bytes.toLocaleString('en')} | ${(100 * bytes / sum).toFixed(1)} % |`);
}
console.log(`| total (code + data) | ${sum.toLocaleString('en')} | 100 % |`);

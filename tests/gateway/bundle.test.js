// `wrangler deploy --dry-run` bundles the gateway as Cloudflare would (offline), and prints its size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAssets } from '../../gateway/build-assets.js';
import { tempDir } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('wrangler deploy --dry-run bundles the Worker (and the size is printed)', { timeout: 90_000 }, () => {
  // Assets in a folder of their own (a running `npm start` keeps serving gateway/public).
  const assets = buildAssets(tempDir('gw-bundle-assets-'));
  const outdir = tempDir('gw-bundle-');
  const log = execFileSync(join(root, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', outdir, '--assets', assets, '-c', 'gateway/wrangler.toml'], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' },
    encoding: 'utf8',
  });
  assert.match(log, /--dry-run: exiting now/);
  assert.match(log, /env\.DB/);
  assert.match(log, /env\.ASSETS/);
  const files = readdirSync(outdir).filter((f) => !f.endsWith('.map') && !f.endsWith('.md'));
  const js = files.find((f) => f === 'index.js');
  const wasm = files.find((f) => f.endsWith('.wasm'));
  assert.ok(js && wasm, `bundle files: ${files.join(', ')}`);
  assert.ok(readFileSync(join(outdir, js), 'utf8').includes(wasm), 'the Worker imports the .wasm module');
  let raw = 0;
  let gz = 0;
  for (const f of files) {
    const bytes = readFileSync(join(outdir, f));
    raw += statSync(join(outdir, f)).size;
    gz += gzipSync(bytes, { level: 9 }).length;
  }
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`# gateway bundle: ${files.map((f) => `${f} ${kib(statSync(join(outdir, f)).size)}`).join(', ')}; total ${kib(raw)} raw, ${kib(gz)} gzip`);
  assert.ok(gz < 3 * 1024 * 1024, 'within the Workers free-plan limit (3 MiB gzip)');
  rmSync(outdir, { recursive: true, force: true });
  rmSync(assets, { recursive: true, force: true });
});

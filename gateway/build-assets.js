// Copies the integration screen (www/) and the package's browser files (pkg/) into gateway/public,
// the Worker's static assets (wrangler [assets], miniflare `assets`). Run before start/deploy.
import { cpSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const PUBLIC_DIR = fileURLToPath(new URL('./public', import.meta.url));
const PKG_FILES = ['browser.js', 'common.js', 'errors.js', 'instance.js', 'presets.js', 'wasm/bindings.js', 'wasm/web/bedrock_connect_bg.wasm'];

/** Fills `dir` (default gateway/public, what wrangler.toml names) afresh; → `dir`. */
export function buildAssets(dir = PUBLIC_DIR) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(`${root}www`, dir, { recursive: true });
  for (const file of PKG_FILES) {
    if (!existsSync(`${root}pkg/${file}`)) throw new Error(`pkg/${file} is missing: run bash scripts/build.sh first`);
    cpSync(`${root}pkg/${file}`, `${dir}/pkg/${file}`);
  }
  return dir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(`assets: ${buildAssets()}`);

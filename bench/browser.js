// bench/browser.js — runs rows 1–3 in headless Chromium: bundles bench/browser/entry.js, serves it and pkg/ on 127.0.0.1, drives the page with playwright-core.
import { createServer } from 'node:http';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { extname, normalize, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = join(ROOT, 'bench/.out/browser');
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm', '.json': 'application/json' };

async function bundlePage() {
  await mkdir(OUT, { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'bench/browser/entry.js')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    outfile: join(OUT, 'bench.js'), external: ['/pkg/*'], logLevel: 'error', absWorkingDir: ROOT,
  });
  await writeFile(join(OUT, 'index.html'), await readFile(join(ROOT, 'bench/browser/index.html')));
}

/** Serves / and /bench.js from bench/.out/browser and /pkg/** from pkg/ (.wasm as application/wasm). */
function serve() {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file;
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (path === '/' || path === '/index.html') file = join(OUT, 'index.html');
    else if (path === '/bench.js') file = join(OUT, 'bench.js');
    else if (path.startsWith('/pkg/')) file = join(ROOT, normalize(path).replace(/^\/+/, ''));
    if (!file || !file.startsWith(ROOT)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Returns { version, results } for rows 1–3 in Chromium. */
export async function runBrowser({ only = null, quick = false, rounds = null, log = console.log } = {}) {
  await bundlePage();
  const server = await serve();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => log(`  [chromium] ${m.text()}`));
    const { port } = server.address();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 30000 });
    const results = await page.evaluate((opts) => window.runBench(opts), { only, quick, rounds });
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    return { version: browser.version(), results };
  } finally {
    await browser.close();
    server.close();
  }
}

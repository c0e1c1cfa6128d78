// Runs the gateway Worker locally in workerd through miniflare: persistent D1 (migrations applied
// as wrangler does, in a d1_migrations table), the static assets, and the env it is given.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { buildAssets } from './build-assets.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/**
 * Starts the gateway. `env`: the Worker's vars/secrets (ADMIN_TOKEN, AWS_*, …); `persist`: D1
 * folder (omit for in-memory); `onLog(line)`: each stdout line of the Worker (default: process.stdout);
 * `assets`: serve www/ + the package's browser files (copied into `assetsDir`, default gateway/public).
 * → `{ url, mf, close() }`.
 */
export async function startGateway({ port = 0, env, persist, onLog, assets = true, assetsDir } = {}) {
  const dir = assets ? buildAssets(assetsDir) : null;
  const mf = new Miniflare({
    modules: true,
    scriptPath: here('./src/index.js'),
    modulesRoot: here('..'),
    modulesRules: [{ type: 'ESModule', include: ['**/*.js'] }, { type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2025-01-01',
    d1Databases: { DB: 'bedrock-connect-gateway' },
    d1Persist: persist ?? false,
    bindings: env,
    ...(dir ? { assets: { directory: dir, binding: 'ASSETS', routerConfig: { has_user_worker: true } } } : {}),
    host: '127.0.0.1',
    port,
    handleRuntimeStdio(stdout, stderr) {
      lines(stdout, onLog ?? ((l) => process.stdout.write(`${l}\n`)));
      lines(stderr, (l) => process.stderr.write(`${l}\n`));
    },
  });
  const url = (await mf.ready).toString().replace(/\/$/, '');
  await migrate(await mf.getD1Database('DB'));
  return { url, mf, close: () => mf.dispose() };
}

function lines(stream, each) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop();
    for (const line of parts) if (line.trim()) each(line);
  });
}

/** Applies gateway/migrations/*.sql not yet recorded in d1_migrations (wrangler's table). */
export async function migrate(db) {
  await db.exec('CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)');
  const { results } = await db.prepare('SELECT name FROM d1_migrations').all();
  const done = new Set(results.map((r) => r.name));
  const files = readdirSync(here('./migrations')).filter((f) => f.endsWith('.sql')).sort();
  for (const name of files.filter((f) => !done.has(f))) {
    const sql = readFileSync(here(`./migrations/${name}`), 'utf8');
    const statements = sql.replace(/--.*$/gm, '').split(';').map((s) => s.trim()).filter(Boolean);
    await db.batch([...statements.map((s) => db.prepare(s)), db.prepare('INSERT INTO d1_migrations (name) VALUES (?)').bind(name)]);
  }
}

// bench/run.js — owns `npm run bench`: runs every row (Node, then Chromium), prints the tables, writes bench/results.json and the README results.
//
// usage: node bench/run.js [--quick] [--only sign,sign-invoke,template,mapping,stream,e2e,bundle,cold] [--browser | --no-browser] [--rounds N]
import os from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'; // the SDK's Node 20 notice, printed once per process

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const GROUPS = ['sign', 'sign-invoke', 'template', 'mapping', 'stream', 'e2e', 'bundle', 'cold'];
const BROWSER_GROUPS = ['sign', 'sign-invoke', 'template', 'mapping'];

function parseArgs(argv) {
  const o = { quick: false, only: null, browser: true, rounds: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--browser') o.browser = true;
    else if (a === '--no-browser') o.browser = false;
    else if (a === '--only') o.only = argv[++i].split(',').map((s) => s.trim()).filter(Boolean);
    else if (a.startsWith('--only=')) o.only = a.slice(7).split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--rounds') o.rounds = Number(argv[++i]);
    else if (a === '--help' || a === '-h') {
      console.log('usage: node bench/run.js [--quick] [--only sign,sign-invoke,template,mapping,stream,e2e,bundle,cold] [--browser | --no-browser] [--rounds N]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  for (const g of o.only ?? []) if (!GROUPS.includes(g)) throw new Error(`unknown row '${g}' (rows: ${GROUPS.join(', ')})`);
  if (o.rounds !== null && !(o.rounds >= 1)) throw new Error('--rounds needs a positive number');
  return o;
}

const args = parseArgs(process.argv.slice(2));
const wanted = (group) => !args.only || args.only.includes(group);

const version = (name) => {
  try {
    return JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, 'utf8')).version;
  } catch {
    return null;
  }
};
const PEERS = ['aws4fetch', '@smithy/signature-v4', '@smithy/hash-node', '@smithy/node-http-handler', '@aws-crypto/sha256-js', '@aws-crypto/sha256-browser',
  '@smithy/core', '@aws-sdk/client-bedrock-runtime', '@aws-sdk/client-sts', '@aws-sdk/credential-providers', 'json-p3', 'jsonpath-rfc9535', 'jsonpath-plus', 'mustache',
  'esbuild', 'playwright-core'];

const { runRow, formatRow, DEFAULTS, QUICK } = await import('./harness.js');
const ours = await import('../pkg/node.mjs');
const options = { ...(args.quick ? QUICK : DEFAULTS), ...(args.rounds ? { rounds: args.rounds } : {}), log: (line) => console.error(line) };
const cpuNow = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const wasmPath = `${ROOT}pkg/wasm/web/bedrock_connect_bg.wasm`;
const results = {
  date: new Date().toISOString(),
  mode: args.quick ? 'quick' : 'full',
  options: { rounds: options.rounds, targetMs: options.targetMs, warmupMs: options.warmupMs, only: args.only, browser: args.browser },
  machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, ramGiB: +(os.totalmem() / 2 ** 30).toFixed(1), os: `${os.type()} ${os.release()} ${os.arch()}`, loadavg: os.loadavg() },
  versions: {
    node: process.version,
    chromium: null,
    'bedrock-connect': JSON.parse(readFileSync(`${ROOT}pkg/package.json`, 'utf8')).version,
    'bedrock-connect wasm bytes': readFileSync(wasmPath).length,
    ...Object.fromEntries(PEERS.map((p) => [p, version(p)])),
  },
  rows: [],
};

const print = (text) => console.log(`\n${text}`);
console.log(`bench: ${results.mode} run, ${options.rounds} rounds, node ${process.version}, ${results.machine.cpu} ×${results.machine.cores}, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

// Rows 1–3 in Node.
const { signRows } = await import('./rows/sign.js');
const { signInvokeRows } = await import('./rows/sign-invoke.js');
const { templateRows } = await import('./rows/template.js');
const { mappingRows } = await import('./rows/mapping.js');
const { Hash } = await import('@smithy/hash-node');
const ctx = { ours, NodeHash: Hash, env: 'node' };
const timedRows = [
  ...(wanted('sign') ? signRows(ctx) : []),
  ...(wanted('sign-invoke') ? signInvokeRows(ctx) : []),
  ...(wanted('template') ? templateRows(ctx) : []),
  ...(wanted('mapping') ? mappingRows(ctx) : []),
];
for (const row of timedRows) {
  console.error(`running ${row.id} in Node`);
  const r = { env: 'node', ...(await runRow(row, options)) };
  results.rows.push(r);
  print(`[node] ${formatRow(r)}`);
}

// Row 7 (Node only): event-stream decoding, bytes → text deltas; runs here, next to the other in-process rows.
if (wanted('stream')) {
  const { streamRows } = await import('./rows/stream.js');
  for (const row of streamRows({ ours })) {
    console.error(`running ${row.id} in Node`);
    const r = { env: 'node', ...(await runRow(row, options)) };
    results.rows.push(r);
    print(`[node] ${formatRow(r)}`);
  }
}

// Row 4: end to end against the simulator in a child process.
if (wanted('e2e')) {
  const { e2eRows, startSimulatorProcess, checkAssumeRoleCounts } = await import('./rows/e2e.js');
  const sim = await startSimulatorProcess();
  try {
    for (const row of e2eRows({ ours, sim })) {
      row.verify = () => checkAssumeRoleCounts(row, sim);
      console.error(`running ${row.id} in Node against ${sim.url}`);
      const r = { env: 'node', ...(await runRow(row, { ...options, cpuNow, targetMs: options.targetMs * 2 })) };
      results.rows.push(r);
      print(`[node] ${formatRow(r)}`);
    }
  } finally {
    await sim.close();
  }
}

// Row 5: bundle sizes.
if (wanted('bundle')) {
  const { bundleRow, formatBundle } = await import('./rows/bundle.js');
  console.error('running bundle');
  const r = await bundleRow();
  results.rows.push(r);
  print(formatBundle(r));
}

// Row 6: Node cold start.
if (wanted('cold')) {
  const { coldRow, formatCold } = await import('./rows/cold.js');
  console.error('running cold');
  const r = coldRow({ runs: args.quick ? 5 : 15, log: (line) => console.error(line) });
  results.rows.push(r);
  print(formatCold(r));
}

// Rows 1–3 in headless Chromium.
if (args.browser && BROWSER_GROUPS.some(wanted)) {
  const { runBrowser } = await import('./browser.js');
  console.error('running rows 1–3 in headless Chromium');
  const only = BROWSER_GROUPS.filter(wanted);
  const { version: chromium, results: rows } = await runBrowser({ only, quick: args.quick, rounds: args.rounds, log: (line) => console.error(line) });
  results.versions.chromium = chromium;
  for (const r of rows) {
    results.rows.push(r);
    print(`[chromium ${chromium}] ${formatRow(r)}`);
  }
}

// Summary of targets.
const { summarize } = await import('./report.js');
print(summarize(results));

writeFileSync(`${ROOT}bench/results.json`, `${JSON.stringify(results, null, 2)}\n`);
console.log('\nwrote bench/results.json');
if (!args.only && !args.quick) {
  const { updateReadme } = await import('./report.js');
  updateReadme(results);
  console.log('updated the results section of bench/README.md');
} else {
  console.log('(partial or quick run: bench/README.md left as is; `node bench/report.js` writes it from results.json)');
}
process.exit(0); // the SDK's idle keep-alive sockets would otherwise hold the loop open for a while

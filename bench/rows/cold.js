// bench/rows/cold.js — row 6: Node cold start (import + wasm compile + instantiate + first client) in fresh child processes.
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatTable } from './bundle.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OURS = pathToFileURL(`${ROOT}pkg/node.mjs`).href;
const CREDS = "{ accessKeyId: 'AKIAPLATFORM00000001', secretAccessKey: 'platformSecretKey/0000000000000000000000' }";

// Each child times, with performance.now(), the imports plus one synchronous use (so the wasm is surely compiled and
// instantiated, and the SDK's lazy parts that a constructor touches are loaded), then prints JSON.
const CANDIDATES = [
  {
    name: 'bedrock-connect (pkg/node.mjs)',
    ours: true,
    body: `const m = await import(${JSON.stringify(OURS)});
      new m.BedrockClient({ region: 'us-east-1', credentials: ${CREDS} });
      m.signRequest({ url: 'https://bedrock.us-east-1.amazonaws.com/foundation-models', region: 'us-east-1', service: 'bedrock', credentials: ${CREDS} });`,
  },
  {
    name: 'bedrock-connect (pkg/node.cjs via require)',
    body: `const m = (await import('node:module')).createRequire(${JSON.stringify(OURS)})(${JSON.stringify(`${ROOT}pkg/node.cjs`)});
      new m.BedrockClient({ region: 'us-east-1', credentials: ${CREDS} });
      m.signRequest({ url: 'https://bedrock.us-east-1.amazonaws.com/foundation-models', region: 'us-east-1', service: 'bedrock', credentials: ${CREDS} });`,
  },
  {
    name: 'SDK v3 (client-bedrock-runtime + credential-providers)',
    body: `const [r, c] = await Promise.all([import('@aws-sdk/client-bedrock-runtime'), import('@aws-sdk/credential-providers')]);
      new r.BedrockRuntimeClient({ region: 'us-east-1', credentials: c.fromTemporaryCredentials({ params: { RoleArn: 'arn:aws:iam::123456789012:role/BedrockAccess', RoleSessionName: 'x' }, masterCredentials: ${CREDS} }) });`,
  },
  {
    name: 'aws4fetch + json-p3 + mustache',
    body: `const [a] = await Promise.all([import('aws4fetch'), import('json-p3'), import('mustache')]);
      new a.AwsClient(${CREDS});`,
  },
  { name: 'empty node process (reference)', body: '', reference: true },
  // Node's own cost of a first dynamic import (loader start-up), paid by every candidate above.
  { name: 'dynamic import of an empty ES module (reference)', body: "await import('data:text/javascript,export default 1');", reference: true },
];

const script = (body) => `const t0 = performance.now();
${body}
const t1 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, sinceStartMs: t1 }));`;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function coldRow({ runs = 15, log = () => {} } = {}) {
  const samples = CANDIDATES.map(() => ({ importMs: [], sinceStartMs: [], wallMs: [] }));
  const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  for (let r = 0; r < runs + 1; r++) {
    for (let j = 0; j < CANDIDATES.length; j++) {
      const k = (j + r) % CANDIDATES.length;
      const c = CANDIDATES[k];
      const t0 = process.hrtime.bigint();
      const out = spawnSync(process.execPath, ['--input-type=module', '-e', script(c.body)], { cwd: ROOT, env, encoding: 'utf8' });
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      if (out.status !== 0) throw new Error(`cold start of ${c.name} failed: ${out.stderr}`);
      if (r === 0) continue; // the first run warms the OS file cache
      const v = JSON.parse(out.stdout);
      samples[k].importMs.push(v.importMs);
      samples[k].sinceStartMs.push(v.sinceStartMs);
      samples[k].wallMs.push(wallMs);
    }
    if (r > 0 && r % 5 === 0) log(`  cold: ${r}/${runs} runs`);
  }
  const rows = CANDIDATES.map((c, k) => {
    const s = samples[k];
    return {
      name: c.name, ours: !!c.ours, reference: !!c.reference, runs,
      importMs: median(s.importMs), importMin: Math.min(...s.importMs), importMax: Math.max(...s.importMs),
      sinceStartMs: median(s.sinceStartMs), wallMs: median(s.wallMs), wallMin: Math.min(...s.wallMs), wallMax: Math.max(...s.wallMs),
    };
  });
  const ours = rows.find((r) => r.ours);
  for (const r of rows) r.ratio = r.reference ? null : r.importMs / ours.importMs;
  const sdk = rows.find((r) => r.name.startsWith('SDK v3'));
  return {
    id: 'cold', group: 'cold', kind: 'cold',
    title: `6. Node cold start: import + compile + instantiate + first client, fresh process each (median of ${runs})`,
    note: 'import ms = performance.now() around the dynamic imports + one synchronous use, inside the child; process wall = spawn → exit in the parent',
    rows,
    targets: [
      { label: 'ours import ≤ 11 ms', ratio: ours.importMs, pass: ours.importMs <= 11, unit: 'ms' },
      { label: 'ours import faster than SDK v3', ratio: sdk.ratio, pass: sdk.ratio > 1 },
    ],
  };
}

export function formatCold(result) {
  const f = (x) => x.toFixed(1);
  const head = ['candidate', 'import ms', 'min–max', 'since start ms', 'process wall ms', 'min–max', 'ratio'];
  const rows = result.rows.map((r) => [`${r.ours ? '* ' : '  '}${r.name}`, f(r.importMs), `${f(r.importMin)}–${f(r.importMax)}`, f(r.sinceStartMs),
    f(r.wallMs), `${f(r.wallMin)}–${f(r.wallMax)}`, r.ratio === null ? '' : `${r.ratio.toFixed(2)}×`]);
  return formatTable(result, head, rows);
}

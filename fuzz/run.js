// Owns the fuzz command line: runs targets of fuzz/targets.js against the built package and
// prints one JSON line per target (inputs, rate, slowest input, findings).
//   node fuzz/run.js [--target NAME] [--seed N] [--count N] [--seconds S] [--slow-ms MS] [--out FILE] [--allow KIND,TARGET:KIND]
//   node fuzz/run.js --smoke   (every target for a few seconds; exit 1 on a finding: npm test runs it)
import { writeFileSync } from 'node:fs';
import { targets } from './targets.js';
import { runTarget } from './lib.js';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const smoke = args.includes('--smoke');
const names = opt('target') ? [opt('target')] : Object.keys(targets);
const seed = Number(opt('seed', smoke ? Date.now() % 1e9 : 1));
const count = Number(opt('count', smoke ? 1e9 : 1_000_000));
const seconds = Number(opt('seconds', smoke ? 5 : Infinity));
// One input slower than this is a finding (smoke runs share CI machines: only real hangs count).
const slowMs = Number(opt('slow-ms', smoke ? 5000 : 1000));

// Findings that belong to other parts of the project (reported, see fuzz/README.md) would fail
// every smoke run; --allow KIND,KIND lets them through while they are open.
const allowed = new Set((opt('allow', '') || '').split(',').filter(Boolean));
let failed = false;
const results = [];
for (const name of names) {
  const target = targets[name];
  if (!target) throw new Error(`no target ${name}: ${Object.keys(targets).join(', ')}`);
  const result = await runTarget({ name, ...target }, { seed, count, seconds, slowMs, log: (line) => console.error(line) });
  results.push(result);
  console.log(JSON.stringify({ ...result, findings: result.findings.length }));
  if (result.findings.some((f) => !allowed.has(f.kind) && !allowed.has(`${name}:${f.kind}`))) failed = true;
}
const out = opt('out');
if (out) writeFileSync(out, JSON.stringify(results, null, 2));
if (smoke && failed) {
  for (const r of results) for (const f of r.findings) console.error(`${r.target} seed ${r.seed}: ${f.kind} at input ${f.index}: ${f.detail}\n  input: ${f.input.slice(0, 300)}`);
  process.exit(1);
}
process.exit(0);

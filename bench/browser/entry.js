// bench/browser/entry.js — the browser bench page's script (bundled by bench/browser.js): rows 1–3 in Chromium with the same harness and rows as Node.
import { runRow, DEFAULTS, QUICK } from '../harness.js';
import { signRows } from '../rows/sign.js';
import { signInvokeRows } from '../rows/sign-invoke.js';
import { templateRows } from '../rows/template.js';
import { mappingRows } from '../rows/mapping.js';

// Ours is not bundled: the page imports the package's browser entry as an ES module from /pkg/, so its
// `new URL('./wasm/web/bedrock_connect_bg.wasm', import.meta.url)` loads the served .wasm.
const OURS = '/pkg/browser.js';

window.runBench = async ({ only = null, quick = false, rounds = null } = {}) => {
  const ours = await import(OURS);
  await ours.ready();
  const ctx = { ours, env: 'browser' };
  const options = { ...(quick ? QUICK : DEFAULTS), ...(rounds ? { rounds } : {}), log: (line) => console.log(line) };
  const rows = [...signRows(ctx), ...signInvokeRows(ctx), ...templateRows(ctx), ...mappingRows(ctx)].filter((r) => !only || only.includes(r.group) || only.includes(r.id));
  const results = [];
  for (const row of rows) {
    console.log(`running ${row.id} in Chromium`);
    results.push({ env: 'chromium', ...(await runRow(row, options)) });
  }
  return results;
};
window.benchReady = true;

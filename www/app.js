/** Playground logic (browser): reads the form, calls the package's browser entry, shows the raw answer. */
import { BedrockClient } from '../pkg/browser.js';

const form = document.querySelector('#form');
const show = (rows, raw, isError) => {
  const summary = document.querySelector('#summary');
  summary.className = isError ? 'error' : '';
  summary.replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement('dt');
    const dd = document.createElement('dd');
    dt.textContent = k;
    dd.textContent = v;
    return [dt, dd];
  }));
  document.querySelector('#raw').textContent = raw;
  document.querySelector('#result').hidden = false;
};

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const f = Object.fromEntries(new FormData(form));
  const here = location.origin; // the simulator serves this page: use it unless endpoints are given
  try {
    const client = new BedrockClient({
      region: f.region,
      credentials: { accessKeyId: f.accessKeyId, secretAccessKey: f.secretAccessKey },
      assumeRole: { roleArn: f.roleArn, externalId: f.externalId || undefined, stsRegion: f.stsRegion || undefined, stsEndpoint: f.stsEndpoint || here },
      endpoint: f.endpoint || here,
    });
    const res = await client.invoke({ modelId: f.modelId, body: f.body });
    show([
      ['status', res.status],
      ['usage', res.usage ? `${res.usage.inputTokens} in / ${res.usage.outputTokens} out` : '—'],
      ['latency', `${res.latencyMs} ms (server ${res.serverLatencyMs ?? '—'} ms)`],
      ['request ID', res.requestId ?? '—'],
    ], JSON.stringify(res.json(), null, 2), false);
  } catch (e) {
    show([['error', e.code], ['field', e.field ?? '—'], ['hint', e.hint ?? '—'], ['status', e.status ?? '—']], e.message, true);
  }
});

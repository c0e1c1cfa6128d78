/** Playground logic (browser): presets fill the template and mapping, the template's variables build the form, Test shows the raw exchange and the mapped output. */
import { BedrockClient, Template, presetFor, ready } from '../pkg/browser.js';

const form = document.querySelector('#form');
const field = (name) => form.elements.namedItem(name);
const $ = (sel) => document.querySelector(sel);

/** The variables form follows the template: one input per variable, values kept by name. */
function syncVariables() {
  const box = $('#variables');
  const kept = Object.fromEntries([...box.querySelectorAll('textarea')].map((i) => [i.name, i.value]));
  let names = [];
  try {
    names = new Template(field('template').value).variables;
    $('#template-error').textContent = '';
  } catch (e) {
    $('#template-error').textContent = `${e.code}: ${e.message}`;
    return;
  }
  box.replaceChildren(...names.map((name) => {
    const label = document.createElement('label');
    label.textContent = name;
    const input = document.createElement('textarea');
    input.name = name;
    input.rows = 2;
    input.value = kept[name] ?? (name === 'prompt' ? 'Hello World' : name === 'system.prompt' ? 'Answer briefly.' : '');
    label.append(input);
    return label;
  }));
}

/** A model change loads its family's preset. */
function applyPreset() {
  let preset = null;
  try {
    preset = presetFor(field('modelId').value.trim());
  } catch {
    preset = null;
  }
  $('#preset-note').textContent = preset ? `Preset: ${preset.family}` : 'No preset for this model ID: write the template and mapping.';
  if (!preset) return;
  field('template').value = JSON.stringify(JSON.parse(preset.template), null, 2);
  field('outputText').value = preset.mapping.outputText;
  field('inputTokens').value = preset.mapping.inputTokens ?? '';
  field('outputTokens').value = preset.mapping.outputTokens ?? '';
  syncVariables();
}

function show(result) {
  const rows = result.ok
    ? [['status', result.response.status], ['output', result.mapped.outputText ?? '—'],
      ['tokens', `${result.mapped.inputTokens ?? '—'} in (${result.mapped.source.inputTokens ?? '—'}) / ${result.mapped.outputTokens ?? '—'} out`],
      ['latency', `${result.latencyMs} ms`]]
    : [['error', result.error.code], ['setting to check', result.error.field], ['hint', result.error.hint], ['message', result.error.message]];
  const summary = $('#summary');
  summary.className = result.ok ? '' : 'error';
  summary.replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement('dt');
    const dd = document.createElement('dd');
    dt.textContent = k;
    dd.textContent = String(v);
    return [dt, dd];
  }));
  const pretty = (text) => { try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; } };
  $('#mapped').textContent = JSON.stringify(result.mapped, null, 2);
  $('#raw').textContent = result.response ? `HTTP ${result.response.status}\n${pretty(result.response.body)}` : '(no response)';
  $('#sent').textContent = result.request ? `${result.request.url}\n${JSON.stringify(result.request.headers, null, 2)}\n\n${pretty(result.request.body)}` : '(nothing sent)';
  $('#result').hidden = false;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const f = Object.fromEntries(new FormData(form));
  const here = location.origin;
  const variables = Object.fromEntries([...$('#variables').querySelectorAll('textarea')].map((i) => [i.name, i.value]));
  try {
    const client = new BedrockClient({
      region: f.region,
      credentials: { accessKeyId: f.accessKeyId, secretAccessKey: f.secretAccessKey },
      assumeRole: { roleArn: f.roleArn, externalId: f.externalId || undefined, stsRegion: f.stsRegion || undefined, stsEndpoint: f.stsEndpoint || here },
      endpoint: f.endpoint || here,
      controlEndpoint: f.endpoint || here,
    });
    const mapping = { outputText: f.outputText || null, inputTokens: f.inputTokens || null, outputTokens: f.outputTokens || null };
    show(await client.test({ modelId: f.modelId.trim(), template: f.template, variables, mapping }));
  } catch (e) {
    show({ ok: false, error: { code: e.code ?? e.name, field: e.field ?? '—', hint: e.hint ?? '', message: e.message }, mapped: null, response: null, request: null });
  }
});

field('modelId').addEventListener('change', applyPreset);
field('template').addEventListener('input', syncVariables);
await ready();
applyPreset();
window.playgroundReady = true;

/** The integration screen's logic: session and setup, Check role, parsed model ID and List models, presets, Test (plain and streaming), Count tokens, live output mapping, Save connection, export/import. */
import { parseModelId, presets, presetFor, JsonPath, OutputMapping, ready } from '/pkg/browser.js';
import { call, streamTest, startSession, setToken, hasToken, GatewayError } from './api.js';
import { $, el, fieldMessage, clearMessage, announce, copyText, debounce, pretty, busy } from './ui.js';
import { validateTemplate, collectVariables, exportVariables, importVariables, updateGutter, variableFieldId } from './editor.js';

const FIELDS = ['roleArn', 'externalId', 'stsRegion', 'region', 'modelId'];
const MAPPING = ['outputText', 'inputTokens', 'outputTokens', 'cacheReadInputTokens', 'cacheWriteInputTokens'];
/** The Bedrock header each count falls back to when its path is empty or finds nothing. */
const HEADERS = { inputTokens: 'x-amzn-bedrock-input-token-count', outputTokens: 'x-amzn-bedrock-output-token-count', cacheReadInputTokens: 'x-amzn-bedrock-cache-read-input-token-count', cacheWriteInputTokens: 'x-amzn-bedrock-cache-write-input-token-count' };
const LABELS = { roleArn: 'Role ARN', externalId: 'External ID', stsRegion: 'STS region', region: 'Region', modelId: 'Model ID', template: 'Request body', variables: 'Prompt Variables', outputText: 'Output Text', inputTokens: 'Input Token Count', outputTokens: 'Output Token Count', cacheReadInputTokens: 'Cache Read Token Count', cacheWriteInputTokens: 'Cache Write Token Count', name: 'Connection name', adminToken: 'Admin token' };
/** The package's option paths, in case an answer names one, → this page's fields. */
const ALIASES = { 'assumeRole.roleArn': 'roleArn', 'assumeRole.externalId': 'externalId', 'assumeRole.stsRegion': 'stsRegion', 'assumeRole.stsEndpoint': 'stsRegion', 'mapping.outputText': 'outputText', 'mapping.inputTokens': 'inputTokens', 'mapping.outputTokens': 'outputTokens', 'mapping.cacheReadInputTokens': 'cacheReadInputTokens', 'mapping.cacheWriteInputTokens': 'cacheWriteInputTokens' };
const KINDS = { base: 'Foundation model', 'inference-profile': 'Inference profile', provisioned: 'Provisioned throughput', custom: 'Custom model', marketplace: 'Marketplace endpoint', 'prompt-router': 'Prompt router' };
/** Geographies of system inference profiles by region prefix (as in the package's src/profile.rs), first match wins. */
const GEOS = [['us-gov-', 'us-gov'], ['us-', 'us'], ['ca-', 'us'], ['eu-', 'eu'], ['ap-northeast-1', 'jp'], ['ap-southeast-2', 'au'], ['ap-', 'apac']];

const state = {
  setup: null,
  setupError: false,
  loaded: { template: '', outputText: '', inputTokens: '', outputTokens: '', cacheReadInputTokens: '', cacheWriteInputTokens: '', delta: null, family: null },
  last: null, // { result, streamed }
  controller: null,
  connectionId: null,
  models: [],
};

const value = (id) => $(id).value.trim();
const stsRegion = () => value('stsRegion') || value('region');

/** The connection fields every draft route takes. */
function draft() {
  const body = { roleArn: value('roleArn'), externalId: value('externalId'), region: value('region') };
  if (value('stsRegion')) body.stsRegion = value('stsRegion');
  return body;
}

// ---------- errors next to fields ----------

function fieldOf(error) {
  const f = error?.field ? (ALIASES[error.field] ?? error.field) : null;
  if (!f) return null;
  if (f.startsWith('variables.')) return variableFieldId(f.slice('variables.'.length)) ?? 'template';
  if (f === 'variables') return 'template';
  if (f.startsWith('mapping')) return 'outputText';
  return $(f) ? f : null;
}

/** Shows a failed check next to the field it names, and says which field to check in the live region. */
function showError(error, what) {
  const id = fieldOf(error);
  const code = error.code ? `${error.code}: ` : '';
  // Next to the field: what to do (the hint); the whole message goes to the result box and the live region.
  if (id) fieldMessage(id, `${code}${error.hint || error.message}`);
  // AWS cannot tell a wrong external ID from a role that does not trust the platform: point at both.
  if (id === 'roleArn' && error.code === 'AccessDenied' && value('externalId')) {
    fieldMessage('externalId', "Check that this is exactly the role's sts:ExternalId condition (the trust policy above).");
  }
  const where = id ? ` Check ${LABELS[id] ?? $(id).labels?.[0]?.textContent ?? id}.` : '';
  announce(`${what} failed: ${code}${error.message}${where}`, 'error');
  return id;
}

function clearErrors(ids) {
  for (const id of ids) clearMessage(id);
}

function stepState(step, text, ok) {
  const box = $(`${step}-state`);
  box.textContent = text;
  box.className = `state ${ok === true ? 'ok' : ok === false ? 'bad' : ''}`;
  document.querySelector(`[data-step="${step}"]`)?.classList.toggle('done', ok === true);
}

// ---------- session and step 1 ----------

async function loadSetup() {
  const externalId = value('externalId');
  const params = new URLSearchParams();
  if (externalId && state.setup) params.set('externalId', externalId);
  // The optional scope: the permissions policy names only the chosen model (in the chosen region).
  if ($('scope-model').checked && value('modelId')) {
    params.set('models', value('modelId'));
    if (value('region')) params.set('regions', value('region'));
  }
  const query = params.toString() ? `?${params}` : '';
  try {
    const setup = await call('GET', `/v1/setup${query}`);
    if (!state.setup) {
      $('generated-external-id').textContent = setup.externalId;
      if (!externalId) $('externalId').value = setup.externalId;
    }
    state.setup = setup;
    $('principal').textContent = setup.platformPrincipal;
    $('permissions').textContent = JSON.stringify(setup.permissions, null, 2);
    $('trust').textContent = JSON.stringify(setup.trust, null, 2);
    if (state.setupError) clearMessage('externalId');
    state.setupError = false;
  } catch (e) {
    if (e instanceof GatewayError && (e.status === 401 || e.status === 403)) return signedOut(e);
    state.setupError = showError({ ...e, field: e.field ?? 'externalId', code: e.code, message: e.message, hint: e.hint }, 'Loading the policies') === 'externalId';
  }
}

function signedOut(error) {
  setToken(null);
  $('token-card').hidden = false;
  $('session-state').textContent = 'Not signed in';
  $('session-state').className = 'pill warn';
  if (error) fieldMessage('adminToken', `${error.code}: ${error.message}`);
}

async function startUp() {
  let local = false;
  try {
    local = await startSession();
  } catch {
    local = false;
  }
  if (!local) return signedOut(null);
  $('session-state').textContent = 'Local session';
  $('session-state').className = 'pill ok';
  await loadSetup();
}

async function useToken() {
  setToken($('adminToken').value.trim());
  $('adminToken').value = '';
  clearMessage('adminToken');
  await loadSetup();
  if (hasToken()) {
    $('token-card').hidden = true;
    $('session-state').textContent = 'Signed in';
    $('session-state').className = 'pill ok';
    announce('Signed in with the admin token.');
  }
}

function updateStsEndpoint() {
  const region = stsRegion() || 'us-east-1';
  $('sts-endpoint').textContent = `https://sts.${region}.amazonaws.com/`;
}

function formatExpiry(iso) {
  const at = new Date(iso);
  const minutes = Math.round((at.getTime() - Date.now()) / 60000);
  return `${at.toLocaleString()} (in ${minutes} min)`;
}

async function checkRole() {
  const button = $('check-role');
  clearErrors(['roleArn', 'externalId', 'stsRegion', 'region']);
  busy(button, true);
  const box = $('role-result');
  box.hidden = true;
  try {
    const r = await call('POST', '/v1/check-role', draft());
    box.className = 'result ok';
    box.replaceChildren(
      el('p', { class: 'result-title' }, 'Role assumed'),
      el('dl', { class: 'facts' },
        el('div', {}, el('dt', {}, 'Assumed role ARN'), el('dd', {}, el('code', { class: 'wrap', id: 'assumed-role' }, r.assumedRoleArn))),
        el('div', {}, el('dt', {}, 'Credentials expire'), el('dd', { id: 'role-expiry' }, formatExpiry(r.expiration))),
        el('div', {}, el('dt', {}, 'STS endpoint used'), el('dd', {}, el('code', { class: 'wrap' }, r.stsEndpoint ?? `https://sts.${r.stsRegion}.amazonaws.com/`)))));
    box.hidden = false;
    stepState('iam', 'Role checked', true);
    announce(`Role checked: assumed ${r.assumedRoleArn}.`, 'ok');
  } catch (e) {
    box.className = 'result bad';
    box.replaceChildren(el('p', { class: 'result-title' }, `Check role failed: ${e.code}`), el('p', {}, e.message));
    box.hidden = false;
    stepState('iam', 'Needs attention', false);
    showError(e, 'Check role');
  } finally {
    busy(button, false);
  }
}

// ---------- step 2 ----------

function accountOfRole() {
  return /^arn:aws[\w-]*:iam::(\d{12}):/.exec(value('roleArn'))?.[1];
}

/** Shows what parseModelId makes of the Model ID (kind, the ID sent, region) as it is typed. */
function showParsed() {
  const input = value('modelId');
  const out = { kind: '—', id: '—', region: '—', family: '—' };
  clearMessage('modelId');
  if (input) {
    try {
      const context = { region: value('region') || undefined, accountId: accountOfRole() };
      const p = parseModelId(input, context);
      out.kind = `${KINDS[p.kind] ?? p.kind} (${p.kind})`;
      out.id = p.modelId;
      out.region = p.region ? `${p.region}${p.region === value('region') ? '' : ' (from the ARN)'}` : `${value('region') || '—'} (the Region field)`;
      const preset = safePreset(input);
      out.family = preset ? preset.family : 'none: write the request body yourself';
      stepState('model', 'Model chosen', true);
    } catch (e) {
      fieldMessage('modelId', `${e.code}: ${e.message}${e.hint ? ` — ${e.hint}` : ''}`);
      stepState('model', 'Check the Model ID', false);
    }
  } else {
    stepState('model', '', null);
  }
  $('parsed-kind').textContent = out.kind;
  $('parsed-id').textContent = out.id;
  $('parsed-region').textContent = out.region;
  $('parsed-family').textContent = out.family;
}

function safePreset(modelId) {
  try {
    return presetFor(modelId);
  } catch {
    return null;
  }
}

function profileFor(modelId) {
  const region = value('region');
  const geo = GEOS.find(([prefix]) => region.startsWith(prefix))?.[1];
  return geo ? `${geo}.${modelId}` : `global.${modelId}`;
}

function throughput(model) {
  const types = model.inferenceTypesSupported ?? [];
  if (types.includes('ON_DEMAND')) return { label: 'On demand', kind: 'ok', use: model.modelId };
  if (types.includes('INFERENCE_PROFILE')) return { label: 'Needs an inference profile', kind: 'warn', use: profileFor(model.modelId) };
  if (types.includes('PROVISIONED')) return { label: 'Provisioned throughput only', kind: 'warn', use: null };
  return { label: types.join(', ') || 'unknown', kind: '', use: model.modelId };
}

function chooseModel(id) {
  $('modelId').value = id;
  onModelChange();
  announce(`Model ID set to ${id}.`, 'ok');
  $('modelId').focus();
}

function modelRow(model) {
  const t = throughput(model);
  const action = t.use
    ? el('button', { type: 'button', class: 'btn small', 'aria-label': `Use ${t.use}` }, t.use === model.modelId ? 'Use' : `Use ${t.use.split('.')[0]}. profile`)
    : el('span', { class: 'fine' }, 'Buy provisioned throughput, then paste its ARN');
  if (t.use) action.addEventListener('click', () => chooseModel(t.use));
  const note = t.use && t.use !== model.modelId ? el('div', { class: 'fine' }, 'Profile: ', el('code', { class: 'wrap' }, t.use)) : null;
  return el('tr', { 'data-model': model.modelId },
    el('td', {}, el('div', { class: 'model-name' }, model.modelName ?? model.modelId, el('span', { class: 'provider' }, ` · ${model.providerName ?? ''}`)),
      el('code', { class: 'wrap fine' }, model.modelId)),
    el('td', {}, el('span', { class: `badge ${t.kind}` }, t.label), note),
    el('td', { class: 'end' }, action));
}

function renderModels() {
  const q = value('model-filter').toLowerCase();
  const rows = state.models
    .filter((m) => !q || [m.modelName, m.providerName, m.modelId].some((s) => (s ?? '').toLowerCase().includes(q)))
    .map(modelRow);
  $('models-body').replaceChildren(...rows);
  markChosen();
}

/** Highlights the listed model the Model ID points at (its base ID or its profile). */
function markChosen() {
  const id = value('modelId');
  for (const tr of $('models-body').children) {
    const on = id !== '' && (tr.dataset.model === id || id.endsWith(`.${tr.dataset.model}`));
    tr.classList.toggle('chosen', on);
    if (on) tr.setAttribute('aria-current', 'true');
    else tr.removeAttribute('aria-current');
  }
}

async function listModels() {
  const button = $('list-models');
  clearErrors(['roleArn', 'externalId', 'stsRegion', 'region']);
  busy(button, true);
  try {
    const { models } = await call('POST', '/v1/models', draft());
    state.models = models;
    $('models').hidden = false;
    $('model-filter-box').hidden = false;
    renderModels();
    announce(`${models.length} models listed through your role.`, 'ok');
  } catch (e) {
    showError(e, 'List models');
  } finally {
    busy(button, false);
  }
}

// ---------- presets ----------

function currentMapping() {
  return Object.fromEntries(MAPPING.map((k) => [k, value(k)]));
}

function edited() {
  const m = currentMapping();
  return $('template').value !== state.loaded.template || MAPPING.some((k) => m[k] !== state.loaded[k]);
}

function applyPreset(family) {
  const preset = presets[family];
  if (!preset) return;
  const template = JSON.stringify(JSON.parse(preset.template), null, 2);
  $('template').value = template;
  for (const k of MAPPING) $(k).value = preset.mapping[k] ?? '';
  state.loaded = { template, ...currentMapping(), delta: preset.mapping.delta ?? null, family };
  $('preset').value = family;
  $('preset-note').textContent = `Preset for the ${family} family: a starting point you can edit.`;
  validateTemplate();
  updateMappingLive();
}

/** Asks before replacing an edited template (a modal dialog); resolves true to replace. */
function confirmReplace(family) {
  const dialog = $('confirm-preset');
  $('confirm-text').textContent = `Loading the ${family} preset replaces the request body and the output paths you edited.`;
  return new Promise((resolve) => {
    const done = (answer) => {
      dialog.close();
      $('confirm-keep').onclick = null;
      $('confirm-replace').onclick = null;
      dialog.oncancel = null;
      resolve(answer);
    };
    $('confirm-keep').onclick = () => done(false);
    $('confirm-replace').onclick = () => done(true);
    dialog.oncancel = () => done(false);
    dialog.showModal();
    $('confirm-keep').focus();
  });
}

async function pickPreset() {
  const family = $('preset').value;
  if (!family) return;
  if (edited() && !(await confirmReplace(family))) {
    $('preset').value = state.loaded.family ?? '';
    return;
  }
  applyPreset(family);
  announce(`Loaded the ${family} preset.`);
}

/** A new model loads its family's preset, unless the template was edited (then it offers it). */
function onModelChange() {
  showParsed();
  markChosen();
  if ($('scope-model').checked) loadSetup();
  const preset = safePreset(value('modelId'));
  if (!preset || preset.family === state.loaded.family) return;
  if (!edited()) {
    applyPreset(preset.family);
    return;
  }
  const note = $('preset-note');
  const load = el('button', { type: 'button', class: 'btn link small' }, `Load the ${preset.family} preset`);
  load.addEventListener('click', () => { $('preset').value = preset.family; pickPreset(); });
  note.replaceChildren(`This model is in the ${preset.family} family; your edited request body was kept. `, load);
}

// ---------- mapping (live values) ----------

function describe(valueFound) {
  if (typeof valueFound === 'string') return valueFound.length > 90 ? `“${valueFound.slice(0, 90)}…”` : `“${valueFound}”`;
  return JSON.stringify(valueFound);
}

/** Each path against the last response: its value, "finds nothing", or "not a JSONPath". */
function updateMappingLive() {
  for (const k of MAPPING) {
    const live = $(`${k}-live`);
    const path = value(k);
    const input = $(k);
    input.removeAttribute('aria-invalid');
    if (!path) {
      live.className = 'live muted';
      live.textContent = k === 'outputText' ? 'Empty: the platform gets no text.' : k.startsWith('cache') ? 'Empty: the cache token-count header is used, when the model sends one.' : 'Empty: the token-count header is used.';
      continue;
    }
    let jp;
    try {
      jp = new JsonPath(path);
    } catch (e) {
      live.className = 'live bad';
      live.textContent = `Not a JSONPath: ${e.message}`;
      input.setAttribute('aria-invalid', 'true');
      continue;
    }
    const last = state.last;
    if (!last?.result?.response) {
      jp.free();
      live.className = 'live muted';
      live.textContent = 'Run a Test to see what this path finds.';
      continue;
    }
    if (!last.result.ok) {
      jp.free();
      live.className = 'live muted';
      live.textContent = 'The last Test failed: this path is checked against the next answer.';
      continue;
    }
    const { body, headers } = last.result.response;
    let found = [];
    try {
      found = jp.query(body);
    } catch {
      found = [];
    }
    jp.free();
    if (last.streamed && path === state.last.paths?.[k]) {
      const mapped = last.result.mapped?.[k];
      live.className = mapped == null ? 'live warn' : 'live ok';
      live.textContent = mapped == null ? 'Finds nothing in the streamed answer.' : `→ ${describe(mapped)} (from the stream)`;
      continue;
    }
    if (found.length) {
      live.className = 'live ok';
      live.textContent = `→ ${describe(k === 'outputText' && found.every((v) => typeof v === 'string') ? found.join('') : found.length === 1 ? found[0] : found)}`;
      continue;
    }
    const header = HEADERS[k] ?? null;
    live.className = 'live warn';
    live.textContent = header && headers?.[header]
      ? `Finds nothing in the body; the ${header} header gives ${headers[header]}.`
      : `Finds nothing in the last response${last.streamed ? ' (a streamed body is a list of chunks: run a plain Test to check this path)' : ''}.`;
  }
}

/** The mapping to send: paths that are not JSONPath are left out (null), so a bad path never blocks a Test. */
function mappingToSend() {
  const out = {};
  for (const k of MAPPING) {
    const path = value(k);
    let ok = false;
    if (path) {
      try {
        new JsonPath(path).free();
        ok = true;
      } catch {
        ok = false;
      }
    }
    out[k] = ok ? path : null;
  }
  if (state.loaded.delta) out.delta = state.loaded.delta;
  return out;
}

// ---------- Test ----------

function setBusy(on) {
  busy($('test'), on);
  $('cancel').hidden = !on;
  $('busy').hidden = !on;
  $('save').disabled = on;
}

/** The draft's role, model, template and variables (throws when a variable is not of its type). */
function callBody() {
  const variables = collectVariables();
  return { ...draft(), modelId: value('modelId'), template: $('template').value, variables };
}

function testBody() {
  return { ...callBody(), mapping: mappingToSend() };
}

function showOutputText(text, placeholder) {
  const box = $('output');
  box.replaceChildren(text ? document.createTextNode(text) : el('span', { class: 'placeholder' }, placeholder ?? 'No output text: check the Output Text path.'));
}

/** A prompt-cache count as shown: the number, or "not reported" (the model sent none). */
const cacheCount = (n) => (typeof n === 'number' ? String(n) : 'not reported');

function showUsage(result) {
  const m = result.mapped ?? {};
  const box = $('output');
  box.append(el('div', { class: 'usage' },
    el('span', {}, el('b', { id: 'out-input-tokens' }, String(m.inputTokens ?? '—')), ' input tokens'),
    el('span', {}, el('b', { id: 'out-output-tokens' }, String(m.outputTokens ?? '—')), ' output tokens'),
    el('span', {}, 'cache read: ', el('b', { id: 'out-cache-read' }, cacheCount(m.cacheReadInputTokens))),
    el('span', {}, 'cache write: ', el('b', { id: 'out-cache-write' }, cacheCount(m.cacheWriteInputTokens))),
    el('span', {}, el('b', {}, `${result.latencyMs ?? '—'} ms`), ' latency'),
    // A prompt router answered: the model it chose (Bedrock's invokedModelId).
    result.invokedModelId ? el('span', {}, 'served by ', el('code', { id: 'out-invoked-model' }, result.invokedModelId)) : null));
}

/** A streamed answer's body is its chunks: Bedrock reports the latency in the last one's invocation metrics. */
function streamMetric(body, name) {
  try {
    const chunks = JSON.parse(body);
    if (!Array.isArray(chunks)) return null;
    const metrics = chunks.map((c) => c?.['amazon-bedrock-invocationMetrics']).filter(Boolean).at(-1);
    return metrics?.[name] ?? null;
  } catch {
    return null;
  }
}

function showResponse(result) {
  const res = result.response;
  $('response-box').hidden = !res && !result.request;
  const h = res?.headers ?? {};
  $('r-status').textContent = res ? String(res.status) : 'no response';
  $('r-status').className = res && res.status < 300 ? 'status ok' : 'status bad';
  $('r-request-id').textContent = h['x-amzn-requestid'] ?? '—';
  $('r-latency').textContent = result.latencyMs != null ? `${result.latencyMs} ms` : '—';
  const server = h['x-amzn-bedrock-invocation-latency'] ?? streamMetric(res?.body, 'invocationLatency');
  $('r-server-latency').textContent = server != null ? `${server} ms` : '—';
  $('panel-body').textContent = res ? pretty(res.body) : '(no response)';
  $('panel-headers').textContent = Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\n') || '(none)';
  $('panel-request').textContent = result.request
    ? `POST ${result.request.url}\n${Object.entries(result.request.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${pretty(result.request.body)}`
    : '(nothing was sent)';
}

function finishTest(result, streamed, paths) {
  state.last = { result, streamed, paths };
  showResponse(result);
  updateMappingLive();
  if (result.ok) {
    if (!streamed || !$('output').textContent) showOutputText(result.mapped?.outputText);
    else showOutputText(result.mapped?.outputText ?? $('output').textContent);
    showUsage(result);
    stepState('test', 'Test passed', true);
    const m = result.mapped ?? {};
    announce(`Test passed: ${m.inputTokens ?? '—'} input and ${m.outputTokens ?? '—'} output tokens; cache read ${cacheCount(m.cacheReadInputTokens)}, cache write ${cacheCount(m.cacheWriteInputTokens)}.`, 'ok');
  } else {
    failTest(result.error ?? { code: 'ERROR', message: 'The test failed.' });
  }
}

/** For Bedrock's "on-demand throughput isn't supported": a button that switches to the Region's profile. */
function profileOffer(error) {
  const id = value('modelId');
  if (fieldOf(error) !== 'modelId' || !/inference profile/.test(error.message ?? '')) return null;
  let parsed = null;
  try {
    parsed = parseModelId(id, { region: value('region') || undefined });
  } catch {
    return null;
  }
  if (parsed.kind !== 'base') return null;
  const profile = profileFor(parsed.modelId);
  const offer = el('button', { type: 'button', class: 'btn small' }, `Use ${profile}`);
  offer.addEventListener('click', () => chooseModel(profile));
  return el('p', {}, offer);
}

function failTest(error) {
  const box = $('output');
  box.replaceChildren(el('div', { class: 'error-card' },
    el('p', { class: 'result-title' }, `Test failed: ${error.code}`),
    el('p', {}, error.message ?? ''),
    error.hint ? el('p', { class: 'fine' }, error.hint) : null,
    profileOffer(error)));
  stepState('test', 'Test failed', false);
  showError(error, 'Test');
}

/** `build()`'s call body once the Request body is valid; else null, with `notSent` and the reason announced. */
function readyBody(build, notSent) {
  let body;
  try {
    body = build();
  } catch (e) {
    announce(`${notSent}: ${e.message}`, 'error');
    return null;
  }
  if (!validateTemplate()) {
    announce(`${notSent}: fix the Request body first (see the message under it).`, 'error');
    $('template').focus();
    return null;
  }
  return body;
}

async function runTest() {
  clearErrors([...FIELDS, 'template', 'name']);
  const body = readyBody(testBody, 'Test not sent');
  if (!body) return;
  const streamed = $('stream').checked;
  const paths = currentMapping();
  state.controller = new AbortController();
  setBusy(true);
  $('output').replaceChildren(el('span', { class: 'placeholder' }, streamed ? 'Waiting for the first words…' : 'Waiting for the answer…'));
  $('output').setAttribute('aria-busy', 'true');
  let text = '';
  try {
    const result = streamed
      ? await streamTest(body, {
        signal: state.controller.signal,
        onDelta: (delta) => {
          text += delta;
          showOutputText(text);
        },
      })
      : await call('POST', '/v1/test', body, { signal: state.controller.signal });
    finishTest(result, streamed, paths);
  } catch (e) {
    if (e.name === 'AbortError') {
      showOutputText(text, 'Cancelled.');
      $('output').append(el('div', { class: 'usage' }, 'Cancelled.'));
      announce('Test cancelled.');
    } else {
      failTest(e);
    }
  } finally {
    $('output').removeAttribute('aria-busy');
    state.controller = null;
    setBusy(false);
  }
}

// ---------- Count tokens ----------

/** CountTokens of the rendered Request body (`POST /v1/count-tokens`): the count and the model it was counted against, or the error next to its field. */
async function runCount() {
  clearErrors([...FIELDS, 'template']);
  const button = $('count');
  const shown = $('count-result');
  const body = readyBody(callBody, 'Tokens not counted');
  if (!body) return;
  busy(button, true);
  shown.className = 'fine';
  shown.textContent = 'Counting…';
  try {
    const counted = await call('POST', '/v1/count-tokens', body);
    shown.className = 'fine count ok';
    shown.replaceChildren(el('b', { id: 'count-tokens' }, String(counted.inputTokens)), ' input tokens, counted against ', el('code', { id: 'count-model' }, counted.modelIdUsed), '.');
    announce(`Counted ${counted.inputTokens} input tokens against ${counted.modelIdUsed}.`, 'ok');
  } catch (e) {
    shown.className = 'fine count bad';
    shown.textContent = `Not counted: ${e.code}. ${e.message}`;
    showError(e, 'Count tokens');
  } finally {
    busy(button, false);
  }
}

// ---------- Save ----------

async function save() {
  const button = $('save');
  clearErrors([...FIELDS, 'template', 'name']);
  let body;
  try {
    body = testBody();
  } catch (e) {
    announce(`Not saved: ${e.message}`, 'error');
    return;
  }
  const name = value('name');
  if (!name && !state.connectionId) {
    fieldMessage('name', 'Give the connection a name (letters, digits, - and _).');
    $('name').focus();
    announce('Not saved: the connection needs a name.', 'error');
    return;
  }
  const mapping = currentMapping();
  const counts = Object.fromEntries(MAPPING.filter((k) => k !== 'outputText').map((k) => [k, mapping[k] || null]));
  const payload = { ...body, name, mapping: { ...mapping, outputText: mapping.outputText, ...counts } };
  busy(button, true);
  try {
    const creating = !state.connectionId;
    const c = creating
      ? await call('POST', '/v1/connections', payload)
      : await call('PATCH', `/v1/connections/${encodeURIComponent(state.connectionId)}`, payload);
    state.connectionId = c.id;
    $('saved').hidden = false;
    $('conn-id').textContent = c.id;
    showCheck(c.check);
    $('invoke-example').textContent = invokeExample(c.id);
    if (creating && c.key) {
      $('conn-key').textContent = c.key;
      $('key-row').hidden = false;
      $('key-note').hidden = false;
    } else {
      $('key-row').hidden = true;
      $('key-note').hidden = true;
    }
    announce(creating ? `Connection ${c.id} saved. Store its key now: it is shown only once.` : `Connection ${c.id} updated.`, 'ok');
  } catch (e) {
    showError(e, 'Save connection');
  } finally {
    busy(button, false);
  }
}

/** What the gateway checked before storing (role, model, one Test call). */
function showCheck(check) {
  const t = check?.test;
  const parts = [];
  if (check?.assumedRoleArn) parts.push('role assumed');
  if (t) parts.push(t.ok ? `test call answered in ${t.latencyMs} ms` : 'test call failed');
  $('saved-check').textContent = parts.length ? `Checked before saving: ${parts.join(', ')}.` : '';
  if (t?.ok) stepState('test', 'Saved', true);
}

/** A curl call of the saved connection with this form's variables (the key stays a shell variable). */
function invokeExample(id) {
  let variables = { prompt: 'Hello' };
  try {
    variables = collectVariables();
  } catch {
    // keep the example's default
  }
  const body = JSON.stringify({ variables }).replace(/'/g, "'\\''");
  return `curl -X POST ${location.origin}/v1/connections/${id}/invoke \\
  -H "authorization: Bearer $CONNECTION_KEY" \\
  -H "content-type: application/json" \\
  -d '${body}'`;
}

// ---------- export / import ----------

function exportConfig() {
  const config = {
    kind: 'bedrock-connect/integration',
    version: 1,
    name: value('name'),
    roleArn: value('roleArn'),
    externalId: value('externalId'),
    stsRegion: value('stsRegion'),
    region: value('region'),
    modelId: value('modelId'),
    template: $('template').value,
    mapping: currentMapping(),
    variables: exportVariables(),
  };
  const blob = new Blob([JSON.stringify(config, null, 2)], { type: 'application/json' });
  const a = el('a', { href: URL.createObjectURL(blob), download: `bedrock-connection${config.name ? `-${config.name}` : ''}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  announce('Configuration exported (no token or key in it).');
}

async function importConfig(file) {
  let config;
  try {
    config = JSON.parse(await file.text());
  } catch (e) {
    announce(`Import failed: the file is not JSON (${e.message}).`, 'error');
    return;
  }
  for (const id of ['name', ...FIELDS]) if (typeof config[id] === 'string') $(id).value = config[id];
  importVariables(config.variables);
  if (typeof config.template === 'string') $('template').value = config.template;
  for (const k of MAPPING) if (typeof config.mapping?.[k] === 'string') $(k).value = config.mapping[k];
  const preset = safePreset(value('modelId'));
  state.loaded = { ...state.loaded, family: preset?.family ?? null, delta: preset?.mapping.delta ?? null };
  $('preset').value = preset?.family ?? '';
  validateTemplate();
  showParsed();
  updateStsEndpoint();
  updateMappingLive();
  await loadSetup();
  announce('Configuration imported.', 'ok');
}

// ---------- wiring ----------

function tabs() {
  const list = [...document.querySelectorAll('[role=tab]')];
  const select = (tab) => {
    for (const t of list) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')).hidden = !on;
    }
    tab.focus();
  };
  list.forEach((tab, i) => {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (step) select(list[(i + step + list.length) % list.length]);
    });
  });
}

/** The step list marks the step in view (`aria-current="step"`). */
function followSteps() {
  const links = new Map([...document.querySelectorAll('.steps a')].map((a) => [a.getAttribute('href').slice(1), a]));
  const observer = new IntersectionObserver((entries) => {
    const visible = entries.filter((e) => e.isIntersecting).sort((a, b) => b.intersectionRatio - a.intersectionRatio)[0];
    if (!visible) return;
    for (const [id, a] of links) {
      if (id === visible.target.id) a.setAttribute('aria-current', 'step');
      else a.removeAttribute('aria-current');
    }
  }, { rootMargin: '-20% 0px -55% 0px', threshold: [0, 0.25, 0.5] });
  for (const id of links.keys()) observer.observe($(id));
}

function wire() {
  $('preset').replaceChildren(el('option', { value: '' }, 'Choose a model family…'), ...Object.keys(presets).map((f) => el('option', { value: f }, f)));
  $('use-token').addEventListener('click', useToken);
  $('adminToken').addEventListener('keydown', (e) => { if (e.key === 'Enter') useToken(); });
  $('use-generated').addEventListener('click', () => {
    $('externalId').value = $('generated-external-id').textContent;
    loadSetup();
  });
  for (const button of document.querySelectorAll('[data-copy]')) {
    button.addEventListener('click', () => copyText(button, $(button.dataset.copy).textContent));
  }
  $('copy-response').addEventListener('click', () => copyText($('copy-response'), $('panel-body').textContent));
  $('copy-key').addEventListener('click', () => copyText($('copy-key'), $('conn-key').textContent));
  const refreshPolicies = debounce(loadSetup, 400);
  $('externalId').addEventListener('input', () => { clearMessage('externalId'); if (value('externalId')) refreshPolicies(); });
  $('roleArn').addEventListener('input', () => { clearMessage('roleArn'); showParsed(); });
  $('stsRegion').addEventListener('input', () => { clearMessage('stsRegion'); updateStsEndpoint(); });
  $('region').addEventListener('input', () => { clearMessage('region'); updateStsEndpoint(); showParsed(); });
  $('modelId').addEventListener('input', showParsed);
  $('modelId').addEventListener('change', onModelChange);
  $('scope-model').addEventListener('change', loadSetup);
  $('check-role').addEventListener('click', checkRole);
  $('list-models').addEventListener('click', listModels);
  $('model-filter').addEventListener('input', renderModels);
  $('preset').addEventListener('change', pickPreset);
  $('template').addEventListener('input', validateTemplate);
  $('template').addEventListener('scroll', () => { $('gutter').scrollTop = $('template').scrollTop; });
  for (const k of MAPPING) $(k).addEventListener('input', updateMappingLive);
  $('test').addEventListener('click', runTest);
  $('count').addEventListener('click', runCount);
  $('cancel').addEventListener('click', () => state.controller?.abort());
  $('save').addEventListener('click', save);
  $('name').addEventListener('input', () => clearMessage('name'));
  $('export').addEventListener('click', exportConfig);
  $('import').addEventListener('change', (e) => { const [file] = e.target.files; if (file) importConfig(file); e.target.value = ''; });
  tabs();
  followSteps();
}

wire();
await ready();
applyPreset('anthropic');
showParsed();
updateStsEndpoint();
updateGutter();
await startUp();
document.documentElement.dataset.ready = 'true';

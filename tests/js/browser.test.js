// Headless Chromium (Debian chromium + playwright-core): the package's browser entry across origins,
// and the integration screen served by the gateway (workerd through miniflare) on the simulator,
// driven through labels and roles as assistive technology sees it. Screenshots: tests/js/browser/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startSimulator } from '../../simulator/index.js';
import { gateway, ADMIN, BASE, ROLE_ARN, EXTERNAL_ID, HAIKU, TITAN, NOVA } from '../gateway/helpers.js';
import { fixture } from './env.js';
import { signRequest } from '../../pkg/node.mjs';

const root = new URL('../../', import.meta.url).pathname;
const shots = `${root}tests/js/browser/screenshots`;
let aws, site, browser, sim, gw;

before(async () => {
  mkdirSync(shots, { recursive: true });
  aws = await startSimulator();
  site = await startSimulator({ static: { '/pkg': `${root}pkg`, '/page': `${root}tests/js/browser` } });
  sim = await startSimulator();
  gw = await gateway(sim, { assets: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}, { timeout: 90_000 });
after(async () => {
  await browser?.close();
  await gw?.close();
  for (const s of [aws, site, sim]) await s?.close();
});

/** A new page at `url`, once `window[readyFlag]` is true; `errors` collects its uncaught errors. */
async function openPage(url, readyFlag, viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage({ viewport });
  page.setDefaultTimeout(15_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForFunction((flag) => window[flag] === true || document.documentElement.dataset[flag] === 'true', readyFlag);
  return { page, errors };
}

test('browser entry: assume role → invoke across origins, no init call', { timeout: 60_000 }, async () => {
  const { page, errors } = await openPage(`${site.url}/page/index.html`, 'pageReady');
  const { request, response, inputTokens, outputTokens } = fixture('anthropic');
  const out = await page.evaluate((args) => window.runFlow(args), { aws: aws.url, modelId: HAIKU, body: request });
  assert.deepEqual(errors, []);
  assert.match(out.assumedRoleArn, /^arn:aws:sts::123456789012:assumed-role\/BedrockAccess\/bedrock-connect-\d+$/);
  assert.equal(out.status, 200);
  assert.deepEqual(out.json, response);
  assert.deepEqual(out.usage, { inputTokens, outputTokens, cacheReadInputTokens: null, cacheWriteInputTokens: null });
  assert.deepEqual(out.denied, { isAwsError: true, code: 'SignatureDoesNotMatch', field: 'credentials' });
  assert.equal(out.authorization, 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, '
    + 'SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
  assert.equal(aws.stats.invoke.last.scope.service, 'bedrock');
  // The successful AssumeRole, and one more after the deliberate panic (the client was rebuilt on a
  // fresh instance); the denied one used the default (us-east-1).
  assert.equal(aws.stats.regions['eu-west-1'], 2);
  assert.deepEqual(out.recovered, { panicCode: 'INTERNAL_PANIC', status: 200, generation: 2 });
  await page.close();
});

test('browser entry: a 64 KiB invoke awaits one WebCrypto digest; without crypto.subtle the wasm hash signs it', { timeout: 60_000 }, async () => {
  const { page, errors } = await openPage(`${site.url}/page/index.html`, 'pageReady');
  aws.reset();
  const request = { ...fixture('anthropic').request, messages: [{ role: 'user', content: 'Summarise: lorem ipsum. '.repeat(2731) }] };
  const text = JSON.stringify(request);
  assert.ok(text.length >= 65536);
  const nowMs = Date.now();
  const out = await page.evaluate((args) => window.runLongBody(args), { aws: aws.url, modelId: HAIKU, text, nowMs });
  assert.deepEqual(errors, []);
  assert.deepEqual(out.viaDigest, { status: 200, digests: [text.length] });
  assert.deepEqual(out.fallback, { status: 200, digests: 0 });
  assert.equal(aws.stats.invoke.ok, 2); // the simulator verified both signatures (node:crypto)
  // Both equal what signRequest signs in Node for the same request, credentials and date.
  const role = aws.sessions().at(-1);
  for (const sent of out.sent) {
    const { authorization, 'x-amz-date': date, ...headers } = sent.headers;
    const signed = signRequest({ method: 'POST', url: sent.url, headers, body: text, region: 'us-east-1', service: 'bedrock',
      credentials: { accessKeyId: role.accessKeyId, secretAccessKey: role.secretAccessKey, sessionToken: role.sessionToken }, signingDate: nowMs });
    assert.equal(authorization, signed.headers.authorization);
  }
  assert.equal(out.sent.length, 2);
  await page.close();
});

// ---------- the integration screen ----------

/** The integration screen at `width` px, already authorized through /v1/session. */
async function screen(width = 1280, base = gw.url) {
  return openPage(`${base}/`, 'ready', { width, height: 900 });
}

/** A field by its label (text boxes, and the region fields, which are comboboxes with their suggestions). */
const box = (page, name) => page.getByLabel(name, { exact: true });
const button = (page, name) => page.getByRole('button', { name, exact: true });
const trust = (page) => page.getByRole('region', { name: 'Trust policy' });

/** The text of what a field's `aria-describedby` points at (its message, its live value). */
function described(page, name) {
  return box(page, name).evaluate((el) => (el.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent ?? '').join(' | '));
}

async function noHorizontalScroll(page) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= inner, `page is ${scroll}px wide in a ${inner}px viewport`);
}

/** Hides the toast (the live region stays in the DOM) so it does not cover what the screenshot shows. */
const hideToast = (page) => page.evaluate(() => { document.getElementById('announce').style.visibility = 'hidden'; });
const showToast = (page) => page.evaluate(() => { document.getElementById('announce').style.visibility = ''; });

async function shot(page, name) {
  await hideToast(page);
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  await showToast(page);
}

async function stepShot(page, id, name) {
  await hideToast(page);
  await page.locator(`#${id}`).screenshot({ path: `${shots}/${name}.png` });
  await showToast(page);
}

/** Step 1 with the seeded role: returns the page after a successful Check role. */
async function checkRole(page, { externalId = EXTERNAL_ID, stsRegion = 'eu-west-1' } = {}) {
  await box(page, 'Role ARN').fill(ROLE_ARN);
  await box(page, 'External ID').fill(externalId);
  await box(page, 'STS region').fill(stsRegion);
  await button(page, 'Check role').click();
}

const FAMILIES = {
  anthropic: { modelId: HAIKU, marker: 'anthropic_version' },
  'titan-text': { modelId: TITAN, marker: 'inputText' },
  nova: { modelId: NOVA, marker: 'schemaVersion' },
};

for (const [family, width] of [['anthropic', 1280], ['titan-text', 390], ['anthropic', 390], ['titan-text', 1280]]) {
  test(`the three steps for ${family} at ${width} px: Check role → List models → pick → Test → mapped output`, { timeout: 60_000 }, async () => {
    const { modelId, marker } = FAMILIES[family];
    const { page, errors } = await screen(width);
    const tag = `${family}-${width}`;

    // 1. Set up IAM credentials
    assert.equal(await page.locator('#principal').textContent(), BASE.arn);
    const generated = await box(page, 'External ID').inputValue();
    assert.ok(generated.length >= 32, `generated external ID ${generated}`);
    const trust = page.getByRole('region', { name: 'Trust policy' });
    assert.match(await trust.locator('pre').textContent(), new RegExp(`"sts:ExternalId": "${generated}"`));
    await assert.doesNotReject(trust.getByRole('button', { name: 'Copy', exact: true }).waitFor());
    await assert.doesNotReject(page.getByRole('region', { name: 'Permissions policy' }).getByRole('button', { name: 'Copy', exact: true }).waitFor());
    const assumedBefore = sim.stats.regions['eu-west-1'] ?? 0;
    await checkRole(page);
    await page.getByText('Role assumed').waitFor();
    assert.match(await page.locator('#assumed-role').textContent(), /^arn:aws:sts::123456789012:assumed-role\/BedrockAccess\//);
    assert.match(await page.locator('#role-expiry').textContent(), /\(in \d+ min\)/);
    assert.equal(await page.locator('#sts-endpoint').textContent(), 'https://sts.eu-west-1.amazonaws.com/');
    await trust.getByText('"sts:ExternalId": "platform-42"').waitFor(); // the policy follows the field
    assert.ok((sim.stats.regions['eu-west-1'] ?? 0) > assumedBefore, 'AssumeRole went to the STS region');
    await noHorizontalScroll(page);
    await stepShot(page, 'step-iam', `${tag}-1-iam`);

    // 2. Find the model ID and region
    await button(page, 'List models').click();
    const row = page.locator(`tr[data-model="${modelId}"]`);
    await row.waitFor();
    await row.getByRole('button', { name: `Use ${modelId}` }).click();
    assert.equal(await box(page, 'Model ID').inputValue(), modelId);
    assert.equal(await page.locator('#parsed-kind').textContent(), 'Foundation model (base)');
    assert.equal(await page.locator('#parsed-id').textContent(), modelId);
    assert.equal(await page.locator('#parsed-family').textContent(), family);
    assert.match(await box(page, 'Request body').inputValue(), new RegExp(marker));
    // The optional scope of step 1: the permissions policy then names the chosen model's ARN.
    await page.getByLabel(/Only the Model ID chosen in step 2/).check();
    const permissions = page.getByRole('region', { name: 'Permissions policy' });
    await permissions.getByText(`::foundation-model/${modelId}"`).waitFor();
    assert.match(await permissions.locator('pre').textContent(), new RegExp(`"arn:aws:bedrock:${await box(page, 'Region').inputValue()}::foundation-model/${modelId.replace(/[.]/g, '\\.')}"`));
    await noHorizontalScroll(page);
    await stepShot(page, 'step-model', `${tag}-2-model`);

    // 3. Test and map
    const names = await page.locator('#variables .var-name').allTextContents();
    assert.deepEqual(names, ['prompt', 'system.prompt']);
    await box(page, 'prompt').fill(`Hello from the ${family} walk`);
    await button(page, 'Test').click();
    const output = page.getByRole('region', { name: 'Output', exact: true });
    await output.locator('.usage').waitFor();
    assert.match(sim.stats.invoke.last.body, new RegExp(`Hello from the ${family} walk`));
    const { inputTokens, outputTokens } = fixture(family);
    // What the gateway's own Test maps for this model: the page must show the same Output Text.
    const mapped = await gw.call('POST', '/v1/test', { body: { roleArn: ROLE_ARN, externalId: EXTERNAL_ID, region: 'us-east-1', modelId, variables: { prompt: 'x', 'system.prompt': 'y' } } });
    assert.ok(mapped.json.ok);
    assert.equal((await output.textContent()).startsWith(mapped.json.mapped.outputText), true, 'Output shows the mapped Output Text');
    assert.equal(await output.locator('#out-input-tokens').textContent(), String(inputTokens));
    assert.equal(await output.locator('#out-output-tokens').textContent(), String(outputTokens));
    // No cache point in the preset's body: the model reports no cache counts, and the page says so.
    assert.equal(await output.locator('#out-cache-read').textContent(), 'not reported');
    assert.equal(await output.locator('#out-cache-write').textContent(), 'not reported');
    assert.match(await described(page, 'Input Token Count'), new RegExp(`→ ${inputTokens}`));
    assert.match(await described(page, 'Output Token Count'), new RegExp(`→ ${outputTokens}`));
    assert.match(await described(page, 'Output Text'), /^→ “/);
    const response = page.getByRole('region', { name: 'Response', exact: true });
    assert.equal(await response.locator('#r-status').textContent(), '200');
    assert.match(await response.locator('#r-request-id').textContent(), /^[0-9a-f-]{36}$/);
    assert.match(await response.locator('#r-server-latency').textContent(), /^\d+ ms$/);
    await noHorizontalScroll(page);
    await stepShot(page, 'step-test', `${tag}-3-test`);
    await shot(page, `${tag}-page`);
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test('Check role with a wrong external ID: the hint sits next to External ID, and the live region says what to check', { timeout: 60_000 }, async () => {
  const { page } = await screen(390);
  await checkRole(page, { externalId: 'not-the-right-id' });
  await page.getByText('Check role failed: AccessDenied', { exact: true }).waitFor();
  const field = box(page, 'External ID');
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  assert.match(await described(page, 'External ID'), /sts:ExternalId/);
  // AWS cannot tell a wrong external ID from a role that does not trust the platform: unless the gateway
  // knows the role ARN worked before (then it names externalId), Role ARN is named too.
  await page.waitForFunction(() => /Check role failed: AccessDenied/.test(document.querySelector('[role=status]').textContent));
  const named = /Check External ID\./.test(await page.getByRole('status').textContent()) ? 'External ID' : 'Role ARN';
  assert.match(await page.getByRole('status').textContent(), new RegExp(`Check ${named}\\.`));
  assert.match(await described(page, named), /AccessDenied/);
  await page.waitForTimeout(800); // the trust policy's refresh for the typed ID must not clear the hint
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  assert.match(await described(page, 'External ID'), /sts:ExternalId/);
  await trust(page).getByText('"sts:ExternalId": "not-the-right-id"').waitFor();
  await noHorizontalScroll(page);
  await stepShot(page, 'step-iam', 'wrong-external-id-390');
  // Fixing it clears the marks.
  await checkRole(page);
  await page.getByText('Role assumed').waitFor();
  assert.equal(await field.getAttribute('aria-invalid'), null);
  await page.close();
});

test('Model ID: what each accepted form parses to, live', { timeout: 60_000 }, async () => {
  const { page } = await screen(1280);
  await box(page, 'Role ARN').fill(ROLE_ARN);
  const cases = [
    [HAIKU, 'base', HAIKU, 'us-east-1 (the Region field)'],
    [`arn:aws:bedrock:us-east-1::foundation-model/${TITAN}`, 'base', TITAN, 'us-east-1'],
    [`us.${HAIKU}`, 'inference-profile', `us.${HAIKU}`, 'us-east-1 (the Region field)'],
    ['arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/app1abc2def3', 'inference-profile', 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/app1abc2def3', 'us-east-1'],
    ['bedrock:provisioned-model-inference/abcdef123456', 'provisioned', 'arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdef123456', 'us-east-1'],
    ['arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdef123456', 'provisioned', 'arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdef123456', 'us-east-1'],
    ['arn:aws:sagemaker:us-east-1:123456789012:endpoint/my-endpoint', 'marketplace', 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/my-endpoint', 'us-east-1'],
    ['arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-text-express-v1:0:8k/abc123', 'custom', 'arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-text-express-v1:0:8k/abc123', 'us-east-1'],
  ];
  for (const [input, kind, sent, region] of cases) {
    await box(page, 'Model ID').fill(input);
    assert.match(await page.locator('#parsed-kind').textContent(), new RegExp(`\\(${kind}\\)$`), input);
    assert.equal(await page.locator('#parsed-id').textContent(), sent, input);
    assert.equal(await page.locator('#parsed-region').textContent(), region, input);
    assert.equal(await box(page, 'Model ID').getAttribute('aria-invalid'), null, input);
  }
  await box(page, 'Model ID').fill('arn:aws:bedrock:eu-west-1::foundation-model/amazon.titan-text-express-v1');
  assert.match(await described(page, 'Model ID'), /REGION_MISMATCH/);
  await box(page, 'Model ID').fill('not a model');
  assert.equal(await box(page, 'Model ID').getAttribute('aria-invalid'), 'true');
  assert.match(await described(page, 'Model ID'), /INVALID_MODEL_ID/);
  await stepShot(page, 'step-model', 'model-id-invalid-1280');
  await page.close();
});

test('List models marks models that need an inference profile or provisioned throughput and offers the profile', { timeout: 60_000 }, async () => {
  const { page } = await screen(1280);
  await checkRole(page);
  await button(page, 'List models').click();
  const sonnet37 = page.locator('tr[data-model="anthropic.claude-3-7-sonnet-20250219-v1:0"]');
  await sonnet37.waitFor();
  assert.equal(await page.locator('#models-body tr').count(), sim.config.models.length);
  assert.match(await sonnet37.textContent(), /Needs an inference profile/);
  assert.match(await page.locator(`tr[data-model="${HAIKU}"]`).textContent(), /On demand/);
  await sonnet37.getByRole('button', { name: 'Use us.anthropic.claude-3-7-sonnet-20250219-v1:0' }).click();
  assert.equal(await box(page, 'Model ID').inputValue(), 'us.anthropic.claude-3-7-sonnet-20250219-v1:0');
  assert.equal(await page.locator('#parsed-kind').textContent(), 'Inference profile (inference-profile)');
  await box(page, 'Filter').fill('titan');
  assert.equal(await page.locator('#models-body tr').count(), 3); // Titan Text Express, Lite, Text Embeddings V2
  await page.close();
});

test('a broken Request body shows line and column; a number variable goes out as a number; a bad JSONPath still lets Test run', { timeout: 60_000 }, async () => {
  const { page, errors } = await screen(1280);
  await checkRole(page);
  await box(page, 'Model ID').fill(HAIKU);
  await box(page, 'Model ID').press('Tab');
  const body = box(page, 'Request body');
  const good = await body.inputValue();
  await body.fill(good.replace('"max_tokens": 1024,', '"max_tokens": 1024'));
  assert.equal(await body.getAttribute('aria-invalid'), 'true');
  assert.match(await described(page, 'Request body'), /^Line 4, column 3: the template is not valid JSON: expected/); // the missing comma shows where the next key starts
  await button(page, 'Go to line 4, column 3').click();
  assert.deepEqual(await body.evaluate((el) => [document.activeElement === el, el.value.slice(0, el.selectionStart).split('\n').length]), [true, 4]);
  await stepShot(page, 'step-test', 'broken-template-1280');
  await body.fill(good.replace('"max_tokens": 1024', '"max_tokens": {{max_tokens}}'));
  assert.equal(await body.getAttribute('aria-invalid'), null);
  assert.deepEqual(await page.locator('#variables .var-name').allTextContents(), ['prompt', 'system.prompt', 'max_tokens']);
  // An unquoted placeholder starts as a number; the type can be changed.
  const type = page.getByRole('combobox', { name: 'max_tokens type' });
  assert.equal(await type.inputValue(), 'number');
  await type.selectOption('text');
  await type.selectOption('number');
  await box(page, 'max_tokens').fill('300');
  await box(page, 'Output Text').fill('$.[');
  assert.match(await described(page, 'Output Text'), /Not a JSONPath/);
  await box(page, 'Output Token Count').fill('$.usage.nothing_here');
  const invokes = sim.stats.invoke.count;
  await button(page, 'Test').click();
  await page.getByRole('region', { name: 'Output', exact: true }).locator('.usage').waitFor();
  assert.equal(sim.stats.invoke.count, invokes + 1, 'the Test ran despite the bad path');
  const sent = JSON.parse(sim.stats.invoke.last.body);
  assert.equal(sent.max_tokens, 300);
  assert.equal(typeof sent.max_tokens, 'number');
  assert.match(await described(page, 'Output Text'), /Not a JSONPath/);
  assert.match(await described(page, 'Output Token Count'), /Finds nothing in the body; the x-amzn-bedrock-output-token-count header gives \d+/);
  // A path fixed after the Test shows its value against the last response at once.
  await box(page, 'Output Text').fill("$.content[?@.type=='text'].text");
  assert.match(await described(page, 'Output Text'), new RegExp(`→ “${fixture('anthropic').response.content[0].text.slice(0, 20)}`));
  // A number variable that is not a number is flagged next to it, and nothing is sent.
  await box(page, 'max_tokens').fill('lots');
  await button(page, 'Test').click();
  assert.equal(await box(page, 'max_tokens').getAttribute('aria-invalid'), 'true');
  assert.equal(sim.stats.invoke.count, invokes + 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a failed Test names the field to check next to it: Model ID (on-demand refused, profile offered), STS region', { timeout: 60_000 }, async () => {
  const { page, errors } = await screen(1280);
  await checkRole(page);
  await box(page, 'Model ID').fill('anthropic.claude-3-7-sonnet-20250219-v1:0');
  await box(page, 'Model ID').press('Tab');
  await button(page, 'Test').click();
  const output = page.getByRole('region', { name: 'Output', exact: true });
  await output.getByText('Test failed: ValidationException').waitFor();
  assert.equal(await box(page, 'Model ID').getAttribute('aria-invalid'), 'true');
  assert.match(await described(page, 'Model ID'), /ValidationException: This model cannot be invoked on demand/);
  await page.waitForFunction(() => /Check Model ID\./.test(document.querySelector('[role=status]').textContent));
  assert.equal(await page.getByRole('region', { name: 'Response', exact: true }).locator('#r-status').textContent(), '400');
  await stepShot(page, 'step-test', 'test-failed-model-1280');
  await output.getByRole('button', { name: 'Use us.anthropic.claude-3-7-sonnet-20250219-v1:0' }).click();
  assert.equal(await box(page, 'Model ID').inputValue(), 'us.anthropic.claude-3-7-sonnet-20250219-v1:0');
  assert.equal(await box(page, 'Model ID').getAttribute('aria-invalid'), null);
  await button(page, 'Test').click();
  await output.locator('.usage').waitFor();
  assert.match(decodeURIComponent(sim.stats.invoke.last.path), /\/model\/us\.anthropic\.claude-3-7-sonnet-20250219-v1:0\//);

  await box(page, 'STS region').fill('mars-1');
  assert.equal(await page.locator('#sts-endpoint').textContent(), 'https://sts.mars-1.amazonaws.com/');
  await button(page, 'Test').click();
  await output.getByText('Test failed: INVALID_REGION').waitFor();
  assert.equal(await box(page, 'STS region').getAttribute('aria-invalid'), 'true');
  assert.match(await described(page, 'STS region'), /INVALID_REGION/);
  assert.equal(await box(page, 'Model ID').getAttribute('aria-invalid'), null);
  assert.deepEqual(errors, []);
  await page.close();
});

test('keyboard only: Tab from Role ARN through External ID and STS region to Check role, Enter checks', { timeout: 60_000 }, async () => {
  const { page } = await screen(390);
  await box(page, 'Role ARN').focus();
  await page.keyboard.type(ROLE_ARN);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.labels?.[0]?.textContent), 'External ID');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(EXTERNAL_ID);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.labels?.[0]?.textContent), 'STS region');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Check role');
  await page.keyboard.press('Enter');
  await page.getByText('Role assumed').waitFor();
  await page.close();
});

test('export holds the configuration without secrets; import restores it', { timeout: 60_000 }, async () => {
  const { page } = await screen(1280);
  await box(page, 'Role ARN').fill(ROLE_ARN);
  await box(page, 'External ID').fill(EXTERNAL_ID);
  await box(page, 'Model ID').fill(TITAN);
  await box(page, 'Model ID').press('Tab');
  await box(page, 'prompt').fill('Exported prompt');
  await box(page, 'Output Text').fill('$.results[0].outputText');
  const [download] = await Promise.all([page.waitForEvent('download'), button(page, 'Export configuration').click()]);
  const path = `${shots}/exported.json`;
  await download.saveAs(path);
  const text = (await import('node:fs')).readFileSync(path, 'utf8');
  const config = JSON.parse(text);
  assert.equal(config.roleArn, ROLE_ARN);
  assert.equal(config.modelId, TITAN);
  assert.equal(config.mapping.outputText, '$.results[0].outputText');
  assert.deepEqual(config.variables.prompt, { type: 'text', value: 'Exported prompt' });
  assert.ok(!text.includes(ADMIN), 'no admin token in the export');
  await page.close();

  const fresh = (await screen(1280)).page;
  await fresh.getByLabel('Import configuration').setInputFiles(path);
  await fresh.waitForFunction(() => /Configuration imported/.test(document.querySelector('[role=status]').textContent));
  assert.equal(await box(fresh, 'Role ARN').inputValue(), ROLE_ARN);
  assert.equal(await box(fresh, 'Model ID').inputValue(), TITAN);
  assert.equal(await box(fresh, 'prompt').inputValue(), 'Exported prompt');
  assert.equal(await box(fresh, 'Output Text').inputValue(), '$.results[0].outputText');
  assert.equal(await fresh.locator('#parsed-family').textContent(), 'titan-text');
  await fresh.close();
});

test('preset picker asks before replacing an edited Request body', { timeout: 60_000 }, async () => {
  const { page } = await screen(1280);
  const body = box(page, 'Request body');
  await body.fill('{"inputText": "{{prompt}}", "mine": true}');
  await box(page, 'Model ID').fill(TITAN);
  await box(page, 'Model ID').press('Tab');
  assert.match(await body.inputValue(), /"mine": true/); // a model change keeps edits, and offers the preset
  await button(page, 'Load the titan-text preset').waitFor();
  await page.getByRole('combobox', { name: 'Preset' }).selectOption('nova');
  const dialog = page.getByRole('dialog', { name: 'Replace your edited request body?' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Keep my edits' }).click();
  assert.match(await body.inputValue(), /"mine": true/);
  await page.getByRole('combobox', { name: 'Preset' }).selectOption('nova');
  await dialog.getByRole('button', { name: 'Replace' }).click();
  assert.match(await body.inputValue(), /schemaVersion/);
  await page.close();
});

const CACHE_READ = 'Cache Read Token Count (optional)';
const CACHE_WRITE = 'Cache Write Token Count (optional)';

test('prompt caching: the Test shows the cache counts, each mapping path its live value, an empty path the header', { timeout: 60_000 }, async () => {
  sim.configure({ promptCache: { readInputTokens: 2048, writeInputTokens: 16 } });
  try {
    const { page, errors } = await screen(1280);
    await checkRole(page);
    await box(page, 'Model ID').fill(HAIKU);
    await box(page, 'Model ID').press('Tab');
    // The anthropic preset fills the cache paths; a cache point in the body turns caching on.
    assert.equal(await box(page, CACHE_READ).inputValue(), '$.usage.cache_read_input_tokens');
    assert.equal(await box(page, CACHE_WRITE).inputValue(), '$.usage.cache_creation_input_tokens');
    assert.match(await described(page, CACHE_READ), /Run a Test to see what this path finds/);
    const body = box(page, 'Request body');
    await body.fill((await body.inputValue()).replace('"text": "{{prompt}}"', '"text": "{{prompt}}", "cache_control": {"type": "ephemeral"}'));
    await box(page, 'prompt').fill('A long shared prefix');
    await button(page, 'Test').click();
    const output = page.getByRole('region', { name: 'Output', exact: true });
    await output.locator('.usage').waitFor();
    assert.match(sim.stats.invoke.last.body, /"cache_control"/);
    assert.equal(await output.locator('#out-cache-read').textContent(), '2048');
    assert.equal(await output.locator('#out-cache-write').textContent(), '16');
    assert.match(await described(page, CACHE_READ), /^→ 2048$/);
    assert.match(await described(page, CACHE_WRITE), /^→ 16$/);
    await page.waitForFunction(() => /cache read 2048, cache write 16/.test(document.querySelector('[role=status]').textContent));
    await stepShot(page, 'step-test', 'cache-counts-1280');
    // An empty path: the header is used (live text says so, the next Test still shows the count).
    await box(page, CACHE_WRITE).fill('');
    assert.match(await described(page, CACHE_WRITE), /Empty: the cache token-count header is used/);
    await box(page, CACHE_READ).fill('$.usage.nothing');
    assert.match(await described(page, CACHE_READ), /Finds nothing in the body; the x-amzn-bedrock-cache-read-input-token-count header gives 2048/);
    await button(page, 'Test').click();
    await page.waitForFunction(() => /Test passed/.test(document.querySelector('[role=status]').textContent));
    assert.equal(await output.locator('#out-cache-write').textContent(), '16', 'from the cache-write header');
    assert.equal(await output.locator('#out-cache-read').textContent(), '2048', 'from the cache-read header');
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    sim.configure({ promptCache: { readInputTokens: 0, writeInputTokens: 1024 } });
  }
});

test('a prompt router as Model ID: its family preset, and the Test names the model it chose', { timeout: 60_000 }, async () => {
  const router = 'arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/anthropic.claude:1';
  const { page, errors } = await screen(1280);
  await checkRole(page);
  await box(page, 'Model ID').fill(router);
  await box(page, 'Model ID').press('Tab');
  assert.equal(await page.locator('#parsed-kind').textContent(), 'Prompt router (prompt-router)');
  assert.match(await box(page, 'Request body').inputValue(), /anthropic_version/);
  await button(page, 'Test').click();
  const output = page.getByRole('region', { name: 'Output', exact: true });
  await output.locator('.usage').waitFor();
  assert.equal(await output.locator('#out-invoked-model').textContent(), `arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}`);
  assert.equal(await page.locator('#out-invoked-model').count(), 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('Count tokens: the rendered body counted without running the model; a model without CountTokens is flagged at Model ID', { timeout: 60_000 }, async () => {
  const { page, errors } = await screen(390);
  await checkRole(page);
  await box(page, 'Model ID').fill(`us.${HAIKU}`);
  await box(page, 'Model ID').press('Tab');
  await box(page, 'prompt').fill('How many tokens is this?');
  const invokes = sim.stats.invoke.count;
  await button(page, 'Count tokens').click();
  const result = page.locator('#count-result');
  await result.locator('#count-tokens').waitFor();
  const sent = sim.stats.countTokens.last;
  assert.equal(sent.path, `/model/${encodeURIComponent(HAIKU)}/count-tokens`, 'the profile counted against its base model');
  const rendered = JSON.parse(Buffer.from(JSON.parse(sent.body).input.invokeModel.body, 'base64').toString('utf8'));
  assert.equal(rendered.messages[0].content[0].text, 'How many tokens is this?');
  // What the gateway's own route counts for the same body: the page must show the same.
  const direct = await gw.call('POST', '/v1/count-tokens', { body: { roleArn: ROLE_ARN, externalId: EXTERNAL_ID, region: 'us-east-1', modelId: `us.${HAIKU}`, template: await box(page, 'Request body').inputValue(), variables: { prompt: 'How many tokens is this?', 'system.prompt': await box(page, 'system.prompt').inputValue() } } });
  assert.equal(await result.locator('#count-tokens').textContent(), String(direct.json.inputTokens));
  assert.equal(await result.locator('#count-model').textContent(), HAIKU);
  assert.match(await button(page, 'Count tokens').evaluate((el) => document.getElementById(el.getAttribute('aria-describedby')).textContent), /input tokens, counted against anthropic\.claude-3-haiku/);
  await page.waitForFunction(() => /Counted \d+ input tokens against anthropic\.claude-3-haiku/.test(document.querySelector('[role=status]').textContent));
  assert.equal(sim.stats.invoke.count, invokes, 'no model ran');
  await noHorizontalScroll(page);
  await stepShot(page, 'step-test', 'count-tokens-390');
  // Nova has no CountTokens: the typed error sits next to Model ID, and the live region says to check it.
  await box(page, 'Model ID').fill(NOVA);
  await box(page, 'Model ID').press('Tab');
  await button(page, 'Count tokens').click();
  await page.waitForFunction(() => /Count tokens failed: ValidationException/.test(document.querySelector('[role=status]').textContent));
  assert.equal(await box(page, 'Model ID').getAttribute('aria-invalid'), 'true');
  assert.match(await described(page, 'Model ID'), /ValidationException: This model does not support CountTokens/);
  assert.match(await page.locator('[role=status]').textContent(), /Check Model ID\./);
  assert.match(await result.textContent(), /^Not counted: ValidationException/);
  await stepShot(page, 'step-model', 'count-tokens-unsupported-model-390');
  assert.deepEqual(errors, []);
  await page.close();
});

test('streaming Test: the text appears as it arrives, with a busy state and Cancel, then the mapped counts', { timeout: 60_000 }, async () => {
  sim.configure({ stream: { delayMs: 150 } });
  try {
    const { page, errors } = await screen(390);
    await checkRole(page);
    await box(page, 'Model ID').fill(NOVA);
    await box(page, 'Model ID').press('Tab');
    await page.getByRole('checkbox', { name: 'Stream the response' }).check();
    await page.evaluate(() => {
      window.seen = [];
      // Each delta replaces the output's text node: record every node added, even when batched.
      new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach((n) => window.seen.push(n.textContent))))
        .observe(document.getElementById('output'), { childList: true, subtree: true, characterData: true });
    });
    await button(page, 'Test').click();
    await button(page, 'Cancel').waitFor();
    assert.equal(await button(page, 'Test').isDisabled(), true);
    const output = page.getByRole('region', { name: 'Output', exact: true });
    await output.locator('.usage').waitFor();
    const seen = await page.evaluate(() => window.seen);
    // The stream's counts come from its invocation metrics: compare with the gateway's own streamed Test.
    sim.configure({ stream: { delayMs: 0 } });
    const direct = await gw.call('POST', '/v1/test', { body: { roleArn: ROLE_ARN, externalId: EXTERNAL_ID, region: 'us-east-1', modelId: NOVA, stream: true, variables: { prompt: 'x', 'system.prompt': 'y' } } });
    const { inputTokens, outputTokens } = direct.json.mapped;
    assert.ok(inputTokens > 0 && outputTokens > 0);
    const final = await output.evaluate((el) => el.firstChild.textContent);
    const partial = new Set(seen.filter((t) => t && final.startsWith(t) && t !== final));
    assert.ok(partial.size >= 2, `text grew in steps: ${JSON.stringify([...partial])}`);
    assert.equal(await output.locator('#out-input-tokens').textContent(), String(inputTokens));
    assert.equal(await output.locator('#out-output-tokens').textContent(), String(outputTokens));
    assert.match(await page.locator('#r-server-latency').textContent(), /^\d+ ms$/); // from the stream's invocation metrics
    assert.equal(await button(page, 'Cancel').isHidden(), true);
    assert.equal(await button(page, 'Test').isDisabled(), false);
    await noHorizontalScroll(page);
    await stepShot(page, 'step-test', 'nova-stream-390');
    // Cancel stops a Test mid-way.
    sim.configure({ stream: { delayMs: 1500 } });
    await button(page, 'Test').click();
    await button(page, 'Cancel').click();
    await page.waitForFunction(() => /Test cancelled/.test(document.querySelector('[role=status]').textContent));
    assert.equal(await button(page, 'Test').isDisabled(), false);
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    sim.configure({ stream: { delayMs: 0 } });
  }
});

test('Save connection shows the ID and key once; the key invokes it through the gateway; nothing secret in storage or the URL', { timeout: 60_000 }, async () => {
  const { page, errors } = await screen(1280);
  await checkRole(page);
  await box(page, 'Model ID').fill(TITAN);
  await box(page, 'Model ID').press('Tab');
  await box(page, 'Connection name').fill(`screen-${Date.now()}`);
  await button(page, 'Save connection').click();
  const saved = page.getByRole('region', { name: 'Connection saved' });
  await saved.waitFor();
  const id = await saved.locator('#conn-id').textContent();
  const key = await saved.locator('#conn-key').textContent();
  assert.ok(id && key, 'ID and key shown');
  assert.match(await saved.textContent(), /shown only once/);
  await assert.doesNotReject(saved.getByRole('button', { name: 'Copy key' }).waitFor());
  const example = await page.getByLabel('Invoke example').textContent();
  assert.ok(example.includes(`/v1/connections/${id}/invoke`) && !example.includes(key), example);
  assert.match(await saved.textContent(), /Checked before saving: role assumed, test call answered in \d+ ms/);
  await stepShot(page, 'step-test', 'saved-1280');
  await page.setViewportSize({ width: 390, height: 900 });
  await noHorizontalScroll(page);
  await stepShot(page, 'step-test', 'saved-390');
  await page.setViewportSize({ width: 1280, height: 900 });

  const res = await gw.call('POST', `/v1/connections/${id}/invoke`, { token: key, body: { variables: { prompt: 'Hi', 'system.prompt': 'Be brief.' } } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.outputText, fixture('titan-text').response.results[0].outputText);

  // Saving again updates the same connection (PATCH) and shows no new key.
  await box(page, 'Output Text').fill('$.results[0].outputText');
  await button(page, 'Save connection').click();
  await page.waitForFunction(() => /updated/.test(document.querySelector('[role=status]').textContent));
  assert.equal(await saved.locator('#conn-id').textContent(), id);
  assert.equal(await saved.locator('#conn-key').isHidden(), true);
  const stored = await gw.call('GET', `/v1/connections/${id}`);
  assert.equal(stored.json.mapping.outputText, '$.results[0].outputText');

  const kept = await page.evaluate(() => ({
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
    cookies: document.cookie,
    url: location.href,
    history: history.length,
  }));
  const cookies = JSON.stringify(await page.context().cookies());
  for (const secret of [ADMIN, key, BASE.secretAccessKey]) {
    for (const [where, text] of Object.entries({ ...kept, cookies })) assert.ok(!String(text).includes(secret), `${where} holds a secret`);
  }
  assert.equal(kept.url, `${gw.url}/`);

  // Now that the role ARN is known to work, a wrong external ID is named alone, next to External ID.
  await box(page, 'External ID').fill('not-the-right-id');
  await button(page, 'Check role').click();
  await page.getByText('Check role failed: AccessDenied', { exact: true }).waitFor();
  assert.equal(await box(page, 'External ID').getAttribute('aria-invalid'), 'true');
  assert.match(await described(page, 'External ID'), /AccessDenied: .*external ID/);
  assert.equal(await box(page, 'Role ARN').getAttribute('aria-invalid'), null);
  await stepShot(page, 'step-iam', 'wrong-external-id-known-role-1280');
  assert.deepEqual(errors, []);
  await page.close();
});

test('deployed (no local session): the page asks for the "Admin token" and keeps it in memory', { timeout: 60_000 }, async () => {
  const remote = await gateway(sim, { assets: true, env: { LOCAL_SESSION: '0' } });
  try {
    const { page } = await screen(390, remote.url);
    const token = page.getByLabel('Admin token', { exact: true });
    await token.fill('wrong-token');
    await button(page, 'Use token').click();
    await page.waitForFunction(() => document.getElementById('adminToken').getAttribute('aria-invalid') === 'true');
    assert.match(await described(page, 'Admin token'), /403|FORBIDDEN|token/i);
    await stepShot(page, 'token-card', 'admin-token-wrong-390');
    await token.fill(ADMIN);
    await button(page, 'Use token').click();
    await page.waitForFunction((arn) => document.getElementById('principal').textContent === arn, BASE.arn);
    assert.equal(await page.locator('#token-card').isHidden(), true);
    await stepShot(page, 'step-iam', 'admin-token-390');
    const kept = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie + location.href);
    assert.ok(!kept.includes(ADMIN));
    await page.close();
  } finally {
    await remote.close();
  }
});

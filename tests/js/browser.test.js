// Headless Chromium (Debian chromium + playwright-core): a page imports the package's browser
// entry and runs assume-role → invoke against the simulator on another origin (CORS).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startSimulator } from '../../simulator/index.js';
import { fixture, HAIKU } from './env.js';

const root = new URL('../../', import.meta.url).pathname;
let aws, site, browser;

before(async () => {
  aws = await startSimulator();
  site = await startSimulator({ static: { '/pkg': `${root}pkg`, '/page': `${root}tests/js/browser`, '/www': `${root}www` } });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}, { timeout: 60_000 });
after(async () => {
  await browser?.close();
  await aws?.close();
  await site?.close();
});

/** A new page at `path` on the static site, once `window[readyFlag]` is true; `errors` collects its uncaught errors. */
async function openPage(path, readyFlag) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${site.url}${path}`);
  await page.waitForFunction((flag) => window[flag] === true, readyFlag);
  return { page, errors };
}

test('browser entry: assume role → invoke across origins, no init call', { timeout: 60_000 }, async () => {
  const { page, errors } = await openPage('/page/index.html', 'pageReady');
  const { request, response, inputTokens, outputTokens } = fixture('anthropic');
  const out = await page.evaluate((args) => window.runFlow(args), { aws: aws.url, modelId: HAIKU, body: request });
  assert.deepEqual(errors, []);
  assert.match(out.assumedRoleArn, /^arn:aws:sts::123456789012:assumed-role\/BedrockAccess\/bedrock-connect-\d+$/);
  assert.equal(out.status, 200);
  assert.deepEqual(out.json, response);
  assert.deepEqual(out.usage, { inputTokens, outputTokens });
  assert.deepEqual(out.denied, { isAwsError: true, code: 'SignatureDoesNotMatch', field: 'credentials' });
  assert.equal(out.authorization, 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, '
    + 'SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
  assert.equal(aws.stats.invoke.last.scope.service, 'bedrock');
  // The successful AssumeRole, and one more after the deliberate panic (the client was rebuilt on a
  // fresh instance); the denied one used the default (us-east-1).
  assert.equal(aws.stats.regions['eu-west-1'], 2);
  assert.deepEqual(out.recovered, { panicCode: 'INTERNAL_PANIC', status: 200, generation: 2 });
});

test('the playground: preset → variables form → Test → raw response and mapped output', { timeout: 60_000 }, async () => {
  const { page, errors } = await openPage('/www/index.html', 'playgroundReady');
  assert.equal(await page.textContent('#preset-note'), 'Preset: anthropic');
  assert.deepEqual(await page.$$eval('#variables textarea', (els) => els.map((e) => e.name)), ['system.prompt', 'prompt']);
  await page.fill('input[name=stsEndpoint]', aws.url);
  await page.fill('input[name=endpoint]', aws.url);
  await page.fill('#variables textarea[name=prompt]', 'Say "hi"');
  await page.click('button[type=submit]');
  await page.waitForSelector('#result:not([hidden])');
  const mapped = JSON.parse(await page.textContent('#mapped'));
  const { response, inputTokens, outputTokens } = fixture('anthropic');
  assert.deepEqual(mapped, { outputText: response.content[0].text, inputTokens, outputTokens, source: { inputTokens: 'body', outputTokens: 'body' } });
  assert.match(await page.textContent('#sent'), /"text": "Say \\"hi\\""/);
  assert.equal(JSON.parse(aws.stats.invoke.last.body).messages[0].content[0].text, 'Say "hi"');
  await page.fill('input[name=modelId]', 'meta.llama3-8b-instruct-v1:0');
  await page.dispatchEvent('input[name=modelId]', 'change');
  assert.equal(await page.textContent('#preset-note'), 'Preset: llama');
  assert.equal(await page.inputValue('input[name=outputText]'), '$.generation');
  assert.deepEqual(errors, []);
});

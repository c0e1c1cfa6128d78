// Packaging: `npm pack` pkg/, install the tarball in a fresh directory outside the repo (no
// node_modules above it), then `import` and `require` it in Node and call signRequest and invoke.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSimulator } from '../../simulator/index.js';

const root = new URL('../../', import.meta.url).pathname;
let dir, sim;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'bedrock-connect-pack-'));
  const [{ filename }] = JSON.parse(execFileSync('npm', ['pack', path.join(root, 'pkg'), '--pack-destination', dir, '--json', '--silent'], { encoding: 'utf8' }));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', path.join(dir, filename)], { cwd: dir });
  sim = await startSimulator();
});
after(async () => {
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const program = (load) => `
${load}
const { BedrockClient, signRequest, AwsError } = api;
const signed = signRequest({ url: 'https://example.amazonaws.com/', region: 'us-east-1', service: 'service',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  signingDate: new Date('2015-08-30T12:36:00Z') });
const url = process.env.SIM_URL;
const client = new BedrockClient({ region: 'us-east-1',
  credentials: { accessKeyId: 'AKIAPLATFORM00000001', secretAccessKey: 'platformSecretKey/0000000000000000000000' },
  assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/BedrockAccess', externalId: 'platform-42', stsEndpoint: url },
  endpoint: url });
client.invoke({ modelId: 'amazon.titan-text-express-v1', body: { inputText: 'Hi', textGenerationConfig: { maxTokenCount: 10 } } })
  .then((res) => console.log(JSON.stringify({ signature: signed.headers.authorization.split('Signature=')[1],
    status: res.status, usage: res.usage, awsError: typeof AwsError })));
`;

// Async: the simulator answers from this process's event loop.
async function run(file, source) {
  writeFileSync(path.join(dir, file), source);
  const { stdout } = await promisify(execFile)(process.execPath, [file], { cwd: dir, env: { ...process.env, SIM_URL: sim.url } });
  return JSON.parse(stdout);
}

const expected = (usage) => ({
  signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  status: 200,
  usage,
  awsError: 'function',
});

test('the tarball ships the entries, the wasm and the notices, nothing else', () => {
  for (const f of ['package.json', 'node.mjs', 'node.cjs', 'common.cjs', 'browser.js', 'workerd.js', 'index.d.ts',
    'instance.js', 'wasm/bindings.js', 'wasm/bindings.cjs', 'wasm/web/bedrock_connect_bg.wasm', 'LICENSE', 'THIRD-PARTY.md', 'README.md']) {
    assert.ok(existsSync(path.join(dir, 'node_modules/bedrock-connect', f)), f);
  }
  assert.ok(!existsSync(path.join(dir, 'node_modules/bedrock-connect/wasm/web/bedrock_connect.d.ts')));
  assert.ok(!existsSync(path.join(dir, 'node_modules/bedrock-connect/wasm/nodejs')), 'one .wasm ships, not one per runtime');
});

test('import (ESM) works with no init call', async () => {
  const out = await run('esm.mjs', program("import * as api from 'bedrock-connect';"));
  assert.deepEqual(out, expected(out.usage));
  assert.ok(out.usage.inputTokens > 0 && out.usage.outputTokens > 0);
});

test('require (CommonJS) works with no init call', async () => {
  const out = await run('cjs.cjs', program("const api = require('bedrock-connect');"));
  assert.deepEqual(out, expected(out.usage));
  assert.ok(out.usage.inputTokens > 0);
});

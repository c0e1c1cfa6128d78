// bench/rows/e2e.js — row 4 (Node only): invoke end to end against the simulator in a child process on loopback; client CPU per call.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AwsClient } from 'aws4fetch';
import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { prompt } from './template.js';

const N = 32;
const REGION = 'us-east-1';
const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const BASE = { accessKeyId: 'AKIAPLATFORM00000001', secretAccessKey: 'platformSecretKey/0000000000000000000000' };
const ROLE_ARN = 'arn:aws:iam::123456789012:role/BedrockAccess';
const EXTERNAL_ID = 'platform-42';
const SESSION = 'bench';

/** Starts `node simulator/cli.js --port 0` in a child process; resolves { url, child, stats(), close() }. */
export function startSimulatorProcess() {
  const cli = fileURLToPath(new URL('../../simulator/cli.js', import.meta.url));
  const child = spawn(process.execPath, [cli, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const fail = (why) => reject(new Error(`simulator did not start: ${why}\n${out}${err}`));
    child.once('error', fail);
    child.once('exit', (code) => fail(`exited with ${code}`));
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        child.removeAllListeners('exit');
        const url = m[1];
        resolve({
          url,
          child,
          stats: async () => (await fetch(`${url}/__sim/stats`)).json(),
          close: () => new Promise((done) => { child.once('exit', done); child.kill('SIGTERM'); }),
        });
      }
    });
  });
}

/** The hand-written AssumeRole a user of aws4fetch writes: form POST, regex the XML. */
async function aws4fetchAssumeRole(stsUrl) {
  const sts = new AwsClient({ ...BASE, service: 'sts', region: REGION });
  const body = new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: ROLE_ARN, RoleSessionName: SESSION, ExternalId: EXTERNAL_ID }).toString();
  const res = await sts.fetch(`${stsUrl}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body });
  const xml = await res.text();
  if (!res.ok) throw new Error(`AssumeRole ${res.status}: ${xml}`);
  const pick = (tag) => {
    const m = xml.match(new RegExp(`<${tag}>([^<]*)</${tag}>`));
    if (!m) throw new Error(`AssumeRole: no <${tag}>`);
    return m[1].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'");
  };
  return { accessKeyId: pick('AccessKeyId'), secretAccessKey: pick('SecretAccessKey'), sessionToken: pick('SessionToken') };
}

/** ctx: { ours, sim } → the cached-credentials row and the fresh-client (AssumeRole + invoke) row. */
export function e2eRows(ctx) {
  const { ours, sim } = ctx;
  const url = sim.url;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  // Fresh request bodies (rendered outside the timed loop), the same for every candidate.
  const bodies = Array.from({ length: N }, (_, i) => {
    const v = { prompt: prompt(i), system: { prompt: 'Be brief.' }, max_tokens: 256 + i, temperature: 0.5 };
    return encoder.encode(JSON.stringify({
      anthropic_version: 'bedrock-2023-05-31', max_tokens: v.max_tokens, temperature: v.temperature, system: v.system.prompt,
      messages: [{ role: 'user', content: [{ type: 'text', text: v.prompt }] }],
    }));
  });
  const invokeUrl = `${url}/model/${encodeURIComponent(MODEL)}/invoke`;
  const jsonHeaders = { 'content-type': 'application/json', accept: 'application/json' };

  const oursClient = () => new ours.BedrockClient({
    region: REGION, credentials: BASE, endpoint: url,
    assumeRole: { roleArn: ROLE_ARN, externalId: EXTERNAL_ID, sessionName: SESSION, stsEndpoint: url },
  });
  // The runtime client defaults to HTTP/2 (NodeHttp2Handler); the simulator speaks plain HTTP/1.1, so it gets the HTTP/1.1 handler.
  const sdkClient = () => new BedrockRuntimeClient({
    region: REGION, endpoint: url, requestHandler: new NodeHttpHandler(),
    credentials: fromTemporaryCredentials({
      params: { RoleArn: ROLE_ARN, ExternalId: EXTERNAL_ID, RoleSessionName: SESSION },
      masterCredentials: BASE,
      clientConfig: { endpoint: url, region: REGION },
    }),
  });
  const oursInvoke = async (client, i) => (await client.invoke({ modelId: MODEL, body: bodies[i] })).json();
  const sdkInvoke = async (client, i) => {
    const res = await client.send(new InvokeModelCommand({ modelId: MODEL, body: bodies[i], contentType: 'application/json', accept: 'application/json' }));
    return JSON.parse(decoder.decode(res.body));
  };
  const aws4Invoke = async (client, i) => {
    const res = await client.fetch(invokeUrl, { method: 'POST', headers: jsonHeaders, body: bodies[i] });
    if (!res.ok) throw new Error(`invoke ${res.status}: ${await res.text()}`);
    return res.json();
  };

  // Cached credentials: one client each, warmed by one call (AssumeRole happens there).
  let oc, sc, ac;
  const cached = {
    id: 'e2e-cached',
    group: 'e2e',
    title: '4a. invoke end to end (simulator in a child process, loopback), cached credentials: client CPU per call',
    note: 'CPU = process.cpuUsage() user+system of the bench process (all its threads) per call; calls are sequential',
    measure: 'cpu',
    inputs: N,
    expectAssumeRolesPerCall: 0,
    candidates: [
      { name: 'bedrock-connect BedrockClient', ours: true, prepare: async () => { oc = oursClient(); await oursInvoke(oc, 0); }, run: (i) => oursInvoke(oc, i) },
      { name: 'SDK v3 BedrockRuntimeClient', prepare: async () => { sc = sdkClient(); await sdkInvoke(sc, 0); }, run: (i) => sdkInvoke(sc, i) },
      {
        name: 'aws4fetch AwsClient',
        prepare: async () => { ac = new AwsClient({ ...(await aws4fetchAssumeRole(url)), service: 'bedrock', region: REGION }); await aws4Invoke(ac, 0); },
        run: (i) => aws4Invoke(ac, i),
      },
    ],
    targets: [{ peer: 'SDK v3 BedrockRuntimeClient', min: 1, label: 'lower CPU than SDK v3' }, { peer: 'aws4fetch AwsClient', min: 1, label: 'lower CPU than aws4fetch' }],
  };
  const fresh = {
    id: 'e2e-fresh',
    group: 'e2e',
    title: '4b. first call with a fresh client (AssumeRole + invoke), simulator in a child process: client CPU per call',
    note: 'a new client per call (ours freed after the call, the SDK client destroyed); the SDK opens new connections per client (its own http.Agent), ours and aws4fetch share fetch\'s pool; SDK on HTTP/1.1 (NodeHttpHandler), its default HTTP/2 handler cannot speak to the plain-HTTP simulator',
    measure: 'cpu',
    inputs: N,
    expectAssumeRolesPerCall: 1,
    candidates: [
      {
        name: 'bedrock-connect BedrockClient',
        ours: true,
        run: async (i) => {
          const client = oursClient();
          try { return await oursInvoke(client, i); } finally { client.free(); }
        },
      },
      {
        name: 'SDK v3 BedrockRuntimeClient',
        run: async (i) => {
          const client = sdkClient();
          try { return await sdkInvoke(client, i); } finally { client.destroy(); }
        },
      },
      {
        name: 'aws4fetch AwsClient + hand-written AssumeRole',
        run: async (i) => aws4Invoke(new AwsClient({ ...(await aws4fetchAssumeRole(url)), service: 'bedrock', region: REGION }), i),
      },
    ],
    targets: [
      { peer: 'SDK v3 BedrockRuntimeClient', min: 1, label: 'lower CPU than SDK v3' },
      { peer: 'aws4fetch AwsClient + hand-written AssumeRole', min: 1, label: 'lower CPU than aws4fetch' },
    ],
  };
  return [cached, fresh];
}

/** Counts the AssumeRole calls each candidate makes per call (3 calls each), against the row's expectation; throws if off. */
export async function checkAssumeRoleCounts(row, sim) {
  const counts = {};
  for (const c of row.candidates) {
    const before = (await sim.stats()).assumeRole.count;
    for (let i = 0; i < 3; i++) await c.run(i);
    const after = (await sim.stats()).assumeRole.count;
    counts[c.name] = (after - before) / 3;
    if (counts[c.name] !== row.expectAssumeRolesPerCall) {
      throw new Error(`${row.id}: ${c.name} made ${counts[c.name]} AssumeRole per call, expected ${row.expectAssumeRolesPerCall}`);
    }
  }
  return counts;
}

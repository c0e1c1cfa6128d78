// npm start: the local AWS simulator, then the platform gateway (gateway/) in workerd through
// miniflare, with a persistent D1 under .gateway/ and the integration screen at /. Ctrl-C stops both.
// `--once`: start both (in-memory D1, free ports), check /healthz, register one connection, invoke it, exit.
// Env: PORT (default 8787; 0 = any free port), ADMIN_TOKEN, LOG_PROMPTS=1, GATEWAY_D1_DIR (default .gateway/d1).
import { startSimulator, defaultConfig } from '../simulator/index.js';
import { startGateway } from '../gateway/local.js';

/** The documented local default; set ADMIN_TOKEN to choose another. */
export const LOCAL_ADMIN_TOKEN = 'local-admin-token';

const root = new URL('../', import.meta.url).pathname;
const once = process.argv.includes('--once');
const port = once ? 0 : Number(process.env.PORT ?? 8787);
const adminToken = process.env.ADMIN_TOKEN || LOCAL_ADMIN_TOKEN;

const sim = await startSimulator({ port: once ? 0 : Number(process.env.SIMULATOR_PORT ?? 0) });
const [base] = defaultConfig().baseCredentials;
let gateway;
try {
  gateway = await startGateway({
    port,
    persist: once ? undefined : process.env.GATEWAY_D1_DIR || `${root}.gateway/d1`,
    env: {
      ADMIN_TOKEN: adminToken,
      AWS_ACCESS_KEY_ID: base.accessKeyId,
      AWS_SECRET_ACCESS_KEY: base.secretAccessKey,
      PLATFORM_PRINCIPAL_ARN: base.arn,
      STS_ENDPOINT: sim.url,
      BEDROCK_RUNTIME_ENDPOINT: sim.url,
      BEDROCK_CONTROL_ENDPOINT: sim.url,
      LOCAL_SESSION: '1',
      LOG_PROMPTS: process.env.LOG_PROMPTS === '1' ? '1' : '0',
    },
  });
} catch (err) {
  await sim.close();
  throw err;
}

console.log(`gateway: ${gateway.url}`);
console.log(`simulator: ${sim.url}`);
console.log(`admin token: ${adminToken}`);

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  await gateway.close().catch(() => {});
  await sim.close().catch(() => {});
  process.exit(code);
}

if (once) {
  try {
    await smoke(gateway.url, adminToken);
  } catch (err) {
    console.error(`smoke check failed: ${err.message}`);
    await stop(1);
  }
  await stop(0);
} else {
  // This script owns the signals: miniflare's own handlers would exit (130/143) before the
  // simulator is closed; its 'exit' hook stays as the last resort that stops workerd.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.removeAllListeners(signal);
    process.on(signal, () => stop(0));
  }
}

/** The --once check: healthz, one registration with its checks, one invoke with the new key. */
async function smoke(url, token) {
  const health = await fetch(`${url}/healthz`);
  if (health.status !== 200) throw new Error(`/healthz answered ${health.status}`);
  const reg = await fetch(`${url}/v1/connections`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'smoke',
      roleArn: 'arn:aws:iam::123456789012:role/BedrockAccess',
      externalId: 'platform-42',
      stsRegion: 'eu-west-1',
      region: 'us-east-1',
      modelId: 'amazon.titan-text-express-v1',
    }),
  });
  const conn = await reg.json();
  if (reg.status !== 201) throw new Error(`registration answered ${reg.status}: ${JSON.stringify(conn)}`);
  console.log(`registered ${conn.name} (${conn.id}): assumed ${conn.check.assumedRoleArn} via ${conn.check.stsEndpoint} (${conn.check.stsRegion})`);
  const inv = await fetch(`${url}/v1/connections/${conn.id}/invoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${conn.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ variables: { prompt: 'Hello World', 'system.prompt': 'Be brief.' } }),
  });
  const out = await inv.json();
  if (inv.status !== 200 || typeof out.outputText !== 'string') throw new Error(`invoke answered ${inv.status}: ${JSON.stringify(out)}`);
  console.log(`invoke: ${JSON.stringify(out.outputText.slice(0, 60))} (${out.inputTokens} in / ${out.outputTokens} out, ${out.latencyMs} ms)`);
}

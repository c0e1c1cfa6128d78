// Shared setup of the gateway suites: the simulator, the gateway in workerd (miniflare) pointed at
// it, an HTTP helper that keeps every response body (for the secret grep) and the Worker's log lines.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, defaultConfig } from '../../simulator/index.js';
import { startGateway } from '../../gateway/local.js';

export const ADMIN = 'test-admin-token-0123456789';
export const ROLE_ARN = 'arn:aws:iam::123456789012:role/BedrockAccess';
export const EXTERNAL_ID = 'platform-42';
export const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
export const TITAN = 'amazon.titan-text-express-v1';
export const NOVA = 'amazon.nova-lite-v1:0';
export const BASE = defaultConfig().baseCredentials[0];
/** Variables of the anthropic / titan / nova presets. */
export const VARS = { prompt: 'Hello World', 'system.prompt': 'Be brief.' };

export function tempDir(prefix = 'gw-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function gatewayEnv(sim, extra = {}) {
  return {
    ADMIN_TOKEN: ADMIN,
    AWS_ACCESS_KEY_ID: BASE.accessKeyId,
    AWS_SECRET_ACCESS_KEY: BASE.secretAccessKey,
    PLATFORM_PRINCIPAL_ARN: BASE.arn,
    STS_ENDPOINT: sim.url,
    BEDROCK_RUNTIME_ENDPOINT: sim.url,
    BEDROCK_CONTROL_ENDPOINT: sim.url,
    LOCAL_SESSION: '1',
    ...extra,
  };
}

/** A gateway on `sim` with `persist` (a D1 folder) → `{ url, close, logs, call }`. */
export async function gateway(sim, { persist, env = {}, assets = false } = {}) {
  const logs = [];
  const assetsDir = assets ? tempDir('gw-assets-') : undefined;
  const gw = await startGateway({ env: gatewayEnv(sim, env), persist, assets, assetsDir, onLog: (l) => logs.push(l) });
  const close = async () => {
    await gw.close();
    if (assetsDir) rmSync(assetsDir, { recursive: true, force: true });
  };
  const seen = [];
  /** `call(method, path, { body, token, headers, raw })` → `{ status, headers, text, json }`. */
  const call = async (method, path, { body, token = ADMIN, headers = {}, raw } = {}) => {
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    if (body !== undefined || raw !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(`${gw.url}${path}`, { method, headers: h, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
    const text = await res.text();
    seen.push(text, JSON.stringify([...res.headers]));
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: res.status, headers: res.headers, text, json };
  };
  return { ...gw, close, logs, seen, call };
}

/** A registration body for the seeded role. */
export function registration(name, overrides = {}) {
  return { name, roleArn: ROLE_ARN, externalId: EXTERNAL_ID, stsRegion: 'eu-west-1', region: 'us-east-1', modelId: HAIKU, variables: VARS, ...overrides };
}

/** Parses an SSE body into `[{ event, data }]`. */
export function parseSse(text) {
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      return { event, data: data === undefined ? null : JSON.parse(data) };
    });
}

/** Every file under a folder, as one binary string (the D1 SQLite files, for the secret grep). */
export function readTree(dir) {
  let all = '';
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    all += statSync(path).isDirectory() ? readTree(path) : readFileSync(path).toString('latin1');
  }
  return all;
}

export { startSimulator };

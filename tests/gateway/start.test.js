// npm start's last step as a user runs it: the three lines, a working gateway, Ctrl-C (SIGINT) stops
// everything with exit code 0, and a restart on the same D1 folder keeps the connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { registration, tempDir } from './helpers.js';

const script = fileURLToPath(new URL('../../scripts/start.js', import.meta.url));

/** Starts scripts/start.js; resolves with the child and its three announced values. */
function start(env) {
  const child = spawn(process.execPath, [script], { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`start.js exited (${code}) early: ${err}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const lines = out.split('\n');
      if (lines.length < 4) return;
      child.removeAllListeners('exit');
      const [g, s, t] = lines;
      resolve({ child, lines: [g, s, t], gateway: g.split(': ')[1], token: t.split(': ')[1] });
    });
  });
}

function stop(child, signal) {
  return new Promise((resolve) => {
    child.on('exit', (code, sig) => resolve({ code, sig }));
    child.kill(signal);
  });
}

test('start.js: three lines, then SIGINT / SIGTERM stop cleanly and a restart keeps the connections', { timeout: 60_000 }, async () => {
  const dir = tempDir('gw-start-');
  const first = await start({ ADMIN_TOKEN: 'tok-123456789', GATEWAY_D1_DIR: dir });
  assert.match(first.lines[0], /^gateway: http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(first.lines[1], /^simulator: http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(first.lines[2], 'admin token: tok-123456789');
  const auth = { authorization: `Bearer ${first.token}`, 'content-type': 'application/json' };
  const session = await (await fetch(`${first.gateway}/v1/session`)).json();
  assert.deepEqual(session, { adminToken: 'tok-123456789', local: true });
  const made = await fetch(`${first.gateway}/v1/connections`, { method: 'POST', headers: auth, body: JSON.stringify(registration('kept')) });
  assert.equal(made.status, 201, await made.clone().text());
  assert.deepEqual(await stop(first.child, 'SIGINT'), { code: 0, sig: null });

  const second = await start({ ADMIN_TOKEN: 'tok-123456789', GATEWAY_D1_DIR: dir });
  const list = await (await fetch(`${second.gateway}/v1/connections`, { headers: auth })).json();
  assert.deepEqual(list.connections.map((c) => c.name), ['kept']);
  assert.deepEqual(await stop(second.child, 'SIGTERM'), { code: 0, sig: null });
  await assert.rejects(fetch(`${second.gateway}/healthz`), 'the gateway is gone');
  rmSync(dir, { recursive: true, force: true });
});

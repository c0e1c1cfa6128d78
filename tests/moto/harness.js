// Owns starting/stopping a private moto server on 127.0.0.1 for tests: spawn, wait until ready,
// seed IAM via bootstrap.py (which then turns SigV4 checking on), and hand back the credentials.
import { spawn, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_ROOT = path.resolve(HERE, '..', '..');
const READY_TIMEOUT_MS = 30_000;
const BOOTSTRAP_TIMEOUT_MS = 30_000;

/** Environment for moto and bootstrap.py: no proxies, no host AWS config, nothing that reaches out. */
function isolatedEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(https?_proxy|all_proxy|no_proxy|aws_.*|moto_.*|test_server_mode|test_proxy_mode|initial_no_auth_action_count)$/i.test(k)) continue;
    env[k] = v;
  }
  env.NO_PROXY = '*';
  env.no_proxy = '*';
  env.AWS_EC2_METADATA_DISABLED = 'true';
  env.AWS_CONFIG_FILE = '/dev/null';
  env.AWS_SHARED_CREDENTIALS_FILE = '/dev/null';
  env.PYTHONUNBUFFERED = '1';
  env.PYTHONDONTWRITEBYTECODE = '1';
  return env;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** One GET; resolves with the status code, rejects on connection errors. */
function probe(port) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: '/moto-api/data.json', method: 'GET', timeout: 2000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('timeout', () => req.destroy(new Error('probe timeout')));
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Start moto on a free loopback port and seed it.
 * @returns {Promise<{url:string, port:number, accessKeyId:string, secretAccessKey:string,
 *   userArn:string, roleArn:string, externalId:string, close:() => Promise<void>}>}
 */
export async function startMoto({ root = DEFAULT_ROOT } = {}) {
  const motoBin = path.join(root, '.venv', 'bin', 'moto_server');
  const python = path.join(root, '.venv', 'bin', 'python');
  if (!existsSync(motoBin) || !existsSync(python)) {
    throw new Error(
      `moto is not installed: ${motoBin} is missing. Run \`npm run setup\` ` +
        '(it creates .venv from tests/moto/requirements.txt).',
    );
  }

  // freePort() -> spawn has a tiny race; retry on a fresh port if moto reports the port taken.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(root, motoBin, python);
    } catch (e) {
      if (attempt < 3 && /Address already in use/.test(e.message)) continue;
      throw e;
    }
  }
}

async function startOnce(root, motoBin, python) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = isolatedEnv();
  const child = spawn(motoBin, ['-H', '127.0.0.1', '-p', String(port)], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let stderr = '';
  let stdout = '';
  const keep = (s, chunk) => (s + chunk).slice(-8000);
  child.stdout.setEncoding('utf8').on('data', (c) => (stdout = keep(stdout, c)));
  child.stderr.setEncoding('utf8').on('data', (c) => (stderr = keep(stderr, c)));
  let exited = null;
  let spawnError = null;
  const exitedPromise = new Promise((resolve) => {
    // 'close' (not 'exit') so stderr is fully read before an early-exit error is built.
    child.on('close', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  child.on('error', (e) => (spawnError = e));

  // Never leave an orphan moto behind if the test process ends without calling close().
  const onExit = () => exited === null && child.kill('SIGKILL');
  process.once('exit', onExit);

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    process.removeListener('exit', onExit);
    if (exited === null && !spawnError) {
      child.kill('SIGTERM');
      const t = setTimeout(() => exited === null && child.kill('SIGKILL'), 3000);
      await exitedPromise;
      clearTimeout(t);
    }
  };

  const fail = async (msg) => {
    await close();
    return new Error(`${msg}\n--- moto_server stderr (tail) ---\n${stderr}\n--- stdout (tail) ---\n${stdout}`);
  };

  // Wait until moto answers HTTP.
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (spawnError) throw await fail(`moto_server could not be spawned: ${spawnError.message}`);
    if (exited) throw await fail(`moto_server exited early (code ${exited.code}, signal ${exited.signal})`);
    try {
      const status = await probe(port);
      if (status === 200) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw await fail(`moto_server did not answer on ${url} within ${READY_TIMEOUT_MS} ms`);
    await sleep(100);
  }

  // Seed IAM and switch signature checking on.
  let seeded;
  try {
    const out = await new Promise((resolve, reject) => {
      execFile(
        python,
        [path.join(HERE, 'bootstrap.py'), url],
        { cwd: root, env, timeout: BOOTSTRAP_TIMEOUT_MS, maxBuffer: 1 << 20 },
        (err, so, se) => (err ? reject(new Error(`${err.message}\n${se}`)) : resolve(so)),
      );
    });
    const line = out.trim().split('\n').pop();
    seeded = JSON.parse(line);
    for (const k of ['accessKeyId', 'secretAccessKey', 'userArn', 'roleArn', 'externalId']) {
      if (typeof seeded[k] !== 'string' || !seeded[k]) throw new Error(`bootstrap output lacks ${k}: ${line}`);
    }
  } catch (e) {
    throw await fail(`tests/moto/bootstrap.py failed: ${e.message}`);
  }

  return { url, port, ...seeded, close };
}

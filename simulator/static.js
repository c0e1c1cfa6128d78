// Minimal static file serving for the simulator (e.g. the browser playground and its .wasm),
// mounted at URL prefixes; refuses any path that escapes its directory.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/** Content type for a file name. */
export function contentTypeFor(file) {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Which mount (longest prefix first) serves a path, and the path relative to it. */
function matchMount(mounts, pathname) {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  for (const prefix of prefixes) {
    const base = prefix.endsWith('/') ? prefix : prefix + '/';
    if (pathname === prefix || pathname.startsWith(base) || prefix === '/') {
      return { dir: resolve(mounts[prefix]), rest: pathname.slice(prefix === '/' ? 1 : prefix.length) };
    }
  }
  return null;
}

/** Resolve a URL path to a file inside its mount, or null (traversal, missing, not a file). */
async function findFile(mounts, pathname) {
  const match = matchMount(mounts, pathname);
  if (!match) return null;
  let rest;
  try {
    rest = decodeURIComponent(match.rest);
  } catch {
    return null;
  }
  if (rest.includes('\0')) return null;
  let file = resolve(match.dir, '.' + (rest.startsWith('/') ? rest : '/' + rest));
  if (file !== match.dir && !file.startsWith(match.dir + sep)) return null;
  const info = await stat(file).catch(() => null);
  if (info?.isDirectory()) file = join(file, 'index.html');
  const fileInfo = info?.isDirectory() ? await stat(file).catch(() => null) : info;
  return fileInfo?.isFile() ? file : null;
}

/**
 * Try to answer a GET/HEAD from the static mounts.
 * @returns {Promise<{status:number, headers:object, body:Buffer}|null>} null when no file matches
 */
export async function serveStatic(mounts, method, pathname) {
  if (!mounts || (method !== 'GET' && method !== 'HEAD')) return null;
  const file = await findFile(mounts, pathname);
  if (!file) return null;
  const body = await readFile(file);
  const headers = { 'content-type': contentTypeFor(file), 'cache-control': 'no-store' };
  return { status: 200, headers, body: method === 'HEAD' ? Buffer.alloc(0) : body };
}

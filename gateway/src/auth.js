// Who may call: the admin token (management routes) and per-connection invoke keys, which are
// random, shown once and stored only as their SHA-256.
import { GatewayError } from './http.js';

const encoder = new TextEncoder();

export async function sha256Hex(text) {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A fresh invoke key: `bck_` + 32 random bytes, base64url. */
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `bck_${base64url(bytes)}`;
}

/** A fresh external ID: 40 characters from 30 random bytes. */
export function newExternalId() {
  return base64url(crypto.getRandomValues(new Uint8Array(30)));
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The bearer token of the request, or null. */
export function bearer(request) {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

/** Compares two secrets through their hashes, so timing says nothing about the expected value. */
export async function sameSecret(given, expected) {
  if (!given || !expected) return false;
  const [a, b] = await Promise.all([sha256Hex(given), sha256Hex(expected)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export const unauthorized = () =>
  new GatewayError(401, 'UNAUTHORIZED', 'this route needs `Authorization: Bearer <token>`', {
    hint: 'Send the admin token (or, for invoke, the connection key) as a Bearer token.',
    headers: { 'www-authenticate': 'Bearer' },
  });

export const forbidden = (what = 'the admin token') =>
  new GatewayError(403, 'FORBIDDEN', `the bearer token is not ${what}`, {
    hint: 'Check the token: management routes take the admin token; invoke takes the key returned when this connection was created (or rotated).',
  });

/** Throws 401/403 unless the request carries the admin token. */
export async function requireAdmin(request, env) {
  if (!env.ADMIN_TOKEN) {
    throw new GatewayError(503, 'PLATFORM_NOT_CONFIGURED', 'the gateway has no ADMIN_TOKEN', { hint: 'Set it with `wrangler secret put ADMIN_TOKEN` (a long random string).' });
  }
  const token = bearer(request);
  if (!token) throw unauthorized();
  if (!(await sameSecret(token, env.ADMIN_TOKEN))) throw forbidden();
}

export async function isAdmin(token, env) {
  return sameSecret(token, env.ADMIN_TOKEN);
}

// bench/rows/sign.js — row 1: SigV4-sign an InvokeModel request (2 KiB and 64 KiB JSON body, session token); runs in Node and in the browser page.
import { AwsV4Signer } from 'aws4fetch';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 as Sha256Browser } from '@aws-crypto/sha256-browser';
import { Sha256 as Sha256Js } from '@aws-crypto/sha256-js';

export const N = 64;
export const REGION = 'us-east-1';
const SERVICE = 'bedrock';
const HOST = 'bedrock-runtime.us-east-1.amazonaws.com';
const PATH = '/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke';
export const URL_ = `https://${HOST}${PATH}`;
// Temporary credentials as STS returns them (a session token of realistic length).
export const credentials = {
  accessKeyId: 'ASIAQEXAMPLE7BENCH01',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjE' + 'Ab'.repeat(10) + Array.from({ length: 700 }, (_, i) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'[(i * 37 + 11) % 64]).join('') + '==',
};
const BASE_DATE = Date.UTC(2026, 10, 25, 7, 0, 0);

/** N distinct UTF-8 JSON bodies of exactly `size` bytes and N distinct signing dates (same day: the per-day signing key is cacheable). */
export function makeInputs(size) {
  const enc = new TextEncoder();
  const inputs = [];
  for (let i = 0; i < N; i++) {
    const head = `{"anthropic_version":"bedrock-2023-05-31","max_tokens":${512 + i},"messages":[{"role":"user","content":[{"type":"text","text":"`;
    const tail = '"}]}]}';
    const fill = size - head.length - tail.length;
    let text = '';
    const word = `req ${i} lorem ipsum dolor sit amet, consectetur adipiscing elit; `;
    while (text.length < fill) text += word;
    const body = enc.encode(head + text.slice(0, fill) + tail);
    if (body.length !== size) throw new Error(`body size ${body.length} != ${size}`);
    const date = new Date(BASE_DATE + i * 1000 + 137);
    const amz = date.toISOString().replace(/[:-]|\.\d{3}/g, '');
    inputs.push({ body, date, amz });
  }
  return inputs;
}

const headers = () => ({ 'content-type': 'application/json', accept: 'application/json' });

/**
 * ctx: { ours: the bedrock-connect module, NodeHash?: @smithy/hash-node's Hash (Node only), env: 'node' | 'browser' }.
 * Returns the two rows (2 KiB, 64 KiB).
 */
export function signRows(ctx) {
  const { ours, NodeHash, env } = ctx;
  const browserShaLabel = env === 'node' ? 'sha256-browser→js' : 'sha256-browser (WebCrypto)';
  return [2048, 65536].map((size) => {
    const inputs = makeInputs(size);
    const aws4Cache = new Map(); // what AwsClient keeps: the signing key per secret/day/region/service
    const smithy = (sha256) => new SignatureV4({ service: SERVICE, region: REGION, credentials, sha256, applyChecksum: false });
    const smithyRequest = (input) => ({
      method: 'POST', protocol: 'https:', hostname: HOST, path: PATH, query: {},
      headers: { host: HOST, ...headers() }, body: input.body,
    });
    const candidates = [
      {
        name: 'bedrock-connect signRequest',
        ours: true,
        run: (i) => {
          const input = inputs[i];
          return ours.signRequest({ method: 'POST', url: URL_, headers: headers(), body: input.body, region: REGION, service: SERVICE, credentials, signingDate: input.date });
        },
        normalize: (out) => [out.headers.authorization, out.headers['x-amz-date'], out.headers['x-amz-security-token']],
      },
      {
        name: 'aws4fetch AwsV4Signer',
        run: (i) => {
          const input = inputs[i];
          return new AwsV4Signer({
            method: 'POST', url: URL_, headers: headers(), body: input.body, ...credentials, service: SERVICE, region: REGION,
            datetime: input.amz, cache: aws4Cache, allHeaders: true, // sign content-type too, as the SDK and ours do
          }).sign();
        },
        normalize: (out) => [out.headers.get('authorization'), out.headers.get('x-amz-date'), out.headers.get('x-amz-security-token')],
      },
    ];
    if (NodeHash) {
      const signer = smithy(NodeHash.bind(null, 'sha256'));
      candidates.push({
        name: 'SDK signature-v4 + node:crypto',
        run: (i) => signer.sign(smithyRequest(inputs[i]), { signingDate: inputs[i].date }),
        normalize: (out) => [out.headers.authorization, out.headers['x-amz-date'], out.headers['x-amz-security-token']],
      });
    }
    const browserSigner = smithy(Sha256Browser);
    candidates.push({
      name: `SDK signature-v4 + ${browserShaLabel}`,
      run: (i) => browserSigner.sign(smithyRequest(inputs[i]), { signingDate: inputs[i].date }),
      normalize: (out) => [out.headers.authorization, out.headers['x-amz-date'], out.headers['x-amz-security-token']],
    });
    if (env === 'browser') {
      const jsSigner = smithy(Sha256Js);
      candidates.push({
        name: 'SDK signature-v4 + sha256-js',
        run: (i) => jsSigner.sign(smithyRequest(inputs[i]), { signingDate: inputs[i].date }),
        normalize: (out) => [out.headers.authorization, out.headers['x-amz-date'], out.headers['x-amz-security-token']],
      });
    }
    const kib = size / 1024;
    // Node only: in a browser, aws4fetch hashes with native WebCrypto, which a synchronous signer cannot
    // use; the size issue retired the Chromium targets (20× / 2×) for row 1c, signing inside invoke().
    const targets = env !== 'node' ? []
      : size === 2048
        ? [{ peer: 'aws4fetch AwsV4Signer', min: 20 }, ...(NodeHash ? [{ peer: 'SDK signature-v4 + node:crypto', min: 2 }] : [])]
        : [{ peer: 'aws4fetch AwsV4Signer', min: 2 }];
    return {
      id: `sign-${kib}k`,
      group: 'sign',
      title: `1. SigV4-sign InvokeModel, ${kib} KiB JSON body (bytes), session token`,
      note: env === 'node'
        ? "@aws-crypto/sha256-browser finds no window.crypto in Node and falls back to @aws-crypto/sha256-js (pure JS), so that line is the SDK's pure-JS hash here"
        : null,
      inputs: N,
      candidates,
      targets,
    };
  });
}

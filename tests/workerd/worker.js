// A Cloudflare Worker using the package's workerd entry (the .wasm imported as a module, no init call):
// assume role → invoke → map, against the simulator URL passed in the request.
import { BedrockClient, OutputMapping, presets, signRequest, ready } from '../../pkg/workerd.js';

/** A long body (POSTed as text): one awaited crypto.subtle.digest per call; without it, the wasm hash. */
async function longBody(sim, text, nowMs) {
  const subtle = crypto.subtle;
  const digests = [];
  subtle.digest = (alg, data) => {
    digests.push(data.byteLength);
    return SubtleCrypto.prototype.digest.call(subtle, alg, data);
  };
  const sent = [];
  const client = new BedrockClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAPLATFORM00000001', secretAccessKey: 'platformSecretKey/0000000000000000000000' },
    assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/BedrockAccess', externalId: 'platform-42', stsEndpoint: sim },
    endpoint: sim,
    now: () => nowMs,
    fetch: (url, init) => {
      if (url.includes('/model/')) sent.push({ url, headers: init.headers });
      return fetch(url, init);
    },
  });
  const body = new TextEncoder().encode(text);
  try {
    const res = await client.invoke({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', body });
    const viaDigest = { status: res.status, digests: [...digests] };
    subtle.digest = () => {
      throw new Error('no digest here');
    };
    const again = await client.invoke({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', body });
    return Response.json({ viaDigest, fallback: { status: again.status }, sent });
  } finally {
    delete subtle.digest;
  }
}

export default {
  async fetch(request) {
    const sim = new URL(request.url).searchParams.get('sim');
    const nowMs = Number(new URL(request.url).searchParams.get('now'));
    if (request.method === 'POST') return longBody(sim, await request.text(), nowMs);
    const client = new BedrockClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAPLATFORM00000001', secretAccessKey: 'platformSecretKey/0000000000000000000000' },
      assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/BedrockAccess', externalId: 'platform-42', stsEndpoint: sim },
      endpoint: sim,
    });
    const body = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] };
    const res = await client.invoke({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', body });
    const mapped = new OutputMapping(presets.anthropic.mapping).apply(res.body, res.headers);
    const streamed = client.invokeStream({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', body }).textStream;
    const text = await new Response(streamed.pipeThrough(new TextEncoderStream())).text();
    const signed = signRequest({ url: 'https://example.amazonaws.com/', region: 'us-east-1', service: 'service',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      signingDate: Date.UTC(2015, 7, 30, 12, 36) });
    // A panic (the test-only export): the call rejects with INTERNAL_PANIC, and the same client
    // and mapping keep working on a fresh instance of the imported module.
    const internal = ready[Symbol.for('bedrock-connect.internal')];
    let panicCode = null;
    try {
      internal.testPanic(0);
    } catch (e) {
      panicCode = e.code;
    }
    const again = await client.invoke({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', body });
    const recovered = { panicCode, status: again.status, generation: internal.generation(), mapped: new OutputMapping(presets.anthropic.mapping).apply(again.body, again.headers).outputText };
    return Response.json({ status: res.status, mapped, streamedText: text, authorization: signed.headers.authorization, recovered });
  },
};

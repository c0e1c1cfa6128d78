// A Cloudflare Worker using the package's workerd entry (the .wasm imported as a module, no init call):
// assume role → invoke → map, against the simulator URL passed in the request.
import { BedrockClient, OutputMapping, presets, signRequest, ready } from '../../pkg/workerd.js';

export default {
  async fetch(request) {
    const sim = new URL(request.url).searchParams.get('sim');
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

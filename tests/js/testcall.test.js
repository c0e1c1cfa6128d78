// The Test call (client.test) end to end against the simulator: one per model family with its
// preset, a custom template and mapping, and failures that never throw and name the culprit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BedrockClient, Template, OutputMapping, presets, presetFor } from '../../pkg/node.mjs';
import { readFileSync } from 'node:fs';
import { setup, fixture, HAIKU } from './env.js';

let env;
before(async () => { env = await setup(); });
after(() => env.sim.close());

const variables = { prompt: 'What is "Bedrock"?\nAnswer briefly.', system: { prompt: 'You are terse.' } };

for (const family of Object.keys(presets).filter((f) => f !== 'converse' && presets[f].mapping.outputText !== null)) {
  test(`Test call with the ${family} preset: request, raw response, mapped output`, async () => {
    env.sim.reset();
    const { modelId, response, inputTokens, outputTokens } = fixture(family);
    const r = await env.client(BedrockClient).test({ modelId, variables });
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.equal(r.error, null);
    assert.equal(r.request.url, `${env.sim.url}/model/${encodeURIComponent(modelId)}/invoke`);
    assert.equal(r.request.headers.authorization, '[redacted]');
    assert.equal(r.request.headers['x-amz-security-token'], '[redacted]');
    assert.equal(r.request.body, new Template(presets[family].template).render(variables));
    assert.equal(env.sim.stats.invoke.last.body, r.request.body);
    assert.equal(r.response.status, 200);
    assert.deepEqual(JSON.parse(r.response.body), response);
    assert.equal(r.mapped.inputTokens, inputTokens);
    assert.equal(r.mapped.outputTokens, outputTokens);
    const expectedText = new OutputMapping(presets[family].mapping).apply(JSON.stringify(response)).outputText;
    assert.equal(r.mapped.outputText, expectedText);
    assert.ok(r.mapped.outputText.length > 0);
    assert.equal(typeof r.latencyMs, 'number');
  });
}

test('custom Template and OutputMapping objects; an application profile resolves to its preset', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  const template = new Template(presets.anthropic.template);
  const mapping = new OutputMapping({ outputText: '$.content[0].text', stopReason: '$.stop_reason' });
  const r = await client.test({ modelId: HAIKU, template, variables, mapping });
  assert.equal(r.ok, true);
  assert.deepEqual(r.mapped.stopReason, 'end_turn');
  const app = await client.test({ modelId: 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/app1abc2def3', variables });
  assert.equal(app.ok, true, JSON.stringify(app.error));
  assert.equal(app.mapped.outputText, fixture('anthropic').response.content[0].text);
});

test('a failed AssumeRole: response is the STS answer, field names the external ID', async () => {
  const r = await env.client(BedrockClient, { assumeRole: { externalId: 'not-it' } }).test({ modelId: HAIKU, variables });
  assert.equal(r.ok, false);
  assert.equal(r.mapped, null);
  assert.equal(r.response.status, 403);
  assert.match(r.response.body, /<Code>AccessDenied<\/Code>/);
  assert.equal(r.request.url, `${env.sim.url}/`);
  assert.match(r.request.body, /^Action=AssumeRole&Version=2011-06-15&RoleArn=/);
  assert.deepEqual([r.error.code, r.error.field], ['AccessDenied', 'assumeRole.externalId']);
  assert.match(r.error.hint, /trust policy/);
});

test('template problems and Bedrock refusals name the template or model', async () => {
  const client = env.client(BedrockClient);
  const missing = await client.test({ modelId: HAIKU, variables: { prompt: 'x' } });
  assert.deepEqual([missing.ok, missing.error.code, missing.error.field, missing.request], [false, 'TEMPLATE_MISSING_VARIABLES', 'variables', null]);
  const badBody = await client.test({ modelId: HAIKU, template: '{"prompt": "{{prompt}}"}', variables });
  assert.deepEqual([badBody.ok, badBody.error.code, badBody.error.field, badBody.response.status], [false, 'ValidationException', 'template', 400]);
  const noPreset = await client.test({ modelId: 'stability.sd3-large-v1:0', variables });
  assert.deepEqual([noPreset.error.code, noPreset.error.field], ['NO_PRESET', 'template']);
  const badModel = await client.test({ modelId: 'not a model', variables });
  assert.deepEqual([badModel.error.code, badModel.error.field], ['INVALID_MODEL_ID', 'modelId']);
  const unknown = await client.test({ modelId: 'anthropic.claude-0-v9:0', variables });
  assert.deepEqual([unknown.error.code, unknown.error.field], ['ValidationException', 'modelId']);
});

test("Test call on Converse: api 'converse' (or presets.converse's template) posts to /converse with the Converse mapping", async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  const converse = JSON.parse(readFileSync(new URL('../fixtures/converse.json', import.meta.url), 'utf8'));
  const modelId = 'amazon.nova-lite-v1:0';
  for (const options of [{ api: 'converse' }, { template: presets.converse.template }, { template: new Template(presets.converse.template), mapping: presets.converse.mapping }]) {
    const r = await client.test({ modelId, variables, serviceTier: 'priority', ...options });
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.equal(r.request.url, `${env.sim.url}/model/${encodeURIComponent(modelId)}/converse`);
    const sent = JSON.parse(env.sim.stats.converse.last.body);
    assert.deepEqual(sent, { ...JSON.parse(new Template(presets.converse.template).render(variables)), serviceTier: { type: 'priority' } });
    assert.equal(env.sim.stats.converse.last.headers['x-amzn-bedrock-service-tier'], undefined);
    assert.equal(r.mapped.outputText, converse.response.output.message.content.map((b) => b.text).join(''));
    assert.deepEqual([r.mapped.inputTokens, r.mapped.outputTokens], [converse.response.usage.inputTokens, converse.response.usage.outputTokens]);
  }
  assert.equal(env.sim.stats.invoke.count, 0);
  // The default stays InvokeModel; an explicit api wins over the template.
  const invoke = await client.test({ modelId, variables, api: 'invoke', template: presets.nova.template });
  assert.equal(invoke.request.url, `${env.sim.url}/model/${encodeURIComponent(modelId)}/invoke`);
});

test("Test call on ConverseStream: api 'converse' with stream: true joins the deltas and reads the metadata usage", async () => {
  env.sim.reset();
  const fx = JSON.parse(readFileSync(new URL('../fixtures/streams/converse.json', import.meta.url), 'utf8'));
  const deltas = [];
  const r = await env.client(BedrockClient).test({ modelId: HAIKU, variables, api: 'converse', stream: true, onDelta: (d) => deltas.push(d) });
  assert.equal(deltas.join(''), fx.text);
  assert.ok(deltas.length > 1);
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(r.request.url, `${env.sim.url}/model/${encodeURIComponent(HAIKU)}/converse-stream`);
  assert.equal(env.sim.stats.converseStream.count, 1);
  assert.equal(r.mapped.outputText, fx.text);
  const usage = fx.events.find((e) => e.event === 'metadata').payload.usage;
  assert.deepEqual([r.mapped.inputTokens, r.mapped.outputTokens], [usage.inputTokens, usage.outputTokens]);
  const shown = JSON.parse(r.response.body);
  assert.deepEqual(Object.keys(shown[0]), ['messageStart']);
  assert.deepEqual(Object.keys(shown.at(-1)), ['metadata']);
});

test('Test call: api is an enum, checked before anything is sent', async () => {
  env.sim.reset();
  const r = await env.client(BedrockClient).test({ modelId: HAIKU, variables, api: 'Converse' });
  assert.equal(r.ok, false);
  assert.deepEqual([r.error.code, r.error.field], ['INVALID_OPTION', 'api']);
  assert.match(r.error.hint, /converse/);
  assert.equal(env.sim.stats.total, 0);
});

for (const [family, vector] of [['titan-embed', 'embedding'], ['cohere-embed', 'embeddings']]) {
  test(`Test call with the ${family} embeddings preset: the vector and the input token count, no output text`, async () => {
    env.sim.reset();
    const { modelId, response, inputTokens } = fixture(family);
    assert.equal(presetFor(modelId), presets[family]);
    const r = await env.client(BedrockClient).test({ modelId, variables });
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.equal(r.request.url, `${env.sim.url}/model/${encodeURIComponent(modelId)}/invoke`);
    assert.deepEqual(JSON.parse(env.sim.stats.invoke.last.body), JSON.parse(new Template(presets[family].template).render(variables)));
    assert.equal(r.mapped.outputText, null);
    assert.deepEqual(r.mapped[vector], response[vector]);
    assert.equal(r.mapped.inputTokens, inputTokens);
    assert.equal(r.mapped.source.inputTokens, family === 'titan-embed' ? 'body' : 'headers');
    assert.equal(r.mapped.outputTokens, null);
    // The same mapping through invoke + OutputMapping.
    const res = await env.client(BedrockClient).invoke({ modelId, body: { ...fixture(family).request } });
    const mapped = new OutputMapping(presets[family].mapping).apply(res.body, res.headers);
    assert.deepEqual([mapped.outputText, mapped.inputTokens, mapped[vector]], [null, inputTokens, response[vector]]);
  });
}

test('presetFor: embeddings families by model ID; image models have no preset (null)', () => {
  assert.equal(presetFor('amazon.titan-embed-text-v2:0'), presets['titan-embed']);
  assert.equal(presetFor('cohere.embed-multilingual-v3'), presets['cohere-embed']);
  for (const id of ['amazon.nova-canvas-v1:0', 'amazon.titan-image-generator-v2:0', 'amazon.titan-image-generator-v1', 'stability.sd3-5-large-v1:0', 'us.stability.stable-image-ultra-v1:1']) {
    assert.equal(presetFor(id), null, id);
  }
  assert.equal(presetFor('amazon.nova-pro-v1:0'), presets.nova);
});

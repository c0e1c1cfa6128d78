// Templates, JSONPath and output mapping through the public API in Node: every input form,
// errors with positions, and a seeded random test of 10,000 renders that JSON.parse must
// give back exactly (lone surrogates as U+FFFD).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Template, JsonPath, OutputMapping, presets, presetFor, ConfigError } from '../../pkg/node.mjs';
import { fixture } from './env.js';

test('variables, flat and nested lookup, typed insertion', () => {
  const t = new Template('{"prompt": "{{prompt}}", "system": "{{ system.prompt }}", "max_tokens": {{max_tokens}}, "temperature": 0.8}');
  assert.deepEqual(t.variables, ['prompt', 'system.prompt', 'max_tokens']);
  const nested = t.render({ prompt: 'Hi "you"', system: { prompt: 'Be brief' }, max_tokens: 300 });
  assert.equal(nested, '{"prompt": "Hi \\"you\\"", "system": "Be brief", "max_tokens": 300, "temperature": 0.8}');
  const flatWins = JSON.parse(t.render({ prompt: 'p', 'system.prompt': 'flat', system: { prompt: 'nested' }, max_tokens: 1 }));
  assert.equal(flatWins.system, 'flat');
  const typed = new Template('{"a": {{a}}, "s": "{{a}}", "n": {{n}}}');
  assert.equal(typed.render({ a: { x: [1, true, null] }, n: 'text' }), '{"a": {"x":[1,true,null]}, "s": "{\\"x\\":[1,true,null]}", "n": "text"}');
  assert.deepEqual(new TextDecoder().decode(typed.renderBytes({ a: 1, n: 2.5 })), '{"a": 1, "s": "1", "n": 2.5}');
  assert.equal(new Template('Human: {{prompt}}\n\nAssistant:', { json: false }).render({ prompt: 'say "hi"' }), 'Human: say "hi"\n\nAssistant:');
});

test('lookup: own properties only, any object (null prototype, class instance, array), variables must be an object', () => {
  const t = new Template('["{{a}}", "{{b.c}}"]');
  const bare = Object.assign(Object.create(null), { a: 'x', b: Object.assign(Object.create(null), { c: 'y' }) });
  assert.equal(t.render(bare), '["x", "y"]');
  class Vars { constructor() { this.a = 'own'; this.b = { c: 'z' }; } }
  assert.equal(t.render(new Vars()), '["own", "z"]');
  const inherited = Object.assign(Object.create({ a: 'from the prototype' }), { b: { c: 1 } });
  assert.throws(() => t.render(inherited), (e) => e.code === 'TEMPLATE_MISSING_VARIABLES' && e.message === 'missing template variable: a');
  assert.throws(() => new Template('"{{constructor}}"').render({}), (e) => e.code === 'TEMPLATE_MISSING_VARIABLES');
  assert.equal(new Template('"{{0}}-{{length}}"').render(['first']), '"first-1"');
  assert.throws(() => t.render({ a: undefined, b: { c: 1 } }), (e) => e.code === 'TEMPLATE_VALUE' && e.field === 'variables.a');
  for (const bad of ['text', 5, true]) assert.throws(() => t.render(bad), (e) => e.code === 'TYPE' || e instanceof TypeError, String(bad));
  assert.throws(() => t.render(), (e) => e.code === 'TEMPLATE_MISSING_VARIABLES' && e.message === 'missing template variables: a, b.c');
});

test('errors: missing variables (all at once), bad values, syntax with positions', () => {
  const t = new Template('{"a": "{{a}}", "b": {{b}}, "c": "{{c.d}}"}');
  assert.throws(() => t.render({ b: 1 }), (e) => e instanceof ConfigError && e.code === 'TEMPLATE_MISSING_VARIABLES'
    && e.message === 'missing template variables: a, c.d' && e.field === 'variables');
  for (const [value, what] of [[NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'], [10n, 'a BigInt'], [undefined, 'undefined'], [() => 1, 'a function']]) {
    assert.throws(() => t.render({ a: 'x', b: value, c: { d: 'y' } }), (e) => e.code === 'TEMPLATE_VALUE'
      && e.message === `template variable \`b\` is ${what}, which is not a JSON value` && e.field === 'variables.b');
  }
  assert.equal(t.render({ a: 'x', b: 1, c: { d: 'y' }, unused: NaN }), '{"a": "x", "b": 1, "c": "y"}');
  const syntax = [
    ['{"a": "{{a"}', 'unclosed `{{` at line 1, column 8'],
    ['{\n  "a": "{{ }}"\n}', 'invalid placeholder `{{ }}` at line 2, column 9'],
    ['[{{a}} {{b}}]', 'the template is not valid JSON at line 1, column 8: expected `,` or `]`'],
  ];
  for (const [source, message] of syntax) {
    assert.throws(() => new Template(source), (e) => e.code === 'TEMPLATE_SYNTAX' && e.field === 'template' && e.message === message, source);
  }
  assert.throws(() => new Template(42), TypeError);
});

test('seeded random: 10,000 renders parse back to exactly the value at that position', () => {
  let seed = 0x2545f491;
  const rand = (n) => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) % n; };
  const pool = ['"', '\\', '/', '\u2028', '\u2029', '😀', 'é', '\ud800', '\udfff', 'a', ' ', '{{', '}}', '<', '&', "'"];
  for (let c = 0; c < 0x20; c++) pool.push(String.fromCharCode(c));
  const t = new Template('{"before": 1, "value": "{{v}}", "raw": {{v}}, "list": ["{{v}}", {{n}}]}');
  for (let i = 0; i < 10_000; i++) {
    let v = '';
    for (let k = rand(24); k > 0; k--) v += pool[rand(pool.length)];
    const n = rand(1_000_000) / 7;
    const expected = v.toWellFormed();
    const out = JSON.parse(t.render({ v, n }));
    assert.equal(out.value, expected, `case ${i}: ${JSON.stringify(v)}`);
    assert.equal(out.raw, expected);
    assert.deepEqual(out.list, [expected, n]);
    assert.equal(out.before, 1);
  }
});

test('JsonPath: string, bytes, ArrayBuffer and plain values; located; errors with position', () => {
  const p = new JsonPath("$.content[?@.type=='text'].text");
  const doc = { content: [{ type: 'thinking', thinking: '…' }, { type: 'text', text: 'A' }, { type: 'text', text: 'B' }] };
  const text = JSON.stringify(doc);
  const bytes = new TextEncoder().encode(text);
  for (const input of [text, bytes, bytes.buffer, doc]) assert.deepEqual(p.query(input), ['A', 'B']);
  assert.deepEqual(p.queryLocated(bytes), [{ path: "$['content'][1]['text']", value: 'A' }, { path: "$['content'][2]['text']", value: 'B' }]);
  assert.deepEqual(new JsonPath('$..text').query(doc), ['A', 'B']);
  assert.deepEqual(new JsonPath('$.content[1:].type').query(doc), ['text', 'text']);
  assert.deepEqual(new JsonPath('$.content[*].type').query(doc), ['thinking', 'text', 'text']);
  assert.throws(() => new JsonPath('$.content[?@.type==]'), (e) => e.code === 'INVALID_JSONPATH' && /at position \d+$/.test(e.message));
  assert.throws(() => p.query('{not json'), (e) => e.code === 'INVALID_JSON');
});

test('match() and search() run in wasm with I-Regexp semantics', () => {
  const items = [{ a: 'xyz' }, { a: 'ax' }, { a: 'x\nz' }, { a: 'x\rz' }];
  assert.deepEqual(new JsonPath("$[?match(@.a, 'x.*')]").query(items), [{ a: 'xyz' }]);
  assert.deepEqual(new JsonPath("$[?search(@.a, 'x.z')]").query(items), [{ a: 'xyz' }]);
  assert.equal(new JsonPath("$[?search(@.a, 'x')]").query(items).length, 4);
});

test('OutputMapping: text joined, tokens from body or headers with source, extras, MAPPING_TYPE', () => {
  const m = new OutputMapping({ outputText: "$.content[?@.type=='text'].text", inputTokens: '$.usage.input_tokens', outputTokens: '$.usage.output_tokens', stopReason: '$.stop_reason' });
  const body = { content: [{ type: 'text', text: 'Hello' }, { type: 'text', text: ' world' }], stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 2 } };
  assert.deepEqual(m.apply(new TextEncoder().encode(JSON.stringify(body))), {
    outputText: 'Hello world', inputTokens: 3, outputTokens: 2, cacheReadInputTokens: null, cacheWriteInputTokens: null, source: { inputTokens: 'body', outputTokens: 'body', cacheReadInputTokens: null, cacheWriteInputTokens: null }, stopReason: 'end_turn',
  });
  const mistral = new OutputMapping(presets.mistral.mapping);
  const { response, inputTokens, outputTokens } = fixture('mistral');
  assert.deepEqual(mistral.apply(JSON.stringify(response), { 'X-Amzn-Bedrock-Input-Token-Count': String(inputTokens), 'x-amzn-bedrock-output-token-count': String(outputTokens) }), {
    outputText: response.outputs[0].text, inputTokens, outputTokens, cacheReadInputTokens: null, cacheWriteInputTokens: null, source: { inputTokens: 'headers', outputTokens: 'headers', cacheReadInputTokens: null, cacheWriteInputTokens: null },
  });
  assert.deepEqual(mistral.apply(JSON.stringify(response)).source, { inputTokens: null, outputTokens: null, cacheReadInputTokens: null, cacheWriteInputTokens: null });
  assert.throws(() => new OutputMapping({ inputTokens: '$.stop_reason' }).apply(body), (e) => e.code === 'MAPPING_TYPE' && e.field === 'inputTokens');
  assert.throws(() => new OutputMapping({ outputText: '$[' }), (e) => e.code === 'INVALID_JSONPATH' && e.field === 'outputText');
});

test('OutputMapping builds only what its paths reach, with serde_json\'s answers and errors for the rest', () => {
  const m = new OutputMapping({ outputText: "$.content[?@.type=='text'].text", inputTokens: '$.usage.input_tokens' });
  const long = 'Über "quotes" — emoji 📈 and a\\backslash\n'.repeat(40); // crosses to JS as UTF-16 in Node
  const doc = (skipped) => `{"content":[{"type":"thinking","thinking":${skipped}},{"type":"text","text":${JSON.stringify(long)}}],"usage":{"input_tokens":7},"usage":{"input_tokens":9}}`;
  const bytes = (text) => new TextEncoder().encode(text);
  assert.deepEqual(m.apply(bytes(doc('"x\\u00e9\\ud83d\\ude00"'))), {
    outputText: long, inputTokens: 9, outputTokens: null, cacheReadInputTokens: null, cacheWriteInputTokens: null, source: { inputTokens: 'body', outputTokens: null, cacheReadInputTokens: null, cacheWriteInputTokens: null },
  });
  // A skipped part that is not JSON fails as the whole parse would, with serde_json's message.
  const invalid = (skipped) => {
    let caught;
    assert.throws(() => m.apply(skipped instanceof Uint8Array ? skipped : bytes(doc(skipped))), (e) => (caught = e).code === 'INVALID_JSON' && e.field === 'body');
    return caught.message;
  };
  assert.equal(invalid('"\\x"'), 'the body is not JSON: invalid escape at line 1 column 45');
  // A lone surrogate escape is JSON (JSON.parse keeps it): U+FFFD, skipped or not.
  assert.equal(m.apply(bytes(doc('"\\ud800"'))).outputText, long);
  assert.equal(invalid('1e400'), 'the body is not JSON: number out of range at line 1 column 47');
  assert.equal(invalid('[1,]'), 'the body is not JSON: trailing comma at line 1 column 46');
  const latin1 = bytes(doc('"\u00ff"'));
  latin1.set([0xff], latin1.indexOf(0xc3)); // an invalid UTF-8 byte where the thinking was
  assert.match(invalid(latin1), /^the body is not JSON: invalid unicode code point at line 1 column \d+$/);
});

const isText = (family) => presets[family].mapping.outputText !== null;

test('presets: every family renders its variables and maps its fixture', () => {
  assert.deepEqual(Object.keys(presets).sort(), ['anthropic', 'cohere-command', 'cohere-command-r', 'cohere-embed', 'converse', 'jamba', 'llama', 'mistral', 'nova', 'titan-embed', 'titan-text']);
  for (const [family, preset] of Object.entries(presets).filter(([f]) => f !== 'converse' && isText(f))) {
    assert.equal(preset.family, family);
    const t = new Template(preset.template);
    assert.deepEqual(t.variables, preset.variables);
    assert.doesNotThrow(() => JSON.parse(t.render({ prompt: 'Hi "x"\n', system: { prompt: 'S' } })));
    const fx = fixture(family);
    const headers = { 'x-amzn-bedrock-input-token-count': String(fx.inputTokens), 'x-amzn-bedrock-output-token-count': String(fx.outputTokens) };
    const mapped = new OutputMapping(preset.mapping).apply(JSON.stringify(fx.response), headers);
    assert.ok(mapped.outputText.length > 0, family);
    assert.equal(mapped.inputTokens, fx.inputTokens, family);
    assert.equal(mapped.outputTokens, fx.outputTokens, family);
  }
  assert.equal(presetFor('us.anthropic.claude-3-5-sonnet-20241022-v2:0'), presets.anthropic);
  assert.equal(presetFor('arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1'), presets['titan-text']);
  assert.equal(presetFor('arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc'), null);
});

test('classes free their wasm memory', () => {
  const t = new Template('{"a": {{a}}}');
  t.free();
  assert.throws(() => t.render({ a: 1 }), (e) => e.code === 'FREED');
  const p = new JsonPath('$.a');
  p[Symbol.dispose]();
  assert.throws(() => p.query('{}'), (e) => e.code === 'FREED');
});

// bench/rows/mapping.js — row 3: map 3 JSONPaths over an ~8 KiB Claude response (UTF-8 bytes and string); runs in Node and in the browser page.
import { jsonpath } from 'json-p3';
import { query as rfcQuery } from 'jsonpath-rfc9535';
import { JSONPath } from 'jsonpath-plus';

const N = 64;
export const PATHS = {
  outputText: "$.content[?@.type=='text'].text",
  inputTokens: '$.usage.input_tokens',
  outputTokens: '$.usage.output_tokens',
};
// jsonpath-plus predates RFC 9535: its filter needs parentheses (a JS-like expression it evaluates in its own safe evaluator).
const PLUS_TEXT = "$.content[?(@.type=='text')].text";

function para(i, k, n) {
  let s = '';
  let j = 0;
  while (s.length < n) s += `Paragraph ${k}.${j++} for #${i}: the "answer" is ${(i * 13 + j) % 97} — see C:\\docs 📈\n`;
  return s.slice(0, n);
}

/** An ~8 KiB Claude Messages response: a thinking block, two text blocks around a tool_use block, usage. */
export function response(i) {
  return {
    id: `msg_bdrk_01Xq7bhJ3DVzs9PGJ2xZb${String(i).padStart(3, '0')}`,
    type: 'message',
    role: 'assistant',
    model: 'claude-3-7-sonnet-20250219',
    content: [
      { type: 'thinking', thinking: para(i, 0, 1800), signature: 'ErUBCkYIBxgCIkD'.padEnd(344, 'x') },
      { type: 'text', text: para(i, 1, 2600) },
      { type: 'tool_use', id: `toolu_${i}`, name: 'lookup', input: { query: 'revenue "Q3"', limit: 5 } },
      { type: 'text', text: para(i, 2, 2600) },
    ],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 1000 + i, output_tokens: 2000 + 3 * i, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  };
}

const first = (values) => (values.length ? values[0] : null);
const joined = (values) => (values.length ? values.join('') : null);

export function mappingRows(ctx) {
  const { ours } = ctx;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const strings = Array.from({ length: N }, (_, i) => JSON.stringify(response(i)));
  const bytes = strings.map((s) => encoder.encode(s));
  const mapping = new ours.OutputMapping(PATHS);
  const oursPaths = Object.fromEntries(Object.entries(PATHS).map(([k, p]) => [k, new ours.JsonPath(p)]));
  const p3 = Object.fromEntries(Object.entries(PATHS).map(([k, p]) => [k, jsonpath.compile(p)]));
  const normalize = (out) => ({ outputText: out.outputText, inputTokens: out.inputTokens, outputTokens: out.outputTokens });

  const peers = (parse) => [
    {
      name: 'json-p3 (compiled)',
      run: (i) => {
        const data = parse(i);
        return {
          outputText: joined(p3.outputText.query(data).values()),
          inputTokens: first(p3.inputTokens.query(data).values()),
          outputTokens: first(p3.outputTokens.query(data).values()),
        };
      },
      normalize,
    },
    {
      name: 'jsonpath-rfc9535 (no compile API)',
      run: (i) => {
        const data = parse(i);
        return {
          outputText: joined(rfcQuery(data, PATHS.outputText)),
          inputTokens: first(rfcQuery(data, PATHS.inputTokens)),
          outputTokens: first(rfcQuery(data, PATHS.outputTokens)),
        };
      },
      normalize,
    },
    {
      name: 'jsonpath-plus',
      run: (i) => {
        const data = parse(i);
        return {
          outputText: joined(JSONPath({ path: PLUS_TEXT, json: data, wrap: true })),
          inputTokens: first(JSONPath({ path: PATHS.inputTokens, json: data, wrap: true })),
          outputTokens: first(JSONPath({ path: PATHS.outputTokens, json: data, wrap: true })),
        };
      },
      normalize,
    },
  ];

  const size = bytes[0].length;
  return [
    {
      id: 'mapping-bytes',
      group: 'mapping',
      title: `3a. Map 3 JSONPaths over a ${(size / 1024).toFixed(1)} KiB Claude response given as UTF-8 bytes`,
      note: 'peers do JSON.parse(new TextDecoder().decode(bytes)) inside the timed call; jsonpath-plus gets the filter as ?(@.type==\'text\')',
      inputs: N,
      candidates: [
        { name: 'bedrock-connect OutputMapping.apply(bytes)', ours: true, run: (i) => mapping.apply(bytes[i]), normalize },
        ...peers((i) => JSON.parse(decoder.decode(bytes[i]))),
      ],
      targets: [{ peer: 'json-p3 (compiled)', min: 1.5 }],
    },
    {
      id: 'mapping-string',
      group: 'mapping',
      title: `3b. Map 3 JSONPaths over a ${(size / 1024).toFixed(1)} KiB Claude response given as a string`,
      note: 'peers do JSON.parse(string) inside the timed call; "JsonPath.query ×3" parses the string once per path',
      inputs: N,
      candidates: [
        { name: 'bedrock-connect OutputMapping.apply(string)', ours: true, run: (i) => mapping.apply(strings[i]), normalize },
        {
          name: 'bedrock-connect JsonPath.query ×3',
          run: (i) => {
            const s = strings[i];
            return {
              outputText: joined(oursPaths.outputText.query(s)),
              inputTokens: first(oursPaths.inputTokens.query(s)),
              outputTokens: first(oursPaths.outputTokens.query(s)),
            };
          },
          normalize,
        },
        ...peers((i) => JSON.parse(strings[i])),
      ],
    },
  ];
}

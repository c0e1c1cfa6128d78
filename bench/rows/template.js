// bench/rows/template.js — row 2: render the InvokeModel body template (Claude Messages, 1 KiB prompt) to UTF-8 bytes; runs in Node and in the browser page.
import Mustache from 'mustache';

const N = 64;
// The Claude Messages body, with string and non-string placeholders.
export const TEMPLATE = '{"anthropic_version": "bedrock-2023-05-31", "max_tokens": {{max_tokens}}, "temperature": {{temperature}}, '
  + '"system": "{{system.prompt}}", "messages": [{"role": "user", "content": [{"type": "text", "text": "{{prompt}}"}]}]}';

/** A ~1 KiB prompt (UTF-8) with quotes, backslashes, newlines, tabs and emoji, distinct per i. */
export function prompt(i) {
  const parts = [
    `Request #${i}: summarise the "quarterly report" below.\n`,
    'Rules:\n\t- keep C:\\paths\\as-is\n\t- quote "exactly"\n',
    'Emoji are fine 🚀✨👩‍💻 and so is ünïcödé — “smart quotes” too.\n',
  ];
  let text = parts.join('');
  let k = 0;
  while (new TextEncoder().encode(text).length < 1024) {
    text += `Line ${k++} of ${i}: revenue rose by ${(i * 7 + k) % 100}% — "good" 👍\n`;
  }
  return text;
}

/** JSON-string escape for Mustache (what a JSON body template needs instead of HTML escaping). */
const jsonEscape = (value) => JSON.stringify(String(value)).slice(1, -1);

export function templateRows(ctx) {
  const { ours } = ctx;
  const vars = Array.from({ length: N }, (_, i) => ({
    prompt: prompt(i),
    system: { prompt: `You are assistant ${i}. Answer in "plain" English.\nBe brief.` },
    max_tokens: 512 + i,
    temperature: (i % 10) / 10,
  }));
  const template = new ours.Template(TEMPLATE); // compiled once, as a client keeps it
  const encoder = new TextEncoder();
  Mustache.escape = jsonEscape; // mustache also caches the parsed template
  Mustache.parse(TEMPLATE);
  const decoder = new TextDecoder();
  const normalize = (bytes) => {
    if (!(bytes instanceof Uint8Array)) throw new Error('expected a Uint8Array');
    return JSON.parse(decoder.decode(bytes));
  };
  return [{
    id: 'template',
    group: 'template',
    title: '2. Render the Claude Messages body template (1 KiB prompt: quotes, newlines, emoji) → UTF-8 bytes',
    inputs: N,
    candidates: [
      { name: 'bedrock-connect Template.renderBytes', ours: true, run: (i) => template.renderBytes(vars[i]), normalize },
      { name: 'mustache (JSON escape) + TextEncoder', run: (i) => encoder.encode(Mustache.render(TEMPLATE, vars[i])), normalize },
      {
        name: 'JSON.stringify(object) + TextEncoder',
        run: (i) => {
          const v = vars[i];
          return encoder.encode(JSON.stringify({
            anthropic_version: 'bedrock-2023-05-31', max_tokens: v.max_tokens, temperature: v.temperature, system: v.system.prompt,
            messages: [{ role: 'user', content: [{ type: 'text', text: v.prompt }] }],
          }));
        },
        normalize,
      },
    ],
    targets: [{ peer: 'JSON.stringify(object) + TextEncoder', min: 1 }],
  }];
}

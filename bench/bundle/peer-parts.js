// bench/bundle/peer-parts.js — what every peer entry does around its AWS calls (bundled into each):
// the body template with mustache (JSON-escaping) and the mapping with json-p3, as ours.js does them.
import { jsonpath } from 'json-p3';
import Mustache from 'mustache';

Mustache.escape = (v) => JSON.stringify(String(v)).slice(1, -1);

/** The rendered InvokeModel body as UTF-8 bytes. */
export const renderBody = (cfg) => new TextEncoder().encode(Mustache.render(cfg.template, cfg.vars));

/** The Claude answer mapped with the filter path and the token paths. */
export const mapAnswer = (data) => ({
  outputText: jsonpath.compile("$.content[?@.type=='text'].text").query(data).values().join(''),
  inputTokens: jsonpath.compile('$.usage.input_tokens').query(data).values()[0],
  outputTokens: jsonpath.compile('$.usage.output_tokens').query(data).values()[0],
});

// CountTokens for the page and for stored connections: the template rendered with the variables,
// counted as an InvokeModel body (or as Converse messages/system for a Converse template).
import { Template, presets, presetFor } from '../../pkg/workerd.js';
import { GatewayError, json } from './http.js';
import { clientFor, toGatewayError } from './aws.js';

const squeeze = (s) => s.replace(/\s+/g, '');

/**
 * `converse` when asked for, or when the template is the Converse preset's however it is indented
 * (the rule test() applies itself, src/test_call.rs `api_for`): countTokens takes a Converse body
 * as `{ messages, system }`.
 */
function apiOf(template, api) {
  if (api === 'invoke' || api === 'converse') return api;
  if (api !== undefined && api !== null) {
    throw new GatewayError(400, 'INVALID_FIELD', '`api` must be "invoke" or "converse"', { hint: 'Leave `api` out: a Converse template is recognised.', field: 'api' });
  }
  return typeof template === 'string' && squeeze(template) === squeeze(presets.converse.template) ? 'converse' : 'invoke';
}

/** The template to count: the given one, else the model family's preset (422 when there is none). */
function templateFor(template, modelId) {
  if (template !== undefined) return template;
  const preset = presetFor(modelId);
  if (preset) return preset.template;
  throw new GatewayError(422, 'NO_PRESET', `there is no preset for \`${modelId}\``, { hint: 'Send `template` (the request body with {{variable}} placeholders) for this model.', field: 'template' });
}

/** The rendered body (422 with the template's diagnostic, in the gateway's field names). */
function render(template, variables) {
  let parsed;
  try {
    parsed = new Template(template);
    return parsed.render(variables ?? {});
  } catch (err) {
    throw toGatewayError(err, { check: true });
  } finally {
    parsed?.free();
  }
}

/** countTokens' options for a rendered body: `{ body }`, or Converse's `{ messages, system }`. */
function input(rendered, api) {
  if (api === 'invoke') return { body: rendered };
  const { messages, system } = JSON.parse(rendered);
  return system === undefined ? { messages } : { messages, system };
}

/** One CountTokens: `{ inputTokens, modelIdUsed, api, latencyMs }`, or a 422 naming the field at fault. */
export async function countAnswer({ env, log, target, shared, call }) {
  log.operation = 'count-tokens';
  const api = apiOf(call.template, call.api);
  const rendered = render(templateFor(call.template, call.modelId), call.variables);
  const client = clientFor(env, target, { shared, trace: log });
  const started = Date.now();
  try {
    const counted = await client.countTokens({ modelId: call.modelId, ...input(rendered, api) });
    return json(200, { inputTokens: counted.inputTokens, modelIdUsed: counted.modelIdUsed, api, latencyMs: Date.now() - started });
  } catch (err) {
    throw toGatewayError(err, { check: true });
  } finally {
    client.free();
  }
}

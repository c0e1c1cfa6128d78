// Bedrock streaming and Converse: InvokeModelWithResponseStream chunks, Converse answers, ConverseStream events,
// the stream fixtures, stream controls (chunking, delays, injected exception/error/corrupt/truncated frames).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { eventMessage, exceptionMessage, errorMessage } from './eventstream.js';
import { STREAM_CHUNKING, STREAM_EXCEPTIONS, STREAM_INJECTIONS, defaultStreamConfig } from './config.js';

export const EVENTSTREAM_TYPE = 'application/vnd.amazon.eventstream';
const PADDING = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

// ---------- fixtures ----------

/** Load tests/fixtures/streams/<name>.json into { name: fixture } (families plus `converse`). */
export function loadStreamFixtures(dir) {
  const fixtures = {};
  if (!existsSync(dir)) return fixtures;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    fixtures[file.slice(0, -'.json'.length)] = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  }
  return fixtures;
}

/** Load tests/fixtures/converse.json (or null when absent). */
export function loadConverseFixture(path) {
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null;
}

// ---------- stream controls ----------

/** Merge a `stream` patch into the current controls (null/undefined patch restores the defaults), validating it. */
export function mergeStreamConfig(current, patch) {
  if (patch === null || patch === undefined) return defaultStreamConfig();
  if (typeof patch !== 'object' || Array.isArray(patch)) throw new Error('stream config must be an object');
  const defaults = defaultStreamConfig();
  const known = Object.keys(defaults);
  for (const key of Object.keys(patch)) if (!known.includes(key)) throw new Error(`unknown stream config key '${key}'`);
  const next = { ...defaults, ...current, ...patch };
  if (!STREAM_CHUNKING.includes(next.chunking)) throw new Error(`stream.chunking must be one of ${STREAM_CHUNKING.join(', ')}`);
  if (next.inject !== null && !STREAM_INJECTIONS.includes(next.inject)) throw new Error(`stream.inject must be null or one of ${STREAM_INJECTIONS.join(', ')}`);
  for (const key of ['seed', 'delayMs', 'afterChunks', 'firstByteLatencyMs']) {
    if (typeof next[key] !== 'number' || !Number.isFinite(next[key]) || next[key] < 0) throw new Error(`stream.${key} must be a non-negative number`);
  }
  return next;
}

/** mulberry32: small seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------- InvokeModelWithResponseStream ----------

/**
 * The chunk JSON objects of a family's stream (fixture chunks; the last one carries amazon-bedrock-invocationMetrics).
 * @returns {object[]}
 */
export function streamChunks(config, fixture, request = {}, cache = null) {
  const chunks = fixture.chunks.map((c) => structuredClone(c));
  if (request?.thinking?.type === 'enabled' && fixture.thinking) withThinking(chunks, fixture.thinking);
  chunks[chunks.length - 1]['amazon-bedrock-invocationMetrics'] = {
    inputTokenCount: fixture.inputTokens,
    outputTokenCount: fixture.outputTokens,
    ...(cache ? { cacheReadInputTokenCount: cache.read, cacheWriteInputTokenCount: cache.write } : {}),
    invocationLatency: config.invocationLatencyMs,
    firstByteLatency: config.stream.firstByteLatencyMs,
  };
  return chunks;
}

/** Anthropic extended thinking: a thinking block (thinking_delta pieces, then a signature_delta) after message_start; the answer's blocks move up one index. */
function withThinking(chunks, thinking) {
  for (const c of chunks) if (typeof c.index === 'number') c.index += 1;
  const delta = (d) => ({ type: 'content_block_delta', index: 0, delta: d });
  chunks.splice(
    1,
    0,
    { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
    ...thinking.text.map((t) => delta({ type: 'thinking_delta', thinking: t })),
    delta({ type: 'signature_delta', signature: thinking.signature }),
    { type: 'content_block_stop', index: 0 },
  );
}

/** `chunk` event frames: payload {"bytes": base64(chunk JSON), "p": padding letters}. */
export function chunkFrames(chunks, random) {
  return chunks.map((chunk) => {
    const bytes = Buffer.from(JSON.stringify(chunk), 'utf8').toString('base64');
    const p = PADDING.slice(0, 1 + Math.floor(random() * PADDING.length));
    return eventMessage('chunk', { bytes, p });
  });
}

// ---------- Converse ----------

const CONTENT_KINDS = ['text', 'image', 'document', 'video', 'toolUse', 'toolResult', 'guardrailContent', 'cachePoint', 'reasoningContent', 'citationsContent'];

/** Validate a Converse / ConverseStream request body; returns { ok, body } or { ok:false, message }. */
export function checkConverseRequest(raw) {
  let body;
  try {
    body = JSON.parse(raw.toString('utf8') || '{}');
  } catch (err) {
    return { ok: false, message: `Malformed input request: ${err.message}, please reformat your input and try again.` };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, message: 'Malformed input request: expected a JSON object, please reformat your input and try again.' };
  const { messages } = body;
  if (messages === undefined || messages === null) {
    return { ok: false, message: "1 validation error detected: Value null at 'messages' failed to satisfy constraint: Member must not be null" };
  }
  if (!Array.isArray(messages)) return { ok: false, message: "1 validation error detected: Value at 'messages' failed to satisfy constraint: Member must be a list" };
  if (messages.length === 0) return { ok: false, message: 'A conversation must start with a user message. Try again with a conversation that starts with a user message.' };
  let usesTools = false;
  for (const [i, m] of messages.entries()) {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) return { ok: false, message: `Malformed input request: messages.${i} must be an object, please reformat your input and try again.` };
    if (m.role !== 'user' && m.role !== 'assistant') {
      return { ok: false, message: `1 validation error detected: Value '${m.role ?? null}' at 'messages.${i + 1}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]` };
    }
    if (!Array.isArray(m.content) || m.content.length === 0) {
      return { ok: false, message: `The content field in the Message object at messages.${i} is empty. Add a ContentBlock object to the content field and try again.` };
    }
    for (const [j, block] of m.content.entries()) {
      const keys = block && typeof block === 'object' && !Array.isArray(block) ? Object.keys(block) : [];
      if (keys.length !== 1 || !CONTENT_KINDS.includes(keys[0])) {
        return { ok: false, message: `Malformed input request: messages.${i}.content.${j} must have exactly one of ${CONTENT_KINDS.join(', ')}, please reformat your input and try again.` };
      }
      if (keys[0] === 'text' && typeof block.text !== 'string') {
        return { ok: false, message: `Malformed input request: messages.${i}.content.${j}.text must be a string, please reformat your input and try again.` };
      }
      if (keys[0] === 'toolUse' || keys[0] === 'toolResult') usesTools = true;
    }
  }
  if (messages[0].role !== 'user') return { ok: false, message: 'A conversation must start with a user message. Try again with a conversation that starts with a user message.' };
  if (body.system !== undefined && !Array.isArray(body.system)) return { ok: false, message: "1 validation error detected: Value at 'system' failed to satisfy constraint: Member must be a list" };
  if (body.toolConfig !== undefined) {
    const tools = body.toolConfig?.tools;
    if (!Array.isArray(tools) || tools.length === 0) return { ok: false, message: 'The toolConfig field must contain at least one tool. Add a tool and try again.' };
    if (!tools.every((t) => typeof t?.toolSpec?.name === 'string')) return { ok: false, message: 'Malformed input request: every toolConfig.tools entry needs toolSpec.name, please reformat your input and try again.' };
  } else if (usesTools) {
    return { ok: false, message: 'The toolConfig field must be defined when using toolUse and toolResult content blocks.' };
  }
  return { ok: true, body };
}

/** The tool the simulated model calls: the first tool of the request's toolConfig, or null. */
function toolOf(request) {
  const name = request.toolConfig?.tools?.find((t) => t?.toolSpec?.name)?.toolSpec.name;
  return name ? { name } : null;
}

/** Whether a Converse request asks for reasoning (Anthropic `thinking`, Nova/others `reasoning_config`). */
function wantsReasoning(request) {
  const extra = request.additionalModelRequestFields;
  return Boolean(extra && typeof extra === 'object' && (extra.thinking || extra.reasoning_config || extra.reasoningConfig));
}

/** The Converse answer (fixture response; latencyMs from config; a reasoning block first when asked for; plus a toolUse block when tools are offered). */
export function converseAnswer(config, fixture, request, cache = null) {
  const answer = structuredClone(fixture.response);
  if (wantsReasoning(request) && fixture.reasoning) {
    const { text, signature } = fixture.reasoning;
    answer.output.message.content.unshift({ reasoningContent: { reasoningText: { text: text.join(''), signature } } });
  }
  answer.metrics = { ...answer.metrics, latencyMs: config.invocationLatencyMs };
  if (cache) answer.usage = { ...answer.usage, cacheReadInputTokens: cache.read, cacheWriteInputTokens: cache.write };
  const tool = toolOf(request);
  if (tool) {
    answer.output.message.content.push({ toolUse: { toolUseId: 't1', name: tool.name, input: {} } });
    answer.stopReason = 'tool_use';
  }
  return answer;
}

/** The ConverseStream events [{ event, payload }] for a request (fixture events, tool block inserted when tools are offered). */
export function converseStreamEvents(config, fixture, request, cache = null) {
  const events = fixture.events.map((e) => structuredClone(e));
  const tool = toolOf(request);
  if (tool) {
    const use = fixture.toolUse ?? { toolUseId: 't1', input: {} };
    const stop = events.findIndex((e) => e.event === 'messageStop');
    events.splice(
      stop,
      0,
      { event: 'contentBlockStart', payload: { start: { toolUse: { toolUseId: use.toolUseId, name: tool.name } }, contentBlockIndex: 1 } },
      { event: 'contentBlockDelta', payload: { delta: { toolUse: { input: JSON.stringify(use.input ?? {}) } }, contentBlockIndex: 1 } },
      { event: 'contentBlockStop', payload: { contentBlockIndex: 1 } },
    );
    events[stop + 3].payload.stopReason = 'tool_use';
  }
  if (wantsReasoning(request) && fixture.reasoning) withReasoning(events, fixture.reasoning);
  const metadata = events.find((e) => e.event === 'metadata');
  if (metadata) metadata.payload.metrics = { ...metadata.payload.metrics, latencyMs: config.invocationLatencyMs };
  if (metadata && cache) metadata.payload.usage = { ...metadata.payload.usage, cacheReadInputTokens: cache.read, cacheWriteInputTokens: cache.write };
  return events;
}

/** A reasoningContent block (text deltas, then one signature delta) after messageStart; the other blocks move up one index. */
function withReasoning(events, reasoning) {
  for (const e of events) if (typeof e.payload?.contentBlockIndex === 'number') e.payload.contentBlockIndex += 1;
  const delta = (d) => ({ event: 'contentBlockDelta', payload: { delta: { reasoningContent: d }, contentBlockIndex: 0 } });
  events.splice(1, 0, ...reasoning.text.map((text) => delta({ text })), delta({ signature: reasoning.signature }), { event: 'contentBlockStop', payload: { contentBlockIndex: 0 } });
}

/** Event frames of ConverseStream: `:event-type` = the event name, payload = the event JSON. */
export function converseFrames(events) {
  return events.map((e) => eventMessage(e.event, e.payload));
}

// ---------- writing a stream ----------

/** The frames actually sent: the first `afterChunks`, then the injected ending (if any). */
export function applyStreamInjection(frames, controls) {
  const { inject, afterChunks } = controls;
  if (!inject) return { frames, tail: null };
  const head = frames.slice(0, afterChunks);
  const next = frames[Math.min(afterChunks, frames.length - 1)];
  if (STREAM_EXCEPTIONS[inject]) return { frames: [...head, exceptionMessage(inject, STREAM_EXCEPTIONS[inject])], tail: null };
  if (inject === 'error') return { frames: [...head, errorMessage('InternalFailure', 'An internal error occurred while streaming the response.')], tail: null };
  if (inject === 'badCrc') {
    const bad = Buffer.from(next);
    bad[bad.length - 1] ^= 0xff;
    return { frames: [...head, bad], tail: null };
  }
  return { frames: head, tail: next.subarray(0, Math.floor(next.length / 2)) };
}

/** Cut the stream bytes into write pieces per the chunking mode. */
export function pieces(frames, tail, controls) {
  const all = tail ? [...frames, tail] : frames;
  if (controls.chunking === 'frames') return all;
  const bytes = Buffer.concat(all);
  const out = [];
  if (controls.chunking === 'bytes') {
    for (let i = 0; i < bytes.length; i++) out.push(bytes.subarray(i, i + 1));
    return out;
  }
  const random = seededRandom(controls.seed * 7919 + 17);
  for (let i = 0; i < bytes.length; ) {
    const size = 1 + Math.floor(random() * 48);
    out.push(bytes.subarray(i, i + size));
    i += size;
  }
  return out;
}

/**
 * Write a 200 event-stream response piece by piece (yielding to the event loop between writes so the client
 * sees each piece), honouring delayMs; ends the response. Returns { writes, bytes, aborted }.
 */
export async function writeEventStream(res, headers, buffers, controls) {
  res.writeHead(200, headers);
  res.socket?.setNoDelay?.(true);
  res.flushHeaders();
  let closed = false;
  res.once('close', () => {
    closed = true;
  });
  let writes = 0;
  let bytes = 0;
  for (const piece of buffers) {
    if (closed || res.destroyed) return { writes, bytes, aborted: true };
    if (controls.delayMs > 0) await new Promise((r) => setTimeout(r, controls.delayMs));
    else if (controls.chunking !== 'frames' || writes > 0) await new Promise((r) => setImmediate(r));
    if (closed || res.destroyed) return { writes, bytes, aborted: true };
    const ok = res.write(piece);
    writes += 1;
    bytes += piece.length;
    if (!ok) {
      await new Promise((resolvePromise) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolvePromise();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  res.end();
  return { writes, bytes, aborted: false };
}

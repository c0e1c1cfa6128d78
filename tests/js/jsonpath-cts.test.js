// The JSONPath Compliance Test Suite (tests/fixtures/jsonpath-cts, RFC 9535) through the public
// JsonPath API: every valid selector gives the listed nodes and paths, every invalid one throws
// INVALID_JSONPATH. All 703 cases run; a smaller suite fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { JsonPath } from '../../pkg/node.mjs';

const cts = JSON.parse(readFileSync(new URL('../fixtures/jsonpath-cts/cts.json', import.meta.url), 'utf8'));

/** `undefined` when the case passes, else what went wrong. */
const failure = (c) => {
  let path;
  try {
    path = new JsonPath(c.selector);
  } catch (e) {
    if (c.invalid_selector && e.code === 'INVALID_JSONPATH') return undefined;
    return `threw ${e.code ?? e.name}: ${e.message}`;
  }
  if (c.invalid_selector) return 'compiled an invalid selector';
  try {
    const values = path.query(c.document);
    const located = path.queryLocated(c.document);
    const results = c.results ?? [c.result];
    const paths = c.results_paths ?? [c.result_paths];
    const i = results.findIndex((r) => isDeepEqual(values, r));
    if (i < 0) return `query gave ${JSON.stringify(values)}`;
    const got = located.map((n) => n.path);
    if (!paths.some((p) => isDeepEqual(got, p))) return `queryLocated paths ${JSON.stringify(got)}`;
    if (!isDeepEqual(located.map((n) => n.value), values)) return 'queryLocated values differ from query';
    return undefined;
  } finally {
    path.free();
  }
};

const isDeepEqual = (a, b) => {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
};

test('the compliance suite has its 703 cases', () => {
  assert.equal(cts.tests.length, 703);
  assert.equal(cts.tests.filter((c) => c.invalid_selector).length, 247);
});

test('every compliance case passes through JsonPath.query / queryLocated', () => {
  const failed = [];
  for (const c of cts.tests) {
    const why = failure(c);
    if (why !== undefined) failed.push(`${c.name} ${JSON.stringify(c.selector)}: ${why}`);
  }
  assert.deepEqual(failed, []);
});

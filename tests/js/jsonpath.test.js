// JSONPath and OutputMapping robustness through the public API: paths the parser cannot take
// (unfinished escapes, nesting and length limits) are INVALID_JSONPATH with a position, numbers
// come back as JSON.parse gives them, deep documents are typed errors; the instance stays usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonPath, OutputMapping } from '../../pkg/node.mjs';

const MAX_PATH_BYTES = 4096;
const MAX_NESTING = 32;
const MAX_FILTER_NESTING = 6;

const invalidAt = (position) => (e) => e.code === 'INVALID_JSONPATH' && e.field === 'path' && e.message.endsWith(`at position ${position}`);

/** The instance still answers after whatever a test threw at it. */
const stillWorks = () => assert.deepEqual(new JsonPath("$.a[?@.b == 'x'].c").query('{"a": [{"b": "x", "c": 1}]}'), [1]);

test('unfinished and invalid escapes in string literals are INVALID_JSONPATH at the backslash', () => {
  const cases = [
    ["$['\\", 3],
    ["$['a\\", 4],
    ["$[?@=='\\u", 7],
    ['$[?@=="\\uD8', 7],
    ['$["\\uD800', 3],
    ["$['\\u12", 3],
    ["$['\\uD800\\u", 3],
    ["$['\\uD800\\uD", 3],
    ["$['\\uD800\\udc", 3],
    ["$[?@.a=='x' || @.b=='\\u", 21],
    ["$['\\uDC00']", 3],
    ["$['\\uD800\\u0041']", 3],
    ["$['\\x']", 3],
  ];
  for (const [path, position] of cases) {
    assert.throws(() => new JsonPath(path), invalidAt(position), path);
    stillWorks();
  }
  assert.deepEqual(new JsonPath("$['\\uD83D\\uDE00', '\\u00e9']").query({ '😀': 1, 'é': 2 }), [1, 2]);
  // RFC 9535's ABNF is case-insensitive: lower-case surrogate pairs are paths too.
  assert.deepEqual(new JsonPath('$["\\ud83d\\ude00", "\\uDbFF\\udfff"]').query({ '😀': 1, '\u{10FFFF}': 2 }), [1, 2]);
});

test('every prefix of paths with escapes either compiles or is INVALID_JSONPATH', () => {
  const paths = ["$[?@.a=='\\uD83D\\uDE00\\n\\'' && @[\"\\\"\\u00e9\\/\"]]", "$['\\b\\f\\r\\t\\\\', \"\\uDBFF\\uDFFF\"]"];
  for (const path of paths) {
    for (let end = 0; end <= path.length; end++) {
      try {
        new JsonPath(path.slice(0, end)).free();
      } catch (e) {
        assert.equal(e.code, 'INVALID_JSONPATH', path.slice(0, end));
      }
    }
  }
  stillWorks();
});

test('filters nest at most 6 deep, compiled at the limit; one deeper is refused before parsing', () => {
  const filters = (n) => '$' + '[?@'.repeat(n) + ']'.repeat(n);
  const counts = (n) => '$' + '[?count(@'.repeat(n) + ')==1]'.repeat(n);
  const unions = (n) => '$' + '[?@[1,?@'.repeat(n / 2) + ']'.repeat(n);
  for (const form of [filters, counts, unions]) {
    const atLimit = new JsonPath(form(MAX_FILTER_NESTING));
    assert.equal(atLimit.source, form(MAX_FILTER_NESTING));
    assert.throws(() => new JsonPath(form(MAX_FILTER_NESTING + 2)), (e) => e.code === 'INVALID_JSONPATH' && /filters nest more than 6 deep at position \d+$/.test(e.message) && /filters at most 6 deep/.test(e.hint));
  }
  assert.throws(() => new JsonPath(filters(MAX_FILTER_NESTING + 1)), invalidAt(3 * MAX_FILTER_NESTING + 2));
  assert.deepEqual(new JsonPath('$[?@[?@[?@ == 1]]]').query([[[1]], [[2]], [3]]), [[[1]]]);
  // 26 nested filters did not finish before the limit existed.
  assert.throws(() => new JsonPath(filters(26)), (e) => e.code === 'INVALID_JSONPATH');
  assert.throws(() => new JsonPath(filters(100000)), (e) => e.code === 'INVALID_JSONPATH');
  stillWorks();
});

test('brackets and parentheses nest at most 32 deep; very deep paths are refused, never overflow the stack', () => {
  const parens = (n) => '$[?' + '('.repeat(n) + '@.a' + ')'.repeat(n) + ']';
  assert.deepEqual(new JsonPath(parens(MAX_NESTING - 1)).query([{ a: 1 }, { b: 2 }]), [{ a: 1 }]);
  assert.throws(() => new JsonPath(parens(MAX_NESTING)), invalidAt(2 + MAX_NESTING));
  for (const deep of [parens(100000), '$[?' + '!('.repeat(50000) + '@.a' + ')'.repeat(50000) + ']', '$[?' + 'length('.repeat(20000) + '@.a' + ')'.repeat(20000) + '==1]']) {
    assert.throws(() => new JsonPath(deep), (e) => e.code === 'INVALID_JSONPATH');
    stillWorks();
  }
});

test('at most 2 descendant segments (..) per path, filters included: nodes never multiply per ..', () => {
  let deep = '1';
  for (let i = 0; i < 100; i++) deep = `{"a": ${deep}, "b": 2}`;
  assert.equal(new JsonPath('$..a..b').query(deep).length, 99 * 100 / 2);
  assert.equal(new JsonPath('$..a[?@..b]').query(deep).length, 98); // each a's own a (an object holding b)
  for (const [path, position] of [['$..*..*..*', 7], ['$..*[?@..*[?@..*]]', 13], ['$' + '..*'.repeat(30), 7]]) {
    assert.throws(() => new JsonPath(path), (e) => invalidAt(position)(e) && e.message.includes('more than 2 descendant segments (..)') && e.hint.includes('at most 2 descendant segments'));
  }
  stillWorks();
});

test('paths are at most 4096 bytes', () => {
  const long = (bytes) => '$' + '.a'.repeat((bytes - 1) / 2);
  assert.equal(new JsonPath(long(MAX_PATH_BYTES - 1)).query({ a: 1 }).length, 0);
  assert.throws(() => new JsonPath(long(MAX_PATH_BYTES + 1)), (e) => e.code === 'INVALID_JSONPATH' && e.message.includes(`the path is ${MAX_PATH_BYTES + 1} bytes long; at most ${MAX_PATH_BYTES} at position ${MAX_PATH_BYTES}`) && e.message.length < 400);
  assert.throws(() => new OutputMapping({ outputText: long(MAX_PATH_BYTES + 1) }), (e) => e.code === 'INVALID_JSONPATH' && e.field === 'outputText');
  stillWorks();
});

test('integers beyond 2^53 come back as JSON.parse gives them (string, bytes, plain values, OutputMapping)', () => {
  const body = '{"id": 9007199254740993, "big": [18446744073709551616, 12345678901234567890, -9223372036854775809, -9007199254740993], "n": 9007199254740992, "text": "hi"}';
  const expected = JSON.parse(body);
  for (const input of [body, new TextEncoder().encode(body), new TextEncoder().encode(body).buffer]) {
    assert.deepEqual(new JsonPath('$').query(input), [expected]);
    assert.deepEqual(new JsonPath('$.big[*]').query(input), expected.big);
    assert.deepEqual(new JsonPath('$.id').queryLocated(input), [{ path: "$['id']", value: 9007199254740992 }]);
    assert.deepEqual(new JsonPath('$.text').query(input), ['hi']);
  }
  const mapped = new OutputMapping({ outputText: '$.text', id: '$.id', big: '$.big' }).apply(body);
  assert.equal(mapped.outputText, 'hi');
  assert.equal(mapped.id, 9007199254740992);
  assert.deepEqual(mapped.big, expected.big);
});

test('floats come back exactly as JSON.parse reads them, whatever the path (picked or whole parse)', () => {
  // A seeded set of doubles printed as JS prints them (up to 17 digits) and at other precisions.
  let seed = 20261203;
  const next = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const view = new DataView(new ArrayBuffer(8));
  const texts = ['0.21023422273701597', '-12.446925660518925', '118315.15158991657', '1.7976931348623158e308', '5e-324', '-0', '-0.0', '1e-400'];
  for (let i = 0; i < 3000; i++) {
    view.setUint32(0, Math.floor(next() * 2 ** 32)); view.setUint32(4, Math.floor(next() * 2 ** 32));
    const x = view.getFloat64(0);
    if (Number.isFinite(x)) texts.push(i % 2 ? String(x) : x.toPrecision(1 + (i % 21)));
  }
  const body = `{"xs": [${texts.join(',')}], "one": ${texts[0]}}`;
  const expected = JSON.parse(body).xs;
  const answers = [new JsonPath('$.xs').query(body)[0], new JsonPath('$..xs').query(body)[0], new JsonPath('$.xs[*]').query(body)];
  for (const got of answers) {
    assert.equal(got.length, expected.length);
    got.forEach((x, i) => assert.ok(Object.is(x, expected[i]), `${texts[i]}: ${x} !== ${expected[i]}`));
  }
  const mapped = new OutputMapping({ xs: '$.xs' }).apply(new TextEncoder().encode(body));
  mapped.xs.forEach((x, i) => assert.ok(Object.is(x, expected[i]), texts[i]));
});

test('lone surrogate escapes, which JSON.parse keeps, come back as U+FFFD (as templates insert them)', () => {
  const body = '{"a": "x\\ud800y", "\\udc00": "\\ud83d\\ude00", "b": "\\\\ud800"}';
  assert.deepEqual(new JsonPath('$').query(body), [{ a: 'x\uFFFDy', '\uFFFD': '😀', b: '\\ud800' }]);
  assert.deepEqual(new JsonPath('$.a').query(new TextEncoder().encode(body)), ['x\uFFFDy']);
  assert.deepEqual(new OutputMapping({ outputText: '$.a' }).apply(body).outputText, 'x\uFFFDy');
});

test('members keep their document order, as JSON.parse keeps it (results, wildcards, descendants)', () => {
  const body = '{"zeta": 1, "alpha": {"y": 2, "b": 3}, "mid": [4]}';
  for (const input of [body, new TextEncoder().encode(body), JSON.parse(body)]) {
    const [whole] = new JsonPath('$').query(input);
    assert.deepEqual(Object.keys(whole), ['zeta', 'alpha', 'mid']);
    assert.deepEqual(Object.keys(whole.alpha), ['y', 'b']);
    assert.deepEqual(new JsonPath('$.*').query(input), [1, { y: 2, b: 3 }, [4]]);
    assert.deepEqual(new JsonPath('$..*').query(input).filter((v) => typeof v === 'number'), [1, 2, 3, 4]);
  }
  assert.equal(JSON.stringify(new JsonPath('$').query(body)[0]), JSON.stringify(JSON.parse(body)));
});

test('objects come back as JSON.parse builds them: __proto__ is an own member', () => {
  const body = '{"a": {"__proto__": {"polluted": 1}, "b": 2}}';
  const [a] = new JsonPath('$.a').query(body);
  assert.deepEqual(Object.keys(a), ['__proto__', 'b']);
  assert.equal(Object.getPrototypeOf(a), Object.prototype);
  assert.equal(a.polluted, undefined);
  assert.deepEqual(new JsonPath('$.a.__proto__.polluted').query(body), [1]);
});

test('numbers beyond the double range (1e400) are INVALID_JSON, named and positioned', () => {
  for (const body of ['{"x": 1e400, "t": "a"}', '{"x": -1e400}']) {
    assert.throws(() => new JsonPath('$.t').query(body), (e) => e.code === 'INVALID_JSON' && e.field === 'input' && /number out of range at line 1 column \d+/.test(e.message));
    assert.throws(() => new OutputMapping({ outputText: '$.t' }).apply(body), (e) => e.code === 'INVALID_JSON' && e.field === 'body');
  }
  stillWorks();
});

test('a 100,000-deep document is INVALID_JSON, as text, bytes and a plain value; the instance stays usable', () => {
  const deep = '['.repeat(100000) + ']'.repeat(100000);
  const deepObject = '{"a":'.repeat(100000) + '1' + '}'.repeat(100000);
  for (const path of ['$', '$[0]', '$..*', '$.a', "$[?@[0]]"]) {
    for (const input of [deep, new TextEncoder().encode(deep), deepObject]) {
      assert.throws(() => new JsonPath(path).query(input), (e) => e.code === 'INVALID_JSON' && e.field === 'input', path);
    }
    stillWorks();
  }
  const skipped = `{"a": 1, "b": ${deep}}`;
  assert.throws(() => new OutputMapping({ n: '$.a' }).apply(skipped), (e) => e.code === 'INVALID_JSON' && e.field === 'body');
  let value = [];
  for (let i = 0; i < 100000; i++) value = [value];
  // Deeper than the 128 levels a JSON document may have: a typed error, not a dead instance.
  assert.throws(() => new JsonPath('$').query(value), (e) => e.code === 'INVALID_JSON' && e.field === 'input');
  stillWorks();
});

test('plain values that JSON.stringify refuses are typed errors (cycles, BigInt, throwing toJSON)', () => {
  const cyclic = { a: 1 };
  cyclic.self = cyclic;
  for (const input of [cyclic, { n: 1n }, undefined, () => 1]) {
    assert.throws(() => new JsonPath('$.a').query(input), (e) => e.code === 'INVALID_JSON' && e.field === 'input');
    stillWorks();
  }
  const throwing = { toJSON() { throw new Error('no'); } };
  assert.throws(() => new JsonPath('$.a').query(throwing), (e) => e.code === 'UNREADABLE_INPUT' && e.field === 'input');
  stillWorks();
  assert.deepEqual(new JsonPath('$.d').query({ d: new Date(0) }), ['1970-01-01T00:00:00.000Z']);
});

test('match() and search() know the Unicode general categories (RFC 9485 \\p{…} / \\P{…})', () => {
  const words = ['Hello', 'hello', 'ÉCOLE', 'ǅemal', 'Ⅻ', '٣', '42', '€', 'a b', '😀', ''];
  const q = (path) => new JsonPath(path).query(words);
  assert.deepEqual(q("$[?match(@, '\\\\p{Lu}.*')]"), ['Hello', 'ÉCOLE']);
  assert.deepEqual(q("$[?match(@, '\\\\p{Lu}+')]"), ['ÉCOLE']);
  assert.deepEqual(q("$[?search(@, '\\\\p{Lt}')]"), ['ǅemal']);
  assert.deepEqual(q("$[?match(@, '\\\\p{N}+')]"), ['Ⅻ', '٣', '42']);
  assert.deepEqual(q("$[?match(@, '\\\\p{Nd}+')]"), ['٣', '42']);
  assert.deepEqual(q("$[?match(@, '[\\\\p{Sc}\\\\p{So}]')]"), ['€', '😀']);
  assert.deepEqual(q("$[?search(@, '\\\\p{Zs}')]"), ['a b']);
  assert.deepEqual(q("$[?match(@, '\\\\P{L}+')]"), ['Ⅻ', '٣', '42', '€', '😀']);
  assert.deepEqual(q("$[?match(@, '[^\\\\P{Ll}]+')]"), ['hello']);
  // An unknown category is not a pattern: nothing matches, as for any invalid I-Regexp.
  assert.deepEqual(q("$[?match(@, '\\\\p{Xx}')]"), []);
  assert.deepEqual(q("$[?search(@, '\\\\p{IsBasicLatin}')]"), []);
});

test('OutputMapping: an extra field named __proto__ is a member; a spec whose keys throw is a typed error', () => {
  const m = new OutputMapping(JSON.parse('{"outputText": "$.t", "__proto__": "$.o"}'));
  const out = m.apply('{"t": "x", "o": {"polluted": true}}');
  assert.deepEqual(out.__proto__, { polluted: true });
  assert.ok(Object.hasOwn(out, '__proto__'));
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.equal(out.polluted, undefined);
  const hostile = new Proxy({}, { ownKeys() { throw new Error('no keys'); } });
  for (let i = 0; i < 3000; i++) {
    assert.throws(() => new OutputMapping(hostile), (e) => e.code === 'UNREADABLE_INPUT' && e.field === 'mapping');
  }
  stillWorks();
});

test('comparisons follow RFC 9535: missing values are equal, only numbers and strings are ordered', () => {
  const items = [{ a: 1 }, { a: 1, b: 1 }, { a: true, b: false }, { a: [2], b: [1] }, { a: [1], b: [1.0] }, { a: 'b', b: 'a' }, {}];
  const q = (filter) => new JsonPath(`$[?${filter}]`).query(items);
  assert.deepEqual(q('@.a >= @.b'), [{ a: 1, b: 1 }, { a: [1], b: [1.0] }, { a: 'b', b: 'a' }, {}]);
  assert.deepEqual(q('@.a > @.b'), [{ a: 'b', b: 'a' }]);
  assert.deepEqual(q('@.a <= @.b'), [{ a: 1, b: 1 }, { a: [1], b: [1.0] }, {}]);
  assert.deepEqual(q('@.a == @.b'), [{ a: 1, b: 1 }, { a: [1], b: [1.0] }, {}]);
});

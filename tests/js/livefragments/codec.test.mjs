// Tagged values (protocol.md section 6): encoding what JS sends, decoding what the server sends.
import {test} from 'node:test';
import assert from 'node:assert/strict';

import {encode, decode, modulesIn, parseJsClass, WidgetDescription, moduleURL} from '../../../js/livefragments/codec.js';
import {ProtocolError, RemoteError} from '../../../js/livefragments/errors.js';
import {Widget} from '../../../js/livefragments/widget.js';

const nobody = () => undefined;

test('encode passes JSON through, turns undefined into null and widgets into refs', () => {
  const widget = new Widget(null, 4, [], null);
  assert.deepEqual(encode([1, 'two', true, null, undefined, {a: [1.5, {b: undefined}]}, widget]),
    [1, 'two', true, null, null, {a: [1.5, {b: null}]}, {__lf__: 'ref', id: 4}]);
  const shared = {x: 1};
  assert.deepEqual(encode([shared, shared]), [{x: 1}, {x: 1}], 'a value seen twice is not a cycle');
});

test('encode escapes an object that has its own __lf__ key as a dict', () => {
  assert.deepEqual(encode({__lf__: 'ref', id: 1}), {__lf__: 'dict', value: {__lf__: 'ref', id: 1}});
  assert.deepEqual(encode({inner: {__lf__: 3}}), {inner: {__lf__: 'dict', value: {__lf__: 3}}});
});

test('encode refuses what strict JSON cannot carry, with a sentence saying where', () => {
  const cyclic = {};
  cyclic.self = cyclic;
  for (const [value, pattern] of [
    [NaN, /the value is NaN/],
    [[1, Infinity], /the value\[1\] is Infinity/],
    [{f() {}}, /the value\.f is a function/],
    [Symbol('s'), /symbol/],
    [10n, /bigint/],
    [new Date(0), /is a Date, which cannot be sent/],
    [{m: new Map()}, /the value\.m is a Map/],
    [cyclic, /contains itself/],
  ]) {
    assert.throws(() => encode(value), {name: 'TypeError', message: pattern});
  }
});

test('decode resolves refs, unescapes dicts and keeps plain objects plain', () => {
  const widget = new Widget(null, 2, [], null);
  const byId = (id) => (id === 2 ? widget : undefined);
  assert.equal(decode({__lf__: 'ref', id: 2}, byId), widget);
  assert.deepEqual(decode({__lf__: 'dict', value: {__lf__: 'x', n: [{__lf__: 'ref', id: 2}]}}, byId),
    {__lf__: 'x', n: [widget]});
  assert.deepEqual(decode([{a: {b: [1, null]}}], byId), [{a: {b: [1, null]}}]);
});

test('decode keeps a "__proto__" key as data and never touches prototypes', () => {
  const value = decode(JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'), nobody);
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.keys(value), ['__proto__', 'a']);
  assert.equal(({}).polluted, undefined);
});

test('decode reports a ref to an unknown widget as NoSuchWidget and a bad tag as ProtocolError', () => {
  assert.throws(() => decode({__lf__: 'ref', id: 9}, nobody), (e) => e instanceof RemoteError && e.type === 'NoSuchWidget');
  assert.throws(() => decode({__lf__: 'ref', id: -1}, nobody), ProtocolError);
  assert.throws(() => decode({__lf__: 'dict', value: [1]}, nobody), ProtocolError);
  assert.throws(() => decode({__lf__: 'code', src: 'alert(1)'}, nobody), {name: 'ProtocolError', message: /not one this runtime knows/});
});

test('a widget tag decodes to a WidgetDescription whose children are flattened parents first', () => {
  const tagged = {
    __lf__: 'widget', id: 5, parent: 1, jsClass: 'demo/cell.js:Cell', args: [{__lf__: 'ref', id: 1}],
    markup: '<div data-lf-id="5"></div>', modules: ['/static/v1/demo/cell.js', '/static/v1/demo/out.js'],
    children: [
      {__lf__: 'widget', id: 6, parent: 5, jsClass: 'demo/out.js:Out', args: [],
        children: [{__lf__: 'widget', id: 8, parent: 6, jsClass: 'demo/out.js:Line', args: []}]},
      {__lf__: 'widget', id: 7, parent: 5, jsClass: 'demo/out.js:Out', args: []},
    ],
  };
  const description = decode(tagged, nobody);
  assert.ok(description instanceof WidgetDescription);
  assert.equal(description.id, 5);
  assert.equal(description.parent, 1);
  assert.equal(description.path, 'demo/cell.js');
  assert.equal(description.exportName, 'Cell');
  assert.deepEqual(description.args, [{__lf__: 'ref', id: 1}], 'args stay encoded until hydration');
  assert.deepEqual(description.flatten().map((d) => d.id), [5, 6, 8, 7]);
  assert.deepEqual(description.children.map((d) => d.markup), [null, null, null]);
});

test('a malformed widget description is a ProtocolError', () => {
  const good = {__lf__: 'widget', id: 1, parent: 0, jsClass: 'a.js:A', args: []};
  for (const bad of [
    {...good, id: '1'}, {...good, parent: 'x'}, {...good, args: {}}, {...good, markup: 3},
    {...good, modules: [1]}, {...good, children: {}}, {...good, children: [{id: 2}]}, {...good, jsClass: 'a.js'},
  ]) {
    assert.throws(() => decode(bad, nobody), ProtocolError, JSON.stringify(bad));
  }
});

test('jsClass must name a module below the module root and an export', () => {
  assert.deepEqual(parseJsClass('livefragments/widget.js:Page'), {path: 'livefragments/widget.js', exportName: 'Page'});
  assert.deepEqual(parseJsClass('a-b/c_d.mjs:$E'), {path: 'a-b/c_d.mjs', exportName: '$E'});
  for (const bad of ['../x.js:A', 'a/../x.js:A', 'a/./x.js:A', '/abs.js:A', 'https://evil.example/x.js:A',
    '//evil.example/x.js:A', 'x.js', 'x.js:1A', 'x.css:A', 'x.js:A:B', '', null]) {
    assert.throws(() => parseJsClass(bad), ProtocolError, String(bad));
  }
});

test('modulesIn lists every module a value needs: modules lists and jsClass modules, at any depth', () => {
  const value = ['x', {result: {
    __lf__: 'widget', id: 3, parent: 0, jsClass: 'demo/a.js:A', modules: ['/static/v1/demo/a.js', '/static/v1/demo/b.js'],
    args: [{__lf__: 'widget', id: 4, parent: 3, jsClass: 'demo/c.js:C', args: []}],
  }}];
  assert.deepEqual([...modulesIn(value, '/static/v1/')].sort(),
    ['/static/v1/demo/a.js', '/static/v1/demo/b.js', '/static/v1/demo/c.js']);
  assert.deepEqual([...modulesIn({plain: [1, 2]}, '/static/v1/')], []);
  assert.equal(moduleURL('/static/v1', 'a.js'), '/static/v1/a.js');
});

// Remote calls both ways: call ids, responses, errors, dispatch to widgets, ordering.
import {test} from 'node:test';
import assert from 'node:assert/strict';

import {Rpc, exposedMethod} from '../../../js/livefragments/rpc.js';
import {decode} from '../../../js/livefragments/codec.js';
import {ProtocolError, QueueOverflow, RemoteError} from '../../../js/livefragments/errors.js';
import {Widget, Page} from '../../../js/livefragments/widget.js';
import {settle} from './fakes.mjs';

class Counter extends Widget {
  count = 0;
  increment(by = 1) { this.count += by; return this.count; }
  async later(value) { await null; return value; }
  fail() { throw new RangeError('Too far.'); }
  async failLater() { await null; throw new RemoteError('ValueError', 'Bad value.'); }
  nan() { return NaN; }
  echo(...args) { return args; }
  _secret() { return 'hidden'; }
  get sideEffect() { throw new Error('a getter must never run'); }
}

function setup() {
  const sent = [];
  const reported = [];
  const widgets = new Map();
  const loads = [];
  const host = {
    send: (action, args) => sent.push([action, args]),
    widget: (id) => widgets.get(id),
    decode: (value) => decode(value, (id) => widgets.get(id)),
    missingModules: (value) => (JSON.stringify(value ?? null).includes('needs-module') ? ['/m/x.js'] : []),
    loadModules: (urls) => new Promise((resolve, reject) => loads.push({urls, resolve, reject})),
    reportError: (error) => reported.push(error),
    protocolError: (error) => reported.push(error),
  };
  const rpc = new Rpc(host);
  const counter = new Counter(null, 1, [], host);
  widgets.set(1, counter);
  widgets.set(0, new Page(null, 0, [], {...host, forget: (w) => widgets.delete(w.id)}));
  return {rpc, sent, reported, widgets, loads, counter, host};
}

test('calls get consecutive ids and resolve with the decoded answer', async () => {
  const {rpc, sent, counter} = setup();
  const first = rpc.call(1, 'save', ['x', counter, {__lf__: 1}]);
  const second = rpc.call(1, 'load', []);
  assert.deepEqual(sent, [
    ['call', [0, 1, 'save', ['x', {__lf__: 'ref', id: 1}, {__lf__: 'dict', value: {__lf__: 1}}], {}]],
    ['call', [1, 1, 'load', [], {}]],
  ]);
  rpc.receive([['respond', [1, true, {w: {__lf__: 'ref', id: 1}}]], ['respond', [0, true, null]]]);
  assert.deepEqual(await second, {w: counter});
  assert.equal(await first, null);
  assert.equal(rpc.pendingCount, 0);
});

test('an error answer rejects with a RemoteError carrying type, message and traceback', async () => {
  const {rpc} = setup();
  const promise = rpc.call(1, 'rm', []);
  rpc.receive([['respond', [0, false, {type: 'NoSuchMethod', message: "Widget 1 has no exposed method 'rm'.", traceback: 'tb'}]]]);
  await assert.rejects(promise, (e) => e instanceof RemoteError && e.type === 'NoSuchMethod'
    && e.message === "Widget 1 has no exposed method 'rm'." && e.traceback === 'tb');
});

test('a server bug answers InternalError, whose message (with the error id) is what the page shows', async () => {
  const {rpc} = setup();
  const promise = rpc.call(1, 'save', []);
  const message = 'Counter.save failed on an internal error (error id 1a2b3c4d in the server log).';
  rpc.receive([['respond', [0, false, {type: 'InternalError', message}]]]);
  await assert.rejects(promise, (e) => e instanceof RemoteError && e.type === 'InternalError'
    && e.message === message && String(e) === `RemoteError: ${message}`);
});

test('an answer to no pending call, or a second answer, is a ProtocolError', async () => {
  const {rpc} = setup();
  assert.throws(() => rpc.receive([['respond', [7, true, null]]]), {name: 'ProtocolError', message: /never made/});
  const promise = rpc.call(1, 'x', []);
  assert.throws(() => rpc.receive([['respond', [0, true, 1]], ['respond', [0, true, 2]]]), ProtocolError);
  assert.equal(await promise, 1);
});

test('malformed calls and responses and unknown actions are ProtocolErrors, and nothing of them runs', () => {
  const {rpc, counter} = setup();
  rpc.call(1, 'x', []);
  for (const message of [
    ['call', [0, 1, 'increment', []]],
    ['call', ['0', 1, 'increment', [], {}]],
    ['call', [0, -1, 'increment', [], {}]],
    ['call', [0, 1, 5, [], {}]],
    ['call', [0, 1, 'increment', {}, {}]],
    ['call', [0, 1, 'increment', [], []]],
    ['respond', [0, 'yes', 1]],
    ['respond', [0, false, 'not an error object']],
    ['respond', [0, false, {type: 'X'}]],
    ['eval', ['alert(1)']],
  ]) {
    assert.throws(() => rpc.receive([message]), ProtocolError, JSON.stringify(message));
  }
  assert.equal(counter.count, 0);
});

test('a call from the server runs the widget method with decoded args and answers with the result', async () => {
  const {rpc, sent, counter} = setup();
  rpc.receive([['call', [3, 1, 'increment', [5], {}]], ['call', [null, 1, 'increment', [], {}]]]);
  assert.equal(counter.count, 6);
  assert.deepEqual(sent, [['respond', [3, true, 5]]], 'a call with a null id gets no answer');
  rpc.receive([['call', [4, 1, 'echo', [{__lf__: 'ref', id: 1}, {__lf__: 'dict', value: {__lf__: 'v'}}], {}]]]);
  assert.deepEqual(sent[1], ['respond', [4, true, [{__lf__: 'ref', id: 1}, {__lf__: 'dict', value: {__lf__: 'v'}}]]]);
});

test('an async method is answered when it settles; a thrown error becomes an error object', async () => {
  const {rpc, sent} = setup();
  rpc.receive([
    ['call', [0, 1, 'later', ['v'], {}]],
    ['call', [1, 1, 'fail', [], {}]],
    ['call', [2, 1, 'failLater', [], {}]],
    ['call', [3, 1, 'nan', [], {}]],
  ]);
  await settle();
  assert.deepEqual(sent.sort((a, b) => a[1][0] - b[1][0]), [
    ['respond', [0, true, 'v']],
    ['respond', [1, false, {type: 'RangeError', message: 'Too far.'}]],
    ['respond', [2, false, {type: 'ValueError', message: 'Bad value.'}]],
    ['respond', [3, false, {type: 'TypeError', message: 'the value is NaN, which JSON cannot carry.'}]],
  ]);
});

test('unknown widgets, private or framework methods and getters are refused without running anything', () => {
  const {rpc, sent, counter} = setup();
  const names = ['missing', '_secret', 'constructor', 'callRemote', 'detach', 'loaded', 'detached',
    'toString', 'hasOwnProperty', '__proto__', 'sideEffect', 'count', ''];
  names.forEach((name, index) => rpc.receive([['call', [index, 1, name, [], {}]]]));
  rpc.receive([['call', [99, 42, 'increment', [], {}]]]);
  assert.equal(counter.count, 0);
  assert.deepEqual(sent.map(([, [id, ok, error]]) => [id, ok, error.type]), [
    ...names.map((_, index) => [index, false, 'NoSuchMethod']),
    [99, false, 'NoSuchWidget'],
  ]);
  assert.equal(sent[0][1][2].message, 'Widget 1 (Counter) has no method "missing" that the server may call.');
  assert.equal(exposedMethod(counter, 'increment'), Counter.prototype.increment);
});

test('keyword arguments are refused with BadArguments; a ref to an unknown widget with NoSuchWidget', () => {
  const {rpc, sent, counter} = setup();
  rpc.receive([['call', [0, 1, 'increment', [], {by: 2}]], ['call', [1, 1, 'increment', [{__lf__: 'ref', id: 77}], {}]]]);
  assert.equal(counter.count, 0);
  assert.deepEqual(sent.map(([, [id, ok, error]]) => [id, ok, error.type]), [[0, false, 'BadArguments'], [1, false, 'NoSuchWidget']]);
});

test('a message that needs modules holds back the messages after it until they are loaded', async () => {
  const {rpc, sent, counter, loads} = setup();
  rpc.receive([['call', [0, 1, 'echo', ['needs-module'], {}]], ['call', [1, 1, 'increment', [], {}]]]);
  rpc.receive([['call', [2, 1, 'increment', [], {}]]]);
  assert.equal(counter.count, 0, 'nothing runs before the first message can');
  assert.deepEqual(loads.map((l) => l.urls), [['/m/x.js']]);
  loads[0].resolve();
  await settle();
  assert.equal(counter.count, 2);
  assert.deepEqual(sent.map(([, [id]]) => id), [0, 1, 2]);
});

test('a module that fails to load answers that call with the load error and the rest go on', async () => {
  const {rpc, sent, loads} = setup();
  rpc.receive([['call', [0, 1, 'echo', ['needs-module'], {}]], ['call', [1, 1, 'increment', [], {}]]]);
  loads[0].reject(new TypeError('Failed to fetch dynamically imported module: /m/x.js'));
  await settle();
  assert.deepEqual(sent, [
    ['respond', [0, false, {type: 'TypeError', message: 'Failed to fetch dynamically imported module: /m/x.js'}]],
    ['respond', [1, true, 1]],
  ]);
});

test('failAll rejects pending calls with ConnectionLost, and later calls at once', async () => {
  const {rpc, sent} = setup();
  const pending = rpc.call(1, 'slow', []);
  rpc.failAll('Closed: The server is shutting down.');
  await assert.rejects(pending, (e) => e.type === 'ConnectionLost' && /shutting down/.test(e.message));
  await assert.rejects(rpc.call(1, 'again', []), (e) => e.type === 'ConnectionLost');
  assert.equal(sent.length, 1);
  rpc.receive([['call', [0, 1, 'increment', [], {}]]]);
  assert.equal(sent.length, 1, 'nothing is processed once the connection is gone');
});

test('a call whose arguments cannot be encoded, or cannot be queued, rejects and stays not pending', async () => {
  const {rpc, host} = setup();
  await assert.rejects(rpc.call(1, 'x', [NaN]), TypeError);
  host.send = () => { throw new QueueOverflow('Full.'); };
  await assert.rejects(rpc.call(1, 'x', []), QueueOverflow);
  await assert.rejects(rpc.call(1, '', []), TypeError);
  assert.equal(rpc.pendingCount, 0);
});

test('the page answers detachWidget by detaching the widget and its descendants', () => {
  const {rpc, sent, widgets, counter} = setup();
  const host = {...counter.runtime, forget: (w) => widgets.delete(w.id)};
  counter.runtime = host;
  const child = new Counter(null, 2, [], host);
  child.parent = counter;
  counter.children.push(child);
  widgets.set(2, child);
  const events = [];
  counter.detached = () => events.push('parent');
  child.detached = () => events.push('child');
  rpc.receive([['call', [0, 0, 'detachWidget', [1], {}]], ['call', [1, 0, 'detachWidget', [1], {}]], ['call', [2, 0, 'detachWidget', [0], {}]]]);
  assert.deepEqual(events, ['child', 'parent']);
  assert.deepEqual([...widgets.keys()], [0]);
  assert.ok(counter.isDetached && child.isDetached);
  assert.deepEqual(sent.map(([, [id, ok, value]]) => [id, ok, ok ? value : value.type]),
    [[0, true, null], [1, false, 'NoSuchWidget'], [2, false, 'BadArguments']]);
});

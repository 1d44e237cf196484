// js/athena_nb/ot.js against the shared vectors in tests/vectors/ot (tests/unit/test_ot.py runs
// the same vectors through athena_nb/ot.py), plus the sync client's state machine.
// Run: node --test tests/js/   With OT_EXTRA_TRACES=<file> it also replays the traces in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ot from '../../js/athena_nb/ot.js';

const VECTORS = fileURLToPath(new URL('../vectors/ot/', import.meta.url));
const load = (name) => JSON.parse(readFileSync(VECTORS + name, 'utf8'));
const cases = (name) => load(name).cases;
const label = (c, i) => c.name ?? `case ${i}`;

/** Assert that `fn` throws the module's error class named `name`. */
function throwsNamed(fn, name) {
  assert.ok(ot[name].prototype instanceof ot.OperationError, name);
  assert.throws(fn, (e) => e instanceof ot[name] && e.name === name && /^[A-Z].*\.$/.test(e.message));
}

cases('apply.json').forEach((c, i) => test(`apply: ${label(c, i)}`, () => {
  if (c.error) throwsNamed(() => ot.apply(c.text, c.op), c.error);
  else assert.equal(ot.apply(c.text, c.op), c.result);
}));

cases('normalize.json').forEach((c, i) => test(`wire form: ${label(c, i)}`, () => {
  if (c.error) {
    throwsNamed(() => ot.fromJSON(c.op), 'MalformedOperation');
  } else {
    assert.deepEqual(ot.fromJSON(c.op), c.canonical);
    assert.deepEqual(ot.fromJSON(c.canonical), c.canonical);
  }
}));

cases('transform.json').forEach((c, i) => test(`transform: ${label(c, i)}`, () => {
  const [a2, b2] = ot.transform(c.a, c.b);
  assert.deepEqual([a2, b2], [c.a2, c.b2]);
  assert.equal(ot.apply(ot.apply(c.text, c.a), b2), c.result);
  assert.equal(ot.apply(ot.apply(c.text, c.b), a2), c.result);
}));

cases('compose.json').forEach((c, i) => test(`compose: ${label(c, i)}`, () => {
  assert.deepEqual(ot.compose(c.a, c.b), c.ab);
  assert.equal(ot.apply(c.text, c.ab), c.result);
  assert.equal(ot.apply(ot.apply(c.text, c.a), c.b), c.result);
}));

cases('cursor.json').forEach((c, i) => test(`cursor: ${label(c, i)}`, () => {
  if (c.selection) assert.deepEqual(ot.transformSelection(c.selection[0], c.selection[1], c.op), c.result);
  else assert.equal(ot.transformCursor(c.pos, c.op, c.after), c.result);
}));

cases('change.json').forEach((c, i) => test(`opFromChange: ${label(c, i)}`, () => {
  // The vectors give the caret in code points; a textarea gives UTF-16, which is what JS takes.
  const caret = c.cursor === null ? null : c.cursor > ot.cpLength(c.new) ? c.new.length + 9 : ot.codePointToUtf16(c.new, c.cursor);
  const op = ot.opFromChange(c.old, c.new, caret);
  assert.deepEqual(op, c.op);
  assert.equal(ot.apply(c.old, op), c.new);
}));

cases('diff.json').forEach((c, i) => test(`diff: ${label(c, i)}`, () => {
  const op = ot.diff(c.old, c.new);
  assert.deepEqual(op, c.op);
  assert.equal(ot.apply(c.old, op), c.new);
}));

cases('invert.json').forEach((c, i) => test(`invert: ${label(c, i)}`, () => {
  const inverse = ot.invert(c.op, c.text);
  assert.deepEqual(inverse, c.inverse);
  assert.equal(ot.apply(ot.apply(c.text, c.op), inverse), c.text);
}));

cases('document.json').forEach((c, i) => test(`server: ${label(c, i)}`, () => {
  const doc = new ot.TextDocument(c.text, 0, c.historyLimit);
  for (const step of c.steps) {
    if (step.error) {
      const before = JSON.stringify([doc.text, doc.version, doc.history]);
      throwsNamed(() => doc.receive(step.op, step.base, step.site), step.error);
      assert.equal(JSON.stringify([doc.text, doc.version, doc.history]), before, 'a refused op changed nothing');
    } else {
      assert.deepEqual(doc.receive(step.op, step.base, step.site), step.result);
    }
  }
  assert.equal(doc.text, c.final);
}));

/** Replay a recorded session: same server results in order, same final text everywhere. */
function replay(trace) {
  const server = new ot.TextDocument(trace.initial, 0, trace.historyLimit);
  const toServer = {}, toSite = {}, clients = {}, epochs = {}; // a refusal of an op sent before a resync is moot
  for (const s of trace.sites) {
    toServer[s] = [];
    toSite[s] = [];
    epochs[s] = 0;
    clients[s] = new ot.SyncClient({
      text: trace.initial, version: 0, send: (op, base, follows) => toServer[s].push([op, base, follows, epochs[s]]),
    });
  }
  let logged = 0;
  for (const event of trace.events) {
    if ('edit' in event) {
      clients[event.edit].applyLocal(event.op);
    } else if ('flush' in event) {
      clients[event.flush].flush();
    } else if ('toServer' in event) {
      const site = event.toServer;
      const [op, base, follows, epoch] = toServer[site].shift();
      const expected = trace.server[logged++];
      assert.deepEqual([expected.site, expected.base, expected.op, expected.follows ?? 0], [site, base, op, follows]);
      let result;
      try {
        result = server.receive(op, base, site, follows);
      } catch (e) {
        if (!(e instanceof ot.StaleVersion || e instanceof ot.SyncError)) throw e;
        assert.equal(expected.error, e.name);
        toSite[site].push(['resync', server.text, server.version, epoch]);
        continue;
      }
      assert.deepEqual(result, expected.result);
      for (const other of trace.sites) toSite[other].push(other === site ? ['ack', result[1]] : ['op', ...result]);
    } else {
      const site = event.toSite;
      const [kind, ...args] = toSite[site].shift();
      const client = clients[site];
      if (kind === 'ack') client.acknowledge(...args);
      else if (kind === 'op') client.applyRemote(...args);
      else if (args.pop() === epochs[site]) {
        epochs[site] += 1;
        client.resync(...args);
      }
    }
  }
  assert.equal(logged, trace.server.length);
  assert.deepEqual([server.text, server.version], [trace.final, trace.finalVersion]);
  for (const client of Object.values(clients)) {
    assert.deepEqual([client.text, client.state], [trace.final, ot.SyncState.SYNCHRONIZED]);
  }
}

for (const trace of load('traces.json').traces) test(`trace: ${trace.name}`, () => replay(trace));

if (process.env.OT_EXTRA_TRACES) {
  const extra = JSON.parse(readFileSync(process.env.OT_EXTRA_TRACES, 'utf8')).traces;
  test(`replays ${extra.length} extra traces`, () => {
    for (const trace of extra) replay(trace);
  });
}

// -- code points and UTF-16 --------------------------------------------------------------

test('code point positions convert to and from UTF-16 indexes', () => {
  const text = 'a😀b👨‍👩‍👧';
  assert.equal(ot.cpLength(text), 8);
  assert.deepEqual([0, 1, 2, 3, 4, 8].map((p) => ot.codePointToUtf16(text, p)), [0, 1, 3, 4, 6, text.length]);
  assert.deepEqual([0, 1, 3, 4].map((i) => ot.utf16ToCodePoint(text, i)), [0, 1, 2, 3]);
  assert.equal(ot.utf16ToCodePoint(text, 2), 1, 'inside a pair counts as its start');
  assert.equal(ot.cpLength('\ud83d'), 1, 'a lone surrogate is one code point, as in Python');
});

// -- the sync client ----------------------------------------------------------------------

function recorder() {
  const sent = [];
  const send = (op, base, follows) => sent.push(follows ? [op, base, follows] : [op, base]);
  return { sent, send };
}

test('the client sends one op at a time and buffers the rest', () => {
  const { sent, send } = recorder();
  const client = new ot.SyncClient({ text: '', version: 0, send });
  client.applyLocal(ot.insert(0, 'a'));
  assert.equal(client.state, 'awaitingConfirm');
  client.applyLocal(ot.insert(1, 'b'));
  client.applyLocal(ot.insert(2, '😀'));
  assert.equal(client.state, 'awaitingWithBuffer');
  assert.deepEqual(sent, [[[{ at: 0, insert: 'a' }], 0]]);
  client.acknowledge(1);
  assert.deepEqual(sent[1], [[{ at: 1, insert: 'b😀' }], 1]);
  client.acknowledge(2);
  assert.equal(client.state, 'synchronized');
  assert.deepEqual([client.text, client.confirmedText, client.version], ['ab😀', 'ab😀', 2]);
});

test('the client transforms remote ops past its pending ones', () => {
  const { sent, send } = recorder();
  const client = new ot.SyncClient({ text: 'xy', version: 0, send });
  client.applyLocal(ot.insert(1, 'A'));
  client.applyLocal(ot.insert(2, 'B'));
  assert.deepEqual(client.applyRemote(ot.insert(0, '<'), 1), ot.insert(0, '<'));
  assert.deepEqual(client.applyRemote(ot.insert(3, '>'), 2), ot.insert(5, '>'));
  assert.equal(client.text, '<xABy>');
  client.acknowledge(3);
  assert.deepEqual(sent.at(-1), [[{ at: 3, insert: 'B' }], 3]);
});

test('flush sends the buffer behind the unanswered op, and the server catches it up', () => {
  const { sent, send } = recorder();
  const client = new ot.SyncClient({ text: 'xy', version: 0, send });
  const server = new ot.TextDocument('xy');
  client.applyLocal(ot.insert(1, 'A'));
  client.applyLocal(ot.insert(2, 'B'));
  server.receive(ot.insert(0, '<'), 0, 'other');
  client.flush();
  assert.equal(client.state, 'awaitingConfirm');
  assert.deepEqual(sent, [[[{ at: 1, insert: 'A' }], 0], [[{ at: 2, insert: 'B' }], 0, 1]]);
  assert.deepEqual(server.receive(sent[0][0], 0, 'me'), [ot.insert(2, 'A'), 2]);
  assert.deepEqual(server.receive(sent[1][0], 0, 'me', 1), [ot.insert(3, 'B'), 3]);
  assert.equal(server.text, '<xABy');
  client.applyRemote(ot.insert(0, '<'), 1);
  client.acknowledge(2);
  assert.equal(client.state, 'awaitingConfirm');
  client.acknowledge(3);
  assert.deepEqual([client.state, client.text, client.confirmedText], ['synchronized', '<xABy', '<xABy']);
  client.flush();
  assert.equal(sent.length, 2);
});

test('the server refuses an op that names the wrong unanswered ops', () => {
  const doc = new ot.TextDocument('ab');
  doc.receive(ot.insert(0, '1'), 0, 'me');
  for (const [base, follows] of [[0, 0], [0, 2], [1, 1], [0, 101], [0, -1]]) {
    throwsNamed(() => doc.receive(ot.insert(0, '2'), base, 'me', follows), 'SyncError');
    assert.deepEqual([doc.text, doc.version], ['1ab', 1]);
  }
  throwsNamed(() => doc.receive(ot.insert(0, '2'), 0, 'stranger', 1), 'SyncError');
  assert.deepEqual(doc.receive(ot.insert(1, '2'), 0, 'me', 1), [ot.insert(1, '2'), 2]);
  assert.deepEqual(doc.receive(ot.insert(3, '3'), 1, 'me', 1), [ot.insert(3, '3'), 3]);
  assert.equal(doc.text, '12a3b');
});

test('the client refuses messages out of order', () => {
  const client = new ot.SyncClient({ text: '', version: 0, send: () => {} });
  throwsNamed(() => client.acknowledge(1), 'SyncError');
  throwsNamed(() => client.applyRemote(ot.insert(0, 'x'), 2), 'SyncError');
  client.applyRemote(ot.insert(0, 'x'), 1);
  throwsNamed(() => client.applyRemote(ot.insert(0, 'x'), 1), 'SyncError');
  throwsNamed(() => client.applyRemote([{ at: 0 }], 2), 'MalformedOperation');
  assert.deepEqual([client.text, client.version], ['x', 1]);
});

test('resync rebases pending edits onto the server text', () => {
  const { sent, send } = recorder();
  const client = new ot.SyncClient({ text: 'hello', version: 0, send });
  client.applyLocal(ot.insert(5, ' world'));
  client.applyLocal(ot.insert(0, '> '));
  const shown = client.resync('Hello!', 7);
  assert.equal(client.text, '> Hello world!');
  assert.equal(ot.apply('> hello world', shown), client.text);
  assert.deepEqual([client.state, client.version], ['awaitingConfirm', 7]);
  assert.deepEqual([ot.apply('Hello!', sent.at(-1)[0]), sent.at(-1)[1]], [client.text, 7]);
});

test('localChange turns a textarea edit into an op, with UTF-16 carets', () => {
  const { sent, send } = recorder();
  const client = new ot.SyncClient({ text: '😀😀', version: 0, send });
  // typing a third emoji between the two: the caret (UTF-16) is after the new one
  const op = client.localChange('😀😀😀', 4);
  assert.deepEqual(op, [{ at: 1, insert: '😀' }]);
  assert.deepEqual(sent, [[op, 0]]);
  assert.deepEqual(client.localChange('😀😀😀', 4), [], 'no change, no op');
  assert.equal(client.state, 'awaitingConfirm');
});

test('the server keeps a bounded history and serves catch-up from it', () => {
  const doc = new ot.TextDocument('', 0, 3);
  for (let i = 0; i < 5; i++) doc.receive(ot.insert(i, String(i)), i, `s${i}`);
  assert.deepEqual([doc.text, doc.version, doc.oldestVersion, doc.history.length], ['01234', 5, 2, 3]);
  assert.deepEqual(doc.opsSince(2).map((e) => e.version), [3, 4, 5]);
  throwsNamed(() => doc.opsSince(1), 'StaleVersion');
  throwsNamed(() => doc.opsSince(6), 'UnknownVersion');
});

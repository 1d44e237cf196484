// js/athena_nb/editor/celltext.js (when edits travel, saved state, resync) with the DOM-free
// harness: a CodeMirror EditorState bound as editor.js binds it, and a fake hub made of the real
// TextDocument. Chromium covers the real editor (tests/browser/test_notebook_editor.py).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {FakeHub, Site, flush} from './harness.mjs';

test('an edit is sent at once when none of ours is waiting for its answer', async () => {
  const hub = new FakeHub('x = 1');
  const ann = new Site(hub, 'ann');
  ann.select(5);
  ann.type('0');
  assert.equal(hub.pending.length, 1, 'no delay');
  assert.deepEqual(hub.pending[0].op, [{at: 5, insert: '0'}]);
  assert.deepEqual(ann.states, ['saving']);
  hub.deliver();
  await flush();
  assert.deepEqual(ann.states, ['saving', 'saved']);
  ann.type('0');
  assert.equal(hub.pending.length, 1, 'the next one goes at once too');
  hub.deliver();
  assert.equal(hub.doc.text, 'x = 100');
});

test('keystrokes made while one is in flight compose and go together when it is answered', () => {
  const hub = new FakeHub('');
  const ann = new Site(hub, 'ann');
  ann.type('print(1)');
  assert.equal(hub.log.length, 1, 'the first keystroke is in flight, the rest wait');
  hub.deliver(1);
  assert.equal(hub.log.length, 2, 'the answer sends the rest at once, as one edit');
  assert.deepEqual(hub.log[1].op, [{at: 1, insert: 'rint(1)'}]);
  ann.type('+2');
  assert.equal(hub.log.length, 2);
  hub.deliver(1);
  assert.deepEqual(hub.log[2].op, [{at: 8, insert: '+2'}]);
  hub.deliver();
  assert.equal(hub.doc.text, 'print(1)+2');
  assert.equal(hub.log.length, 3, '10 keys, 3 edit calls: one per round trip');
  assert.equal(ann.cell.sent, 3);
});

test('whenSent: a run goes right behind the edits not yet sent, before any answer', async () => {
  const hub = new FakeHub('');
  const ann = new Site(hub, 'ann');
  const bob = new Site(hub, 'bob');
  const run = () => ann.cell.whenSent().then(() => hub.log.push({call: 'run', text: hub.doc.text}));
  ann.type('2');
  run();
  await flush();
  assert.deepEqual(hub.log.map((c) => c.call), ['edit', 'run'],
    'with only one edit in flight the run goes at once, behind it');
  hub.deliver();
  hub.log.length = 0;
  ann.type('+2');
  bob.select(0);
  bob.type('x=');
  run();
  await flush();
  assert.deepEqual(hub.log.map((c) => [c.name, c.call, c.follows]),
    [['ann', 'edit', 0], ['bob', 'edit', 0], ['ann', 'edit', 1], [undefined, 'run', undefined]],
    'the buffer ("2") goes at once, marked as following the edit in flight, and the run behind it');
  hub.deliver(); // bob's edit was sequenced between ann's two: the second is caught up past it
  await flush();
  assert.equal(hub.doc.text, 'x=2+2');
  assert.deepEqual([ann.text, bob.text], ['x=2+2', 'x=2+2']);
  assert.deepEqual(ann.states.at(-1), 'saved');
});

test('behindEdits makes the call in the same task, right behind the buffer it sends', () => {
  const hub = new FakeHub('');
  const ann = new Site(hub, 'ann');
  ann.type('1+1');
  /** @type {string[][]} */
  const seen = [];
  ann.cell.behindEdits(async () => seen.push(hub.log.map((c) => c.call)));
  assert.deepEqual(seen, [['edit', 'edit']],
    'no promise callback was waited for: the buffer ("+1") went, then the call at once');
  assert.deepEqual(hub.log[1].op, [{at: 1, insert: '+1'}]);
});

test('a refusal of an edit sent before the text started again is moot', async () => {
  const hub = new FakeHub('ab');
  const ann = new Site(hub, 'ann');
  ann.select(2);
  ann.type('c');
  ann.type('d');
  ann.cell.whenSent();
  hub.pending[0].follows = 3; // the first edit is refused (it names edits the hub never had)...
  hub.deliver(1);
  await flush();
  hub.deliver(); // ...so the one chained to it is refused too, while the text starts again
  await flush();
  await flush();
  hub.deliver();
  await flush();
  assert.deepEqual([hub.doc.text, ann.text], ['abcd', 'abcd']);
  assert.equal(ann.cell.starts, 1, 'one start for both refusals');
  assert.deepEqual(ann.states.at(-1), 'saved');
});

test('whenSynced resolves on the acknowledgement of everything', async () => {
  const hub = new FakeHub('');
  const ann = new Site(hub, 'ann');
  ann.type('ab');
  let synced = false;
  ann.cell.whenSynced().then(() => { synced = true; });
  hub.deliver(1);
  await flush();
  assert.equal(synced, false);
  hub.deliver();
  await flush();
  assert.equal(synced, true);
});

test('remote ops keep the selection with its text', () => {
  const hub = new FakeHub('hello world');
  const ann = new Site(hub, 'ann');
  const bob = new Site(hub, 'bob');
  bob.select(11, 6); // "world", selected backwards
  ann.select(0);
  ann.type('oh, ');
  hub.deliver();
  hub.deliver();
  assert.equal(bob.text, 'oh, hello world');
  assert.deepEqual(bob.selection, [15, 10]);
});

test('code points: an insert after an emoji is one position on the wire, two in UTF-16', () => {
  const hub = new FakeHub('😀😀');
  const ann = new Site(hub, 'ann');
  const bob = new Site(hub, 'bob');
  ann.select(2);
  ann.type('x');
  assert.deepEqual(hub.pending[0].op, [{at: 1, insert: 'x'}]);
  hub.deliver();
  assert.equal(bob.text, '😀x😀');
});

test('concurrent typing converges and each caret stays with its own text', () => {
  const hub = new FakeHub('[]');
  const ann = new Site(hub, 'ann');
  const bob = new Site(hub, 'bob');
  ann.select(1);
  bob.select(2);
  for (let n = 0; n < 6; n++) {
    ann.type(String(n));
    bob.type(String.fromCharCode(97 + n));
    if (n % 2) hub.deliver();
  }
  for (let i = 0; i < 5; i++) hub.deliver();
  assert.equal(hub.doc.text, '[012345]abcdef');
  assert.equal(ann.text, hub.doc.text);
  assert.equal(bob.text, hub.doc.text);
  assert.deepEqual(ann.selection, [7, 7], "Ann's caret after her own text");
  assert.deepEqual(bob.selection, [14, 14]);
});

test('undo undoes only the own typing, after remote edits, and redo brings it back', () => {
  let now = 0;
  const hub = new FakeHub('');
  const ann = new Site(hub, 'ann', {now: () => now});
  const bob = new Site(hub, 'bob', {now: () => now});
  ann.type('mine');
  hub.deliver();
  bob.select(0);
  now = 5000;
  bob.type('theirs ');
  hub.deliver();
  hub.deliver();
  assert.equal(ann.text, 'theirs mine');
  assert.ok(ann.undo());
  hub.deliver();
  assert.equal(hub.doc.text, 'theirs ');
  assert.equal(bob.text, 'theirs ');
  assert.ok(ann.redo());
  hub.deliver();
  assert.equal(hub.doc.text, 'theirs mine');
  assert.equal(bob.text, 'theirs mine');
});

test('StaleVersion makes the cell fetch the text and send its edit again', async () => {
  const hub = new FakeHub('abc');
  hub.doc.historyLimit = 1;
  const ann = new Site(hub, 'ann');
  const bob = new Site(hub, 'bob');
  hub.sites.delete('bob'); // Bob hears nothing: he falls behind
  ann.select(0);
  ann.type('1');
  hub.deliver();
  ann.type('2');
  hub.deliver();
  bob.select(3);
  bob.type('Z');
  hub.deliver(); // refused: base 0 is older than the kept history
  hub.connect('bob', bob); // back in touch from here on
  await flush();
  await flush();
  hub.deliver();
  await flush();
  assert.equal(hub.doc.text, '12abcZ');
  assert.equal(bob.text, '12abcZ');
  assert.equal(bob.cell.state, 'saved');
});

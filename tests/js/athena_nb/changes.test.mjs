// js/athena_nb/editor/changes.js: CodeMirror changes (UTF-16, against the old document) to OT
// operations (code points, sequential) and back, on texts with astral characters.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {ChangeSet, EditorState} from '@codemirror/state';
import {changesFromOp, opFromChanges, ownOp, remoteTransaction} from '../../../js/athena_nb/editor/changes.js';
import {apply} from '../../../js/athena_nb/ot.js';

const TEXTS = ['', 'abc', '😀a😀b', 'x = [1..9]\n2^3\n', '👨‍👩‍👧 ok 𠀀'];

function random(seed) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

/** A random change set on `text` whose ranges never split a surrogate pair. */
function randomChanges(text, rnd) {
  const bounds = [0];
  for (let i = 0; i < text.length;) {
    i += text.codePointAt(i) > 0xffff ? 2 : 1;
    bounds.push(i);
  }
  const specs = [];
  let at = 0;
  const pieces = ['x', '😀', 'ab', '\n', '𠀀y'];
  for (let n = Math.floor(rnd() * 4); n >= 0; n--) {
    const from = bounds.filter((b) => b >= at)[Math.floor(rnd() * 3)];
    if (from === undefined) break;
    const to = bounds.filter((b) => b >= from)[Math.floor(rnd() * 3)] ?? from;
    const insert = rnd() < 0.6 ? pieces[Math.floor(rnd() * pieces.length)] : '';
    specs.push({from, to, insert});
    at = to + 1;
  }
  return ChangeSet.of(specs, text.length);
}

test('opFromChanges has the effect of the changes, in code points', () => {
  const rnd = random(7);
  for (const text of TEXTS) {
    for (let i = 0; i < 200; i++) {
      const changes = randomChanges(text, rnd);
      const after = changes.apply(EditorState.create({doc: text}).doc).toString();
      assert.equal(apply(text, opFromChanges(changes, text, after)), after);
    }
  }
});

test('changesFromOp, applied in order, has the effect of the op', () => {
  const rnd = random(11);
  for (const text of TEXTS) {
    for (let i = 0; i < 200; i++) {
      const changes = randomChanges(text, rnd);
      const after = changes.apply(EditorState.create({doc: text}).doc).toString();
      const op = opFromChanges(changes, text, after);
      const state = EditorState.create({doc: text});
      const tr = state.update(remoteTransaction(state, op));
      assert.equal(tr.newDoc.toString(), after);
      assert.equal(ownOp(tr), null, "the hub's op is not ours again");
      let value = text;
      for (const c of changesFromOp(text, op)) value = value.slice(0, c.from) + c.insert + value.slice(c.to);
      assert.equal(value, after);
    }
  }
});

test('a replacement across an emoji is a delete and an insert at one code point', () => {
  const changes = ChangeSet.of([{from: 1, to: 3, insert: 'Z'}], 4);
  assert.deepEqual(opFromChanges(changes, 'a😀b', 'aZb'), [{at: 1, delete: 1}, {at: 1, insert: 'Z'}]);
});

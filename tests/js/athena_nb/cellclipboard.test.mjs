// The cells kept for a paste (js/athena_nb/cellclipboard.js), with a storage of the test's own.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {copiedCells, copyCells} from '../../../js/athena_nb/cellclipboard.js';

/** A Map-backed Storage; `full` makes it refuse writes, as a full quota does. */
function storage({full = false} = {}) {
  const items = new Map();
  return {
    getItem: (key) => (items.has(key) ? items.get(key) : null),
    setItem: (key, value) => {
      if (full) throw new Error('QuotaExceededError');
      items.set(key, String(value));
    },
    items,
  };
}

test('copied cells paste back in their order, kind and text only', () => {
  globalThis.localStorage = storage();
  assert.deepEqual(copiedCells(), []);
  assert.ok(copyCells([{kind: 'text', text: '# A', extra: 1}, {kind: 'code', text: 'x = 1'}]));
  assert.deepEqual(copiedCells(), [{kind: 'text', text: '# A'}, {kind: 'code', text: 'x = 1'}]);
});

test('what the storage holds that is not cells pastes nothing of it', () => {
  globalThis.localStorage = storage();
  const [key] = (copyCells([]), [...globalThis.localStorage.items.keys()]);
  for (const kept of ['{not json', '"text"', '{"kind": "code"}']) {
    globalThis.localStorage.setItem(key, kept);
    assert.deepEqual(copiedCells(), []);
  }
  globalThis.localStorage.setItem(key, '[{"kind": "raw", "text": "x"}, {"kind": "code", "text": 3}, {"kind": "code", "text": "ok"}, null]');
  assert.deepEqual(copiedCells(), [{kind: 'code', text: 'ok'}]);
});

test('a browser that keeps nothing says so', () => {
  globalThis.localStorage = storage({full: true});
  assert.equal(copyCells([{kind: 'code', text: 'x'}]), false);
  delete globalThis.localStorage;
  assert.equal(copyCells([{kind: 'code', text: 'x'}]), false);
  assert.deepEqual(copiedCells(), []);
});

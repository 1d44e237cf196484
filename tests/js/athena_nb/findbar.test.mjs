// Where a text is in a worksheet's cells (js/athena_nb/findbar.js findAll).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {findAll} from '../../../js/athena_nb/findbar.js';

test('every match in every cell, in order, case aside unless asked', () => {
  const texts = ['x = 1\nX + x', '', 'print(x)'];
  assert.deepEqual(findAll(texts, 'x', false), [
    {cell: 0, from: 0, to: 1}, {cell: 0, from: 6, to: 7}, {cell: 0, from: 10, to: 11},
    {cell: 2, from: 6, to: 7}]);
  assert.deepEqual(findAll(texts, 'X', true), [{cell: 0, from: 6, to: 7}]);
  assert.deepEqual(findAll(texts, '', false), []);
});

test('matches do not overlap, and offsets are UTF-16 as the editor counts', () => {
  assert.deepEqual(findAll(['aaaa'], 'aa', false).map((m) => m.from), [0, 2]);
  assert.deepEqual(findAll(['𝔽 = GF(2); 𝔽'], '𝔽', false).map((m) => [m.from, m.to]), [[0, 2], [12, 14]]);
});

test('a cell whose lower case changes its length is searched as it is', () => {
  // 'İ'.toLowerCase() is two UTF-16 units: the offsets of a lower-cased copy would be wrong.
  assert.deepEqual(findAll(['İstanbul x', 'x'], 'x', false), [{cell: 0, from: 9, to: 10}, {cell: 1, from: 0, to: 1}]);
});

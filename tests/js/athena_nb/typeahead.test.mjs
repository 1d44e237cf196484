// js/athena_nb/typeahead.js: the keys typed while the next cell is on its way.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {takeKey} from '../../../js/athena_nb/typeahead.js';

/** @param {Array<string|object>} keys */
function typed(keys) {
  const cells = [{text: '', run: null}];
  const taken = keys.map((k) => takeKey(cells, typeof k === 'string' ? {key: k} : k));
  return {cells, taken};
}

test('characters, Enter, Tab and Backspace make the new cell\'s text', () => {
  const {cells, taken} = typed(['a', '2', ' ', '=', 'Backspace', '=', ' ', '2', 'Enter', 'Tab', 'é', '😀']);
  assert.deepEqual(cells, [{text: 'a2 = 2\n    é😀', run: null}]);
  assert.ok(taken.every(Boolean));
});

test('a Backspace with nothing typed yet is kept from the cell just run', () => {
  const {cells, taken} = typed(['Backspace', 'x', 'Backspace', 'Backspace']);
  assert.deepEqual(cells, [{text: '', run: null}]);
  assert.deepEqual(taken, [true, true, true, true]);
});

test('a run key ends a cell: what follows is for the next one', () => {
  const {cells} = typed(['a', {key: 'Enter', shiftKey: true}, 'b', {key: 'Enter', ctrlKey: true}, 'c']);
  assert.deepEqual(cells, [{text: 'a', run: 'advance'}, {text: 'b', run: 'stay'}, {text: 'c', run: null}]);
});

test('arrows, Escape and shortcuts are not taken: they go where they would have gone', () => {
  const {cells, taken} = typed(['ArrowUp', 'Escape', {key: 'z', ctrlKey: true}, {key: 'a', altKey: true}, 'Shift']);
  assert.deepEqual(taken, [false, false, false, false, false]);
  assert.deepEqual(cells, [{text: '', run: null}]);
});

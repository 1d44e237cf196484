// js/athena_nb/cellselection.js with plain objects for cells: a selection runs from its anchor
// to its head in the worksheet's order (either way), is every cell after `all`, marks only
// the cells in it and only when there are several, keeps its first anchor as it is extended,
// and follows the worksheet as it is now (a cell added in the range is in it; a range whose
// end left falls back to the one cell).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {CellSelection} from '../../../js/athena_nb/cellselection.js';

function worksheet(count) {
  const cells = Array.from({length: count}, (_, i) => ({name: `c${i}`, node: {dataset: {}}}));
  const selection = new CellSelection(() => cells);
  const marked = () => cells.filter((c) => c.node.dataset.selected === 'true').map((c) => c.name);
  const names = (list) => list.map((c) => c.name);
  return {cells, selection, marked, names};
}

test('a selection runs from its anchor to its head, either way, and marks those cells', () => {
  const {cells, selection, marked, names} = worksheet(6);
  assert.deepEqual(names(selection.of(cells[2])), ['c2']);
  assert.deepEqual(marked(), []);
  selection.extend(cells[2], cells[3]);
  selection.extend(cells[3], cells[4]); // the anchor stays where it was first
  assert.deepEqual(names(selection.of(cells[4])), ['c2', 'c3', 'c4']);
  assert.deepEqual(marked(), ['c2', 'c3', 'c4']);
  selection.extend(cells[4], cells[0]); // past the anchor, upwards
  assert.deepEqual(names(selection.of(cells[0])), ['c0', 'c1', 'c2']);
  assert.deepEqual(marked(), ['c0', 'c1', 'c2']);
  selection.extend(cells[0], cells[2]); // back to one cell: nothing is marked
  assert.equal(selection.count(cells[2]), 1);
  assert.deepEqual(marked(), []);
  selection.clear();
  assert.deepEqual(names(selection.of(cells[5])), ['c5']);
});

test('all selects every cell, and clear leaves none marked', () => {
  const {cells, selection, marked} = worksheet(4);
  selection.all(cells[1]);
  assert.equal(selection.count(cells[1]), 4);
  assert.deepEqual(marked(), ['c0', 'c1', 'c2', 'c3']);
  selection.clear();
  assert.deepEqual(marked(), []);
  assert.equal(selection.count(cells[1]), 1);
});

test('the selection is the worksheet as it is now', () => {
  const {cells, selection, names} = worksheet(5);
  selection.extend(cells[1], cells[3]);
  const added = {name: 'new', node: {dataset: {}}};
  cells.splice(2, 0, added); // someone added a cell inside the range
  assert.deepEqual(names(selection.of(cells[4])), ['c1', 'new', 'c2', 'c3']);
  cells.splice(cells.indexOf(selection.anchor), 1); // and deleted where it started
  assert.deepEqual(names(selection.of(cells[0])), ['c0']);
  selection.extend(cells[0], cells[2]); // an anchor gone is not kept
  assert.deepEqual(names(selection.of(cells[2])), ['c0', 'new', 'c2']);
});

// js/athena_nb/unsaved.js: edits not saved when a page ended, kept in the tab's storage and
// made again at the next load, with fake cells (the browser test drives the real page:
// tests/browser/test_notebook_transport.py).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {apply} from '../../../js/athena_nb/ot.js';
import {UnsavedEdits, keepUnsaved, replay, takeUnsaved} from '../../../js/athena_nb/unsaved.js';

class MemoryStorage {
  constructor() {
    /** @type {Map<string, string>} */
    this.map = new Map();
  }
  getItem(key) { return this.map.get(key) ?? null; }
  setItem(key, value) { this.map.set(key, String(value)); }
  removeItem(key) { this.map.delete(key); }
}

/** A cell whose editor records what was made as the person's own edit. */
function fakeCell(cellId, text, unsaved = null) {
  const cell = {cellId, made: [], editor: {text, unsaved,
    applyOwn(op) {
      cell.made.push(op);
      cell.editor.text = apply(cell.editor.text, op);
    }}};
  return cell;
}

/** A page of worksheet "w" over `cells`; `addCell` inserts a new cell with the next id. */
function page(storage, cells, {canEdit = true} = {}) {
  const said = [];
  let next = 100;
  const edits = new UnsavedEdits({worksheetId: 'w', storage: () => storage, cells: () => cells,
    addCell: async (index) => {
      const cell = fakeCell(next++, '');
      cells.splice(index, 0, cell);
      return cell.cellId;
    }, say: (m) => said.push(m), canEdit});
  return {edits, said, cells};
}

const typed = (at, insert) => [{at, insert}];

test('replay: the edits that did not arrive are made again; none when all did', () => {
  const record = {cellId: 1, version: 4, confirmed: 'x = 1', ops: [typed(5, '0'), typed(6, '0')]};
  assert.deepEqual(replay(record, 'x = 1'), {redo: [{at: 5, insert: '00'}]},
    'none arrived: both, composed');
  assert.deepEqual(replay(record, 'x = 10'), {redo: [{at: 6, insert: '0'}]}, 'the first arrived');
  assert.deepEqual(replay(record, 'x = 100'), {redo: []}, 'all arrived');
  assert.deepEqual(replay(record, 'y = 1'), {copy: 'x = 100'}, 'changed otherwise: their text');
});

test('a page that ends keeps each cell\'s unacknowledged edits; the next page makes them again and says so', async () => {
  const storage = new MemoryStorage();
  const before = page(storage, [
    fakeCell(1, 'a = 1'),
    fakeCell(2, 'print(2)', {version: 7, confirmed: 'print()', ops: [typed(6, '2')]}),
  ]);
  before.edits.keep();
  assert.equal(storage.map.size, 1);
  const after = page(storage, [fakeCell(1, 'a = 1'), fakeCell(2, 'print()')]);
  await after.edits.replay();
  assert.deepEqual(after.cells[1].made, [typed(6, '2')]);
  assert.equal(after.cells[1].editor.text, 'print(2)');
  assert.deepEqual(after.said, ['Your unsaved edits to cell 2 were made again.']);
  assert.equal(storage.map.size, 0, 'taken: a third load makes nothing twice');
  await page(storage, [fakeCell(2, 'print(2)')]).edits.replay();
  assert.equal(storage.map.size, 0);
});

test('a cell changed by someone else meanwhile, or deleted, gets the person\'s text in a new cell', async () => {
  const storage = new MemoryStorage();
  keepUnsaved(() => storage, 'w', [
    {cellId: 1, version: 3, confirmed: 'n = 1', ops: [typed(5, '0')]},
    {cellId: 9, version: 2, confirmed: '', ops: [typed(0, 'gone = True')]},
  ]);
  const after = page(storage, [fakeCell(1, 'm = 1'), fakeCell(2, '')]);
  await after.edits.replay();
  assert.deepEqual(after.cells.map((c) => [c.cellId, c.editor.text]),
    [[1, 'm = 1'], [100, 'n = 10'], [2, ''], [101, 'gone = True']],
    'the changed cell is left as it is; the copies are below it and at the end');
  assert.deepEqual(after.said, [
    'Cell 1 changed while your edits to it were unsaved: your version is in cell 2. '
    + 'A cell you were editing was deleted: your unsaved text of it is in cell 4.']);
});

test('a viewer\'s page keeps the records for later and says why nothing was made', async () => {
  const storage = new MemoryStorage();
  keepUnsaved(() => storage, 'w', [{cellId: 1, version: 0, confirmed: '', ops: [typed(0, 'x')]}]);
  const viewer = page(storage, [fakeCell(1, '')], {canEdit: false});
  await viewer.edits.replay();
  assert.deepEqual(viewer.cells[0].made, []);
  assert.match(viewer.said[0], /kept in this tab/);
  viewer.edits.keep(); // the viewer's page ends: it had nothing of its own, and loses nothing
  assert.equal(takeUnsaved(() => storage, 'w').length, 1, 'still kept');
});

test('a record whose new cell is refused stays kept, and the page says so', async () => {
  const storage = new MemoryStorage();
  keepUnsaved(() => storage, 'w', [{cellId: 9, version: 0, confirmed: '', ops: [typed(0, 'lost?')]}]);
  const said = [];
  const edits = new UnsavedEdits({worksheetId: 'w', storage: () => storage,
    cells: () => [fakeCell(1, '')], addCell: async () => undefined, say: (m) => said.push(m),
    canEdit: true});
  await edits.replay();
  assert.match(said[0], /could not be placed/);
  edits.keep();
  assert.deepEqual(takeUnsaved(() => storage, 'w').map((r) => r.cellId), [9]);
});

test('storage that is blocked, full, or holds something else loses nothing on the page', async () => {
  const blocked = () => { throw new Error('SecurityError'); };
  assert.equal(keepUnsaved(blocked, 'w', [{cellId: 1, version: 0, confirmed: '', ops: []}]), false);
  assert.deepEqual(takeUnsaved(blocked, 'w'), []);
  const full = new MemoryStorage();
  full.setItem = () => { throw new Error('QuotaExceededError'); };
  assert.equal(keepUnsaved(() => full, 'w', [{cellId: 1, version: 0, confirmed: '', ops: []}]), false);
  const odd = new MemoryStorage();
  odd.setItem('athena-nb.unsaved.w', '{"not": "a list"}');
  assert.deepEqual(takeUnsaved(() => odd, 'w'), []);
  odd.setItem('athena-nb.unsaved.w', JSON.stringify([{cellId: 1, version: 0, confirmed: 'a', ops: [[{at: 9, insert: 'x'}]]}]));
  const after = page(odd, [fakeCell(1, 'a')]);
  await after.edits.replay();
  assert.deepEqual([after.cells.length, after.said], [1, []], 'an op that fits no text is dropped');
});

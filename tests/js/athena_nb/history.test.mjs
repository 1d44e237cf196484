// js/athena_nb/history.js: while the History panel is open, the slider's range follows the
// versions others make, cheaply (one question at a time, however many changes come), without
// moving the version on screen; closed, it asks nothing.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {FakeDocument} from '../livefragments/fakedom.mjs';

const flush = () => new Promise((resolve) => setImmediate(resolve));

/** A panel over a fake page whose server calls wait until the test answers them. */
async function panel() {
  globalThis.document = /** @type {any} */ (new FakeDocument());
  const {HistoryPanel} = await import('../../../js/athena_nb/history.js');
  const cells = document.createElement('div');
  document.body.append(cells);
  const asked = [];
  const ask = (method, ...args) => new Promise((resolve) => asked.push({method, args, resolve}));
  return {history: new HistoryPanel({cells, ask, canEdit: true, isOwner: true}), asked};
}

const past = (version, last) => ({version, last, time: null, who: 'Carla', change: null,
  title: 'Sheet', cells: [{id: 1, kind: 'code', text: `v${version}`, by: 'Carla', at: null}]});

test('the slider follows new versions with one question at a time, the view staying put', async () => {
  const {history, asked} = await panel();
  history.changed(); // closed: nothing to follow
  assert.equal(asked.length, 0);
  const opened = history.openPanel();
  asked.shift().resolve({last: 3, names: []});
  await flush();
  assert.deepEqual(asked.map((a) => [a.method, ...a.args]), [['historyAt', 3]]);
  asked.shift().resolve(past(3, 3));
  await opened;
  history.slider.value = '2';
  const shown = history.show(2);
  asked.shift().resolve(past(2, 3));
  await shown;
  assert.equal(history.label.textContent, 'Version 2 of 3: Carla, before the history began');
  // Carla types five times: one question; the four changes that came meanwhile, one more.
  for (let i = 0; i < 5; i++) history.changed();
  assert.deepEqual(asked.map((a) => a.method), ['historyInfo']);
  asked.shift().resolve({last: 5, names: []});
  await flush();
  assert.deepEqual(asked.map((a) => a.method), ['historyInfo']);
  assert.equal(history.slider.max, '5');
  asked.shift().resolve({last: 8, names: [{id: 1, version: 7, name: 'exam', who: 'Ann', created: 0, outputs: false}]});
  await flush();
  assert.equal(asked.length, 0, 'quiet once it has the last version');
  assert.equal(history.slider.max, '8');
  assert.equal(history.compare.max, '8');
  assert.equal(history.slider.value, '2');
  assert.equal(history.shown, 2);
  assert.equal(history.label.textContent, 'Version 2 of 8: Carla, before the history began');
  assert.equal(history.view.querySelector('.nb-history-text').textContent, 'v2');
  assert.equal(history.nameList.textContent, 'exam (version 7)');
  history.close();
  history.changed();
  assert.equal(asked.length, 0);
});

test('a restore says which version it brought back', async () => {
  const {history, asked} = await panel();
  const shown = history.show(4);
  asked.shift().resolve({...past(4, 4), time: 0, change: {t: 'restore', version: 1, steps: []}});
  await shown;
  assert.match(history.label.textContent, /^Version 4 of 4: Carla, .*, restoring version 1$/);
  const one = history.show(4);
  asked.shift().resolve({...past(4, 4), time: 0, change: {t: 'restore', version: 1, cell: 1, steps: []}});
  await one;
  assert.match(history.label.textContent, /restoring version 1 of one cell$/);
});

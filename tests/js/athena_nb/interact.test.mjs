// js/athena_nb/interact.js without a DOM: slider labels, and the change queue that keeps one
// change in flight and merges the later ones into the next.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {ChangeQueue, positionLabel} from '../../../js/athena_nb/interact.js';

test('a slider position reads its label, or start + k * step with the decimals sent', () => {
  assert.equal(positionLabel({name: 'n', kind: 'slider', label: 'n', labels: ['0', '1/4']}, 1), '1/4');
  const long = {name: 'x', kind: 'slider', label: 'x', start: 0, step: 0.1, digits: 1};
  assert.equal(positionLabel(long, 3), '0.3');
  assert.equal(positionLabel({...long, step: 3, digits: 0}, 1000), '3000');
});

/** A send whose answers the test gives, in order. */
function server() {
  /** @type {{values: Record<string, unknown>, answer: () => void, fail: () => void}[]} */
  const calls = [];
  const send = (values) => new Promise((resolve, reject) => {
    calls.push({values, answer: () => resolve(1), fail: () => reject(new Error('refused'))});
  });
  return {calls, send};
}

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

test('one change is in flight; those made meanwhile go as one, the latest value of each', async () => {
  const {calls, send} = server();
  let settled = 0;
  const queue = new ChangeQueue(send, () => { settled++; });
  queue.set('n', 1);
  queue.set('n', 2);
  queue.set('n', 3);
  queue.set('on', true);
  assert.deepEqual(calls.map((c) => c.values), [{n: 1}]);
  assert.ok(queue.dirty.has('n') && queue.dirty.has('on'));
  calls[0].answer();
  await turn();
  assert.deepEqual(calls.map((c) => c.values), [{n: 1}, {n: 3, on: true}]);
  assert.equal(settled, 0);
  calls[1].answer();
  await turn();
  assert.equal(calls.length, 2);
  assert.equal(settled, 1, 'settled once nothing is on its way');
  assert.equal(queue.dirty.size, 0);
});

test('a refused change settles too, so the server\'s values are shown again', async () => {
  const {calls, send} = server();
  let settled = 0;
  const queue = new ChangeQueue(send, () => { settled++; });
  queue.set('n', 5);
  calls[0].fail();
  await turn();
  assert.equal(settled, 1);
  assert.equal(queue.dirty.size, 0);
  queue.set('n', 6);
  assert.deepEqual(calls[1].values, {n: 6}, 'the next change goes out');
});

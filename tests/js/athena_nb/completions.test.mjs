// js/athena_nb/completions.js: what Tab does with the kernel's answer (planCompletion).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {commonPrefix, planCompletion} from '../../../js/athena_nb/completions.js';

test('one match replaces the name typed; none is null', () => {
  assert.deepEqual(planCompletion('x = pri', {matches: ['print'], start: 4, end: 7}),
    {start: 4, end: 7, insert: 'print', list: null});
  assert.equal(planCompletion('x = zz', {matches: [], start: 4, end: 6}), null);
});

test('several matches are listed; their common prefix goes in first when it is longer', () => {
  const plan = planCompletion('os.pa', {matches: ['pathsep', 'pardir', 'path', 'path'],
    types: ['instance', 'instance', 'module', 'module'], start: 3, end: 5});
  assert.deepEqual(plan, {start: 3, end: 5, insert: null,
    list: {matches: ['pathsep', 'pardir', 'path'], kinds: ['instance', 'instance', 'module']}});
  assert.equal(planCompletion('os.p', {matches: ['pathsep', 'path'], start: 3, end: 4}).insert, 'path');
  assert.equal(commonPrefix(['abc', 'abd', 'a']), 'a');
});

test('offsets are code points from the kernel, UTF-16 for the editor', () => {
  const plan = planCompletion('𝔸 = sq', {matches: ['sqrt'], start: 4, end: 6});
  assert.deepEqual([plan.start, plan.end], [5, 7]);
});

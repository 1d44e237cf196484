// js/athena_nb/editor/calls.js: the name at the caret, the call the caret is in, `name?`.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {callAt, helpRequest, nameAt} from '../../../js/athena_nb/editor/calls.js';

/** The text with `|` taken out, and where it was. */
function at(marked) {
  const pos = marked.indexOf('|');
  return [marked.slice(0, pos) + marked.slice(pos + 1), pos];
}

test('name? and name?? as a whole cell are help requests', () => {
  assert.deepEqual(helpRequest('len?'), {name: 'len', detail: 0});
  assert.deepEqual(helpRequest('  os.path.join?? \n'), {name: 'os.path.join', detail: 1});
  assert.deepEqual(helpRequest('été?'), {name: 'été', detail: 0});
  for (const text of ['len', 'len???', 'x = len?', 'f()?', '1?', 'len?\nx', '?len', '%gp\nx?']) {
    assert.equal(helpRequest(text), null, text);
  }
});

test('the name at the caret: inside it, right after it, dotted', () => {
  assert.deepEqual(nameAt(...at('x = len|(y)')), {name: 'len', from: 4, to: 7});
  assert.deepEqual(nameAt(...at('os.pa|th.join')), {name: 'os.path', from: 0, to: 7});
  assert.deepEqual(nameAt(...at('print(os.path.jo|)')), {name: 'os.path.jo', from: 6, to: 16});
  assert.deepEqual(nameAt(...at('|sorted')), {name: 'sorted', from: 0, to: 6});
  assert.equal(nameAt(...at('x = |  ')), null);
  assert.equal(nameAt(...at('12|3')), null);
  assert.equal(nameAt(...at('f(1)|')), null);
});

test('the call the caret is in', () => {
  assert.deepEqual(callAt(...at('sorted(|')), {name: 'sorted', open: 6});
  assert.deepEqual(callAt(...at('x = sorted(data, key=len, |')), {name: 'sorted', open: 10});
  assert.deepEqual(callAt(...at('json.dumps(obj, indent=f(2), |')), {name: 'json.dumps', open: 10});
  assert.deepEqual(callAt(...at('json.dumps(obj, indent=f(2|')), {name: 'f', open: 24});
  assert.deepEqual(callAt(...at('print (|')), {name: 'print', open: 6});
  assert.deepEqual(callAt(...at('f(\n  a,\n  |')), {name: 'f', open: 1});
  assert.deepEqual(callAt(...at('f(")", |')), {name: 'f', open: 1});
  assert.deepEqual(callAt(...at("f('''(\n''', |")), {name: 'f', open: 1});
});

test('no call: closed, a definition, a list, a string, a comment, no name', () => {
  for (const marked of ['sorted(x)|', 'def f(|', 'class A(|', 'x = [1, |', 'f(")|', '# f(|',
    '(1 + |', 'f()(|', 'if (|', 'x = 1|', 'f([1, |']) {
    assert.equal(callAt(...at(marked)), null, marked);
  }
});

// js/athena_nb/nearscreen.js with a fake IntersectionObserver: a cell wakes when it comes near
// the screen, sleeps when it goes far, unless the focus is in it (then it sleeps once the focus
// left); a forgotten cell is no longer observed; without observers every cell is woken at once.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {FAR, NEAR, NearScreen} from '../../../js/athena_nb/nearscreen.js';

class FakeObserver {
  static all = [];
  constructor(callback, options) {
    this.callback = callback;
    this.margin = options.rootMargin;
    this.targets = new Set();
    FakeObserver.all.push(this);
  }
  observe(target) { this.targets.add(target); }
  unobserve(target) { this.targets.delete(target); }
  /** @param {object} target @param {boolean} isIntersecting */
  report(target, isIntersecting) { this.callback([{target, isIntersecting}]); }
}

function page() {
  FakeObserver.all = [];
  const document = {activeElement: null, defaultView: {IntersectionObserver: FakeObserver}};
  const screen = new NearScreen(/** @type {any} */ (document));
  const [near, far] = FakeObserver.all;
  return {document, screen, near, far};
}

function cell(name, log) {
  const node = {name, contains: (other) => other === node || other?.parent === node};
  return {node, wake: () => log.push(`wake ${name}`), sleep: () => log.push(`sleep ${name}`)};
}

test('a cell wakes as it comes near and sleeps as it goes far', () => {
  const {screen, near, far} = page();
  assert.equal(near.margin, NEAR);
  assert.equal(far.margin, FAR);
  const log = [];
  const a = cell('a', log);
  screen.watch(a);
  assert.ok(near.targets.has(a.node) && far.targets.has(a.node));
  near.report(a.node, true);
  near.report(a.node, false); // between near and far: nothing happens
  far.report(a.node, false);
  assert.deepEqual(log, ['wake a', 'sleep a']);
});

test('a cell holding the focus stays awake until the focus leaves it', () => {
  const {document, screen, near, far} = page();
  const log = [];
  const a = cell('a', log);
  screen.watch(a);
  near.report(a.node, true);
  document.activeElement = {parent: a.node};
  far.report(a.node, false);
  screen.focusMoved();
  assert.deepEqual(log, ['wake a']);
  document.activeElement = null;
  screen.focusMoved();
  assert.deepEqual(log, ['wake a', 'sleep a']);
  screen.focusMoved();
  assert.deepEqual(log, ['wake a', 'sleep a'], 'once');
});

test('a cell back near before the focus left is no longer held', () => {
  const {document, screen, near, far} = page();
  const log = [];
  const a = cell('a', log);
  screen.watch(a);
  document.activeElement = a.node;
  far.report(a.node, false);
  far.report(a.node, true);
  document.activeElement = null;
  screen.focusMoved();
  assert.deepEqual(log, []);
  void near;
});

test('a forgotten cell is not observed any more', () => {
  const {screen, near, far} = page();
  const log = [];
  const a = cell('a', log);
  screen.watch(a);
  screen.unwatch(a);
  assert.ok(!near.targets.has(a.node) && !far.targets.has(a.node));
  near.report(a.node, true);
  assert.deepEqual(log, []);
});

test('without IntersectionObserver every cell is simply awake', () => {
  const screen = new NearScreen(/** @type {any} */ ({activeElement: null, defaultView: {}}));
  const log = [];
  screen.watch(cell('a', log));
  assert.deepEqual(log, ['wake a']);
});

// js/athena_nb/nearscreen.js with a fake page: cells of a given height stacked in order, a
// scroll position, frames run by hand. A cell wakes when it comes within a screen of the
// screen (those on the screen first, the others a frame later) and sleeps more than three
// screens away, unless the focus is in it (then once it
// left); the cells woken together are all prepared before any wakes; a forgotten cell is no
// longer looked at; focus wakes a cell wherever it is; without
// frames (no screen) every cell is simply awake.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {NearScreen} from '../../../js/athena_nb/nearscreen.js';

/** A page of `count` cells `tall` pixels each, on a screen 100 pixels high. */
function page(count, tall = 50) {
  const frames = [];
  const listeners = {};
  const view = {
    innerHeight: 100,
    scrollY: 0,
    requestAnimationFrame: (f) => frames.push(f),
    addEventListener: (name, f) => { listeners[name] = f; },
  };
  const document = {activeElement: null, defaultView: view};
  const log = [];
  const measured = [];
  const cells = Array.from({length: count}, (_, i) => {
    const node = {
      contains: (other) => other === node,
      getBoundingClientRect: () => {
        measured.push(i);
        return {top: i * tall - view.scrollY, bottom: (i + 1) * tall - view.scrollY};
      },
    };
    return {node, wake: () => log.push(`wake ${i}`), sleep: () => log.push(`sleep ${i}`)};
  });
  const screen = new NearScreen(/** @type {any} */ (document), () => cells);
  const frame = () => {
    while (frames.length) frames.shift()();
  };
  const scroll = (y) => {
    view.scrollY = y;
    listeners.scroll();
    frame();
  };
  return {document, screen, cells, log, measured, frame, scroll};
}

test('the cells within a screen of the screen wake; far ones sleep', () => {
  const {screen, cells, log, frame, scroll} = page(1000);
  for (const cell of cells) screen.watch(cell);
  frame();
  // The screen shows 0..100; a screen below it reaches 200: cells 0 to 4 (the one at 200 too).
  assert.deepEqual(log, ['wake 0', 'wake 1', 'wake 2', 'wake 3', 'wake 4']);
  log.length = 0;
  scroll(150); // 50..350 near: cells 1..7; none is far yet
  assert.deepEqual(log, ['wake 5', 'wake 6', 'wake 7']);
  log.length = 0;
  scroll(10_000); // far from every cell woken so far
  assert.deepEqual(log.filter((l) => l.startsWith('sleep')),
    ['sleep 0', 'sleep 1', 'sleep 2', 'sleep 3', 'sleep 4', 'sleep 5', 'sleep 6', 'sleep 7']);
  assert.deepEqual(log.filter((l) => l.startsWith('wake')),
    ['wake 200', 'wake 201', // on the screen: first
      'wake 197', 'wake 198', 'wake 199', 'wake 202', 'wake 203', 'wake 204']); // a frame later
});

test('a look measures a few dozen cells, not all of them', () => {
  const {screen, cells, measured, frame, scroll} = page(2000);
  for (const cell of cells) screen.watch(cell);
  frame();
  measured.length = 0;
  scroll(50_000); // two looks: the cells on the screen wake, then the others near it
  assert.ok(measured.length < 80, `${measured.length} cells measured`);
});

test('a cell holding the focus stays awake until the focus leaves it', () => {
  const {document, screen, cells, log, frame, scroll} = page(100);
  for (const cell of cells) screen.watch(cell);
  frame();
  document.activeElement = cells[0].node;
  scroll(2000);
  assert.ok(!log.includes('sleep 0') && log.includes('sleep 1'));
  document.activeElement = null;
  screen.focusMoved();
  frame();
  assert.ok(log.includes('sleep 0'));
});

test('the focus wakes a cell wherever it is; a forgotten cell is left alone', () => {
  const {screen, cells, log, frame, scroll} = page(100);
  for (const cell of cells) screen.watch(cell);
  frame();
  screen.wakeNow(cells[90]);
  screen.wakeNow(cells[90]);
  assert.equal(log.filter((l) => l === 'wake 90').length, 1);
  screen.unwatch(cells[1]);
  scroll(3000);
  assert.ok(log.includes('sleep 90') && !log.includes('sleep 1'));
});

test('without frames (no screen) every cell is simply awake', () => {
  const screen = new NearScreen(/** @type {any} */ ({activeElement: null, defaultView: null}),
    () => []);
  const log = [];
  screen.watch({node: /** @type {any} */ ({}), wake: () => log.push('wake'), sleep: () => {}});
  assert.deepEqual(log, ['wake']);
});

test('the cells woken together are all prepared before any is woken (one layout for all)', () => {
  const {screen, cells, log, frame} = page(10);
  for (const cell of cells) {
    const i = cells.indexOf(cell);
    /** @type {any} */ (cell).prepare = () => log.push(`prepare ${i}`);
  }
  for (const cell of cells) screen.watch(cell);
  frame();
  // The screen shows cells 0 and 1 (50 px each); 2 to 4 are near it and wake a frame later.
  assert.deepEqual(log, ['prepare 0', 'prepare 1', 'wake 0', 'wake 1',
    'prepare 2', 'prepare 3', 'prepare 4', 'wake 2', 'wake 3', 'wake 4']);
});

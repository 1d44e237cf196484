// js/athena_nb/editor.js with a fake textarea (setRangeText as the HTML spec defines it) and a
// fake hub made of the real TextDocument: typing becomes ops sent after a short delay, remote
// ops keep the person's selection, undo undoes only their own edits, keys, completions,
// StaleVersion recovery. Chromium covers the real textarea (tests/browser/test_notebook*.py).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {CellEditor, commonPrefix} from '../../../js/athena_nb/editor.js';
import {TextDocument} from '../../../js/athena_nb/ot.js';

class FakeTextarea extends EventTarget {
  constructor(value = '') {
    super();
    this._value = value;
    this.selectionStart = this.selectionEnd = value.length;
    this.selectionDirection = 'none';
    this.valueWrites = 0;
    this.style = {};
    this.ownerDocument = {createElement: () => { throw new Error('no DOM here'); }};
  }

  get value() { return this._value; }
  set value(v) {
    this.valueWrites += 1;
    this._value = v;
    this.selectionStart = this.selectionEnd = v.length;
  }

  setRangeText(text, start, end, mode = 'preserve') {
    const old = this._value;
    start = Math.min(start, old.length);
    end = Math.min(end, old.length);
    this._value = old.slice(0, start) + text + old.slice(end);
    const newEnd = start + text.length;
    const delta = text.length - (end - start);
    if (mode === 'end') {
      this.selectionStart = this.selectionEnd = newEnd;
    } else if (mode === 'start') {
      this.selectionStart = this.selectionEnd = start;
    } else if (mode === 'select') {
      [this.selectionStart, this.selectionEnd] = [start, newEnd];
    } else {
      if (this.selectionStart > end) this.selectionStart += delta;
      else if (this.selectionStart > start) this.selectionStart = start;
      if (this.selectionEnd > end) this.selectionEnd += delta;
      else if (this.selectionEnd > start) this.selectionEnd = newEnd;
    }
  }

  setSelectionRange(start, end, direction = 'none') {
    [this.selectionStart, this.selectionEnd, this.selectionDirection] = [start, end, direction];
  }

  focus() {}
  setAttribute() {}
  removeAttribute() {}

  /** The person types `text` at the selection. */
  type(text, inputType = 'insertText') {
    const [s, e] = [this.selectionStart, this.selectionEnd];
    this._value = this._value.slice(0, s) + text + this._value.slice(e);
    this.selectionStart = this.selectionEnd = s + text.length;
    this.dispatchEvent(Object.assign(new Event('input'), {inputType}));
  }

  backspace() {
    const s = this.selectionStart;
    this._value = this._value.slice(0, s - 1) + this._value.slice(s);
    this.selectionStart = this.selectionEnd = s - 1;
    this.dispatchEvent(Object.assign(new Event('input'), {inputType: 'deleteContentBackward'}));
  }

  /** Presses `key`; returns whether the editor prevented the default action. */
  key(key, mods = {}) {
    const event = Object.assign(new Event('keydown', {cancelable: true}), {
      key, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, ...mods});
    this.dispatchEvent(event);
    return event.defaultPrevented;
  }
}

/** A hub for one cell: the real TextDocument, calls answered when the test says. */
class FakeHub {
  constructor(text) {
    this.doc = new TextDocument(text);
    this.editors = new Map();
    this.pending = [];
  }

  connect(site, editor) {
    this.editors.set(site, editor);
  }

  send(site) {
    return (op, base) => new Promise((resolve, reject) => {
      this.pending.push({site, op, base, resolve, reject});
    });
  }

  /** Sequence every call sent so far: broadcast, acknowledge, answer. */
  deliver() {
    while (this.pending.length) {
      const {site, op, base, resolve, reject} = this.pending.shift();
      let applied, version;
      try {
        [applied, version] = this.doc.receive(op, base, site);
      } catch (error) {
        reject(Object.assign(error, {type: error.name}));
        continue;
      }
      for (const [other, editor] of this.editors) {
        if (other === site) editor.acknowledge(version);
        else editor.remote(applied, version);
      }
      resolve(version);
    }
  }
}

function timers() {
  const queue = [];
  let now = 0;
  return {
    env: {
      setTimeout: (f, ms) => { const t = {f, at: now + ms}; queue.push(t); return t; },
      clearTimeout: (t) => { const i = queue.indexOf(t); if (i >= 0) queue.splice(i, 1); },
      now: () => now,
    },
    advance(ms) {
      now += ms;
      for (const t of [...queue].sort((a, b) => a.at - b.at)) {
        if (t.at <= now && queue.includes(t)) {
          queue.splice(queue.indexOf(t), 1);
          t.f();
        }
      }
    },
  };
}

function editorOn(hub, site, clock, options = {}) {
  const textarea = new FakeTextarea(hub.doc.text);
  const states = [];
  const editor = new CellEditor({
    textarea, text: hub.doc.text, version: hub.doc.version, send: hub.send(site),
    fetchText: async () => ({text: hub.doc.text, version: hub.doc.version}),
    onStatus: (state) => states.push(state), env: clock.env, ...options,
  });
  hub.connect(site, editor);
  return {textarea, editor, states};
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

test('typing becomes ops sent after a short delay; saved once answered', async () => {
  const hub = new FakeHub('x = 1');
  const clock = timers();
  const {textarea, editor, states} = editorOn(hub, 'ann', clock);
  textarea.type('0');
  assert.deepEqual(states, ['saving']);
  assert.equal(hub.pending.length, 0, 'not sent at once');
  textarea.type('0');
  clock.advance(60);
  assert.equal(hub.pending.length, 1);
  assert.deepEqual(hub.pending[0].op, [{at: 5, insert: '0'}], 'the first keystroke goes alone');
  hub.deliver();
  clock.advance(60);
  hub.deliver();
  await flush();
  assert.equal(hub.doc.text, 'x = 100');
  assert.equal(states.at(-1), 'saved');
  assert.equal(editor.sync.version, 2);
});

test('remote ops are applied with setRangeText and keep the selection with its text', () => {
  const hub = new FakeHub('hello world');
  const clock = timers();
  const ann = editorOn(hub, 'ann', clock);
  const bob = editorOn(hub, 'bob', clock);
  bob.textarea.setSelectionRange(6, 11, 'backward'); // "world" selected
  ann.textarea.setSelectionRange(0, 0);
  ann.textarea.type('oh, ');
  clock.advance(60);
  hub.deliver();
  assert.equal(bob.textarea.value, 'oh, hello world');
  assert.deepEqual([bob.textarea.selectionStart, bob.textarea.selectionEnd], [10, 15]);
  assert.equal(bob.textarea.selectionDirection, 'backward');
  assert.equal(bob.textarea.valueWrites, 0, 'value is never replaced wholesale');
});

test('code points: a remote insert after an emoji lands after it, in UTF-16 too', () => {
  const hub = new FakeHub('😀😀');
  const clock = timers();
  const ann = editorOn(hub, 'ann', clock);
  const bob = editorOn(hub, 'bob', clock);
  ann.textarea.setSelectionRange(2, 2); // between the emoji (UTF-16 index 2)
  ann.textarea.type('x');
  clock.advance(60);
  assert.deepEqual(hub.pending[0].op, [{at: 1, insert: 'x'}]);
  hub.deliver();
  assert.equal(bob.textarea.value, '😀x😀');
});

test('concurrent typing converges and each keeps every keystroke', () => {
  const hub = new FakeHub('[]');
  const clock = timers();
  const ann = editorOn(hub, 'ann', clock);
  const bob = editorOn(hub, 'bob', clock);
  ann.textarea.setSelectionRange(1, 1);
  bob.textarea.setSelectionRange(2, 2);
  for (let n = 0; n < 6; n++) {
    ann.textarea.type(String(n));
    bob.textarea.type(String.fromCharCode(97 + n));
    if (n % 2) {
      clock.advance(60);
      hub.deliver();
    }
  }
  for (let i = 0; i < 5; i++) {
    clock.advance(60);
    hub.deliver();
  }
  assert.equal(hub.doc.text, '[012345]abcdef');
  assert.equal(ann.textarea.value, hub.doc.text);
  assert.equal(bob.textarea.value, hub.doc.text);
  assert.equal(ann.textarea.selectionStart, 7, "Ann's caret after her own text");
});

test('undo undoes only the own typing, after remote edits, and redo brings it back', () => {
  const hub = new FakeHub('');
  const clock = timers();
  const ann = editorOn(hub, 'ann', clock);
  const bob = editorOn(hub, 'bob', clock);
  ann.textarea.type('mine');
  clock.advance(60);
  hub.deliver();
  bob.textarea.setSelectionRange(0, 0);
  bob.textarea.type('theirs ');
  clock.advance(60);
  hub.deliver();
  assert.equal(ann.textarea.value, 'theirs mine');
  assert.ok(ann.textarea.key('z', {ctrlKey: true}), 'Ctrl-Z is taken over');
  clock.advance(60);
  hub.deliver();
  assert.equal(hub.doc.text, 'theirs ');
  assert.equal(bob.textarea.value, 'theirs ');
  ann.textarea.key('z', {ctrlKey: true, shiftKey: true});
  clock.advance(60);
  hub.deliver();
  assert.equal(hub.doc.text, 'theirs mine');
});

test('typing is grouped for undo until a pause; the browser menu undo is taken over too', () => {
  const hub = new FakeHub('');
  const clock = timers();
  const {textarea} = editorOn(hub, 'ann', clock);
  textarea.type('a');
  textarea.type('b');
  clock.advance(1500);
  textarea.type('c');
  const menu = Object.assign(new Event('beforeinput', {cancelable: true}), {inputType: 'historyUndo'});
  textarea.dispatchEvent(menu);
  assert.ok(menu.defaultPrevented);
  assert.equal(textarea.value, 'ab');
  textarea.key('z', {metaKey: true});
  assert.equal(textarea.value, '');
});

test('Shift-Enter runs and moves on, Ctrl-Enter runs in place', () => {
  const hub = new FakeHub('');
  const runs = [];
  const {textarea} = editorOn(hub, 'ann', timers(), {onRun: (advance) => runs.push(advance)});
  assert.ok(textarea.key('Enter', {shiftKey: true}));
  assert.ok(textarea.key('Enter', {ctrlKey: true}));
  assert.ok(!textarea.key('Enter'), 'a plain Enter is a new line');
  assert.deepEqual(runs, [true, false]);
});

test('Tab indents to the next stop, Shift-Tab dedents, Escape then Tab leaves the cell', () => {
  const hub = new FakeHub('');
  const {textarea} = editorOn(hub, 'ann', timers());
  textarea.type('if x:\n');
  assert.ok(textarea.key('Tab'));
  assert.equal(textarea.value, 'if x:\n    ');
  textarea.type('  ');
  textarea.key('Tab');
  assert.equal(textarea.value, 'if x:\n        ');
  textarea.key('Tab', {shiftKey: true});
  assert.equal(textarea.value, 'if x:\n    ');
  textarea.key('Escape');
  assert.equal(textarea.key('Tab'), false, 'the browser moves the focus');
  assert.equal(textarea.value, 'if x:\n    ');
  textarea.key('a');
  assert.ok(textarea.key('Tab'), 'any other key ends the escape');
});

test('Tab after a name asks the kernel, in code points, and a single match is inserted', async () => {
  const hub = new FakeHub('');
  const asked = [];
  const {textarea} = editorOn(hub, 'ann', timers(), {
    complete: async (code, cursor) => {
      asked.push([code, cursor]);
      return {matches: ['print'], start: 2, end: 5};
    },
  });
  textarea.type('😀 pri');
  assert.ok(textarea.key('Tab'));
  await flush();
  assert.deepEqual(asked, [['😀 pri', 5]]);
  assert.equal(textarea.value, '😀 print');
});

test('StaleVersion makes the editor fetch the text and send its edit again', async () => {
  const hub = new FakeHub('abc');
  hub.doc.historyLimit = 1;
  const clock = timers();
  const ann = editorOn(hub, 'ann', clock);
  const bob = editorOn(hub, 'bob', clock);
  hub.editors.delete('bob'); // Bob hears nothing: he falls behind
  ann.textarea.setSelectionRange(0, 0);
  ann.textarea.type('1');
  clock.advance(60);
  hub.deliver();
  ann.textarea.type('2');
  clock.advance(60);
  hub.deliver();
  bob.textarea.type('Z');
  clock.advance(60);
  hub.deliver(); // refused: base 0 is older than the kept history
  hub.connect('bob', bob.editor); // back in touch from here on
  await flush();
  await flush();
  clock.advance(60);
  hub.deliver();
  await flush();
  assert.equal(hub.doc.text, '12abcZ');
  assert.equal(bob.textarea.value, '12abcZ');
  assert.equal(bob.editor.state, 'saved');
});

test('whenSynced sends at once and resolves on the acknowledgement', async () => {
  const hub = new FakeHub('');
  const clock = timers();
  const {textarea, editor} = editorOn(hub, 'ann', clock);
  textarea.type('2+2');
  let synced = false;
  editor.whenSynced().then(() => { synced = true; });
  assert.equal(hub.pending.length, 1, 'no waiting for the delay');
  await flush();
  assert.equal(synced, false);
  hub.deliver();
  await flush();
  assert.equal(synced, true);
});

test('a read-only editor sends nothing', () => {
  const hub = new FakeHub('x');
  const {textarea} = editorOn(hub, 'vic', timers(), {readOnly: true});
  textarea.type('y');
  assert.equal(hub.pending.length, 0);
  assert.equal(textarea.key('Tab'), false);
});

test('commonPrefix', () => {
  assert.equal(commonPrefix(['print', 'property']), 'pr');
  assert.equal(commonPrefix(['a']), 'a');
  assert.equal(commonPrefix([]), '');
});

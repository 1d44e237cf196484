// js/athena_nb/textcell.js with a few fake elements: a text cell shows its rendered HTML unless
// this viewer edits it; double-click and Enter edit, render() shows it again; a view from the
// server switches the kind; a read-only viewer can do none of it (Escape then M / Y, which
// convert a cell, are command mode's: tests/browser/test_commandmode.py).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {TextCell} from '../../../js/athena_nb/textcell.js';

class El extends EventTarget {
  constructor(doc, parent = null) {
    super();
    this.ownerDocument = doc;
    this.parent = parent;
    this.dataset = {};
    this.hidden = false;
    this.tabIndex = -1;
    this.value = '';
    this.html = '';
  }

  set innerHTML(html) { this.html = html; }
  focus() { this.ownerDocument.activeElement = this; }
  contains(other) {
    for (let n = other; n; n = n.parent) if (n === this) return true;
    return false;
  }
}

/** A cell whose key events bubble from the textarea to the cell, as in a page. */
function cell({kind = 'text', text = '# Hi', canEdit = true} = {}) {
  const doc = {activeElement: null};
  const node = new El(doc);
  const textarea = new El(doc, node);
  const rendered = new El(doc, node);
  textarea.value = text;
  const tc = new TextCell({node, source: () => textarea, rendered, kind, canEdit,
    text: () => textarea.value, focusSource: () => textarea.focus()});
  const key = (target, k, init = {}) => {
    const event = new Event('keydown', {cancelable: true});
    Object.assign(event, {key: k, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false});
    if (init.shiftKey) Object.assign(event, {shiftKey: true});
    if (init.handled) event.preventDefault();
    target.dispatchEvent(event);
    if (target !== node) node.dispatchEvent(event);
    return event;
  };
  return {doc, node, textarea, rendered, tc, key};
}

test('a text cell with text shows its rendered HTML; a code cell its input', () => {
  const text = cell();
  assert.equal(text.node.dataset.kind, 'text');
  assert.equal(text.node.dataset.view, 'rendered');
  assert.equal(text.textarea.hidden, true);
  assert.equal(text.rendered.hidden, false);
  assert.equal(text.rendered.tabIndex, 0);
  const code = cell({kind: 'code'});
  assert.equal(code.textarea.hidden, false);
  assert.equal(code.rendered.hidden, true);
});

test('an empty text cell starts in its input, to be written', () => {
  const {textarea, node} = cell({text: ''});
  assert.equal(node.dataset.view, 'source');
  assert.equal(textarea.hidden, false);
});

test('double-click and Enter edit it, render() shows it again with the focus on it', () => {
  const {tc, textarea, rendered, doc, key} = cell();
  rendered.dispatchEvent(new Event('dblclick'));
  assert.equal(tc.editing, true);
  assert.equal(textarea.hidden, false);
  assert.equal(doc.activeElement, textarea);
  tc.render(false);
  assert.equal(textarea.hidden, true);
  assert.equal(doc.activeElement, rendered, 'the focus was in the cell: it stays there');
  const enter = key(rendered, 'Enter');
  assert.equal(enter.defaultPrevented, true);
  assert.equal(doc.activeElement, textarea);
});

test('a view from the server sets the HTML and the kind; whoever is in the input edits on', () => {
  const {tc, textarea, rendered, node, doc} = cell({kind: 'code', text: 'x'});
  textarea.focus();
  tc.view({kind: 'text', version: 3, html: '<h1>x</h1>'});
  assert.equal(rendered.html, '<h1>x</h1>');
  assert.equal(node.dataset.kind, 'text');
  assert.equal(tc.editing, true, 'the one typing goes on typing');
  const other = cell({kind: 'code', text: 'y'});
  other.tc.view({kind: 'text', version: 1, html: '<p>y</p>'});
  assert.equal(other.node.dataset.view, 'rendered', 'the others see it rendered');
  other.tc.view({kind: 'code', version: 1, html: null});
  assert.equal(other.textarea.hidden, false);
  assert.equal(doc.activeElement, textarea);
});

test('a read-only viewer sees it rendered and cannot edit it', () => {
  const {tc, textarea, rendered} = cell({canEdit: false, text: ''});
  assert.equal(rendered.hidden, false, 'even empty, it is shown rendered');
  rendered.dispatchEvent(new Event('dblclick'));
  tc.edit();
  assert.equal(textarea.hidden, true);
});

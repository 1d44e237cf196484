// The Widget base class and the Page: lookup from nodes, detach of whole subtrees, calls.
import {test} from 'node:test';
import assert from 'node:assert/strict';

import {Widget, Page} from '../../../js/livefragments/widget.js';
import {FakeDocument} from './fakedom.mjs';

/** A runtime stand-in that records what widgets ask of it. */
function host() {
  const widgets = new Map();
  const calls = [];
  const errors = [];
  return {
    widgets, calls, errors,
    callRemote: (id, method, args) => { calls.push([id, method, args]); return Promise.resolve(`ok ${method}`); },
    widget: (id) => widgets.get(id),
    forget: (widget) => widgets.delete(widget.id),
    reportError: (error) => errors.push(error),
  };
}

function tree(runtime, document) {
  const make = (Class, id, parent) => {
    const node = document.createElement('div');
    node.setAttribute('data-lf-id', String(id));
    (parent ? parent.node : document.body).append(node);
    const widget = new Class(node, id, [], runtime);
    widget.parent = parent ?? null;
    parent?.children.push(widget);
    runtime.widgets.set(id, widget);
    return widget;
  };
  const page = make(Page, 0, null);
  const list = make(Widget, 1, page);
  const items = [2, 3, 4, 5].map((id) => make(Widget, id, list));
  const nested = make(Widget, 6, items[1]);
  return {page, list, items, nested};
}

test('Widget.get walks up from any node to the nearest widget and skips detached ones', () => {
  const runtime = host();
  const document = new FakeDocument();
  const {list, items, nested} = tree(runtime, document);
  const leaf = document.createElement('span');
  nested.node.append(leaf);
  assert.equal(Widget.get(leaf), nested);
  assert.equal(Widget.get(items[0].node), items[0]);
  assert.equal(Widget.get(null), null);
  nested._detachLocally();
  assert.equal(Widget.get(leaf), items[1]);
  list._detachLocally();
  assert.equal(Widget.get(leaf).id, 0);
});

test('detaching a widget detaches every child, not every other one, deepest first', async () => {
  const runtime = host();
  const {page, list, items, nested} = tree(runtime, new FakeDocument());
  const order = [];
  for (const widget of [list, ...items, nested]) widget.detached = () => order.push(widget.id);
  assert.equal(await list.detach(), 'ok detachWidget');
  assert.deepEqual(order, [2, 6, 3, 4, 5, 1]);
  assert.deepEqual([...runtime.widgets.keys()], [0]);
  assert.deepEqual(page.children, []);
  assert.deepEqual(list.children, []);
  assert.ok([list, ...items, nested].every((w) => w.isDetached && w.parent === null));
  assert.deepEqual(runtime.calls, [[0, 'detachWidget', [1]]], 'one call for the whole subtree');
  assert.equal(await list.detach(), null, 'detaching again is a no-op');
  assert.equal(runtime.calls.length, 1);
});

test('a detached() hook that throws is reported and does not stop the others', () => {
  const runtime = host();
  const {list, items} = tree(runtime, new FakeDocument());
  items[0].detached = () => { throw new Error('hook failed'); };
  list._detachLocally();
  assert.equal(runtime.errors[0].message, 'hook failed');
  assert.ok(items.every((w) => w.isDetached));
});

test('callRemote goes through the runtime with the widget id; a detached widget refuses', async () => {
  const runtime = host();
  const {items} = tree(runtime, new FakeDocument());
  assert.equal(await items[0].callRemote('save', 'x', 2), 'ok save');
  assert.deepEqual(runtime.calls, [[2, 'save', ['x', 2]]]);
  items[0]._detachLocally();
  await assert.rejects(items[0].callRemote('save'), (e) => e.type === 'NoSuchWidget' && /has been detached/.test(e.message));
});

test('the page refuses to be detached, and its detachWidget detaches the named subtree', () => {
  const runtime = host();
  const {page, list} = tree(runtime, new FakeDocument());
  assert.throws(() => page.detach(), /cannot be detached; close the page instead/);
  assert.throws(() => page.detachWidget(0), (e) => e.type === 'BadArguments');
  assert.throws(() => page.detachWidget(42), (e) => e.type === 'NoSuchWidget');
  assert.equal(page.detachWidget(1), null);
  assert.ok(list.isDetached);
  assert.deepEqual(runtime.calls, [], 'the server asked: nothing is sent back');
});

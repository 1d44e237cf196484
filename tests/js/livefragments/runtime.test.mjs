// The runtime: boot block, module loading, hydration, calls both ways, detach, expiry.
import {test} from 'node:test';
import assert from 'node:assert/strict';

import {Runtime, readBoot, booted} from '../../../js/livefragments/runtime.js';
import {Widget, Page} from '../../../js/livefragments/widget.js';
import {WidgetDescription} from '../../../js/livefragments/codec.js';
import {RemoteError} from '../../../js/livefragments/errors.js';
import {FakeClock, FakeNetwork, FakeWindow, settle} from './fakes.mjs';
import {renderPage} from './fakedom.mjs';

const ROOT = '/static/v1/';
const log = [];

class Counter extends Widget {
  constructor(node, id, args, runtime) {
    super(node, id, args, runtime);
    [this.count] = args;
    log.push(`construct ${id}`);
  }
  loaded() { log.push(`loaded ${this.id}`); }
  detached() { log.push(`detached ${this.id}`); }
  show(n) { this.node.querySelector('[data-n]').textContent = String(n); return n; }
  increment() { return this.callRemote('increment'); }
}

class Output extends Widget {
  loaded() { log.push(`loaded ${this.id}`); }
  detached() { log.push(`detached ${this.id}`); }
}

class NotAWidget {}

class Sink extends Widget {
  received = [];
  take(value) { this.received.push(value); return null; }
}

const MODULES = {
  [`${ROOT}livefragments/widget.js`]: {Page, Widget},
  [`${ROOT}demo/counter.js`]: {Counter, NotAWidget, Sink},
  [`${ROOT}demo/output.js`]: {Output},
};

const BODY = '<main data-lf-id="0"><div data-lf-id="1"><span data-n>5</span>'
  + '<div data-lf-id="2"><span data-n>0</span></div></div></main>';

function bootObject(widgets) {
  return {
    clientId: 'C', csrf: 'T', transport: '/demo/C/transport', websocket: null, preferWebSocket: false,
    moduleRoot: ROOT, settings: {idleTimeout: 30, clientTimeout: 40, disconnectTimeout: 90, maxMessageBytes: 8388608},
    widgets: widgets ?? [
      {__lf__: 'widget', id: 0, parent: null, jsClass: 'livefragments/widget.js:Page', args: []},
      {__lf__: 'widget', id: 1, parent: 0, jsClass: 'demo/counter.js:Counter', args: [5]},
      {__lf__: 'widget', id: 2, parent: 1, jsClass: 'demo/counter.js:Counter', args: [{__lf__: 'ref', id: 1}]},
    ],
  };
}

async function boot({widgets, body = BODY} = {}) {
  log.length = 0;
  const clock = new FakeClock();
  const net = new FakeNetwork();
  const window = new FakeWindow();
  const document = renderPage(bootObject(widgets), body);
  const imported = [];
  const errors = [];
  const reloads = [];
  const runtime = new Runtime({
    boot: readBoot(document),
    document,
    importModule: (url) => {
      imported.push(url);
      return url in MODULES ? Promise.resolve(MODULES[url]) : Promise.reject(new TypeError(`Failed to fetch dynamically imported module: ${url}`));
    },
    env: {
      fetch: net.fetch, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, random: () => 0,
      window, navigator: window.navigator, location: {href: 'http://127.0.0.1:8080/demo/'}, WebSocket: undefined,
      reportError: (error) => errors.push(error),
    },
    reload: () => reloads.push('reload'),
  });
  await runtime.start();
  await clock.tick(0);
  return {runtime, clock, net, document, imported, errors, reloads, window};
}

test('outside a livefragments page the runtime module boots nothing', async () => {
  assert.equal(await booted, null);
});

test('boot imports each module once, hydrates parents first, links the tree, calls loaded() children first, then connects', async () => {
  const {runtime, imported, net, errors, document} = await boot();
  assert.deepEqual(errors, []);
  assert.deepEqual(imported.sort(), [`${ROOT}demo/counter.js`, `${ROOT}livefragments/widget.js`]);
  assert.deepEqual(log, ['construct 1', 'construct 2', 'loaded 2', 'loaded 1']);
  const [page, first, second] = [0, 1, 2].map((id) => runtime.widget(id));
  assert.ok(page instanceof Page);
  assert.equal(page.node, document.querySelector('[data-lf-id="0"]'));
  assert.equal(first.count, 5);
  assert.equal(second.count, first, 'a ref in the args resolves to the widget hydrated before');
  assert.deepEqual(page.children, [first]);
  assert.deepEqual(first.children, [second]);
  assert.equal(second.parent, first);
  assert.deepEqual(net.only().body, [-1, []]);
  assert.equal(runtime.transport.state, 'live');
  assert.equal(document.documentElement.getAttribute('data-lf-connection'), 'live');
});

test('Widget.get finds the nearest widget of any node inside it', async () => {
  const {runtime, document} = await boot();
  const inner = document.querySelector('[data-lf-id="2"]').querySelector('[data-n]');
  assert.equal(Widget.get(inner), runtime.widget(2));
  assert.equal(Widget.get(inner.childNodes[0]), runtime.widget(2), 'text nodes too');
  assert.equal(Widget.get(document.querySelector('[data-lf-id="1"]').childNodes[0]), runtime.widget(1));
  assert.equal(Widget.get(document.head), null);
});

test('the server calls a widget method; the answer goes back in the next request', async () => {
  const {runtime, net, clock, document} = await boot();
  net.only().answer([-1, [[0, ['call', [0, 1, 'show', [6], {}]]]]]);
  await clock.tick(0);
  assert.equal(document.querySelector('[data-lf-id="1"]').querySelector('[data-n]').textContent, '6');
  assert.deepEqual(net.only().body, [0, [[0, ['respond', [0, true, 6]]]]]);
  assert.equal(runtime.channel.hasUnacked, true);
});

test('a widget calls the server; the answer resolves its promise, an error rejects with the remote type', async () => {
  const {runtime, net, clock} = await boot();
  const counter = runtime.widget(1);
  const result = counter.increment();
  const failing = counter.callRemote('explode', 1, 'two');
  await clock.tick(0);
  const [poll, request] = net.requests;
  assert.deepEqual(request.body, [-1, [[0, ['call', [0, 1, 'increment', [], {}]]], [1, ['call', [1, 1, 'explode', [1, 'two'], {}]]]]]);
  poll.answer([1, [[0, ['respond', [0, true, 6]]], [1, ['respond', [1, false, {type: 'ValueError', message: 'Boom.'}]]]]]);
  assert.equal(await result, 6);
  await assert.rejects(failing, (e) => e instanceof RemoteError && e.type === 'ValueError' && e.message === 'Boom.');
});

test('calls made in one task leave together before any timer runs (not after the next frame)', async () => {
  const {runtime, net} = await boot();
  const counter = runtime.widget(1);
  counter.increment();
  counter.callRemote('explode', 1, 'two');
  assert.equal(net.requests.length, 1, 'nothing is sent before the task ends');
  await settle();  // promise callbacks only: the fake clock's timers do not run
  assert.deepEqual(net.requests[1].body[1].map(([, [, [id, , method]]]) => [id, method]),
    [[0, 'increment'], [1, 'explode']]);
});

test('a widget returned by the server arrives with its modules loaded and hydrates where the application puts it', async () => {
  const {runtime, net, clock, imported, document} = await boot();
  const promise = runtime.widget(1).callRemote('addOutput');
  await clock.tick(0);
  net.requests[0].answer([0, [[0, ['respond', [0, true, {
    __lf__: 'widget', id: 7, parent: 1, jsClass: 'demo/output.js:Output', args: [],
    markup: '<section data-lf-id="7"><p>out</p><div data-lf-id="8"></div></section>',
    modules: [`${ROOT}demo/counter.js`, `${ROOT}demo/output.js`],
    children: [{__lf__: 'widget', id: 8, parent: 7, jsClass: 'demo/counter.js:Counter', args: [{__lf__: 'ref', id: 7}]}],
  }]]]]]);
  const description = await promise;
  assert.ok(description instanceof WidgetDescription);
  assert.ok(imported.includes(`${ROOT}demo/output.js`));
  assert.equal(runtime.widget(7), undefined, 'nothing is hydrated until the application places it');
  log.length = 0;
  const container = document.querySelector('[data-lf-id="1"]');
  const output = runtime.hydrate(description, container);
  assert.ok(output instanceof Output);
  assert.deepEqual(log, ['construct 8', 'loaded 8', 'loaded 7']);
  assert.equal(output.node, container.querySelector('[data-lf-id="7"]'));
  assert.equal(runtime.widget(8).count, output);
  assert.equal(output.parent, runtime.widget(1));
  assert.deepEqual(output.children, [runtime.widget(8)]);
  assert.equal(Widget.get(output.node.querySelector('p')), output);
});

test('a call whose arguments carry a new widget waits for its module, and calls after it wait too', async () => {
  const {runtime, net, clock, imported} = await boot({widgets: [
    {__lf__: 'widget', id: 0, parent: null, jsClass: 'livefragments/widget.js:Page', args: []},
    {__lf__: 'widget', id: 1, parent: 0, jsClass: 'demo/counter.js:Sink', args: []},
  ], body: '<main data-lf-id="0"><ul data-lf-id="1"></ul></main>'});
  const sink = runtime.widget(1);
  assert.ok(!imported.includes(`${ROOT}demo/output.js`));
  net.only().answer([-1, [
    [0, ['call', [0, 1, 'take', [{__lf__: 'widget', id: 9, parent: 1, jsClass: 'demo/output.js:Output', args: [],
      markup: '<li data-lf-id="9"></li>', modules: [`${ROOT}demo/output.js`]}], {}]]],
    [1, ['call', [1, 1, 'take', ['after'], {}]]],
  ]]);
  await clock.tick(0);
  assert.ok(imported.includes(`${ROOT}demo/output.js`));
  assert.equal(sink.received.length, 2);
  assert.ok(sink.received[0] instanceof WidgetDescription);
  assert.equal(sink.received[1], 'after', 'the second call ran after the first, not before');
  // The next poll went out as the answer came; the two answers travel together after it.
  const sends = net.open.filter((r) => r.body[1].length);
  assert.equal(sends.length, 1);
  assert.deepEqual(sends[0].body[1].map(([, [, [id, ok]]]) => [id, ok]), [[0, true], [1, true]]);
  const item = runtime.hydrate(sink.received[0], sink.node);
  assert.ok(item instanceof Output);
  assert.equal(item.parent, sink);
});

test('detach() forgets the widget and its children here, deepest first, and tells the server through widget 0', async () => {
  const {runtime, net, clock} = await boot();
  const first = runtime.widget(1);
  log.length = 0;
  const done = first.detach();
  assert.deepEqual(log, ['detached 2', 'detached 1']);
  assert.equal(runtime.widget(1), undefined);
  assert.equal(runtime.widget(2), undefined);
  assert.deepEqual(runtime.page.children, []);
  await clock.tick(0);
  assert.deepEqual(net.requests[1].body, [-1, [[0, ['call', [0, 0, 'detachWidget', [1], {}]]]]]);
  net.requests[0].answer([0, [[0, ['respond', [0, true, null]]], [1, ['call', [5, 2, 'show', [1], {}]]]]]);
  assert.equal(await done, null);
  await clock.tick(0);
  assert.equal(net.requests.at(-1).body[1][0][1][1][2].type, 'NoSuchWidget', 'a detached widget is no longer callable');
  await assert.rejects(first.callRemote('x'), (e) => e.type === 'NoSuchWidget');
  assert.throws(() => runtime.page.detach(), /cannot be detached/);
});

test('the server detaches a widget through widget 0: its subtree is forgotten, with detached() hooks', async () => {
  const {runtime, net, clock} = await boot();
  log.length = 0;
  net.only().answer([-1, [[0, ['call', [null, 0, 'detachWidget', [1], {}]]]]]);
  await clock.tick(0);
  assert.deepEqual(log, ['detached 2', 'detached 1']);
  assert.deepEqual(runtime.widgets.map((w) => w.id), [0]);
});

test('expiry fails pending calls with ConnectionLost and shows the reload notice; Reload is the user\'s choice', async () => {
  const {runtime, net, clock, document, reloads} = await boot();
  const pending = runtime.widget(1).increment();
  await clock.tick(0);
  net.requests[1].fail();
  await clock.tick(0);
  const status = document.querySelector('.lf-status');
  assert.equal(status.textContent, 'Connection lost — reconnecting…');
  assert.equal(status.getAttribute('role'), 'status');
  net.only().respond(404, {error: {type: 'NoSuchPage', message: 'Gone.', reload: true}});
  await assert.rejects(pending, (e) => e.type === 'ConnectionLost' && /NoSuchPage: Gone\./.test(e.message));
  assert.equal(status.textContent, 'This page has expired — Reload');
  assert.deepEqual(reloads, []);
  status.querySelector('button').click();
  assert.deepEqual(reloads, ['reload']);
});

test('a broken boot widget is reported and skipped with its descendants; the rest of the page works', async () => {
  const {runtime, errors, net} = await boot({widgets: [
    {__lf__: 'widget', id: 0, parent: null, jsClass: 'livefragments/widget.js:Page', args: []},
    {__lf__: 'widget', id: 1, parent: 0, jsClass: 'demo/missing.js:Gone', args: [5]},
    {__lf__: 'widget', id: 2, parent: 1, jsClass: 'demo/counter.js:Counter', args: [0]},
    {__lf__: 'widget', id: 3, parent: 0, jsClass: 'demo/counter.js:NotAWidget', args: []},
    {__lf__: 'widget', id: 4, parent: 0, jsClass: '../evil.js:X', args: []},
  ], body: '<main data-lf-id="0"><div data-lf-id="1"><div data-lf-id="2"></div></div><p data-lf-id="3"></p></main>'});
  assert.deepEqual(runtime.widgets.map((w) => w.id), [0]);
  const messages = errors.map((e) => e.message);
  assert.ok(messages.some((m) => m.includes('demo/missing.js')), messages.join('\n'));
  assert.ok(messages.some((m) => m.includes('parent 1 of widget 2')), messages.join('\n'));
  assert.ok(messages.some((m) => m.includes('does not export a Widget subclass named NotAWidget')), messages.join('\n'));
  assert.ok(messages.some((m) => m.includes('jsClass must look like')), messages.join('\n'));
  assert.equal(net.open.length, 1, 'the page still connects');
});

test('hydrate refuses descriptions whose modules are not loaded or whose markup lacks an element, changing nothing', async () => {
  const {runtime, document} = await boot();
  const container = document.querySelector('[data-lf-id="0"]');
  const unloaded = new WidgetDescription({__lf__: 'widget', id: 20, parent: 0, jsClass: 'demo/other.js:X', args: [], markup: '<p data-lf-id="20"></p>'});
  assert.throws(() => runtime.hydrate(unloaded, container), /are not loaded/);
  const broken = new WidgetDescription({__lf__: 'widget', id: 21, parent: 0, jsClass: 'demo/counter.js:Counter', args: [0],
    markup: '<p data-lf-id="21"></p>', children: [{__lf__: 'widget', id: 22, parent: 21, jsClass: 'demo/counter.js:Counter', args: [0]}]});
  assert.throws(() => runtime.hydrate(broken, container), /no element with data-lf-id="22"/);
  assert.equal(runtime.widget(21), undefined);
  assert.deepEqual(runtime.page.children.map((w) => w.id), [1]);
  assert.throws(() => runtime.hydrate({id: 1}, container), TypeError);
});

test('a boot block that is missing or malformed is refused with a sentence', () => {
  const document = renderPage(bootObject(), BODY);
  document.getElementById('lf-boot').remove();
  assert.throws(() => readBoot(document), /has no <script type="application\/json" id="lf-boot"> block/);
  const bad = renderPage({...bootObject(), csrf: 3}, BODY);
  assert.throws(() => readBoot(bad), /"csrf" must be a non-empty string/);
});

test('the boot block is read back from its escaped form (<, >, &, U+2028)', () => {
  const boot = {...bootObject(), clientId: 'a<b>&c\u2028'};
  assert.equal(readBoot(renderPage(boot, BODY)).clientId, 'a<b>&c\u2028');
});

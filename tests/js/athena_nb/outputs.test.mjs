// js/athena_nb/outputs.js with a tiny DOM: text is always text (never parsed as markup), stream
// pieces merge, updates apply only where they fit, HTML goes to a sandboxed frame, files are
// links (downloads unless images).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {OutputArea, encodePath} from '../../../js/athena_nb/outputs.js';

class Node_ {
  constructor(tag, doc) {
    this.tagName = tag.toUpperCase();
    this.ownerDocument = doc;
    this.childNodes = [];
    this.attributes = {};
    this.dataset = {};
    this.style = {};
    this.className = '';
  }

  get lastChild() { return this.childNodes.at(-1) ?? null; }
  get textContent() {
    return this.childNodes.map((c) => (typeof c === 'string' ? c : c.textContent)).join('');
  }
  set textContent(text) { this.childNodes = [String(text)]; }
  append(...nodes) { this.childNodes.push(...nodes); }
  replaceChildren(...nodes) { this.childNodes = nodes; }
  setAttribute(name, value) { this.attributes[name] = String(value); }
  getAttribute(name) { return this.attributes[name] ?? null; }
  set innerHTML(html) {
    // Only the server's typeset (and sanitised) MathML goes in as markup.
    if (this.className !== 'nb-math-out') throw new Error('outputs must never set innerHTML');
    this.html = html;
  }
}

function area() {
  const doc = {createElement: (tag) => new Node_(tag, doc)};
  const node = new Node_('div', doc);
  return {node, out: new OutputArea(node, {base: '/worksheets/ab12/', cellId: 7})};
}

test('text is shown as text, even when it looks like markup', () => {
  const {node, out} = area();
  out.reset(1, [{type: 'stream', name: 'stdout', text: '<img src=x onerror=alert(1)>'},
    {type: 'result', data: {'text/plain': '<b>4</b>'}, n: 1}], 2);
  assert.equal(node.childNodes.length, 2);
  assert.equal(node.childNodes[0].tagName, 'PRE');
  assert.equal(node.textContent, '<img src=x onerror=alert(1)><b>4</b>');
});

test('stream pieces of one stream merge; another stream starts a new block', () => {
  const {node, out} = area();
  out.reset(1, [], 0);
  assert.ok(out.update({generation: 1, start: 0, outputs: [
    {type: 'stream', name: 'stdout', text: 'a'}, {type: 'stream', name: 'stdout', text: 'b'},
    {type: 'stream', name: 'stderr', text: 'oops'}, {type: 'stream', name: 'stdout', text: 'c'}]}));
  assert.deepEqual(node.childNodes.map((c) => c.textContent), ['ab', 'oops', 'c']);
  assert.equal(out.length, 4);
});

test('an update that does not fit is refused; a new generation resets', () => {
  const {node, out} = area();
  out.reset(3, [{type: 'stream', name: 'stdout', text: 'old'}], 5);
  assert.equal(out.update({generation: 3, start: 4, outputs: []}), false, 'a gap');
  assert.equal(out.update({generation: 3, start: 6, outputs: []}), false, 'an overlap');
  assert.equal(out.update({generation: 4, start: 2, outputs: []}), false, 'a reset not from 0');
  assert.ok(out.update({generation: 4, start: 0, outputs: [{type: 'notice', text: 'new'}]}));
  assert.equal(node.textContent, 'new');
  assert.equal(out.length, 1);
});

test('errors show the traceback, images are data URLs, HTML is a sandboxed frame', () => {
  const {node, out} = area();
  out.reset(2, [
    {type: 'error', ename: 'ZeroDivisionError', evalue: 'division by zero', traceback: 'Traceback...\nZeroDivisionError: division by zero\n'},
    {type: 'display', data: {'image/png': 'iVBORw0KGgo=', 'text/plain': '<Figure>'}, n: 1},
    {type: 'display', data: {'text/html': '<script>alert(1)</script>', 'text/plain': 'x'}, n: 2},
  ], 3);
  const [error, image, frame] = node.childNodes;
  assert.match(error.textContent, /ZeroDivisionError: division by zero/);
  assert.equal(image.tagName, 'IMG');
  assert.equal(image.src, 'data:image/png;base64,iVBORw0KGgo=');
  assert.equal(image.alt, 'Image output');
  assert.equal(frame.tagName, 'IFRAME');
  assert.equal(frame.getAttribute('sandbox'), 'allow-scripts');
  assert.equal(frame.src, '/worksheets/ab12/outputs/7/2.html?g=2');
});

test('files are links; downloads unless images, which also show', () => {
  const {node, out} = area();
  out.reset(1, [{type: 'file', path: 'out/data set.csv', change: 'created'},
    {type: 'file', path: 'plot.png', change: 'modified'}], 2);
  const [csv, png] = node.childNodes;
  const link = csv.childNodes[1];
  assert.equal(link.href, '/worksheets/ab12/files/7/out/data%20set.csv');
  assert.equal(link.getAttribute('download'), 'data set.csv');
  assert.equal(png.childNodes[1].getAttribute('download'), null);
  assert.equal(png.childNodes[2].tagName, 'IMG');
  assert.match(png.textContent, /^File changed: plot\.png/);
});

test('encodePath encodes each part', () => {
  assert.equal(encodePath('a b/c?d#e/%'), 'a%20b/c%3Fd%23e/%25');
});

test('LaTeX comes typeset from the server and as plain text; the worksheet shows one', () => {
  const {node, out} = area();
  out.reset(1, [{type: 'result', n: 0, math: '<math><mi>x</mi></math>',
    data: {'text/plain': 'x', 'text/latex': '$x$'}}], 1);
  const box = node.childNodes[0];
  assert.equal(box.className, 'nb-out nb-result nb-latex');
  const [math, plain] = box.childNodes;
  assert.equal(math.className, 'nb-math-out');
  assert.equal(math.html, '<math><mi>x</mi></math>');
  assert.equal(plain.className, 'nb-math-plain');
  assert.equal(plain.textContent, 'x');
});

test('LaTeX without its typeset form (an old output) is shown as text', () => {
  const {node, out} = area();
  out.reset(1, [{type: 'result', n: 0, data: {'text/latex': '$<b>x</b>$'}}], 1);
  assert.equal(node.childNodes[0].tagName, 'PRE');
  assert.equal(node.textContent, '$<b>x</b>$');
});

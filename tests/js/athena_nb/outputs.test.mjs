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
  append(...nodes) { this.#adopt(nodes); this.childNodes.push(...nodes); }
  replaceChildren(...nodes) { this.#adopt(nodes); this.childNodes = nodes; }
  before(...nodes) {
    this.parent.#adopt(nodes);
    this.parent.childNodes.splice(this.parent.childNodes.indexOf(this), 0, ...nodes);
  }
  replaceWith(node) {
    this.parent.#adopt([node]);
    this.parent.childNodes.splice(this.parent.childNodes.indexOf(this), 1, node);
  }
  #adopt(nodes) { for (const node of nodes) if (typeof node !== 'string') node.parent = this; }
  /** Every element below this one (depth first). */
  *all() {
    for (const child of this.childNodes) {
      if (typeof child === 'string') continue;
      yield child;
      yield* child.all();
    }
  }
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

test('an image file of a cell that shows a picture already is a link without its own', () => {
  const {node, out} = area();
  out.reset(1, [{type: 'file', path: 'plot.png', change: 'created', preview: false}], 1);
  const [png] = node.childNodes;
  assert.deepEqual([...png.childNodes].map((n) => n.tagName), ['SPAN', 'A']);
  assert.equal(png.childNodes[1].href, '/worksheets/ab12/files/7/plot.png');
});

test('encodePath encodes each part', () => {
  assert.equal(encodePath('a b/c?d#e/%'), 'a%20b/c%3Fd%23e/%25');
});

test('a stream shows as a terminal: carriage returns overwrite, colours are classes', () => {
  const {node, out} = area();
  out.reset(1, [], 0);
  const pieces = Array.from({length: 101}, (_, i) => ({type: 'stream', name: 'stdout', text: `\r${i}%`}));
  assert.ok(out.update({generation: 1, start: 0, outputs: pieces}));
  assert.equal(node.textContent, '100%');
  assert.ok(out.update({generation: 1, start: 101, outputs: [
    {type: 'stream', name: 'stdout', text: '\n\x1b[31mred\x1b[0m \x1b[2Jdone\n'}]}));
  assert.equal(node.textContent, '100%\nred done\n');
  const red = [...node.all()].find((e) => e.className === 'nb-ansi-red');
  assert.equal(red?.textContent, 'red');
});

test('a traceback with colours shows them as classes', () => {
  const {node, out} = area();
  out.reset(1, [{type: 'error', ename: 'E', evalue: '', traceback: '\x1b[1;31mE\x1b[0m: x\n'}], 1);
  assert.equal(node.textContent, 'E: x\n');
  assert.ok([...node.all()].some((e) => e.className === 'nb-ansi-red nb-ansi-bold'));
});

test('the richest form the page can show wins, in Jupyter\'s order', () => {
  const {node, out} = area();
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
  out.reset(1, [
    {type: 'display', n: 0, data: {'text/html': '<b>x</b>', 'image/png': 'AAAA', 'text/plain': 'x'}},
    {type: 'display', n: 1, data: {'image/svg+xml': svg, 'image/png': 'AAAA', 'text/plain': 'p'}},
    {type: 'display', n: 2, data: {'image/jpeg': '/9j/', 'text/plain': 'j'}, metadata: {'image/jpeg': {width: 10}}},
    {type: 'display', n: 3, data: {'text/markdown': '# *hi*', 'text/plain': '<IPython.core.display.Markdown object>'}},
    {type: 'display', n: 4, data: {'text/latex': '$x^2$', 'text/plain': 'x^2'}},
    {type: 'display', n: 5, data: {'text/latex': '$x^2$', 'text/plain': '<IPython.core.display.Latex object>'}},
  ], 6);
  const [html, svgImg, jpeg, md, sagePlain, latex] = node.childNodes;
  assert.equal(html.tagName, 'IFRAME');
  assert.equal(svgImg.tagName, 'IMG', 'SVG is an image, never markup in the page');
  assert.equal(svgImg.src, `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
  assert.equal(jpeg.src, 'data:image/jpeg;base64,/9j/');
  assert.equal(jpeg.getAttribute('width'), '10');
  assert.equal(md.className, 'nb-out nb-markdown');
  assert.equal(md.textContent, '# *hi*', 'Markdown is its text for now');
  assert.equal(sagePlain.textContent, 'x^2', 'LaTeX source only when the text says less');
  assert.equal(latex.textContent, '$x^2$');
});

test('JSON shows as a tree of folds with typed leaves', () => {
  const {node, out} = area();
  out.reset(1, [{type: 'display', n: 0, data: {'application/json': {a: [1, 'two', null], b: true},
    'text/plain': '<IPython.core.display.JSON object>'}}], 1);
  const [box] = node.childNodes;
  assert.equal(box.className, 'nb-out nb-json');
  const tags = [...box.all()];
  assert.equal(tags.filter((e) => e.tagName === 'DETAILS').length, 2);
  assert.equal(tags.find((e) => e.tagName === 'SUMMARY').textContent, '{…} 2 keys');
  assert.deepEqual(tags.filter((e) => /nb-json-(number|string|null|boolean)/.test(e.className))
    .map((e) => [e.className, e.textContent]),
  [['nb-json-number', '1'], ['nb-json-string', '"two"'], ['nb-json-null', 'null'], ['nb-json-boolean', 'true']]);
});

test('a display replaced in place keeps its place; one that is not shown asks for all', () => {
  const {node, out} = area();
  out.reset(1, [{type: 'display', n: 0, data: {'text/plain': 'first'}, displayId: 'd'},
    {type: 'stream', name: 'stdout', text: 'after\n', n: 1}], 2);
  assert.ok(out.update({generation: 1, start: 2, outputs: [],
    replace: [{type: 'display', n: 0, data: {'text/plain': 'second'}, displayId: 'd'}]}));
  assert.deepEqual(node.childNodes.map((c) => c.textContent), ['second', 'after\n']);
  assert.equal(out.update({generation: 1, start: 2, outputs: [],
    replace: [{type: 'display', n: 9, data: {'text/plain': 'x'}}]}), false);
});

test('a replaced HTML display is fetched anew', () => {
  const {node, out} = area();
  out.reset(4, [{type: 'display', n: 0, data: {'text/html': 'a', 'text/plain': 'a'}}], 1);
  assert.ok(out.update({generation: 4, start: 1, outputs: [],
    replace: [{type: 'display', n: 0, data: {'text/html': 'b', 'text/plain': 'b'}}]}));
  assert.equal(node.childNodes[0].src, '/worksheets/ab12/outputs/7/0.html?g=4&r=1');
});

test('a stream of 200 000 coloured lines is shown (nodes are added in chunks)', () => {
  const {node, out} = area();
  const lines = Array.from({length: 200000}, (_, i) => `\x1b[3${i % 2 + 1}m${i}\x1b[0m\n`).join('');
  out.reset(1, [{type: 'stream', name: 'stdout', text: lines, n: 0}], 1);
  const [pre] = node.childNodes;
  assert.equal(pre.childNodes.length, 400001, 'a span and a line end a line, and the last line');
  assert.equal(pre.childNodes[2].className, 'nb-ansi-green');
});

test('text added to the end of a line is appended; a change before it redraws the line', () => {
  const {node, out} = area();
  out.reset(1, [], 0);
  const dots = Array.from({length: 5}, () => ({type: 'stream', name: 'stdout', text: '.'}));
  assert.ok(out.update({generation: 1, start: 0, outputs: dots}));
  const line = node.childNodes[0].childNodes.at(-1);
  assert.deepEqual(line.childNodes, ['.', '.', '.', '.', '.'], 'each piece appended, none redrawn');
  assert.ok(out.update({generation: 1, start: 5, outputs: [{type: 'stream', name: 'stdout', text: '\rX\x1b[32m!'}]}));
  assert.equal(node.textContent, 'X!...');
  assert.equal(line.childNodes.length, 3, 'redrawn as runs');
  assert.ok(out.update({generation: 1, start: 6, outputs: [{type: 'stream', name: 'stdout', text: '\x1b[K\n'}]}));
  assert.equal(node.textContent, 'X!\n');
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

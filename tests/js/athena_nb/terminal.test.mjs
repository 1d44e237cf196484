// js/athena_nb/terminal.js: "\r" overwrites the line, colours become classes, other escapes
// are dropped, and the result does not depend on where the text was cut into pieces.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {Terminal} from '../../../js/athena_nb/terminal.js';

/** All the text of `pieces` written in turn, as runs (finished lines and the last one). */
function show(...pieces) {
  const terminal = new Terminal();
  const runs = [];
  for (const piece of pieces) runs.push(...terminal.write(piece));
  runs.push(...terminal.line());
  const merged = [];
  for (const run of runs) {
    if (merged.length && merged.at(-1).cls === run.cls) merged.at(-1).text += run.text;
    else merged.push({...run});
  }
  return merged;
}

const text = (runs) => runs.map((r) => r.text).join('');

test('a carriage return goes back to the line start and later text overwrites', () => {
  assert.equal(text(show('0%\r1%\r2%\r100%')), '100%');
  assert.equal(text(show('100%\r50%')), '50%%', 'a shorter text overwrites only its own length');
  assert.equal(text(show('done\r\n', 'next')), 'done\nnext', 'CR LF ends the line');
});

test('a progress loop ends as its last state, however it was cut into pieces', () => {
  const full = Array.from({length: 101}, (_, i) => `\r${i}%`).join('') + '\n';
  assert.equal(text(show(full)), '100%\n');
  assert.equal(text(show(...full.match(/.{1,3}/gs))), '100%\n');
});

test('finished lines are final: a carriage return only touches the last line', () => {
  assert.equal(text(show('one\ntwo\rTW')), 'one\nTWo');
});

test('backspace steps back one place', () => {
  assert.equal(text(show('abc\b\bX')), 'aXc');
});

test('SGR colours and styles become classes; reset ends them', () => {
  assert.deepEqual(show('\x1b[31mred\x1b[0m plain \x1b[1;92mbold bright\x1b[39m bold'), [
    {text: 'red', cls: 'nb-ansi-red'},
    {text: ' plain ', cls: ''},
    {text: 'bold bright', cls: 'nb-ansi-bright-green nb-ansi-bold'},
    {text: ' bold', cls: 'nb-ansi-bold'},
  ]);
  assert.deepEqual(show('\x1b[38;5;4mx\x1b[48;5;9my\x1b[38;2;1;2;3mz\x1b[m'), [
    {text: 'x', cls: 'nb-ansi-blue'},
    {text: 'y', cls: 'nb-ansi-blue nb-ansi-bg-bright-red'},
    {text: 'z', cls: 'nb-ansi-bg-bright-red'},
  ]);
});

test('an escape cut between two pieces is joined, not shown', () => {
  assert.deepEqual(show('a\x1b[3', '2mb'), [{text: 'a', cls: ''}, {text: 'b', cls: 'nb-ansi-green'}]);
  assert.equal(text(show('x\x1b]0;title', '\x07y')), 'xy', 'an OSC (window title) in two pieces');
});

test('other escapes and control characters are dropped, never shown', () => {
  assert.equal(text(show('a\x1b[2Jb\x1b[?25lc\x1b[1Ad\x1b(Be\x07f\x00g\x1b]8;;http://x\x1b\\h')), 'abcdefgh');
  assert.equal(text(show('tab\there')), 'tab\there', 'a tab stays');
});

test('erase in line: K clears to the end, 2K the whole line', () => {
  assert.equal(text(show('abcdef\r\x1b[Kxy')), 'xy');
  assert.equal(text(show('abcdef\rab\x1b[K')), 'ab');
  assert.equal(text(show('abcdef\x1b[2K\rxy')), 'xy');
});

test('Terminal.render gives the whole text at once', () => {
  assert.deepEqual(Terminal.render('\x1b[1;31mError\x1b[0m: no\n'),
    [{text: 'Error', cls: 'nb-ansi-red nb-ansi-bold'}, {text: ': no\n', cls: ''}]);
});

test('the shared vectors (tests/vectors/terminal/visible.json), which the server follows too', async () => {
  const {readFile} = await import('node:fs/promises');
  const vectors = JSON.parse(await readFile(new URL('../../vectors/terminal/visible.json', import.meta.url), 'utf8'));
  for (const {name, pieces, visible} of vectors.cases) {
    assert.equal(text(show(...pieces)), visible, name);
  }
});

test('many coloured lines are each a run, and lines without colour merge into one', () => {
  const lines = Array.from({length: 50000}, (_, i) => `\x1b[3${i % 2 + 1}m${i}\x1b[0m\n`).join('');
  const runs = new Terminal().write(lines);
  assert.equal(runs.length, 100000, 'a run for the text of each line, one for its line end');
  assert.equal(new Terminal().write('a\nb\nc\n'.repeat(1000)).length, 1);
});

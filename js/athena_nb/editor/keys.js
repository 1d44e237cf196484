// @ts-check
// keys.js: what Tab and the up and down arrows find in a cell's editor, from its view alone:
// whether the caret follows a name or a dot or is in a string (Tab completes there), Tab's
// indentation to the next 4-column stop (or of the selected lines), and whether the caret is
// on the first or last visual line (an arrow there leaves the cell). editor.js decides what
// the keys do.
// Tested by the browser tests (tests/browser/test_notebook_editor.py, test_commandmode.py).

import {syntaxTree} from '@codemirror/language';
import {indentMore} from './setup.js';

/** @typedef {import('@codemirror/view').EditorView} EditorView */

/** Tab completes when the caret follows a name or an attribute dot. */
const COMPLETES = /[\p{L}\p{N}_][\p{L}\p{N}_]*$|\.$/u;

/**
 * Is the caret (no selection) right after a name or a dot, or in a string (the kernel
 * completes a mapping's keys there, or a file's path)? @param {EditorView} view
 */
export function completesHere(view) {
  const range = view.state.selection.main;
  const line = view.state.doc.lineAt(range.head);
  return range.empty && (COMPLETES.test(line.text.slice(0, range.head - line.from))
    || inString(view.state, range.head));
}

/** A string's opening: its prefix letters and its quote. */
const OPENING = /^[rRbBuUfF]*('''|"""|'|")/;

/**
 * Is `pos` in the text of a string opened on its line: inside it, or at the end of one not
 * closed yet? (In a string opened on a line above, a docstring's, Tab indents: the kernel
 * completes within one line.)
 * @param {import('@codemirror/state').EditorState} state @param {number} pos
 */
function inString(state, pos) {
  const node = syntaxTree(state).resolveInner(pos, -1);
  if (node.name !== 'String' && node.name !== 'FormatString') return false;
  if (node.from < state.doc.lineAt(pos).from) return false;
  const text = state.sliceDoc(node.from, node.to);
  const opening = OPENING.exec(text);
  if (!opening || pos < node.from + opening[0].length) return false;
  if (pos < node.to) return true;
  const quote = opening[1];
  return text.length < opening[0].length + quote.length || !text.endsWith(quote);
}

/** Tab: spaces to the next 4-column stop, or the selected lines indented. @param {EditorView} view */
export function indentTab(view) {
  const state = view.state;
  const range = state.selection.main;
  if (state.doc.lineAt(range.from).number !== state.doc.lineAt(range.to).number) {
    indentMore(view);
    return;
  }
  const line = state.doc.lineAt(range.head);
  const column = [...line.text.slice(0, range.head - line.from)].length;
  view.dispatch(state.update(state.replaceSelection(' '.repeat(4 - (column % 4))),
    {userEvent: 'input.type', scrollIntoView: true}));
}

/**
 * Is the caret (no selection) on the first (`down` false) or the last visual line?
 * @param {EditorView} view @param {boolean} down
 */
export function onEdgeLine(view, down) {
  const range = view.state.selection.main;
  if (!range.empty) return false;
  const here = view.coordsAtPos(range.head);
  const edge = view.coordsAtPos(down ? view.state.doc.length : 0);
  return Boolean(here && edge && Math.abs(here.top - edge.top) < 1);
}

// @ts-check
// setup.js: the CodeMirror extensions of a cell's editor: Python highlighting (token classes
// styled by worksheet.css), bracket matching, auto-indent, comment toggling, search in the
// cell, undo history, optional line numbers, other people's selections (peers.js); a text cell
// gets no language at all (languageSupport). No lint: Sage's preparser syntax (`2^3`,
// `[1..9]`, `R.<x> = QQ[]`) is no Python, and the parser's error nodes get no style at all.
// Tested by the browser tests (tests/browser/test_notebook_editor.py).

import {
  defaultKeymap, history, historyKeymap, indentLess, indentMore,
} from '@codemirror/commands';
import {python} from '@codemirror/lang-python';
import {bracketMatching, indentOnInput, indentUnit, syntaxHighlighting} from '@codemirror/language';
import {highlightSelectionMatches, search, searchKeymap} from '@codemirror/search';
import {Compartment, EditorState, Prec} from '@codemirror/state';
import {drawSelection, EditorView, keymap, lineNumbers} from '@codemirror/view';
import {classHighlighter} from '@lezer/highlight';
import {caretBlink} from './caret.js';
import {peersField} from './peers.js';

/** The page's nonce for <style> elements (livefragments' LivePageResource, styleNonce). */
function styleNonce() {
  const meta = globalThis.document?.querySelector('meta[name="lf-style-nonce"]');
  return meta?.getAttribute('content') ?? '';
}

/**
 * What the editor knows of a cell's language: Python's highlighting and indentation for code;
 * nothing for a text cell's Markdown (a new line keeps the last one's indentation, and no
 * keyword of a sentence is coloured).
 * @param {'python'|'plain'} language
 * @returns {import('@codemirror/state').Extension}
 */
export function languageSupport(language) {
  return language === 'python' ? python() : [];
}

/** Undo groups typing that comes within this many milliseconds. */
export const GROUP_MS = 1000;

export {EditorView, indentLess, indentMore, lineNumbers};

/**
 * The extensions every cell editor has; `compartments` hold what changes later.
 * @param {Object} o
 * @param {boolean} o.readOnly
 * @param {boolean} o.lineNumbers
 * @param {string} o.label the accessible name of the input
 * @param {'python'|'plain'} o.language
 * @param {import('@codemirror/state').Extension} o.keys our own keys, before all others
 * @param {import('@codemirror/state').Extension} o.listen the update listener
 * @param {import('@codemirror/state').Extension} [o.help] help's keys and hint (hints.js),
 *   before our own keys
 */
export function extensions({readOnly, lineNumbers: numbers, label, language, keys, listen,
  help = []}) {
  const compartments = {readOnly: new Compartment(), lineNumbers: new Compartment(),
    language: new Compartment()};
  const extensions = [
    Prec.highest(help),
    Prec.highest(keys),
    compartments.readOnly.of(EditorState.readOnly.of(readOnly)),
    compartments.lineNumbers.of(numbers ? lineNumbers() : []),
    history({newGroupDelay: GROUP_MS}),
    // No blink animation: caret.js blinks the caret by a timer (why, there).
    drawSelection({cursorBlinkRate: 0}),
    caretBlink,
    indentUnit.of('    '),
    EditorState.tabSize.of(4),
    indentOnInput(),
    bracketMatching(),
    search({top: true}),
    highlightSelectionMatches(),
    syntaxHighlighting(classHighlighter),
    compartments.language.of(languageSupport(language)),
    EditorView.lineWrapping,
    EditorView.cspNonce.of(styleNonce()),
    // The editor keeps the textarea's box (worksheet.css); CodeMirror owns the class attribute.
    EditorView.editorAttributes.of({class: 'nb-input nb-editor'}),
    EditorView.contentAttributes.of({'aria-label': label, spellcheck: 'false',
      autocapitalize: 'off', autocorrect: 'off'}),
    keymap.of([...searchKeymap, ...historyKeymap, ...defaultKeymap]),
    peersField,
    listen,
  ];
  return {extensions, compartments};
}

// @ts-check
// changes.js: CodeMirror's changes (UTF-16 offsets, all against the document before them) to the
// cell's OT operations (code points, each component against the text left by the ones before)
// and back, and the transactions that carry them. DOM-free (an EditorState is enough).
// Tested by tests/js/athena_nb/changes.test.mjs.

import {Annotation, ChangeSet, Transaction} from '@codemirror/state';
import {codePointToUtf16, cpLength, fromJSON} from '../ot.js';

/** Marks the transactions that bring other people's edits (and resyncs). */
export const remoteEdit = Annotation.define();

/**
 * The transaction spec that shows `op` (from the hub) on `state`: out of the undo history,
 * which maps the person's own entries through it, so undo stays theirs.
 * @param {import('@codemirror/state').EditorState} state @param {Operation} op
 * @returns {import('@codemirror/state').TransactionSpec}
 */
export function remoteTransaction(state, op) {
  return {
    changes: changeSetOf(state, op),
    annotations: [remoteEdit.of(true), Transaction.addToHistory.of(false), Transaction.remote.of(true)],
  };
}

/**
 * The transaction spec that makes `op` on `state` as the person's own edit (undoable, sent).
 * @param {import('@codemirror/state').EditorState} state @param {Operation} op
 * @returns {import('@codemirror/state').TransactionSpec}
 */
export function ownTransaction(state, op) {
  return {changes: changeSetOf(state, op), userEvent: 'input'};
}

/** @param {import('@codemirror/state').EditorState} state @param {Operation} op */
function changeSetOf(state, op) {
  // Each change is against the text left by the ones before: composed into one set.
  let changes = ChangeSet.empty(state.doc.length);
  for (const change of changesFromOp(state.doc.toString(), op)) {
    changes = changes.compose(ChangeSet.of(change, changes.newLength));
  }
  return changes;
}

/**
 * The person's own operation in `tr` (null: it changed nothing, or it came from the hub).
 * @param {import('@codemirror/state').Transaction} tr @returns {Operation|null}
 */
export function ownOp(tr) {
  if (!tr.docChanged || tr.annotation(remoteEdit)) return null;
  return opFromChanges(tr.changes, tr.startState.doc.toString(), tr.newDoc.toString());
}

/** @typedef {import('../ot.js').Operation} Operation */
/**
 * What this module needs of a CodeMirror ChangeSet (its `iterChanges`).
 * @typedef {{iterChanges: (f: (fromA: number, toA: number, fromB: number, toB: number,
 *   inserted: {toString(): string}) => void, individual?: boolean) => void}} ChangeLike
 */
/** @typedef {{from: number, to: number, insert: string}} ChangeSpec UTF-16, sequential */

/**
 * The operation with the effect of `changes` on `before`, the document they were made on.
 * @param {ChangeLike} changes @param {string} before @param {string} after the result
 * @returns {Operation}
 */
export function opFromChanges(changes, before, after) {
  /** @type {Array<Record<string, number|string>>} */
  const components = [];
  // fromB is where the change starts in the text left by the earlier changes: that text and
  // `after` agree up to it, so the code point position is counted in `after`.
  let cpAt = 0;
  let utf16At = 0;
  changes.iterChanges((fromA, toA, fromB, _toB, inserted) => {
    cpAt += cpLength(after.slice(utf16At, fromB));
    utf16At = fromB;
    if (toA > fromA) components.push({at: cpAt, delete: cpLength(before.slice(fromA, toA))});
    const text = inserted.toString();
    if (text) components.push({at: cpAt, insert: text});
  }, true);
  return fromJSON(components);
}

/**
 * The UTF-16 changes, each against the text left by the ones before, that apply `op` to `text`.
 * @param {string} text @param {Operation} op @returns {ChangeSpec[]}
 */
export function changesFromOp(text, op) {
  /** @type {ChangeSpec[]} */
  const out = [];
  let value = text;
  for (const c of op) {
    const from = codePointToUtf16(value, c.at);
    if ('insert' in c) {
      out.push({from, to: from, insert: c.insert});
      value = value.slice(0, from) + c.insert + value.slice(from);
    } else {
      const to = codePointToUtf16(value, c.at + c.delete);
      out.push({from, to, insert: ''});
      value = value.slice(0, from) + value.slice(to);
    }
  }
  return out;
}

// @ts-check
/**
 * Operational transformation for cell text (tests: tests/js/ot.test.mjs).
 *
 * The twin of athena_nb/ot/, mirrored function for function and checked against the same
 * vectors in tests/vectors/ot/. An operation is a JSON array of components applied in turn,
 * `{at, insert}` or `{at, delete}`. Positions and counts are Unicode CODE POINTS, not UTF-16
 * code units: convert textarea offsets with `utf16ToCodePoint` / `codePointToUtf16`.
 * Every function returns operations in one canonical form (see docs/ot.md).
 */

/** @typedef {import('./ot/ops.js').InsertComponent} InsertComponent */
/** @typedef {import('./ot/ops.js').DeleteComponent} DeleteComponent */
/** @typedef {import('./ot/ops.js').Operation} Operation */


export { OperationError, MalformedOperation, OperationOutOfRange, StaleVersion, UnknownVersion, SyncError, cpLength, codePointToUtf16, utf16ToCodePoint, fromJSON, insert, del, isNoop, apply, transform, compose, invert, transformCursor, transformSelection, opFromChange } from './ot/ops.js';
export { diff } from './ot/diff.js';
export { TextDocument } from './ot/document.js';
export { SyncState, SyncClient } from './ot/client.js';

// @ts-check
/**
 * The OT sync client of one site, `SyncClient`: the browser's twin of athena_nb/ot/_client.py
 * (tests: tests/js/ot.test.mjs, tests/js/athena_nb/celltext.test.mjs). Part of the OT twin of
 * athena_nb/ot; the public surface is ../ot.js.
 */
import { SyncError, apply, compose, fromJSON, opFromChange, transform } from './ops.js';
import { diff } from './diff.js';
import { checkVersion } from './document.js';

/** @typedef {import('./ops.js').Operation} Operation */

// -- the client's state machine ------------------------------------------------------------

export const SyncState = Object.freeze({
  SYNCHRONIZED: 'synchronized', // nothing of ours is unconfirmed
  AWAITING_CONFIRM: 'awaitingConfirm', // ops sent, not yet acknowledged
  AWAITING_WITH_BUFFER: 'awaitingWithBuffer', // and local edits made since, not yet sent
});

/**
 * One site's view of a TextDocument: sends an op when none of its own is unanswered (later
 * edits gather in a buffer until then), transforms remote ops. `send(op, baseVersion,
 * follows)` must deliver the op to the server: made against `baseVersion` and, after it, the
 * `follows` ops sent before it and not yet acknowledged (0 unless `flush` sent the buffer
 * early). The server's answers must arrive in the order it sequenced them:
 * `acknowledge(version)` for our own ops, `applyRemote(op, version)` for everyone else's.
 */
export class SyncClient {
  /** @param {{text?: string, version?: number, send: (op: Operation, baseVersion: number, follows: number) => void}} options */
  constructor({ text = '', version = 0, send }) {
    /** What this site shows, pending edits included. */
    this.text = text;
    /** The server's text at `version`. */
    this.confirmedText = text;
    this.version = checkVersion(version, 'starting version');
    this.send = send;
    /** @type {string} */
    this.state = SyncState.SYNCHRONIZED;
    /** @type {Operation[]} sent, not yet acknowledged, in order */
    this.sent = [];
    /** @type {Operation | null} */
    this.buffer = null;
  }

  /** A local edit, already made to what the user sees (or about to be). @param {Operation} op */
  applyLocal(op) {
    op = fromJSON(op);
    this.text = apply(this.text, op);
    if (this.state === SyncState.SYNCHRONIZED) {
      this.#send(op);
    } else if (this.state === SyncState.AWAITING_CONFIRM) {
      this.buffer = op;
      this.state = SyncState.AWAITING_WITH_BUFFER;
    } else {
      this.buffer = compose(/** @type {Operation} */ (this.buffer), op);
    }
  }

  /** Send the buffer now, behind the ops still unanswered (a run is to follow it). */
  flush() {
    if (this.state === SyncState.AWAITING_WITH_BUFFER) {
      const buffer = /** @type {Operation} */ (this.buffer);
      this.buffer = null;
      this.#send(buffer);
    }
  }

  /**
   * The user changed the text to `newText` (e.g. a textarea's input event): make and apply
   * the op; returns it (empty when nothing changed).
   * @param {string} newText @param {number | null} [selectionEnd] UTF-16, as the textarea says
   */
  localChange(newText, selectionEnd = null) {
    const op = opFromChange(this.text, newText, selectionEnd);
    if (op.length) this.applyLocal(op);
    return op;
  }

  /**
   * Another site's op, sequenced as `version`: returns it as applied to `this.text`.
   * @param {Operation} op @param {number} version @returns {Operation}
   */
  applyRemote(op, version) {
    op = fromJSON(op);
    this.#expect(version, 'remote op');
    this.confirmedText = apply(this.confirmedText, op);
    for (let i = 0; i < this.sent.length; i++) [this.sent[i], op] = transform(this.sent[i], op);
    if (this.buffer !== null) [this.buffer, op] = transform(this.buffer, op);
    this.text = apply(this.text, op);
    this.version = version;
    return op;
  }

  /** The server sequenced our first unacknowledged op as `version`. @param {number} version */
  acknowledge(version) {
    if (!this.sent.length) {
      throw new SyncError(`An acknowledgement (version ${version}) came with nothing sent.`);
    }
    this.#expect(version, 'acknowledgement');
    this.confirmedText = apply(this.confirmedText, /** @type {Operation} */ (this.sent.shift()));
    this.version = version;
    if (this.sent.length) return;
    if (this.state === SyncState.AWAITING_WITH_BUFFER) {
      const buffer = /** @type {Operation} */ (this.buffer);
      this.buffer = null;
      this.#send(buffer);
    } else {
      this.state = SyncState.SYNCHRONIZED;
    }
  }

  /**
   * Start again from the server's `text` at `version` (after StaleVersion). Unconfirmed local
   * edits are transformed past a diff of what changed meanwhile and sent again; none of their
   * insertions or deletions is lost. Returns the op that turns the old `this.text` into the new one.
   * @param {string} text @param {number} version @returns {Operation}
   */
  resync(text, version) {
    /** @type {Operation} */
    let pending = [];
    for (const op of [...this.sent, this.buffer]) if (op !== null) pending = compose(pending, op);
    let remote = diff(this.confirmedText, text);
    [pending, remote] = transform(pending, remote);
    this.text = apply(text, pending);
    this.confirmedText = text;
    this.version = checkVersion(version, 'version');
    this.sent = [];
    this.buffer = null;
    this.state = SyncState.SYNCHRONIZED;
    if (pending.length) this.#send(pending);
    return remote;
  }

  /** @param {Operation} op */
  #send(op) {
    const follows = this.sent.length;
    this.sent.push(op);
    this.state = SyncState.AWAITING_CONFIRM;
    this.send(op, this.version, follows);
  }

  /** @param {number} version @param {string} what */
  #expect(version, what) {
    if (version !== this.version + 1) {
      throw new SyncError(`A ${what} for version ${JSON.stringify(version)} arrived at version ${this.version}; ` +
        'the server\'s messages must arrive in order, each exactly once.');
    }
  }
}

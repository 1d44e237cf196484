// @ts-check
// celltext.js: a cell's text as this browser shares it with the hub: the OT SyncClient, when
// edits are sent, the saved state, and starting again after StaleVersion. DOM-free (the editor
// shows the text; this decides what travels). Tested by tests/js/athena_nb/celltext.test.mjs.
//
// Sending: an edit goes at once when none of ours is waiting for its answer; while one is in
// flight, later edits compose into one buffer, sent the moment the hub acknowledges (so a fast
// typist sends one message per round trip, and a slow one a message per keystroke, with no
// added delay). `whenSent` sends the buffer at once, marked as following the edit still in
// flight (SyncClient.flush), so a run goes right behind it without waiting for any answer:
// the page's channel is ordered and the hub applies calls in order.

import {SyncClient, SyncState} from '../ot.js';

/** @typedef {import('../ot.js').Operation} Operation */

export class CellText {
  /**
   * @param {Object} o
   * @param {string} o.text
   * @param {number} o.version
   * @param {(op: Operation, base: number, follows: number) => Promise<unknown>} o.send the edit
   *   call (`follows`: how many of our edits still in flight it comes after); settles once the
   *   edit is saved
   * @param {() => Promise<{text: string, version: number}>} o.fetchText
   * @param {(op: Operation) => void} o.show apply a remote (or resync) op to what the person sees
   * @param {(state: string, error?: unknown) => void} [o.onStatus] "saved", "saving", "error"
   */
  constructor({text, version, send, fetchText, show, onStatus = () => {}}) {
    this.sendCall = send;
    this.fetchText = fetchText;
    this.show = show;
    this.onStatus = onStatus;
    this.sync = new SyncClient({text, version, send: (op, base, follows) => this.#send(op, base, follows)});
    /** Edit calls sent and not yet answered. */
    this.inflight = 0;
    /** Edit calls sent in all (for tests and figures). */
    this.sent = 0;
    /** @type {unknown} */
    this.error = null;
    this.state = 'saved';
    /** @type {Array<() => void>} waiting for everything to be acknowledged */
    this.syncWaiters = [];
    /** @type {Array<() => void>} waiting for everything to be sent */
    this.sentWaiters = [];
    this.resyncing = false;
    /** How many times this text started again from the hub's: a refusal of an edit sent
     * before the last start is moot (the edits after it were refused too, and resent). */
    this.starts = 0;
  }

  /** The text as the hub will have it once our edits arrive. */
  get text() {
    return this.sync.text;
  }

  get version() {
    return this.sync.version;
  }

  /**
   * This person's edits not yet acknowledged, against the text the hub confirmed (null when
   * there are none): what unsaved.js keeps when the page ends.
   * @returns {{version: number, confirmed: string, ops: Operation[]}|null}
   */
  get unsaved() {
    const sync = this.sync;
    if (sync.state === SyncState.SYNCHRONIZED) return null;
    const ops = sync.buffer ? [...sync.sent, sync.buffer] : [...sync.sent];
    return {version: sync.version, confirmed: sync.confirmedText, ops};
  }

  /** Our own edit, already shown. @param {Operation} op */
  local(op) {
    if (!op.length) return;
    this.sync.applyLocal(op);
    this.#report();
  }

  /** @param {Operation} op @param {number} base @param {number} follows */
  #send(op, base, follows) {
    this.inflight += 1;
    this.sent += 1;
    const start = this.starts;
    this.sendCall(op, base, follows).then(
      () => {
        this.inflight -= 1;
        this.#report();
      },
      (error) => {
        this.inflight -= 1;
        if (start === this.starts) this.#failed(error);
        else this.#report();
      });
    // Called from applyLocal, acknowledge or flush: the buffer is on the wire now.
    const waiters = this.sentWaiters;
    this.sentWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** @param {any} error */
  #failed(error) {
    if (error?.type === 'StaleVersion' || error?.type === 'SyncError') {
      this.resync();
      return;
    }
    this.error = error;
    this.#report();
  }

  /**
   * Sends every edit made so far (the buffer goes at once, behind the edit in flight) and
   * resolves: a call made then reaches the hub after them. While the text starts again from
   * the hub's, it waits until the edits are resent.
   * @returns {Promise<void>}
   */
  whenSent() {
    return this.behindEdits(() => Promise.resolve());
  }

  /**
   * Makes `call` right behind every edit made so far: the buffer is sent at once (behind the
   * edit in flight) and `call` is made at once too, in the same task, unless the text is
   * starting again from the hub's (then once the edits are resent).
   * @template T @param {() => Promise<T>} call @returns {Promise<T>}
   */
  behindEdits(call) {
    if (!this.resyncing) this.sync.flush();
    if (this.sync.state !== SyncState.AWAITING_WITH_BUFFER && !this.resyncing) return call();
    return new Promise((resolve) => this.sentWaiters.push(() => resolve(undefined))).then(call);
  }

  /** Resolves once every edit made so far is acknowledged. @returns {Promise<void>} */
  whenSynced() {
    if (this.sync.state === SyncState.SYNCHRONIZED) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** Someone else's operation, sequenced as `version`. @param {Operation} op @param {number} version */
  remote(op, version) {
    let applied;
    try {
      applied = this.sync.applyRemote(op, version);
    } catch (error) {
      this.resync();
      return;
    }
    this.show(applied);
  }

  /** The hub sequenced our outstanding operation as `version`. @param {number} version */
  acknowledge(version) {
    try {
      this.sync.acknowledge(version);
    } catch (error) {
      this.resync();
      return;
    }
    this.#report();
  }

  /** Start again from the hub's text (our unconfirmed edits are kept and sent again). */
  async resync() {
    if (this.resyncing) return;
    this.resyncing = true;
    this.starts += 1;
    try {
      const {text, version} = await this.fetchText();
      this.show(this.sync.resync(text, version));
      this.error = null;
    } catch (error) {
      this.error = error;
    } finally {
      this.resyncing = false;
      this.#report();
      // A run waiting for the edits goes now: they are resent, or the error is shown.
      const waiters = this.sentWaiters;
      this.sentWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #report() {
    const synced = this.sync.state === SyncState.SYNCHRONIZED;
    if (synced) {
      const waiters = this.syncWaiters.concat(this.sentWaiters);
      this.syncWaiters = [];
      this.sentWaiters = [];
      for (const resolve of waiters) resolve();
    }
    const state = this.error ? 'error' : !synced || this.inflight > 0 ? 'saving' : 'saved';
    if (state !== this.state) {
      this.state = state;
      this.onStatus(state, this.error);
    }
  }
}

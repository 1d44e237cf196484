// @ts-check
/**
 * `TextDocument`, the authority for one text: the twin of athena_nb/ot/_document.py, for tests
 * and demos (the hub runs the Python one; tests: tests/js/ot.test.mjs). Part of the OT twin of
 * athena_nb/ot; the public surface is ../ot.js.
 */
import { LONE_SURROGATE, OperationError, StaleVersion, SyncError, UnknownVersion, apply, fromJSON, transform } from './ops.js';

/** @typedef {import('./ops.js').Operation} Operation */

// -- the server's authority (the hub runs the Python one; this one serves tests and demos) --

/** @typedef {{version: number, siteId: string, op: Operation}} HistoryEntry */

/** @param {unknown} version @param {string} what */
export function checkVersion(version, what) {
  if (!Number.isSafeInteger(version) || /** @type {number} */ (version) < 0) {
    throw new UnknownVersion(`The ${what} must be an integer >= 0, not ${JSON.stringify(version)}.`);
  }
  return /** @type {number} */ (version);
}

export class TextDocument {
  /** @param {string} [text] @param {number} [version] @param {number} [historyLimit] */
  constructor(text = '', version = 0, historyLimit = 1000) {
    if (typeof text !== 'string' || LONE_SURROGATE.test(text)) {
      throw new OperationError('The text must be a string without lone surrogates.');
    }
    if (!(historyLimit >= 1)) throw new RangeError(`historyLimit must be at least 1, not ${historyLimit}.`);
    this.text = text;
    this.version = checkVersion(version, 'starting version');
    this.historyLimit = historyLimit;
    /** @type {HistoryEntry[]} */
    this.history = [];
  }

  /** The oldest base version that `receive` still accepts. */
  get oldestVersion() {
    return this.version - this.history.length;
  }

  /** The entries after `version`, for a client catching up. @param {number} version */
  opsSince(version) {
    checkVersion(version, 'version');
    if (version > this.version) {
      throw new UnknownVersion(`Version ${version} is newer than the document's version ${this.version}.`);
    }
    if (version < this.oldestVersion) {
      throw new StaleVersion(
        `Version ${version} is older than the oldest kept version ${this.oldestVersion}; fetch the whole text instead.`);
    }
    return this.history.slice(version - this.oldestVersion);
  }

  /**
   * Sequence `op` (made against `baseVersion` by `siteId`). Nothing changes when it throws.
   * @param {Operation} op @param {number} baseVersion @param {string} siteId
   * @returns {[Operation, number]} the op as applied and the new version
   */
  receive(op, baseVersion, siteId) {
    op = fromJSON(op);
    if (typeof siteId !== 'string' || siteId === '') {
      throw new OperationError(`The site id must be a non-empty string, not ${JSON.stringify(siteId)}.`);
    }
    for (const entry of this.opsSince(baseVersion)) {
      if (entry.siteId === siteId) {
        throw new SyncError(`Site ${JSON.stringify(siteId)} sent an op against version ${baseVersion}, but its own ` +
          `op became version ${entry.version}; it must send one op at a time.`);
      }
      op = transform(op, entry.op)[0];
    }
    this.text = apply(this.text, op);
    this.version += 1;
    this.history.push({ version: this.version, siteId, op });
    if (this.history.length > this.historyLimit) this.history.splice(0, this.history.length - this.historyLimit);
    return [op, this.version];
  }
}

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

/** The most unacknowledged ops of its own a site's op may follow (SyncClient.flush chains them). */
export const MAX_FOLLOWS = 100;
/** Past this many sites, those whose unacknowledged ops are older than the kept history are forgotten. */
export const SITES_KEPT = 200;

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
    /** @type {Map<string, [number, Operation[]]>} site -> [the version its ops were made against, the ops as received] */
    this.unconfirmed = new Map();
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
   * Sequence `op` (made by `siteId` against `baseVersion` and, after that, the last `follows`
   * ops it sent). Nothing changes when it throws.
   * @param {Operation} op @param {number} baseVersion @param {string} siteId @param {number} [follows]
   * @returns {[Operation, number]} the op as applied and the new version
   */
  receive(op, baseVersion, siteId, follows = 0) {
    op = fromJSON(op);
    if (typeof siteId !== 'string' || siteId === '') {
      throw new OperationError(`The site id must be a non-empty string, not ${JSON.stringify(siteId)}.`);
    }
    if (!Number.isSafeInteger(follows) || follows < 0 || follows > MAX_FOLLOWS) {
      throw new SyncError(`An op follows 0 to ${MAX_FOLLOWS} unacknowledged ops of its site, not ${JSON.stringify(follows)}.`);
    }
    const [applied, unconfirmed] = this.#caughtUp(op, baseVersion, siteId, follows);
    this.text = apply(this.text, applied);
    this.version += 1;
    this.history.push({ version: this.version, siteId, op: applied });
    if (this.history.length > this.historyLimit) this.history.splice(0, this.history.length - this.historyLimit);
    this.unconfirmed.set(siteId, [baseVersion, [...unconfirmed, op]]);
    if (this.unconfirmed.size > SITES_KEPT) {
      for (const [site, [base]] of [...this.unconfirmed]) if (base < this.oldestVersion) this.unconfirmed.delete(site);
    }
    return [applied, this.version];
  }

  /**
   * `op` as it applies to the text now, and the site's `follows` unacknowledged ops as they
   * stood at `baseVersion`: every op sequenced since is replayed as the site's SyncClient
   * receives it (see the Python twin).
   * @param {Operation} op @param {number} baseVersion @param {string} siteId @param {number} follows
   * @returns {[Operation, Operation[]]}
   */
  #caughtUp(op, baseVersion, siteId, follows) {
    let start = baseVersion;
    /** @type {Operation[]} */
    let pending = [];
    this.opsSince(baseVersion); // a version not reached, or too old, is refused first
    if (follows) {
      [start, pending] = this.unconfirmed.get(siteId) ?? [baseVersion, []];
      if (start > baseVersion) {
        throw new SyncError(`Site ${JSON.stringify(siteId)} sent an op against version ${baseVersion} ` +
          'after ops of its own the document does not know.');
      }
      pending = [...pending];
    }
    /** @type {Operation[] | null} */
    let atBase = null;
    let version = start;
    for (const entry of this.opsSince(start)) {
      if (version === baseVersion) {
        atBase = join(pending, follows, siteId, baseVersion);
        pending = [...pending, op];
      }
      version = entry.version;
      if (entry.siteId === siteId) {
        if (!pending.length || (version > baseVersion && pending.length === 1)) {
          throw new SyncError(`Site ${JSON.stringify(siteId)} sent an op against version ${baseVersion} that ` +
            `follows ${follows} of its own, but its op became version ${entry.version} before it; an op must ` +
            'name every unacknowledged op of its site that it follows.');
        }
        pending.shift();
        continue;
      }
      let remote = entry.op;
      for (let i = 0; i < pending.length; i++) [pending[i], remote] = transform(pending[i], remote);
    }
    if (version === baseVersion) {
      atBase = join(pending, follows, siteId, baseVersion);
      pending = [...pending, op];
    }
    if (atBase === null || pending.length !== 1) { // the site's ops are not what it says
      throw new SyncError(`Site ${JSON.stringify(siteId)} sent an op against version ${baseVersion} that follows ` +
        `${follows} of its own, not what the document holds; the site must catch up again.`);
    }
    return [pending[0], atBase];
  }
}

/** @param {Operation[]} pending @param {number} follows @param {string} siteId @param {number} baseVersion */
function join(pending, follows, siteId, baseVersion) {
  if (pending.length !== follows) {
    throw new SyncError(`Site ${JSON.stringify(siteId)} sent an op against version ${baseVersion} that follows ` +
      `${follows} unacknowledged ops of its own, but ${pending.length} were unacknowledged then; the site must ` +
      'catch up again.');
  }
  return [...pending];
}

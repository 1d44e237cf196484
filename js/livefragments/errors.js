// @ts-check
// errors.js: the error classes of the livefragments runtime and the wire's error objects.
// Tested by tests/js/livefragments/rpc.test.mjs and channel.test.mjs.

/**
 * An error object as it crosses the wire (protocol.md section 4.1).
 * @typedef {{type: string, message: string, traceback?: string|null}} ErrorObject
 */

/** An error of this runtime whose wire type is its class name. */
class LocalError extends Error {
  /** @param {string} message a full sentence saying what was wrong */
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }

  /** @returns {string} the wire type, as for RemoteError */
  get type() {
    return this.name;
  }
}

/** The peer broke the protocol: malformed envelope or message, impossible ack, too many held. */
export class ProtocolError extends LocalError {}

/** The outbound queue (waiting plus unacknowledged messages) would exceed its limits. */
export class QueueOverflow extends LocalError {}

/**
 * A call failed: the other side answered with an error object, or the page closed before it
 * answered (`type` "ConnectionLost"). `type` is the wire type, e.g. "NoSuchMethod" or a
 * refusal's class name; a bug on the server is "InternalError", whose `message` (shown to the
 * user like any other) names the error id under which the server logged it.
 */
export class RemoteError extends Error {
  /**
   * @param {string} type
   * @param {string} message
   * @param {string|null} [traceback]
   */
  constructor(type, message, traceback = null) {
    super(message);
    this.name = 'RemoteError';
    /** @type {string} */
    this.type = type;
    /** @type {string|null} */
    this.traceback = traceback;
  }
}

/**
 * The wire error object for anything thrown by JavaScript code.
 * @param {unknown} error
 * @returns {ErrorObject}
 */
export function toErrorObject(error) {
  if (error instanceof RemoteError || error instanceof LocalError) {
    return {type: error.type, message: error.message};
  }
  if (error instanceof Error) {
    const type = error.name || error.constructor?.name || 'Error';
    return {type: String(type), message: String(error.message)};
  }
  return {type: 'Error', message: String(error)};
}

/**
 * Checks that a value received from the peer is an error object.
 * @param {unknown} value
 * @returns {value is ErrorObject}
 */
export function isErrorObject(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const {type, message, traceback} = /** @type {Record<string, unknown>} */ (value);
  return typeof type === 'string' && typeof message === 'string'
    && (traceback === undefined || traceback === null || typeof traceback === 'string');
}

/**
 * The RemoteError for an error object received from the peer.
 * @param {ErrorObject} object
 * @returns {RemoteError}
 */
export function fromErrorObject(object) {
  return new RemoteError(object.type, object.message, object.traceback ?? null);
}

/**
 * A short description of a JSON value's kind, for error messages.
 * @param {unknown} value
 * @returns {string}
 */
export function describeJson(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length} element${value.length === 1 ? '' : 's'}`;
  switch (typeof value) {
    case 'string': return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
    case 'number': return `the number ${value}`;
    case 'boolean': return `the boolean ${value}`;
    case 'object': return 'an object';
    default: return `a value of type ${typeof value}`;
  }
}

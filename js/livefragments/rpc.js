// @ts-check
// rpc.js: remote calls both ways: call ids, pending promises, dispatch to widgets, responses.
// Tested by tests/js/livefragments/rpc.test.mjs.

import {ProtocolError, RemoteError, describeJson, fromErrorObject, isErrorObject, toErrorObject} from './errors.js';
import {encode} from './codec.js';

/**
 * What the dispatcher needs from the runtime.
 * @typedef {Object} RpcHost
 * @property {(action: string, args: unknown[]) => void} send queues a message (may throw
 *   QueueOverflow or RemoteError ConnectionLost)
 * @property {(id: number) => (import('./widget.js').Widget|undefined)} widget
 * @property {(value: unknown) => unknown} decode decodes tagged values (modules already loaded)
 * @property {(value: unknown) => string[]} missingModules module URLs a value needs that are
 *   not loaded yet
 * @property {(urls: string[]) => Promise<void>} loadModules
 * @property {(error: unknown) => void} reportError
 * @property {(error: ProtocolError) => void} protocolError the other side broke the protocol
 *   in a message processed after a module load (earlier ones throw from receive)
 */

// Never callable by the other side, whatever the widget defines.
const FRAMEWORK_METHODS = new Set(['constructor', 'callRemote', 'detach', 'loaded', 'detached']);

/**
 * The method `name` of `widget` that the other side may call, or null. Accessors are never
 * invoked, so looking a name up has no side effects.
 * @param {object} widget
 * @param {string} name
 * @returns {Function|null}
 */
export function exposedMethod(widget, name) {
  if (name === '' || name.startsWith('_') || FRAMEWORK_METHODS.has(name) || name in Object.prototype) return null;
  for (let object = widget; object && object !== Object.prototype; object = Object.getPrototypeOf(object)) {
    const descriptor = Object.getOwnPropertyDescriptor(object, name);
    if (descriptor) return typeof descriptor.value === 'function' ? descriptor.value : null;
  }
  return null;
}

/** @param {unknown} value @returns {value is number} */
function isCallId(value) {
  return Number.isSafeInteger(value) && /** @type {number} */ (value) >= 0;
}

/**
 * Calls in both directions over one page's channel. Incoming messages are processed strictly
 * in order: one whose values need modules loaded waits for them, and the ones after it wait
 * too.
 */
export class Rpc {
  /** @type {Map<number, {resolve: (value: unknown) => void, reject: (error: unknown) => void}>} */
  #pending = new Map();
  #nextCallId = 0;
  /** @type {Array<[string, unknown[]]>} */
  #inbox = [];
  #draining = false;
  /** @type {RemoteError|null} */
  #lost = null;

  /** @param {RpcHost} host */
  constructor(host) {
    this.host = host;
  }

  /** How many of our calls wait for an answer. */
  get pendingCount() {
    return this.#pending.size;
  }

  /**
   * Calls `method` of widget `widgetId` on the other side.
   * @param {number} widgetId
   * @param {string} method
   * @param {unknown[]} args
   * @returns {Promise<unknown>}
   */
  call(widgetId, method, args) {
    if (this.#lost) return Promise.reject(this.#lost);
    if (typeof method !== 'string' || method === '') {
      return Promise.reject(new TypeError(`A remote method name must be a non-empty string, not ${describeJson(method)}.`));
    }
    let encoded;
    try {
      encoded = encode(args);
    } catch (error) {
      return Promise.reject(error);
    }
    const callId = this.#nextCallId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(callId, {resolve, reject});
      try {
        this.host.send('call', [callId, widgetId, method, encoded, {}]);
      } catch (error) {
        this.#pending.delete(callId);
        reject(error);
      }
    });
  }

  /**
   * Fails every pending call with ConnectionLost and every later one at once.
   * @param {string} [reason] appended to the message, e.g. the close error's message
   */
  failAll(reason = '') {
    this.#lost = new RemoteError('ConnectionLost',
      `The connection to the server is gone; the call cannot be answered.${reason ? ' ' + reason : ''}`);
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.#inbox = [];
    for (const {reject} of pending) reject(this.#lost);
  }

  /**
   * Processes `call` and `respond` messages from the other side, in order.
   * @param {Array<[string, unknown[]]>} messages
   * @throws {ProtocolError} for a malformed message or an answer to no pending call
   */
  receive(messages) {
    if (this.#lost) return;
    this.#inbox.push(...messages);
    this.#drain();
  }

  #drain() {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#inbox.length > 0) {
        const [action, args] = this.#inbox[0];
        this.#check(action, args);
        const missing = this.host.missingModules(action === 'call' ? args[3] : args[2]);
        if (missing.length > 0) {
          // Keep #draining set: later messages wait until this one's modules are loaded.
          this.host.loadModules(missing).then(
            () => this.#resume(null),
            (error) => this.#resume(error));
          return;
        }
        this.#inbox.shift();
        this.#process(action, args, null);
      }
      this.#draining = false;
    } catch (error) {
      this.#draining = false;
      this.#inbox = [];
      throw error;
    }
  }

  /** @param {unknown} loadError */
  #resume(loadError) {
    if (this.#lost || this.#inbox.length === 0) {
      this.#draining = false;
      return;
    }
    const [action, args] = /** @type {[string, unknown[]]} */ (this.#inbox.shift());
    try {
      this.#process(action, args, loadError);
      this.#draining = false;
      this.#drain();
    } catch (error) {
      this.#draining = false;
      this.#inbox = [];
      if (error instanceof ProtocolError) this.host.protocolError(error);
      else this.host.reportError(error);
    }
  }

  /**
   * Checks a message's shape before anything of it runs.
   * @param {string} action
   * @param {unknown[]} args
   */
  #check(action, args) {
    if (action === 'call') {
      const [callId, widgetId, method, callArgs, kwargs] = args;
      if (args.length !== 5 || !(callId === null || isCallId(callId)) || !isCallId(widgetId)
          || typeof method !== 'string' || !Array.isArray(callArgs)
          || kwargs === null || typeof kwargs !== 'object' || Array.isArray(kwargs)) {
        throw new ProtocolError(
          `A call must carry [callId, widgetId, method, args, kwargs], not ${JSON.stringify(args).slice(0, 200)}.`);
      }
    } else if (action === 'respond') {
      const [callId, ok, value] = args;
      if (args.length !== 3 || !isCallId(callId) || typeof ok !== 'boolean' || (!ok && !isErrorObject(value))) {
        throw new ProtocolError(
          `A respond must carry [callId, ok, value] with an error object when ok is false, not ${JSON.stringify(args).slice(0, 200)}.`);
      }
      if (!this.#pending.has(/** @type {number} */ (callId))) {
        throw new ProtocolError(`The other side answered call ${callId}, which this side never made or already saw answered.`);
      }
    } else {
      throw new ProtocolError(`The action ${describeJson(action)} is not one this runtime knows (call, respond).`);
    }
  }

  /**
   * @param {string} action
   * @param {unknown[]} args
   * @param {unknown} loadError why the modules its values need could not be loaded, or null
   */
  #process(action, args, loadError) {
    if (action === 'respond') {
      const [callId, ok, value] = /** @type {[number, boolean, unknown]} */ (args);
      const pending = this.#pending.get(callId);
      if (!pending) return; // failed by failAll while its modules loaded
      this.#pending.delete(callId);
      if (!ok) {
        pending.reject(fromErrorObject(/** @type {import('./errors.js').ErrorObject} */ (value)));
        return;
      }
      if (loadError) {
        pending.reject(loadError);
        return;
      }
      try {
        pending.resolve(this.host.decode(value));
      } catch (error) {
        if (error instanceof ProtocolError) throw error;
        pending.reject(error);
      }
      return;
    }
    const [callId, widgetId, method, callArgs, kwargs] =
      /** @type {[number|null, number, string, unknown[], Object]} */ (args);
    /** @param {boolean} ok @param {unknown} value an error object when not ok */
    const answer = (ok, value) => {
      if (callId === null) {
        if (!ok) {
          const error = /** @type {import('./errors.js').ErrorObject} */ (value);
          this.host.reportError(new RemoteError(error.type, error.message));
        }
        return;
      }
      try {
        this.host.send('respond', [callId, ok, value]);
      } catch (error) {
        this.host.reportError(error); // the transport has closed the page; nothing more to do
      }
    };
    const widget = this.host.widget(widgetId);
    if (!widget) {
      answer(false, {type: 'NoSuchWidget', message: `Widget ${widgetId} does not exist on this page (it was never created here or has been detached).`});
      return;
    }
    const where = `Widget ${widgetId} (${widget.constructor.name})`;
    const fn = exposedMethod(widget, method);
    if (!fn) {
      answer(false, {type: 'NoSuchMethod', message: `${where} has no method ${JSON.stringify(method)} that the server may call.`});
      return;
    }
    if (Object.keys(kwargs).length > 0) {
      answer(false, {type: 'BadArguments', message: `${where}.${method} takes no keyword arguments, but was given ${Object.keys(kwargs).join(', ')}.`});
      return;
    }
    if (loadError) {
      answer(false, toErrorObject(loadError));
      return;
    }
    let decoded;
    try {
      decoded = /** @type {unknown[]} */ (this.host.decode(callArgs));
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      answer(false, toErrorObject(error));
      return;
    }
    let result;
    try {
      result = fn.apply(widget, decoded);
    } catch (error) {
      answer(false, toErrorObject(error));
      return;
    }
    /** @param {boolean} ok @param {unknown} value the result, or what the method threw */
    const settle = (ok, value) => {
      if (this.#lost) return;
      if (!ok) {
        answer(false, toErrorObject(value));
        return;
      }
      let encoded;
      try {
        encoded = encode(value);
      } catch (error) {
        answer(false, toErrorObject(error));
        return;
      }
      answer(true, encoded);
    };
    if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
      Promise.resolve(result).then((value) => settle(true, value), (error) => settle(false, error))
        .catch((error) => this.host.reportError(error));
    } else {
      settle(true, result);
    }
  }
}

// @ts-check
// transport.js: the connection state machine, backoff, unload, and the choice of driver
// (long-poll, or WebSocket falling back to long-poll). protocol.md sections 5 and 9.
// Tested by tests/js/livefragments/longpoll.test.mjs and websocket.test.mjs.

import {ProtocolError, QueueOverflow, RemoteError, toErrorObject} from './errors.js';
import {LongPollDriver} from './longpoll.js';
import {WebSocketDriver} from './websocket.js';

/** @typedef {import('./channel.js').Channel} Channel */
/** @typedef {import('./errors.js').ErrorObject} ErrorObject */

/** The states of a transport. `expired` and `closed` are final. */
export const State = Object.freeze({
  CONNECTING: 'connecting',
  LIVE: 'live',
  RECONNECTING: 'reconnecting',
  EXPIRED: 'expired',
  CLOSED: 'closed',
});

/** @type {Record<string, string[]>} */
const TRANSITIONS = {
  connecting: ['live', 'reconnecting', 'expired', 'closed'],
  live: ['reconnecting', 'expired', 'closed'],
  reconnecting: ['live', 'expired', 'closed'],
  expired: [],
  closed: [],
};

/** Retry delays: full jitter over a cap that starts at 0.5 s and doubles up to 15 s. */
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 15000;

/**
 * The delay before retry number `attempt` (0 for the first).
 * @param {number} attempt
 * @param {() => number} random in [0, 1)
 * @returns {number} milliseconds
 */
export function backoffDelay(attempt, random) {
  return random() * Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
}

/** The close message the browser sends when the page goes away (protocol.md 5.4). */
export const PAGE_CLOSED = Object.freeze({type: 'Closed', message: 'The page was closed.'});

/**
 * Everything a transport touches outside itself, injectable for tests.
 * @typedef {Object} Environment
 * @property {typeof fetch} fetch
 * @property {(fn: () => void, ms: number) => unknown} setTimeout
 * @property {(id: unknown) => void} clearTimeout
 * @property {() => number} random
 * @property {typeof WebSocket|undefined} WebSocket
 * @property {typeof AbortController} AbortController
 * @property {EventTarget|null} window receives pagehide, pageshow and online
 * @property {{sendBeacon?: (url: string, body: string) => boolean}|null} navigator
 * @property {{href: string}|null} location
 * @property {(error: unknown) => void} reportError
 */

/** @returns {Environment} the browser's own */
export function browserEnvironment() {
  const g = /** @type {any} */ (globalThis);
  return {
    fetch: (...args) => g.fetch(...args),
    setTimeout: (fn, ms) => g.setTimeout(fn, ms),
    clearTimeout: (id) => g.clearTimeout(id),
    random: () => Math.random(),
    WebSocket: g.WebSocket,
    AbortController: g.AbortController,
    window: g.window ?? null,
    navigator: g.navigator ?? null,
    location: g.location ?? null,
    reportError: (error) => (typeof g.reportError === 'function' ? g.reportError(error) : console.error(error)),
  };
}

/**
 * @typedef {Object} TransportOptions
 * @property {Channel} channel
 * @property {(messages: Array<[string, unknown[]]>) => void} deliver processes received
 *   messages other than `close` (calls and responses); may throw ProtocolError
 * @property {string} url the long-poll endpoint
 * @property {string} csrf
 * @property {string|null} [websocketUrl] the WebSocket endpoint's path, or null
 * @property {boolean} [preferWebSocket]
 * @property {number} [clientTimeout] seconds before a request is given up (default 40)
 * @property {Partial<Environment>} [env]
 */

/**
 * One page's connection to the server. It owns no sequencing (that is the Channel's) and
 * does no parsing of calls (that is the Rpc's): it moves envelopes, recovers from failures
 * with backoff and resend, and reports its state to listeners.
 */
export class Transport {
  /** @type {string} */
  #state = State.CONNECTING;
  /** @type {Set<(state: string, detail: Object) => void>} */
  #listeners = new Set();
  /** @type {LongPollDriver|WebSocketDriver|null} */
  #driver = null;
  #attempt = 0;
  /** @type {unknown} */
  #retryTimer = null;
  #flushQueued = false;
  #started = false;
  /** @type {Array<[string, (event: any) => void]>} */
  #windowListeners = [];

  /** @param {TransportOptions} options */
  constructor({channel, deliver, url, csrf, websocketUrl = null, preferWebSocket = false, clientTimeout = 40, env = {}}) {
    this.channel = channel;
    this.deliver = deliver;
    this.url = url;
    this.csrf = csrf;
    this.websocketUrl = websocketUrl;
    this.preferWebSocket = preferWebSocket;
    this.clientTimeoutMs = clientTimeout * 1000;
    /** @type {Environment} */
    this.env = {...browserEnvironment(), ...env};
    /** @type {ErrorObject|null} why the page closed or expired */
    this.closeReason = null;
    /** @type {string|null} why the WebSocket was given up for long-poll */
    this.fallbackReason = null;
  }

  /** @returns {string} one of State */
  get state() {
    return this.#state;
  }

  /** @returns {'longpoll'|'websocket'|null} the driver in use */
  get kind() {
    return this.#driver ? this.#driver.kind : null;
  }

  /** True in the final states. */
  get isFinished() {
    return this.#state === State.EXPIRED || this.#state === State.CLOSED;
  }

  /**
   * Calls `listener(state, detail)` on every state change; detail has `previous` and, as
   * fits, `error` (an error object) and `reason` (a sentence).
   * @param {(state: string, detail: Object) => void} listener
   * @returns {() => void} removes the listener
   */
  addListener(listener) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Connects: WebSocket first when offered and preferred, else long-poll. */
  start() {
    if (this.#started) throw new Error('The transport has already been started.');
    this.#started = true;
    const window = this.env.window;
    if (window) {
      this.#listen(window, 'pagehide', (event) => this.#pageHidden(event));
      this.#listen(window, 'pageshow', (event) => this.#pageShown(event));
      this.#listen(window, 'online', () => this.#retryNow());
      this.#listen(window, 'offline', () => this.#wentOffline());
    }
    if (this.websocketUrl && this.preferWebSocket && this.env.WebSocket && this.env.location) {
      this.#driver = new WebSocketDriver(this, this.#webSocketAddress());
    } else {
      this.#driver = new LongPollDriver(this);
    }
    this.#driver.connect({resume: false});
  }

  /**
   * Queues a message; messages queued in one task go out together.
   * @param {string} action
   * @param {unknown[]} args JSON-ready
   * @param {string|null} [key] coalescing key
   * @throws {RemoteError} ConnectionLost once the transport has finished
   * @throws {QueueOverflow} when the outbound queue is full; the page is then closed
   */
  send(action, args, key = null) {
    if (this.isFinished) {
      throw new RemoteError('ConnectionLost', `The page is ${this.#state}; nothing more can be sent.`);
    }
    try {
      this.channel.enqueue(action, args, key);
    } catch (error) {
      if (error instanceof QueueOverflow) this.close(toErrorObject(error));
      throw error;
    }
    this.scheduleFlush();
  }

  /**
   * Closes the page from this side: sends `close` with `error` (after every unacknowledged
   * message) once, without waiting for an answer.
   * @param {ErrorObject} [error]
   */
  close(error = PAGE_CLOSED) {
    if (this.isFinished || !this.#driver) return;
    this.#driver.sendFinal(this.#finalEnvelope(error));
    this.#finish(State.CLOSED, {error, by: 'client'});
  }

  // -- called by the drivers -------------------------------------------------------------

  /**
   * Sends what waits once this task's code and the promise callbacks it queued have run, so
   * that one task's messages travel together. Not in a task of its own: after a keystroke the
   * browser draws the frame first, and the edit waited 10-20 ms for it (docs/performance.md).
   */
  scheduleFlush() {
    if (this.#flushQueued || this.isFinished) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      if (this.#state === State.LIVE && this.#driver) this.#driver.pump();
    });
  }

  /**
   * Sends what waits now rather than once this task's code has run: for a message a person
   * waits for on the other side (a keystroke's edit), sent before the page draws its cause.
   * Messages queued later in the task follow in a frame of their own, in order.
   */
  flush() {
    if (this.#state === State.LIVE && this.#driver) this.#driver.pump();
  }

  /** The driver has a working connection (a resend was answered, a WebSocket opened). */
  opened() {
    if (this.isFinished) return;
    this.#attempt = 0;
    if (this.#state !== State.LIVE) this.#transition(State.LIVE, {});
    this.scheduleFlush();
  }

  /** An exchange succeeded: the next failure starts the backoff afresh. */
  succeeded() {
    this.#attempt = 0;
  }

  /**
   * Applies an envelope from the server and processes its messages.
   * @param {unknown} envelope parsed JSON
   */
  received(envelope) {
    if (this.isFinished) return;
    let messages;
    try {
      messages = this.channel.receive(envelope);
    } catch (error) {
      this.#protocolError(error);
      return;
    }
    const closeAt = messages.findIndex(([action]) => action === 'close');
    const ordinary = closeAt === -1 ? messages : messages.slice(0, closeAt);
    if (ordinary.length > 0) {
      try {
        this.deliver(ordinary);
      } catch (error) {
        this.#protocolError(error);
        return;
      }
    }
    if (closeAt !== -1) {
      // Processed messages have consecutive seqs ending at the channel's ack.
      this.#closedByServer(messages[closeAt][1][0], this.channel.ack - (messages.length - 1 - closeAt));
      return;
    }
    this.scheduleFlush();
  }

  /**
   * A request or connection failed: retry after a backoff delay, resending.
   * @param {string} reason a sentence
   */
  failed(reason) {
    if (this.isFinished || !this.#driver) return;
    this.#driver.abort();
    if (this.#state !== State.RECONNECTING) this.#transition(State.RECONNECTING, {reason});
    this.#clearRetry();
    const delay = backoffDelay(this.#attempt, this.env.random);
    this.#attempt += 1;
    this.#retryTimer = this.env.setTimeout(() => {
      this.#retryTimer = null;
      if (this.#state === State.RECONNECTING && this.#driver) this.#driver.connect({resume: true});
    }, delay);
  }

  /**
   * The WebSocket never opened: use long-poll from now on, at once, resuming.
   * @param {string} reason
   */
  upgradeFailed(reason) {
    if (this.isFinished) return;
    this.fallbackReason = reason;
    this.#driver?.abort();
    this.#driver = new LongPollDriver(this);
    this.#driver.connect({resume: true});
  }

  /**
   * The server refused a request with an error answer.
   * @param {number} status
   * @param {unknown} error the body's `error` object, if it had one
   */
  refused(status, error) {
    if (this.isFinished) return;
    const fields = error && typeof error === 'object' ? /** @type {Record<string, unknown>} */ (error) : {};
    const object = typeof fields.type === 'string' && typeof fields.message === 'string'
      ? {type: fields.type, message: fields.message} : null;
    const reload = Boolean(object && fields.reload === true);
    if (reload && status === 404) {
      this.#finish(State.EXPIRED, {error: object});
    } else if (reload || status === 403 || (status === 400 && object)) {
      // The page is gone (410, 413, 400 with reload) or the server will never accept these
      // requests (403, or 400 for an envelope it cannot parse): retrying cannot help.
      this.#finish(State.CLOSED, {error: object ?? {type: 'Forbidden', message: `The server answered ${status}.`}, by: 'server'});
    } else {
      this.failed(`The server answered ${status}${object ? `: ${object.message}` : '.'}`);
    }
  }

  // -- internals -------------------------------------------------------------------------

  /** @param {ErrorObject} error */
  #finalEnvelope(error) {
    const channel = this.channel;
    let overflow = false;
    try {
      channel.enqueue('close', [error]);
    } catch (e) {
      if (!(e instanceof QueueOverflow)) throw e;
      overflow = true;
    }
    channel.takeBatch();
    const messages = channel.unacked();
    // A full queue still gets its close: numbered next, outside the queue's limits.
    if (overflow) messages.push([channel.nextSeq, ['close', [error]]]);
    return [channel.ack, messages];
  }

  /** @param {unknown} error */
  #protocolError(error) {
    if (error instanceof ProtocolError) {
      this.close(toErrorObject(error));
    } else {
      this.env.reportError(error);
    }
  }

  /**
   * @param {unknown} error the close message's error object
   * @param {number} seq the close message's seq: anything after it was not processed
   */
  #closedByServer(error, seq) {
    const fields = error && typeof error === 'object' ? /** @type {Record<string, unknown>} */ (error) : {};
    const object = typeof fields.type === 'string'
      ? {type: fields.type, message: String(fields.message ?? '')}
      : {type: 'Closed', message: 'The server closed the page.'};
    // Acknowledge the close so that the server can free the page at once.
    this.#driver?.sendFinal([seq, []]);
    this.#finish(State.CLOSED, {error: object, by: 'server'});
  }

  /**
   * @param {string} state EXPIRED or CLOSED
   * @param {{error: ErrorObject|null, by?: string}} detail
   */
  #finish(state, detail) {
    this.closeReason = detail.error;
    this.#clearRetry();
    this.#driver?.abort();
    for (const [type, handler] of this.#windowListeners) this.env.window?.removeEventListener(type, handler);
    this.#windowListeners = [];
    this.#transition(state, detail);
  }

  /**
   * @param {string} to
   * @param {Object} detail
   */
  #transition(to, detail) {
    const previous = this.#state;
    if (!TRANSITIONS[previous].includes(to)) {
      throw new Error(`The transport cannot go from ${previous} to ${to}.`);
    }
    this.#state = to;
    for (const listener of [...this.#listeners]) {
      try {
        listener(to, {previous, ...detail});
      } catch (error) {
        this.env.reportError(error);
      }
    }
  }

  #clearRetry() {
    if (this.#retryTimer !== null) {
      this.env.clearTimeout(this.#retryTimer);
      this.#retryTimer = null;
    }
  }

  /** Reconnect now rather than after the backoff (back online, back from the bfcache). */
  #retryNow() {
    if (this.#state !== State.RECONNECTING || !this.#driver) return;
    this.#clearRetry();
    this.#driver.abort();
    this.#driver.connect({resume: true});
  }

  /**
   * The browser lost its network. A WebSocket can stay open without it for as long as the
   * system's TCP allows, and a parked long-poll request too: say so now and reconnect, which
   * succeeds as soon as the network is back (`online` then retries at once).
   */
  #wentOffline() {
    if (this.#state === State.LIVE) this.failed('The browser went offline.');
  }

  /** @param {{persisted?: boolean}} event */
  #pageHidden(event) {
    // A page entering the back-forward cache may come back: keep it open.
    if (event.persisted || this.isFinished) return;
    const envelope = this.#finalEnvelope(PAGE_CLOSED);
    const body = JSON.stringify([...envelope, {csrf: this.csrf}]);
    this.#finish(State.CLOSED, {error: PAGE_CLOSED, by: 'client'});
    const navigator = this.env.navigator;
    let queued = false;
    try {
      queued = Boolean(navigator?.sendBeacon?.(this.url, body));
    } catch (error) {
      this.env.reportError(error);
    }
    if (!queued) {
      this.env.fetch(this.url, {method: 'POST', body, keepalive: true, headers: {'Content-Type': 'text/plain;charset=UTF-8'}})
        .catch(() => {});
    }
  }

  /** @param {{persisted?: boolean}} event */
  #pageShown(event) {
    if (!event.persisted || this.isFinished || !this.#driver) return;
    // Requests in flight when the page was frozen are lost: resume at once.
    if (this.#state === State.LIVE) this.#transition(State.RECONNECTING, {reason: 'The page came back from the back-forward cache.'});
    this.#retryNow();
  }

  /**
   * @param {EventTarget} target
   * @param {string} type
   * @param {(event: any) => void} handler
   */
  #listen(target, type, handler) {
    target.addEventListener(type, handler);
    this.#windowListeners.push([type, handler]);
  }

  /** @returns {string} the ws:// or wss:// URL of the WebSocket endpoint */
  #webSocketAddress() {
    const address = new URL(/** @type {string} */ (this.websocketUrl), /** @type {{href: string}} */ (this.env.location).href);
    address.protocol = address.protocol === 'https:' ? 'wss:' : 'ws:';
    return address.href;
  }
}

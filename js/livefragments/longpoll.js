// @ts-check
// longpoll.js: the long-poll driver (protocol.md section 5): one parked poll, at most one
// request carrying unacknowledged messages, resend after a failure.
// Tested by tests/js/livefragments/longpoll.test.mjs.

/**
 * @typedef {Object} Request
 * @property {'poll'|'send'|'resend'} kind
 * @property {AbortController} controller
 * @property {unknown} timer
 * @property {boolean} cancelled aborted by us: its outcome is ignored
 * @property {boolean} timedOut
 */

/**
 * Moves envelopes over POST requests for a Transport. The transport decides when to pump
 * (once per task while live) and when to connect (start, or retry after a failure).
 */
export class LongPollDriver {
  /** @type {Set<Request>} */
  #requests = new Set();

  /** @param {import('./transport.js').Transport} transport */
  constructor(transport) {
    this.transport = transport;
  }

  /** @returns {'longpoll'} */
  get kind() {
    return 'longpoll';
  }

  /** How many requests are in flight (at most two). */
  get inFlight() {
    return this.#requests.size;
  }

  /**
   * Starts exchanging. A fresh page is live at once (its first poll goes out with the next
   * flush); a resuming one first sends `[ack, unacked, {"resend": true}]` and is live once
   * that is answered.
   * @param {{resume: boolean}} options
   */
  connect({resume}) {
    if (resume) {
      const channel = this.transport.channel;
      channel.takeBatch(); // waiting messages go out with the resend, numbered now
      this.#post([channel.ack, channel.unacked(), {resend: true}], 'resend');
    } else {
      this.transport.opened();
    }
  }

  /**
   * Sends waiting messages if no request carries unacknowledged ones, and keeps one request
   * outstanding (the poll); asks for a resend when an answer went missing.
   */
  pump() {
    const channel = this.transport.channel;
    if (this.#requests.size === 0 && channel.missing) {
      // Nothing in flight, yet the server's "last" is beyond what we processed: an answer was
      // lost without a visible failure (protocol.md 3). Ask for everything again.
      this.connect({resume: true});
      return;
    }
    if (channel.hasWaiting && !channel.hasUnacked && this.#requests.size < 2) {
      this.#post([channel.ack, channel.takeBatch()], 'send');
    }
    if (this.#requests.size === 0) this.#post([channel.ack, []], 'poll');
  }

  /** Abandons every request in flight; their answers are ignored. */
  abort() {
    for (const request of this.#requests) {
      request.cancelled = true;
      this.transport.env.clearTimeout(request.timer);
      request.controller.abort();
    }
    this.#requests.clear();
  }

  /**
   * Sends a last envelope (a close, or the ack of the server's close) without waiting for
   * or retrying on its answer.
   * @param {unknown[]} envelope
   */
  sendFinal(envelope) {
    const {env, url} = this.transport;
    try {
      Promise.resolve(env.fetch(url, {...this.#init(envelope), keepalive: true})).catch(() => {});
    } catch (error) {
      env.reportError(error);
    }
  }

  /** @param {unknown[]} envelope */
  #init(envelope) {
    return {
      method: 'POST',
      headers: {'Content-Type': 'application/json', 'X-LF-CSRF': this.transport.csrf},
      body: JSON.stringify(envelope),
      cache: /** @type {RequestCache} */ ('no-store'),
      credentials: /** @type {RequestCredentials} */ ('same-origin'),
    };
  }

  /**
   * @param {unknown[]} envelope
   * @param {'poll'|'send'|'resend'} kind
   */
  async #post(envelope, kind) {
    const transport = this.transport;
    const env = transport.env;
    /** @type {Request} */
    const request = {kind, controller: new env.AbortController(), timer: null, cancelled: false, timedOut: false};
    this.#requests.add(request);
    request.timer = env.setTimeout(() => {
      request.timedOut = true;
      request.controller.abort();
    }, transport.clientTimeoutMs);
    let status = 0;
    let text = '';
    /** @type {unknown} */
    let failure = null;
    try {
      const response = await env.fetch(transport.url, {...this.#init(envelope), signal: request.controller.signal});
      status = response.status;
      text = await response.text();
    } catch (error) {
      failure = error;
    }
    env.clearTimeout(request.timer);
    if (request.cancelled) return;
    this.#requests.delete(request);
    if (failure !== null) {
      transport.failed(request.timedOut
        ? `The server did not answer within ${transport.clientTimeoutMs / 1000} s.`
        : `A request to the server failed: ${failure instanceof Error ? failure.message : String(failure)}`);
      return;
    }
    if (status !== 200) {
      let error = null;
      try {
        error = JSON.parse(text)?.error ?? null;
      } catch {
        // not JSON (a proxy's page): the status alone decides
      }
      transport.refused(status, error);
      return;
    }
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      transport.failed('The server answered with a body that is not JSON.');
      return;
    }
    transport.received(body);
    if (kind === 'resend' && transport.channel.missing && !transport.isFinished) {
      // A resend brings every message; if some are still missing, back off rather than spin.
      transport.failed('The server answered a resend without the messages it said it had sent.');
      return;
    }
    if (kind === 'resend') transport.opened();
    else transport.succeeded();
    transport.scheduleFlush();
  }
}

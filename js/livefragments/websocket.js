// @ts-check
// websocket.js: the WebSocket driver (protocol.md section 9): the same envelopes as text frames.
// Tested by tests/js/livefragments/websocket.test.mjs and websocket_server.test.mjs.

import {LongPollDriver} from './longpoll.js';

const OPEN = 1;

/**
 * An acknowledgement alone waits (protocol.md 9.4): it goes once this many messages await it,
 * or ACK_DELAY_MS after the first of them came; any frame this page sends carries it. A
 * watching page then sends nothing back for most changes (livefragments/_wsclient.py likewise).
 */
export const ACK_EVERY = 50;
export const ACK_DELAY_MS = 500;

/** Close codes 4000-4999 carry the HTTP status a long-poll request would have got (4410: 410). */
const STATUS_CLOSE_MIN = 4000;
const STATUS_CLOSE_MAX = 4999;

/**
 * Moves envelopes over one WebSocket for a Transport. If the page's first socket never opens,
 * the transport falls back to long-poll; if an open socket closes, the transport reconnects
 * with backoff and this driver opens a new socket, resuming from the channel's ack. Once a
 * socket has opened, WebSocket works on this path: a later socket that fails to open (the
 * server restarting, the network gone) is retried like any failure, not given up.
 */
export class WebSocketDriver {
  /** @type {WebSocket|null} */
  #socket = null;
  /** @type {unknown} */
  #openTimer = null;
  /** @type {unknown} gives up an open socket that has been silent for clientTimeout */
  #silenceTimer = null;
  /** the ack last sent, so an ack-only frame goes out only when it moved */
  #ackSent = -1;
  /** @type {unknown} sends a waiting acknowledgement ACK_DELAY_MS after it began to wait */
  #ackTimer = null;
  /** has any socket of this page opened? */
  #everOpened = false;

  /**
   * @param {import('./transport.js').Transport} transport
   * @param {string} address ws:// or wss:// URL
   */
  constructor(transport, address) {
    this.transport = transport;
    this.address = address;
  }

  /** @returns {'websocket'} */
  get kind() {
    return 'websocket';
  }

  /**
   * Opens a socket. Once open it sends `{"csrf", "ack"}`, then every unacknowledged message
   * (a reconnect is a resumption), and the transport becomes live.
   * @param {{resume: boolean}} _options resuming is the same as starting over a WebSocket
   */
  connect(_options) {
    const transport = this.transport;
    const env = transport.env;
    let socket;
    try {
      socket = new /** @type {typeof WebSocket} */ (env.WebSocket)(this.address);
    } catch (error) {
      transport.upgradeFailed(`The WebSocket could not be created: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.#socket = socket;
    let opened = false;
    this.#openTimer = env.setTimeout(() => {
      this.#openTimer = null;
      if (opened || this.#socket !== socket) return;
      this.#drop(socket);
      this.#socket = null;
      this.#notOpened(`The WebSocket did not open within ${transport.clientTimeoutMs / 1000} s.`);
    }, transport.clientTimeoutMs);
    socket.onopen = () => {
      if (this.#socket !== socket) return;
      opened = this.#everOpened = true;
      this.#clearOpenTimer();
      const channel = transport.channel;
      socket.send(JSON.stringify({csrf: transport.csrf, ack: channel.ack}));
      channel.takeBatch();
      const unacked = channel.unacked();
      if (unacked.length > 0) socket.send(JSON.stringify([channel.ack, unacked]));
      this.#ackSent = channel.ack;
      this.#armSilence(socket);
      transport.opened();
    };
    socket.onmessage = (event) => {
      if (this.#socket !== socket) return;
      this.#armSilence(socket);
      let envelope;
      try {
        if (typeof event.data !== 'string') throw new Error('binary frame');
        envelope = JSON.parse(event.data);
      } catch {
        transport.close({type: 'ProtocolError', message: 'The server sent a WebSocket frame that is not a JSON text frame.'});
        return;
      }
      if (envelope !== null && typeof envelope === 'object' && !Array.isArray(envelope)) {
        // The out-of-band close: {"status": 410, "error": {...}}, like a long-poll error answer.
        const status = Number.isInteger(envelope.status) ? envelope.status : 400;
        this.#drop(socket);
        this.#socket = null;
        this.#clearTimers();
        transport.refused(status, envelope.error ?? null);
        return;
      }
      transport.received(envelope);
    };
    socket.onerror = () => {}; // a close event always follows
    socket.onclose = (event) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#clearTimers();
      if (opened && event.code >= STATUS_CLOSE_MIN && event.code <= STATUS_CLOSE_MAX) {
        // A status close whose error frame was lost: the status alone decides.
        transport.refused(event.code - STATUS_CLOSE_MIN, null);
      } else if (opened) {
        transport.failed(`The WebSocket closed (code ${event.code}).`);
      } else {
        this.#notOpened(`The WebSocket upgrade failed (code ${event.code}).`);
      }
    };
  }

  /**
   * A socket did not open: the page's first falls back to long-poll, a later one is retried.
   * @param {string} reason
   */
  #notOpened(reason) {
    if (this.#everOpened) {
      this.transport.failed(reason);
    } else {
      this.transport.upgradeFailed(reason);
    }
  }

  /** Sends waiting messages as one frame, or the ack alone once it is due (ACK_EVERY). */
  pump() {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN) return;
    const channel = this.transport.channel;
    if (channel.hasWaiting) {
      socket.send(JSON.stringify([channel.ack, channel.takeBatch()]));
    } else if (channel.ack - this.#ackSent >= ACK_EVERY) {
      socket.send(JSON.stringify([channel.ack, []]));
    } else {
      if (channel.ack !== this.#ackSent && this.#ackTimer === null) {
        this.#ackTimer = this.transport.env.setTimeout(() => {
          this.#ackTimer = null;
          const open = this.#socket;
          if (open && open.readyState === OPEN && this.transport.channel.ack !== this.#ackSent) {
            open.send(JSON.stringify([this.transport.channel.ack, []]));
            this.#ackSent = this.transport.channel.ack;
          }
        }, ACK_DELAY_MS);
      }
      return;
    }
    this.#ackSent = channel.ack;
    this.#clearAckTimer();
  }

  #clearAckTimer() {
    if (this.#ackTimer !== null) {
      this.transport.env.clearTimeout(this.#ackTimer);
      this.#ackTimer = null;
    }
  }

  /** Closes the socket, ignoring whatever it still delivers. */
  abort() {
    this.#clearTimers();
    if (this.#socket) this.#drop(this.#socket);
    this.#socket = null;
  }

  /**
   * Sends a last envelope on the open socket, then closes it; without an open socket the
   * envelope goes as one POST to the long-poll endpoint.
   * @param {unknown[]} envelope
   */
  sendFinal(envelope) {
    const socket = this.#socket;
    if (socket && socket.readyState === OPEN) {
      try {
        socket.send(JSON.stringify(envelope));
      } catch (error) {
        this.transport.env.reportError(error);
      }
    } else {
      new LongPollDriver(this.transport).sendFinal(envelope);
    }
    this.abort();
  }

  /** @param {WebSocket} socket */
  #drop(socket) {
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try {
      socket.close(1000);
    } catch {
      // closing a socket that never connected may throw in some browsers; it is gone anyway
    }
  }

  #clearOpenTimer() {
    if (this.#openTimer !== null) {
      this.transport.env.clearTimeout(this.#openTimer);
      this.#openTimer = null;
    }
  }

  #clearTimers() {
    this.#clearOpenTimer();
    this.#clearAckTimer();
    if (this.#silenceTimer !== null) {
      this.transport.env.clearTimeout(this.#silenceTimer);
      this.#silenceTimer = null;
    }
  }

  /**
   * The server sends at least an empty envelope every idleTimeout; a socket silent for
   * clientTimeout is half-open (the network went away without a close): give it up.
   * @param {WebSocket} socket
   */
  #armSilence(socket) {
    const transport = this.transport;
    if (this.#silenceTimer !== null) transport.env.clearTimeout(this.#silenceTimer);
    this.#silenceTimer = transport.env.setTimeout(() => {
      this.#silenceTimer = null;
      if (this.#socket !== socket) return;
      this.#drop(socket);
      this.#socket = null;
      transport.failed(`The WebSocket was silent for ${transport.clientTimeoutMs / 1000} s.`);
    }, transport.clientTimeoutMs);
  }
}

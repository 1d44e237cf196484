// @ts-check
// channel.js: the sans-IO message channel (sequencing, acks, duplicates, gaps, coalescing).
// Tested by tests/js/livefragments/channel.test.mjs with the shared vectors in
// tests/vectors/channel/*.json; the twin of the Python livefragments._channel.Channel.

import {ProtocolError, QueueOverflow, describeJson} from './errors.js';

/** @typedef {[string, unknown[]]} Payload  [action, args] */
/** @typedef {[number, Payload]} Message  [seq, [action, args]] */
/** @typedef {[number, Message[]] | [number, Message[], Record<string, unknown>]} Envelope */

const encoder = new TextEncoder();

/**
 * The size a message counts against maxOutboundBytes: the UTF-8 length of the compact JSON
 * of [action, args].
 * @param {string} action
 * @param {unknown[]} args
 * @returns {number}
 */
export function messageBytes(action, args) {
  return encoder.encode(JSON.stringify([action, args])).length;
}

/** @param {unknown} value @returns {value is number} */
function isInteger(value) {
  return Number.isSafeInteger(value);
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * One side's view of the message stream of a page (protocol.md section 3). It does no I/O:
 * a transport takes batches from it and feeds it the envelopes it receives.
 *
 * Outbound: `enqueue` adds to the waiting queue, where a keyed message replaces a waiting one
 * with the same key in place; `takeBatch` numbers every waiting message and keeps it until the
 * peer's ack releases it. Inbound: `receive` drops duplicates, holds gaps and returns the
 * messages to process, in order. `receive` is atomic: when it throws ProtocolError, the
 * channel is unchanged.
 */
export class Channel {
  /** @type {Array<{action: string, args: unknown[], key: string|null, bytes: number}>} */
  #waiting = [];
  /** @type {Array<{seq: number, action: string, args: unknown[], bytes: number}>} */
  #unacked = [];
  /** @type {Map<number, Payload>} */
  #held = new Map();
  #nextSeq = 0;
  #ack = -1;
  #bytes = 0;
  #peerLast = -1;

  /**
   * @param {{maxHeld?: number, maxOutboundMessages?: number, maxOutboundBytes?: number}} [options]
   */
  constructor({maxHeld = 1000, maxOutboundMessages = 10000, maxOutboundBytes = 64 * 1024 * 1024} = {}) {
    for (const [name, value] of Object.entries({maxHeld, maxOutboundMessages, maxOutboundBytes})) {
      if (!isInteger(value) || value < 1) {
        throw new TypeError(`The channel option ${name} must be a positive integer, not ${describeJson(value)}.`);
      }
    }
    this.maxHeld = maxHeld;
    this.maxOutboundMessages = maxOutboundMessages;
    this.maxOutboundBytes = maxOutboundBytes;
  }

  /** The highest peer seq processed, -1 before any. */
  get ack() {
    return this.#ack;
  }

  /** True when messages wait to be numbered and sent. */
  get hasWaiting() {
    return this.#waiting.length > 0;
  }

  /** True when numbered messages wait for the peer's ack. */
  get hasUnacked() {
    return this.#unacked.length > 0;
  }

  /** How many messages wait to be numbered. */
  get waitingCount() {
    return this.#waiting.length;
  }

  /** The seqs of the peer's messages held because an earlier one is missing, ascending. */
  get held() {
    return [...this.#held.keys()].sort((a, b) => a - b);
  }

  /** The highest seq the peer says it has assigned (its envelopes' "last" option), -1 before. */
  get peerLast() {
    return this.#peerLast;
  }

  /**
   * True when the peer has sent messages this side has not processed: lost, or still on the
   * way. With no request in flight, that means an answer was lost (protocol.md 3).
   */
  get missing() {
    return this.#peerLast > this.#ack;
  }

  /** The seq the next numbered message will get. */
  get nextSeq() {
    return this.#nextSeq;
  }

  /** Bytes counted against maxOutboundBytes (waiting plus unacknowledged). */
  get outboundBytes() {
    return this.#bytes;
  }

  /**
   * Adds a message to the waiting queue. A message with a non-null key replaces, in place, a
   * waiting message with the same key; numbered messages are never altered.
   * @param {string} action
   * @param {unknown[]} args JSON-ready values
   * @param {string|null} [key] coalescing key
   * @throws {QueueOverflow} when waiting plus unacknowledged messages would exceed the limits;
   *   the queue is then unchanged.
   */
  enqueue(action, args, key = null) {
    if (typeof action !== 'string') {
      throw new TypeError(`A message's action must be a string, not ${describeJson(action)}.`);
    }
    if (!Array.isArray(args)) {
      throw new TypeError(`A message's args must be an array, not ${describeJson(args)}.`);
    }
    if (key !== null && typeof key !== 'string') {
      throw new TypeError(`A message's coalescing key must be a string or null, not ${describeJson(key)}.`);
    }
    const bytes = messageBytes(action, args);
    const index = key === null ? -1 : this.#waiting.findIndex((m) => m.key === key);
    const count = this.#waiting.length + this.#unacked.length + (index === -1 ? 1 : 0);
    const total = this.#bytes + bytes - (index === -1 ? 0 : this.#waiting[index].bytes);
    if (count > this.maxOutboundMessages) {
      throw new QueueOverflow(
        `The outbound queue would hold ${count} messages, more than the limit of ${this.maxOutboundMessages}.`);
    }
    if (total > this.maxOutboundBytes) {
      throw new QueueOverflow(
        `The outbound queue would hold ${total} bytes, more than the limit of ${this.maxOutboundBytes}.`);
    }
    const entry = {action, args, key, bytes};
    if (index === -1) this.#waiting.push(entry);
    else this.#waiting[index] = entry;
    this.#bytes = total;
  }

  /**
   * Numbers every waiting message (consecutive seqs) and returns them; they stay unacked
   * until the peer acknowledges them.
   * @returns {Message[]}
   */
  takeBatch() {
    const batch = [];
    for (const {action, args, bytes} of this.#waiting) {
      const seq = this.#nextSeq++;
      this.#unacked.push({seq, action, args, bytes});
      batch.push(/** @type {Message} */ ([seq, [action, args]]));
    }
    this.#waiting = [];
    return batch;
  }

  /**
   * Every numbered, unacknowledged message, in order (for a resend).
   * @returns {Message[]}
   */
  unacked() {
    return this.#unacked.map(({seq, action, args}) => /** @type {Message} */ ([seq, [action, args]]));
  }

  /**
   * `[ack, takeBatch()]`.
   * @returns {Envelope}
   */
  envelope() {
    return [this.#ack, this.takeBatch()];
  }

  /**
   * Applies an envelope from the peer: its ack releases our messages, its messages are
   * deduplicated and reordered, its "last" option (if any) updates peerLast.
   * @param {unknown} envelope the parsed JSON
   * @returns {Payload[]} the messages to process now, in order
   * @throws {ProtocolError} for a malformed envelope, an ack beyond what was sent, or more
   *   than maxHeld messages left held once the envelope is applied; the channel is then
   *   unchanged.
   */
  receive(envelope) {
    const {ack, messages, last: peerLast} = this.#validate(envelope);
    let last = this.#ack;
    const held = new Map(this.#held);
    /** @type {Payload[]} */
    const deliver = [];
    for (const [seq, payload] of messages) {
      if (seq <= last || held.has(seq)) continue;
      if (seq === last + 1) {
        deliver.push(payload);
        last = seq;
        while (held.has(last + 1)) {
          last += 1;
          deliver.push(/** @type {Payload} */ (held.get(last)));
          held.delete(last);
        }
      } else {
        held.set(seq, payload);
      }
    }
    // The bound is on what stays held between envelopes, so the order inside one does not matter.
    if (held.size > this.maxHeld) {
      throw new ProtocolError(
        `More than ${this.maxHeld} messages arrived ahead of the missing message ${last + 1}; ` +
        'the peer is not following the protocol.');
    }
    while (this.#unacked.length > 0 && this.#unacked[0].seq <= ack) {
      this.#bytes -= /** @type {{bytes: number}} */ (this.#unacked.shift()).bytes;
    }
    this.#ack = last;
    this.#held = held;
    if (peerLast !== null) this.#peerLast = Math.max(this.#peerLast, peerLast);
    return deliver;
  }

  /**
   * @param {unknown} envelope
   * @returns {{ack: number, messages: Message[], last: number|null}}
   */
  #validate(envelope) {
    if (!Array.isArray(envelope)) {
      throw new ProtocolError(`An envelope must be an array [ack, messages], not ${describeJson(envelope)}.`);
    }
    // The third element carries options: a client's request options, the server's "last".
    if (envelope.length !== 2 && !(envelope.length === 3 && isPlainObject(envelope[2]))) {
      throw new ProtocolError(
        `An envelope must be an array [ack, messages] or [ack, messages, {options}], not ${describeJson(envelope)}.`);
    }
    const [ack, messages] = envelope;
    if (!isInteger(ack) || ack < -1) {
      throw new ProtocolError(`An envelope's ack must be an integer of at least -1, not ${describeJson(ack)}.`);
    }
    if (ack >= this.#nextSeq) {
      throw new ProtocolError(this.#nextSeq === 0
        ? `The envelope acknowledges message ${ack}, but this side has sent no messages.`
        : `The envelope acknowledges message ${ack}, but this side has sent messages only up to ${this.#nextSeq - 1}.`);
    }
    if (!Array.isArray(messages)) {
      throw new ProtocolError(`An envelope's messages must be an array, not ${describeJson(messages)}.`);
    }
    messages.forEach((message, index) => {
      const where = `The message at index ${index} of the envelope`;
      if (!Array.isArray(message) || message.length !== 2) {
        throw new ProtocolError(`${where} must be an array [seq, [action, args]], not ${describeJson(message)}.`);
      }
      const [seq, payload] = message;
      if (!isInteger(seq) || seq < 0) {
        throw new ProtocolError(`${where} has a seq that is not a non-negative integer: ${describeJson(seq)}.`);
      }
      if (!Array.isArray(payload) || payload.length !== 2) {
        throw new ProtocolError(`${where} must carry an array [action, args], not ${describeJson(payload)}.`);
      }
      if (typeof payload[0] !== 'string') {
        throw new ProtocolError(`${where} has an action that is not a string: ${describeJson(payload[0])}.`);
      }
      if (!Array.isArray(payload[1])) {
        throw new ProtocolError(`${where} has args that are not an array: ${describeJson(payload[1])}.`);
      }
    });
    const last = envelope.length === 3 ? envelope[2].last : undefined;
    // Unknown options, and a "last" that is not an integer, are ignored (protocol.md 3).
    return {ack, messages: /** @type {Message[]} */ (messages), last: isInteger(last) ? last : null};
  }
}

// Test doubles for the livefragments runtime: a fake clock, fake fetch, fake WebSocket and a
// fake window. Nothing here waits on real time: settle() only lets pending promise callbacks run.

/** Lets every pending promise callback (and callbacks they queue) run. */
export async function settle() {
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** A clock whose time moves only when a test calls tick(). */
export class FakeClock {
  now = 0;
  #nextId = 1;
  /** @type {Map<number, {at: number, delay: number, fn: () => void}>} */
  #timers = new Map();
  /** every delay ever passed to setTimeout, in order */
  delays = [];

  setTimeout = (fn, delay = 0) => {
    const id = this.#nextId++;
    const ms = Math.max(0, Number(delay) || 0);
    this.#timers.set(id, {at: this.now + ms, delay: ms, fn});
    this.delays.push(ms);
    return id;
  };

  clearTimeout = (id) => {
    this.#timers.delete(id);
  };

  /** Pending timers as {delay, at}, soonest first. */
  pending() {
    return [...this.#timers.values()].sort((a, b) => a.at - b.at).map(({delay, at}) => ({delay, at}));
  }

  /** Timers that are not zero-delay flushes. */
  pendingDelays() {
    return this.pending().filter((t) => t.delay > 0).map((t) => t.delay);
  }

  /** Advances time by `ms`, running due timers in order and settling promises after each. */
  async tick(ms = 0) {
    const target = this.now + ms;
    await settle();
    for (;;) {
      let next = null;
      for (const [id, timer] of this.#timers) {
        if (timer.at <= target && (next === null || timer.at < next[1].at)) next = [id, timer];
      }
      if (next === null) break;
      const [id, timer] = next;
      this.#timers.delete(id);
      this.now = Math.max(this.now, timer.at);
      timer.fn();
      await settle();
    }
    this.now = target;
  }
}

/** One fetch() call, answered by the test. */
export class FakeRequest {
  constructor(url, init) {
    this.url = url;
    this.init = init;
    this.method = init.method;
    this.headers = init.headers ?? {};
    this.body = JSON.parse(init.body);
    this.settled = false;
    this.aborted = false;
    this.promise = new Promise((resolve, reject) => {
      this._resolve = resolve;
      this._reject = reject;
    });
    init.signal?.addEventListener('abort', () => {
      if (this.settled) return;
      this.settled = true;
      this.aborted = true;
      this._reject(new DOMException('The operation was aborted.', 'AbortError'));
    });
  }

  /** Answers with `status` and a body (JSON-encoded unless a string). */
  respond(status, body) {
    if (this.settled) throw new Error(`The request ${JSON.stringify(this.body)} was already settled.`);
    this.settled = true;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    this._resolve({status, ok: status >= 200 && status < 300, text: async () => text});
  }

  /** Answers 200 with an envelope. */
  answer(envelope) {
    this.respond(200, envelope);
  }

  /** Fails like a network error. */
  fail() {
    if (this.settled) throw new Error('The request was already settled.');
    this.settled = true;
    this._reject(new TypeError('Failed to fetch'));
  }
}

/** Records fetch() calls; the test answers them. */
export class FakeNetwork {
  /** @type {FakeRequest[]} */
  requests = [];

  fetch = (url, init) => {
    const request = new FakeRequest(url, init);
    this.requests.push(request);
    return request.promise;
  };

  /** Requests not answered, failed or aborted yet. */
  get open() {
    return this.requests.filter((r) => !r.settled);
  }

  /** The only open request; fails the test if there is not exactly one. */
  only() {
    const open = this.open;
    if (open.length !== 1) throw new Error(`Expected one open request, found ${open.length}: ${JSON.stringify(open.map((r) => r.body))}`);
    return open[0];
  }
}

/** A WebSocket class whose sockets the test opens, feeds and closes. */
export function fakeWebSocketClass() {
  class FakeWebSocket {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSED = 3;
    /** @type {FakeWebSocket[]} */
    static instances = [];

    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      this.closeCode = null;
      this.onopen = this.onmessage = this.onclose = this.onerror = null;
      FakeWebSocket.instances.push(this);
    }

    send(data) {
      if (this.readyState !== 1) throw new Error('InvalidStateError: the socket is not open.');
      this.sent.push(JSON.parse(data));
    }

    close(code = 1005) {
      this.closeCode = code;
      this.readyState = 3;
    }

    // -- the test's side --
    serverOpen() {
      this.readyState = 1;
      this.onopen?.({});
    }

    serverSend(value) {
      this.onmessage?.({data: typeof value === 'string' ? value : JSON.stringify(value)});
    }

    serverClose(code = 1006) {
      this.readyState = 3;
      this.onerror?.({});
      this.onclose?.({code});
    }
  }
  return FakeWebSocket;
}

/** A window that records beacons and dispatches page lifecycle events. */
export class FakeWindow extends EventTarget {
  beacons = [];
  beaconResult = true;
  navigator = {
    sendBeacon: (url, body) => {
      this.beacons.push({url, body: JSON.parse(body)});
      return this.beaconResult;
    },
  };

  /** Dispatches pagehide or pageshow with `persisted`. */
  lifecycle(type, persisted) {
    const event = new Event(type);
    Object.defineProperty(event, 'persisted', {value: persisted});
    this.dispatchEvent(event);
  }
}

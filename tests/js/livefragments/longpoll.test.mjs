// The transport over long-poll (protocol.md section 5), driven by a fake clock and fake fetch.
import {test} from 'node:test';
import assert from 'node:assert/strict';

import {Channel} from '../../../js/livefragments/channel.js';
import {Transport, State, backoffDelay, BACKOFF_MAX_MS} from '../../../js/livefragments/transport.js';
import {RemoteError, QueueOverflow} from '../../../js/livefragments/errors.js';
import {FakeClock, FakeNetwork, FakeWindow, settle} from './fakes.mjs';

const URL_ = '/demo/C/transport';
const call = (id, method, args = []) => ['call', [id, 1, method, args, {}]];

function setup({random = () => 0.5, channelOptions = {}, window = new FakeWindow()} = {}) {
  const clock = new FakeClock();
  const net = new FakeNetwork();
  const channel = new Channel(channelOptions);
  const delivered = [];
  const errors = [];
  const states = [];
  const transport = new Transport({
    channel,
    deliver: (messages) => delivered.push(...messages),
    url: URL_,
    csrf: 'T',
    clientTimeout: 40,
    env: {
      fetch: net.fetch,
      setTimeout: clock.setTimeout,
      clearTimeout: clock.clearTimeout,
      random,
      window,
      navigator: window.navigator,
      location: {href: 'http://127.0.0.1:8080/demo/'},
      WebSocket: undefined,
      reportError: (error) => errors.push(error),
    },
  });
  transport.addListener((state, detail) => states.push([state, detail]));
  return {clock, net, channel, delivered, errors, states, transport, window};
}

/** Starts a page and returns it with its first poll parked. */
async function live(options) {
  const page = setup(options);
  page.transport.start();
  await page.clock.tick(0);
  return page;
}

test('a fresh page is live at once and parks one poll [-1, []] with the CSRF header', async () => {
  const {transport, net, states} = await live();
  assert.equal(transport.state, State.LIVE);
  assert.equal(transport.kind, 'longpoll');
  assert.deepEqual(states.map(([s]) => s), ['live']);
  const poll = net.only();
  assert.equal(poll.url, URL_);
  assert.equal(poll.method, 'POST');
  assert.deepEqual(poll.body, [-1, []]);
  assert.equal(poll.headers['X-LF-CSRF'], 'T');
  assert.equal(poll.headers['Content-Type'], 'application/json');
  assert.equal(poll.init.cache, 'no-store');
});

test('messages produced in one task go out together in one request beside the poll', async () => {
  const {transport, net, clock} = await live();
  transport.send(...call(0, 'a'));
  transport.send(...call(1, 'b'));
  transport.send(...call(2, 'c'));
  assert.equal(net.requests.length, 1, 'nothing is sent before the task ends');
  await clock.tick(0);
  assert.equal(net.requests.length, 2);
  assert.deepEqual(net.requests[1].body, [-1, [[0, call(0, 'a')], [1, call(1, 'b')], [2, call(2, 'c')]]]);
});

test('at most one request carries unacknowledged messages; later ones wait and go together', async () => {
  const {transport, net, clock} = await live();
  const [poll] = net.requests;
  transport.send(...call(0, 'a'));
  await clock.tick(0);
  const sending = net.requests[1];
  transport.send(...call(1, 'b'));
  await clock.tick(0);
  transport.send(...call(2, 'c'));
  await clock.tick(0);
  assert.equal(net.requests.length, 2, 'b and c wait while a is unacknowledged');
  // The server processed a, answered the old poll with the ack and parked the sending request.
  poll.answer([0, []]);
  await clock.tick(0);
  assert.equal(net.requests.length, 3);
  assert.deepEqual(net.requests[2].body, [-1, [[1, call(1, 'b')], [2, call(2, 'c')]]],
    'the next request carries only the new messages, never a resend of a');
  assert.equal(sending.settled, false, 'the request that carried a is now the parked poll');
  assert.equal(net.open.length, 2, 'never more than two requests');
});

test('a parked poll is replaced when answered, carrying the ack of what was processed', async () => {
  const {net, clock, delivered} = await live();
  net.only().answer([-1, [[0, call(null, 'show', [1])]]]);
  await clock.tick(0);
  assert.deepEqual(delivered, [call(null, 'show', [1])]);
  assert.deepEqual(net.only().body, [0, []]);
});

test('duplicates are dropped and gaps are held until they fill, across answers', async () => {
  const {net, clock, delivered} = await live();
  net.only().answer([-1, [[1, call(null, 'second')]]]);
  await clock.tick(0);
  assert.deepEqual(delivered, [], 'message 1 waits for message 0');
  assert.deepEqual(net.only().body, [-1, []]);
  net.only().answer([-1, [[0, call(null, 'first')], [1, call(null, 'second')]]]);
  await clock.tick(0);
  assert.deepEqual(delivered, [call(null, 'first'), call(null, 'second')]);
  net.only().answer([-1, [[0, call(null, 'first')], [1, call(null, 'second')], [2, call(null, 'third')]]]);
  await clock.tick(0);
  assert.deepEqual(delivered, [call(null, 'first'), call(null, 'second'), call(null, 'third')]);
  assert.deepEqual(net.only().body, [2, []]);
});

test('a failed request makes the page reconnect: after a backoff it resends its unacknowledged messages with resend', async () => {
  const {transport, net, clock, states} = await live({random: () => 0.5});
  const [poll] = net.requests;
  transport.send(...call(0, 'save', ['x']));
  await clock.tick(0);
  net.requests[1].fail();
  await clock.tick(0);
  assert.equal(transport.state, State.RECONNECTING);
  assert.equal(poll.aborted, true, 'the parked poll is abandoned too');
  assert.deepEqual(clock.pendingDelays(), [250], 'the first retry waits random() * 0.5 s');
  assert.equal(net.open.length, 0);
  await clock.tick(249);
  assert.equal(net.open.length, 0);
  await clock.tick(1);
  const resend = net.only();
  assert.deepEqual(resend.body, [-1, [[0, call(0, 'save', ['x'])]], {resend: true}]);
  resend.answer([0, [[0, ['respond', [0, true, 'saved']]]]]);
  await clock.tick(0);
  assert.equal(transport.state, State.LIVE);
  assert.deepEqual(states.map(([s]) => s), ['live', 'reconnecting', 'live']);
  assert.deepEqual(net.only().body, [0, []], 'live again: a new poll');
});

test('a lost answer is recovered by the resend: the missed message arrives once (protocol.md 10)', async () => {
  const {transport, net, clock, delivered, channel} = await live();
  transport.send(...call(0, 'increment'));
  await clock.tick(0);
  const [poll, request] = net.requests;
  poll.answer([0, [[0, ['respond', [0, true, 1]]]]]);
  await clock.tick(0);
  // The server answered `request` with a call, but that answer was lost.
  request.fail();
  await clock.tick(1000);
  const resend = net.only();
  assert.deepEqual(resend.body, [0, [], {resend: true}]);
  resend.answer([0, [[0, ['respond', [0, true, 1]]], [1, call(0, 'show', [1])]]]);
  await clock.tick(0);
  assert.deepEqual(delivered, [['respond', [0, true, 1]], call(0, 'show', [1])]);
  assert.equal(channel.ack, 1);
});

test('the retry delay grows from 0.5 s doubling to 15 s, with full jitter', async () => {
  const randoms = [0.999, 0.999, 0.999, 0.999, 0.999, 0.999, 0.999, 0, 0.25];
  let index = 0;
  const {net, clock} = await live({random: () => randoms[index++]});
  const observed = [];
  for (let i = 0; i < randoms.length; i += 1) {
    net.only().fail();
    await settle();
    const delay = clock.delays.at(-1);
    observed.push(delay);
    await clock.tick(delay);
  }
  const caps = [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000, 15000];
  assert.deepEqual(observed, caps.map((cap, i) => randoms[i] * cap));
  for (let attempt = 0; attempt < 12; attempt += 1) {
    assert.ok(backoffDelay(attempt, () => 0.999999) < BACKOFF_MAX_MS + 1e-9);
    assert.equal(backoffDelay(attempt, () => 0), 0);
  }
});

test('a successful resend resets the backoff', async () => {
  const {net, clock} = await live({random: () => 0.999});
  for (let i = 0; i < 3; i += 1) {
    net.only().fail();
    await clock.tick(0);
    await clock.tick(clock.pendingDelays()[0]);
  }
  net.only().answer([-1, []]);
  await clock.tick(0);
  net.only().fail();
  await clock.tick(0);
  assert.deepEqual(clock.pendingDelays(), [0.999 * 500]);
});

test('a request with no answer within clientTimeout is given up and the page reconnects', async () => {
  const {transport, net, clock} = await live({random: () => 0});
  const poll = net.only();
  await clock.tick(39999);
  assert.equal(poll.settled, false);
  await clock.tick(1);
  assert.equal(poll.aborted, true);
  assert.equal(transport.state, State.RECONNECTING);
  await clock.tick(0);
  assert.deepEqual(net.only().body, [-1, [], {resend: true}]);
});

test('404 with reload expires the page: listeners are told, nothing more is sent', async () => {
  const {transport, net, clock, states} = await live({random: () => 0});
  net.only().fail();
  await clock.tick(0);
  const error = {type: 'NoSuchPage', message: 'This page is no longer live on the server; reload it.', reload: true};
  net.only().respond(404, {error});
  await clock.tick(0);
  assert.equal(transport.state, State.EXPIRED);
  assert.deepEqual(states.at(-1), ['expired', {previous: 'reconnecting', error: {type: 'NoSuchPage', message: error.message}}]);
  assert.deepEqual(transport.closeReason, {type: 'NoSuchPage', message: error.message});
  await clock.tick(600000);
  assert.equal(net.open.length, 0);
  assert.throws(() => transport.send(...call(1, 'x')), (e) => e instanceof RemoteError && e.type === 'ConnectionLost');
});

test('a close message from the server closes the page after the messages before it, and is acknowledged', async () => {
  const {transport, net, clock, delivered, states} = await live();
  const closing = {type: 'Closed', message: 'The server is shutting down.'};
  net.only().answer([-1, [[0, call(null, 'bye')], [1, ['close', [closing]]], [2, call(null, 'never')]]]);
  await clock.tick(0);
  assert.deepEqual(delivered, [call(null, 'bye')]);
  assert.equal(transport.state, State.CLOSED);
  assert.deepEqual(states.at(-1), ['closed', {previous: 'live', error: closing, by: 'server'}]);
  const ack = net.requests.at(-1);
  assert.deepEqual(ack.body, [1, []], 'the close is acknowledged so the server can free the page');
  assert.equal(ack.init.keepalive, true);
  await clock.tick(600000);
  assert.equal(net.requests.length, 2);
});

test('410 Gone closes the page with the error; a 500 is retried', async () => {
  const gone = await live();
  gone.net.only().respond(410, {error: {type: 'QueueOverflow', message: 'Too much.', reload: true}});
  await gone.clock.tick(0);
  assert.equal(gone.transport.state, State.CLOSED);
  assert.deepEqual(gone.transport.closeReason, {type: 'QueueOverflow', message: 'Too much.'});

  const flaky = await live({random: () => 0});
  flaky.net.only().respond(500, 'Internal Server Error');
  await flaky.clock.tick(0);
  assert.equal(flaky.transport.state, State.RECONNECTING);
  assert.deepEqual(flaky.net.only().body, [-1, [], {resend: true}]);
});

test('403 closes the page: no retry can fix a foreign session or a bad token', async () => {
  const {transport, net, clock} = await live();
  net.only().respond(403, {error: {type: 'Forbidden', message: 'This page belongs to another session.', reload: false}});
  await clock.tick(0);
  assert.equal(transport.state, State.CLOSED);
  assert.equal(transport.closeReason.type, 'Forbidden');
  await clock.tick(60000);
  assert.equal(net.open.length, 0);
});

test('a 200 answer that is not JSON is a failed request and is retried', async () => {
  const {transport, net, clock} = await live({random: () => 0});
  net.only().respond(200, '<html>proxy</html>');
  await clock.tick(0);
  assert.equal(transport.state, State.RECONNECTING);
});

test('an impossible ack from the server closes the page with ProtocolError, telling the server', async () => {
  const {transport, net, clock} = await live();
  net.only().answer([5, []]);
  await clock.tick(0);
  assert.equal(transport.state, State.CLOSED);
  assert.equal(transport.closeReason.type, 'ProtocolError');
  const final = net.requests.at(-1);
  assert.deepEqual(final.body[1].map(([seq, [action]]) => [seq, action]), [[0, 'close']]);
  assert.equal(final.body[1][0][1][1][0].type, 'ProtocolError');
});

test('pagehide sends one beacon with the unacknowledged messages and a close, with the CSRF token', async () => {
  const {transport, net, clock, window} = await live();
  transport.send(...call(0, 'a'));
  await clock.tick(0);
  transport.send(...call(1, 'b'));
  window.lifecycle('pagehide', false);
  assert.deepEqual(window.beacons, [{url: URL_, body: [-1, [
    [0, call(0, 'a')], [1, call(1, 'b')], [2, ['close', [{type: 'Closed', message: 'The page was closed.'}]]],
  ], {csrf: 'T'}]}]);
  assert.equal(transport.state, State.CLOSED);
  assert.ok(net.requests.every((r) => r.settled), 'the poll and the send are abandoned');
  window.lifecycle('pagehide', false);
  assert.equal(window.beacons.length, 1);
});

test('pagehide into the back-forward cache sends no beacon; coming back resumes at once', async () => {
  const {transport, net, clock, window} = await live();
  window.lifecycle('pagehide', true);
  assert.deepEqual(window.beacons, []);
  assert.equal(transport.state, State.LIVE);
  window.lifecycle('pageshow', true);
  assert.equal(transport.state, State.RECONNECTING);
  await clock.tick(0);
  assert.deepEqual(net.only().body, [-1, [], {resend: true}]);
});

test('when sendBeacon refuses, the close goes as a keepalive POST', async () => {
  const window = new FakeWindow();
  window.beaconResult = false;
  const {net} = await live({window});
  window.lifecycle('pagehide', false);
  const last = net.requests.at(-1);
  assert.equal(last.init.keepalive, true);
  assert.deepEqual(last.body.at(-1), {csrf: 'T'});
});

test('back online, a reconnecting page retries without waiting out the backoff', async () => {
  const {net, clock, window} = await live({random: () => 0.999});
  net.only().fail();
  await clock.tick(0);
  assert.equal(net.open.length, 0);
  window.dispatchEvent(new Event('online'));
  assert.deepEqual(net.only().body, [-1, [], {resend: true}]);
  assert.deepEqual(clock.pendingDelays(), [40000], 'only the request timeout is pending');
});

test('close() sends the close after every unacknowledged message, once', async () => {
  const {transport, net, clock} = await live();
  transport.send(...call(0, 'a'));
  await clock.tick(0);
  transport.close();
  const final = net.requests.at(-1);
  assert.deepEqual(final.body, [-1, [[0, call(0, 'a')], [1, ['close', [{type: 'Closed', message: 'The page was closed.'}]]]]]);
  assert.equal(transport.state, State.CLOSED);
  transport.close();
  assert.equal(net.requests.at(-1), final);
});

test('an outbound overflow closes the page with QueueOverflow; the close still goes out', async () => {
  const {transport, net, clock} = await live({channelOptions: {maxOutboundMessages: 2}});
  transport.send(...call(0, 'a'));
  transport.send(...call(1, 'b'));
  assert.throws(() => transport.send(...call(2, 'c')), QueueOverflow);
  await clock.tick(0);
  assert.equal(transport.state, State.CLOSED);
  assert.equal(transport.closeReason.type, 'QueueOverflow');
  const final = net.requests.at(-1);
  assert.deepEqual(final.body[1].map(([seq, [action]]) => [seq, action]), [[0, 'call'], [1, 'call'], [2, 'close']]);
});

test('the state machine refuses to leave a final state', async () => {
  const {transport} = await live();
  transport.close();
  assert.throws(() => transport.start(), /already been started/);
  transport.opened();
  transport.failed('late');
  assert.equal(transport.state, State.CLOSED);
});

test('with nothing in flight, a server "last" beyond what was processed means a lost answer: the next request asks for resend', async () => {
  const {net, clock, delivered, transport} = await live();
  net.only().answer([-1, [[1, call(null, 'second')]], {last: 1}]);
  await clock.tick(0);
  assert.deepEqual(delivered, []);
  const resend = net.only();
  assert.deepEqual(resend.body, [-1, [], {resend: true}]);
  resend.answer([-1, [[0, call(null, 'first')], [1, call(null, 'second')]], {last: 1}]);
  await clock.tick(0);
  assert.deepEqual(delivered, [call(null, 'first'), call(null, 'second')]);
  assert.deepEqual(net.only().body, [1, []], 'then an ordinary poll');
  assert.equal(transport.state, State.LIVE);
});

test('"last" does not trigger a resend while another request may still bring the missing messages', async () => {
  const {transport, net, clock} = await live();
  transport.send(...call(0, 'a'));
  await clock.tick(0);
  const [poll, sending] = net.requests;
  poll.answer([0, [], {last: 0}]);
  await clock.tick(0);
  assert.equal(net.requests.length, 2, 'the request still in flight may carry message 0');
  sending.answer([0, [[0, ['respond', [0, true, null]]]], {last: 0}]);
  await clock.tick(0);
  assert.deepEqual(net.only().body, [0, []]);
});

test('a resend answer that still lacks the missing messages backs off instead of spinning', async () => {
  const {net, clock, transport} = await live({random: () => 0.5});
  net.only().answer([-1, [], {last: 3}]);
  await clock.tick(0);
  net.only().answer([-1, [], {last: 3}]);
  await clock.tick(0);
  assert.equal(transport.state, State.RECONNECTING);
  assert.equal(net.open.length, 0);
  assert.deepEqual(clock.pendingDelays(), [250]);
});

test('a poll answered before the server saw the sent messages does not let a second request carry messages', async () => {
  const {transport, net, clock} = await live();
  const [poll] = net.requests;
  transport.send(...call(0, 'a'));
  await clock.tick(0);
  const sending = net.requests[1];
  poll.answer([-1, []]); // idle answer that crossed the request carrying a
  await clock.tick(0);
  transport.send(...call(1, 'b'));
  await clock.tick(0);
  assert.equal(net.requests.length, 2, 'b waits: a is still unacknowledged and in flight');
  sending.answer([0, []]);
  await clock.tick(0);
  assert.deepEqual(net.requests[2].body, [-1, [[1, call(1, 'b')]]]);
});

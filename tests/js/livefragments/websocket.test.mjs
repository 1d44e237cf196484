// The transport over WebSocket (protocol.md section 9) and its fallback to long-poll.
import {test} from 'node:test';
import assert from 'node:assert/strict';

import {Channel} from '../../../js/livefragments/channel.js';
import {Transport, State} from '../../../js/livefragments/transport.js';
import {ACK_DELAY_MS, ACK_EVERY} from '../../../js/livefragments/websocket.js';
import {FakeClock, FakeNetwork, FakeWindow, fakeWebSocketClass} from './fakes.mjs';

const call = (id, method, args = []) => ['call', [id, 1, method, args, {}]];

function setup({random = () => 0.5, preferWebSocket = true, websocketUrl = '/demo/C/ws'} = {}) {
  const clock = new FakeClock();
  const net = new FakeNetwork();
  const WebSocket = fakeWebSocketClass();
  const window = new FakeWindow();
  const channel = new Channel();
  const delivered = [];
  const states = [];
  const transport = new Transport({
    channel,
    deliver: (messages) => delivered.push(...messages),
    url: '/demo/C/transport',
    csrf: 'T',
    websocketUrl,
    preferWebSocket,
    clientTimeout: 40,
    env: {
      fetch: net.fetch,
      setTimeout: clock.setTimeout,
      clearTimeout: clock.clearTimeout,
      random,
      WebSocket,
      window,
      navigator: window.navigator,
      location: {href: 'https://example.org:8443/demo/'},
      reportError: (error) => { throw error; },
    },
  });
  transport.addListener((state) => states.push(state));
  return {clock, net, WebSocket, window, channel, delivered, states, transport};
}

async function open(options) {
  const page = setup(options);
  page.transport.start();
  const socket = page.WebSocket.instances[0];
  socket.serverOpen();
  await page.clock.tick(0);
  return {...page, socket};
}

test('with preferWebSocket the page connects over wss to the ws endpoint and greets with csrf and ack', async () => {
  const {transport, WebSocket, states, clock} = setup();
  transport.start();
  assert.equal(transport.kind, 'websocket');
  assert.equal(transport.state, State.CONNECTING);
  const [socket] = WebSocket.instances;
  assert.equal(socket.url, 'wss://example.org:8443/demo/C/ws');
  socket.serverOpen();
  await clock.tick(0);
  assert.deepEqual(socket.sent, [{csrf: 'T', ack: -1}]);
  assert.equal(transport.state, State.LIVE);
  assert.deepEqual(states, ['live']);
});

test('without preferWebSocket, or without an endpoint, the page uses long-poll', async () => {
  for (const options of [{preferWebSocket: false}, {websocketUrl: null}]) {
    const {transport, WebSocket, net, clock} = setup(options);
    transport.start();
    await clock.tick(0);
    assert.equal(transport.kind, 'longpoll');
    assert.equal(WebSocket.instances.length, 0);
    assert.deepEqual(net.only().body, [-1, []]);
  }
});

test('messages of one task go out as one frame; received messages are processed once and acknowledged by the next frame', async () => {
  const {transport, socket, clock, delivered, net} = await open();
  transport.send(...call(0, 'a'));
  transport.send(...call(1, 'b'));
  await clock.tick(0);
  assert.deepEqual(socket.sent.slice(1), [[-1, [[0, call(0, 'a')], [1, call(1, 'b')]]]]);
  socket.serverSend([1, [[0, ['respond', [0, true, 'A']]], [1, ['respond', [1, true, 'B']]]]]);
  socket.serverSend([1, [[1, ['respond', [1, true, 'B']]]]]);
  await clock.tick(0);
  assert.deepEqual(delivered, [['respond', [0, true, 'A']], ['respond', [1, true, 'B']]]);
  assert.equal(socket.sent.length, 2, 'the acknowledgement alone waits');
  transport.send(...call(2, 'c'));
  await clock.tick(0);
  assert.deepEqual(socket.sent.at(-1), [1, [[2, call(2, 'c')]]], 'the next frame carries it');
  socket.serverSend([1, []]);
  await clock.tick(ACK_DELAY_MS);
  assert.equal(socket.sent.length, 3, 'no frame when the ack did not move');
  assert.equal(net.requests.length, 0, 'no HTTP requests while the socket is open');
});

test('flush sends what waits at once, within the task; what is queued after it follows in a frame of its own', async () => {
  const {transport, socket, clock} = await open();
  const seen = socket.sent.length;
  transport.send(...call(0, 'edit'));
  transport.flush();
  assert.deepEqual(socket.sent.slice(seen), [[-1, [[0, call(0, 'edit')]]]], 'sent before the task ends');
  transport.send(...call(1, 'run'));
  await clock.tick(0);
  assert.deepEqual(socket.sent.slice(seen), [[-1, [[0, call(0, 'edit')]]], [-1, [[1, call(1, 'run')]]]]);
});

test('an acknowledgement alone goes ACK_DELAY_MS after the first message it covers, or at once for ACK_EVERY of them', async () => {
  const {socket, clock} = await open();
  const seen = socket.sent.length;
  socket.serverSend([-1, [[0, call(null, 'x')]]]);
  await clock.tick(ACK_DELAY_MS - 1);
  socket.serverSend([-1, [[1, call(null, 'x')]]]);
  await clock.tick(0);
  assert.equal(socket.sent.length, seen, 'a watcher sends nothing back at once');
  await clock.tick(1);
  assert.deepEqual(socket.sent.slice(seen), [[1, []]], 'one frame for both, when the first is due');
  const many = Array.from({length: ACK_EVERY}, (_, i) => [2 + i, call(null, 'x')]);
  socket.serverSend([-1, many]);
  await clock.tick(0);
  assert.deepEqual(socket.sent.at(-1), [ACK_EVERY + 1, []], 'ACK_EVERY messages are acknowledged at once');
  await clock.tick(ACK_DELAY_MS);
  assert.equal(socket.sent.length, seen + 2, 'and the timer sends nothing more');
});

test('a socket that drops after opening reconnects with backoff and resumes: greeting with ack, then the unacked messages', async () => {
  const {transport, socket, clock, WebSocket, channel} = await open({random: () => 0.5});
  socket.serverSend([-1, [[0, call(null, 'x')]]]);
  transport.send(...call(0, 'a'));
  await clock.tick(0);
  socket.serverClose(1006);
  assert.equal(transport.state, State.RECONNECTING);
  assert.equal(WebSocket.instances.length, 1);
  transport.send(...call(1, 'b'));
  await clock.tick(250);
  assert.equal(WebSocket.instances.length, 2);
  const again = WebSocket.instances[1];
  again.serverOpen();
  await clock.tick(0);
  assert.deepEqual(again.sent, [{csrf: 'T', ack: 0}, [0, [[0, call(0, 'a')], [1, call(1, 'b')]]]]);
  assert.equal(transport.state, State.LIVE);
  assert.equal(channel.hasWaiting, false);
});

test('a failed upgrade falls back to long-poll at once, resuming with resend', async () => {
  const {transport, WebSocket, net, clock, states} = setup();
  transport.start();
  WebSocket.instances[0].serverClose(1006);
  assert.equal(transport.kind, 'longpoll');
  assert.match(transport.fallbackReason, /upgrade failed/);
  const resend = net.only();
  assert.deepEqual(resend.body, [-1, [], {resend: true}]);
  assert.equal(resend.headers['X-LF-CSRF'], 'T');
  resend.answer([-1, []]);
  await clock.tick(0);
  assert.equal(transport.state, State.LIVE);
  assert.deepEqual(states, ['live']);
  assert.deepEqual(net.only().body, [-1, []], 'then an ordinary poll');
});

test('once a socket has opened, one that fails to open on reconnect is retried over WebSocket, not given up', async () => {
  const {transport, socket, clock, WebSocket, net, states} = await open({random: () => 0});
  transport.send(...call(0, 'a'));
  await clock.tick(0);
  socket.serverSend([-1, [[0, call(null, 'x')]]]);
  socket.serverClose(1001);
  await clock.tick(0);
  WebSocket.instances[1].serverClose(1006);  // the server is restarting
  assert.equal(transport.kind, 'websocket');
  assert.equal(transport.fallbackReason, null);
  assert.equal(transport.state, State.RECONNECTING);
  assert.equal(net.requests.length, 0);
  await clock.tick(40000);  // nor does a socket that never answers make it give up
  WebSocket.instances[2].serverClose(1006);
  await clock.tick(1000);
  const again = WebSocket.instances.at(-1);
  again.serverOpen();
  await clock.tick(0);
  assert.deepEqual(again.sent, [{csrf: 'T', ack: 0}, [0, [[0, call(0, 'a')]]]]);
  assert.equal(transport.state, State.LIVE);
  assert.deepEqual(states, ['live', 'reconnecting', 'live']);
});

test('going offline reconnects a live page at once, and coming online retries without the backoff', async () => {
  const {transport, socket, clock, WebSocket, window, states} = await open({random: () => 0.5});
  window.dispatchEvent(new Event('offline'));
  assert.equal(transport.state, State.RECONNECTING);
  assert.equal(socket.closeCode, 1000, 'the old socket is closed');
  await clock.tick(250);
  WebSocket.instances[1].serverClose(1006);  // no network
  assert.equal(transport.state, State.RECONNECTING);
  const before = WebSocket.instances.length;
  window.dispatchEvent(new Event('online'));
  assert.equal(WebSocket.instances.length, before + 1, 'online retries at once');
  WebSocket.instances.at(-1).serverOpen();
  await clock.tick(0);
  assert.equal(transport.state, State.LIVE);
  assert.equal(transport.kind, 'websocket');
  assert.deepEqual(states, ['live', 'reconnecting', 'live']);
});

test('a socket that neither opens nor fails within clientTimeout is given up for long-poll', async () => {
  const {transport, WebSocket, net, clock} = setup();
  transport.start();
  await clock.tick(39999);
  assert.equal(transport.kind, 'websocket');
  await clock.tick(1);
  assert.equal(transport.kind, 'longpoll');
  assert.equal(WebSocket.instances[0].closeCode, 1000);
  assert.deepEqual(net.only().body, [-1, [], {resend: true}]);
});

test('a close message over the socket closes the page, acknowledges the close and closes the socket', async () => {
  const {transport, socket, clock, delivered} = await open();
  const closing = {type: 'Closed', message: 'Access revoked.'};
  socket.serverSend([-1, [[0, call(null, 'last')], [1, ['close', [closing]]]]]);
  await clock.tick(0);
  assert.deepEqual(delivered, [call(null, 'last')]);
  assert.equal(transport.state, State.CLOSED);
  assert.deepEqual(transport.closeReason, closing);
  assert.deepEqual(socket.sent.at(-1), [1, []]);
  assert.equal(socket.closeCode, 1000);
});

test('a frame that is not JSON closes the page with ProtocolError', async () => {
  const {transport, socket, clock} = await open();
  socket.serverSend('[1, NaN]');
  await clock.tick(0);
  assert.equal(transport.state, State.CLOSED);
  assert.equal(transport.closeReason.type, 'ProtocolError');
  assert.equal(socket.sent.at(-1)[1][0][1][0], 'close');
});

test('pagehide over WebSocket still sends the beacon to the long-poll endpoint', async () => {
  const {transport, socket, window} = await open();
  transport.send(...call(0, 'a'));
  window.lifecycle('pagehide', false);
  assert.equal(window.beacons.length, 1);
  assert.equal(window.beacons[0].url, '/demo/C/transport');
  assert.deepEqual(window.beacons[0].body[1].map(([seq]) => seq), [0, 1]);
  assert.equal(socket.closeCode, 1000);
});

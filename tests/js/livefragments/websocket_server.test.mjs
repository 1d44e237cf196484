// The WebSocket driver against what the server does (protocol.md section 9): out-of-band close
// frames and codes, and the silence watchdog for half-open sockets.
import {test} from 'node:test';
import assert from 'node:assert/strict';

import {Channel} from '../../../js/livefragments/channel.js';
import {Transport, State} from '../../../js/livefragments/transport.js';
import {FakeClock, FakeNetwork, FakeWindow, fakeWebSocketClass} from './fakes.mjs';

async function open() {
  const clock = new FakeClock();
  const net = new FakeNetwork();
  const WebSocket = fakeWebSocketClass();
  const window = new FakeWindow();
  const states = [];
  const transport = new Transport({
    channel: new Channel(),
    deliver: () => {},
    url: '/demo/C/transport',
    csrf: 'T',
    websocketUrl: '/demo/C/ws',
    preferWebSocket: true,
    clientTimeout: 40,
    env: {
      fetch: net.fetch, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout,
      random: () => 0.5, WebSocket, window, navigator: window.navigator,
      location: {href: 'http://127.0.0.1:8080/demo/'},
      reportError: (error) => { throw error; },
    },
  });
  transport.addListener((state) => states.push(state));
  transport.start();
  const socket = WebSocket.instances[0];
  socket.serverOpen();
  await clock.tick(0);
  return {clock, net, WebSocket, transport, socket, states};
}

test('an error frame with reload closes the page with the server\'s reason and closes the socket', async () => {
  const {transport, socket, clock} = await open();
  socket.serverSend({status: 410, error: {type: 'QueueOverflow', message: 'Too many.', reload: true}});
  await clock.tick(0);
  assert.equal(transport.state, State.CLOSED);
  assert.deepEqual(transport.closeReason, {type: 'QueueOverflow', message: 'Too many.'});
  assert.equal(socket.closeCode, 1000);
});

test('an error frame saying the page is gone (404 with reload) expires the page', async () => {
  const {transport, socket, clock} = await open();
  socket.serverSend({status: 404, error: {type: 'NoSuchPage', message: 'Gone.', reload: true}});
  await clock.tick(0);
  assert.equal(transport.state, State.EXPIRED);
});

test('a Forbidden error frame (a wrong CSRF token in the greeting) closes the page', async () => {
  const {transport, socket, clock} = await open();
  socket.serverSend({status: 403, error: {type: 'Forbidden', message: 'No token.', reload: false}});
  await clock.tick(0);
  assert.equal(transport.state, State.CLOSED);
  assert.equal(transport.closeReason.type, 'Forbidden');
});

test('a status close code without its error frame decides by the status: 4403 closes, 4410 retries', async () => {
  const first = await open();
  first.socket.serverClose(4403);
  await first.clock.tick(0);
  assert.equal(first.transport.state, State.CLOSED);
  const second = await open();
  second.socket.serverClose(4410);
  await second.clock.tick(0);
  assert.equal(second.transport.state, State.RECONNECTING, 'a retry learns whether the page lives');
});

test('an open socket silent for clientTimeout is given up and the page reconnects', async () => {
  const {transport, socket, clock, WebSocket, states} = await open();
  await clock.tick(30000);
  socket.serverSend([-1, []]); // the server's keep-alive after idleTimeout
  await clock.tick(39999);
  assert.equal(transport.state, State.LIVE, 'every frame restarts the watchdog');
  await clock.tick(1);
  assert.equal(socket.closeCode, 1000);
  assert.deepEqual(states, ['live', 'reconnecting']);
  await clock.tick(250);
  assert.equal(WebSocket.instances.length, 2, 'a new socket resumes the page');
});

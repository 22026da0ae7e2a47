'use strict';

const assert = require('node:assert/strict');
const { once } = require('node:events');
const { test } = require('node:test');
const { connectAs, login, skip, socketTo, startServer } = require('./helpers');

test('echo acknowledges with the same payload', { skip }, async () => {
  const { socket } = await connectAs((await startServer()).url, 'echoer');
  const payload = { text: 'ping', n: [1, 2, 3], nested: { ok: true } };
  assert.deepEqual(await socket.timeout(2000).emitWithAck('echo', payload), payload);
  assert.equal(await socket.timeout(2000).emitWithAck('echo', 'plain string'), 'plain string');
});

test('long-polling works too, with the cookie', { skip }, async () => {
  const server = await startServer();
  const { cookie } = await login(server.url, 'poller');
  const socket = socketTo(server.url, cookie, ['polling']);
  await once(socket, 'welcome', { signal: AbortSignal.timeout(5000) });
  assert.equal(socket.io.engine.transport.name, 'polling');
  assert.deepEqual(await socket.timeout(2000).emitWithAck('echo', { via: 'polling' }), { via: 'polling' });
});

test('shout reaches every client of every replica through the redis adapter', { skip }, async () => {
  const [one, two] = await Promise.all([startServer(), startServer()]);
  const [sender, sameReplica, otherReplica] = (
    await Promise.all([connectAs(one.url, 'a'), connectAs(one.url, 'b'), connectAs(two.url, 'c')])
  ).map((c) => c.socket);
  const payload = { text: `hello next ${Date.now()}` };
  const received = [sender, sameReplica, otherReplica].map((socket) =>
    once(socket, 'broadcast', { signal: AbortSignal.timeout(3000) }),
  );
  sender.emit('shout', payload);
  for (const [message] of await Promise.all(received)) assert.deepEqual(message, payload);
});

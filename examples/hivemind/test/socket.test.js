import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, test } from 'node:test';
import { io } from 'socket.io-client';
import { skip, startServer } from './helpers.js';

const sockets = [];
after(() => sockets.forEach((socket) => socket.disconnect()));

async function connect(url) {
  const socket = io(url, { transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  const [welcome] = await once(socket, 'welcome');
  assert.equal(welcome.id, socket.id);
  return socket;
}

test('echo acknowledges with the same payload', { skip }, async () => {
  const socket = await connect((await startServer()).url);
  const payload = { text: 'ping', n: [1, 2, 3], nested: { ok: true } };
  assert.deepEqual(await socket.timeout(2000).emitWithAck('echo', payload), payload);
  assert.equal(await socket.timeout(2000).emitWithAck('echo', 'plain string'), 'plain string');
});

test('shout reaches every client of every replica through the redis adapter', { skip }, async () => {
  const [one, two] = await Promise.all([startServer(), startServer()]);
  const [sender, sameReplica, otherReplica] = await Promise.all([connect(one.url), connect(one.url), connect(two.url)]);
  const payload = { text: `hello hive ${Date.now()}` };
  const received = [sender, sameReplica, otherReplica].map((socket) => once(socket, 'broadcast', { signal: AbortSignal.timeout(3000) }));
  sender.emit('shout', payload);
  for (const [message] of await Promise.all(received)) assert.deepEqual(message, payload);
});

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { nextEvent, skip, startServer } from './helpers';

const sockets: Socket[] = [];
after(() => sockets.forEach((socket) => socket.disconnect()));

async function connect(url: string): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  const [welcome] = (await nextEvent(socket, 'welcome')) as [{ id: string }];
  assert.equal(welcome.id, socket.id);
  return socket;
}

test('echo acknowledges with the same payload', { skip }, async () => {
  const socket = await connect((await startServer()).url);
  const payload = { text: 'ping', n: [1, 2, 3], nested: { ok: true } };
  assert.deepEqual(await socket.timeout(2000).emitWithAck('echo', payload), payload);
  assert.equal(await socket.timeout(2000).emitWithAck('echo', 'plain string'), 'plain string');
});

test('long-polling works too (the transport nginx must proxy without an upgrade)', { skip }, async () => {
  const socket = io((await startServer()).url, { transports: ['polling'], reconnection: false });
  sockets.push(socket);
  await nextEvent(socket, 'connect');
  assert.equal(socket.io.engine.transport.name, 'polling');
  assert.deepEqual(await socket.timeout(2000).emitWithAck('echo', { via: 'polling' }), { via: 'polling' });
});

test('shout reaches every client of every replica through the redis adapter', { skip }, async () => {
  const [one, two] = await Promise.all([startServer(), startServer()]);
  const [sender, sameReplica, otherReplica] = await Promise.all([connect(one.url), connect(one.url), connect(two.url)]);
  const payload = { text: `hello split ${Date.now()}` };
  const received = [sender!, sameReplica!, otherReplica!].map((socket) =>
    nextEvent(socket, 'broadcast', 3000),
  );
  sender!.emit('shout', payload);
  for (const [message] of await Promise.all(received)) assert.deepEqual(message, payload);
});

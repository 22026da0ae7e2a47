import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, test } from 'node:test';
import { io } from 'socket.io-client';
import { freePort, health, nextEvent, redisAddress, redisUrlVia, skip, startServer, waitFor } from './helpers';

// A TCP proxy in front of the real redis: closing it (and cutting its connections) looks like a redis outage.
function redisProxy(target: { host: string; port: number }) {
  const connections = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      connections.add(socket);
      socket.on('close', () => connections.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  return {
    async up(port: number) {
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    async down() {
      if (!server.listening) return;
      const closed = once(server, 'close');
      server.close();
      connections.forEach((socket) => socket.destroy());
      await closed;
    },
  };
}

test('redis clients reconnect by themselves after a redis outage', { skip }, async () => {
  const port = await freePort();
  const proxy = redisProxy(redisAddress());
  await proxy.up(port);
  after(() => proxy.down());
  const [viaProxy, direct] = await Promise.all([startServer({ REDIS_URL: redisUrlVia('127.0.0.1', port) }), startServer()]);

  await proxy.down();
  const degraded = await waitFor(async () => {
    const res = await health(viaProxy!.url);
    return res.status === 503 && res;
  });
  assert.equal(degraded.body?.postgres, 'ok');
  assert.match(degraded.body!.redis, /^error: /);

  await proxy.up(port);
  await waitFor(async () => (await health(viaProxy!.url)).status === 200);
  assert.match(viaProxy!.output(), /"msg":"redis ready","client":"sub"[\s\S]*"msg":"redis ready","client":"sub"/);

  // The subscriber re-subscribed: a shout on the other replica reaches a client of the reconnected one.
  const listener = io(viaProxy!.url, { transports: ['websocket'], reconnection: false });
  const shouter = io(direct!.url, { transports: ['websocket'], reconnection: false });
  after(() => [listener, shouter].forEach((socket) => socket.disconnect()));
  await Promise.all([nextEvent(listener, 'connect'), nextEvent(shouter, 'connect')]);
  const received = nextEvent(listener, 'broadcast', 3000);
  shouter.emit('shout', 'after the outage');
  assert.deepEqual(await received, ['after the outage']);
});

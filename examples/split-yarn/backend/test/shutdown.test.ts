import assert from 'node:assert/strict';
import { test } from 'node:test';
import { io } from 'socket.io-client';
import { nextEvent, skip, startServer } from './helpers';

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} closes sockets and exits 0 quickly`, { skip }, async () => {
    const server = await startServer();
    const socket = io(server.url, { transports: ['websocket'], reconnection: false });
    await nextEvent(socket, 'connect');
    const disconnected = nextEvent(socket, 'disconnect');

    const { code, ms } = await server.stop(signal);
    assert.equal(code, 0, server.output());
    assert.ok(ms < 3000, `took ${ms} ms`);
    await disconnected;
    assert.match(server.output(), new RegExp(`"msg":"shutting down","reason":"${signal}"`));
    assert.match(server.output(), /"msg":"stopped","exitCode":0/);
  });
}

'use strict';

const assert = require('node:assert/strict');
const { once } = require('node:events');
const { test } = require('node:test');
const { connectAs, skip, startServer } = require('./helpers');

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`${signal} closes sockets and exits 0 quickly`, { skip }, async () => {
    const server = await startServer();
    const { socket } = await connectAs(server.url, 'leaver');
    const disconnected = once(socket, 'disconnect');

    const { code, ms } = await server.stop(signal);
    assert.equal(code, 0, server.output());
    assert.ok(ms < 3000, `took ${ms} ms`);
    await disconnected;
    assert.match(server.output(), new RegExp(`"msg":"shutting down","reason":"${signal}"`));
    assert.match(server.output(), /"msg":"stopped","exitCode":0/);
  });
}

'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { skip, startServer } = require('./helpers');

test('migration is idempotent: two concurrent starts, then a restart, keep the data', { skip }, async () => {
  const [a, b] = await Promise.all([startServer(), startServer()]);
  const created = await fetch(`${a.url}/api/v1/notes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'survives restarts' }),
  }).then((res) => res.json());
  for (const server of [a, b]) {
    assert.match(server.output(), /"msg":"migration applied"/);
    assert.equal((await server.stop()).code, 0);
  }

  const c = await startServer();
  assert.match(c.output(), /"msg":"migration applied","attempt":1/);
  const res = await fetch(`${c.url}/api/v1/notes/${created.id}`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), created);
});

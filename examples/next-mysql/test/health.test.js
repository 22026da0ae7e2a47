'use strict';

const assert = require('node:assert/strict');
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');
const { freePort, health, skip, startServer, urlVia } = require('./helpers');

const { version } = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));

test('GET /health and /api/v1/health report ok when mysql and redis answer', { skip }, async () => {
  const server = await startServer();
  for (const route of ['/health', '/api/v1/health']) {
    const res = await fetch(server.url + route);
    assert.equal(res.status, 200, route);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = await res.json();
    assert.deepEqual(Object.keys(body).sort(), ['mysql', 'redis', 'status', 'uptime', 'version']);
    assert.equal(body.status, 'ok');
    assert.equal(body.mysql, 'ok');
    assert.equal(body.redis, 'ok');
    assert.equal(typeof body.uptime, 'number');
    assert.equal(body.version, version);
  }
});

test('health is 503 with the mysql error while mysql is unreachable; notes are 503', { skip }, async () => {
  const deadPort = await freePort();
  const server = await startServer({ DATABASE_URL: urlVia('DATABASE_URL', '127.0.0.1', deadPort) }, { status: 503 });
  for (const route of ['/health', '/api/v1/health']) {
    const { status, body } = await health(server.url, route);
    assert.equal(status, 503);
    assert.equal(body.status, 'degraded');
    assert.match(body.mysql, /^error: .*ECONNREFUSED/);
    assert.equal(body.redis, 'ok');
  }
  const notes = await fetch(`${server.url}/api/v1/notes`);
  assert.equal(notes.status, 503);
  assert.deepEqual(await notes.json(), { error: 'database not ready' });
  assert.match(server.output(), /"msg":"mysql not ready, retrying","attempt":1/);
});

test('health is 503 with the redis error while redis is unreachable', { skip }, async () => {
  const deadPort = await freePort();
  const server = await startServer({ REDIS_URL: urlVia('REDIS_URL', '127.0.0.1', deadPort) }, { status: 503 });
  const { status, body } = await health(server.url);
  assert.equal(status, 503);
  assert.equal(body.status, 'degraded');
  assert.equal(body.mysql, 'ok');
  assert.match(body.redis, new RegExp(`^error: .*ECONNREFUSED.*${deadPort}`));
  const login = await fetch(`${server.url}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"name":"ada"}',
  });
  assert.equal(login.status, 503);
  assert.deepEqual(await login.json(), { error: 'session store not ready' });
});

test('exits non-zero when mysql stays unreachable past DB_CONNECT_TIMEOUT_MS', { skip }, async () => {
  const deadPort = await freePort();
  const server = await startServer(
    { DATABASE_URL: urlVia('DATABASE_URL', '127.0.0.1', deadPort), DB_CONNECT_TIMEOUT_MS: '1500' },
    { status: 503 },
  );
  const { code } = await server.exited;
  assert.equal(code, 1);
  assert.match(server.output(), /giving up on mysql/);
});

test('a DATABASE_URL that is not mysql:// stops the start with a message naming it', { skip }, async () => {
  await assert.rejects(
    startServer({ DATABASE_URL: 'postgresql://postgres@127.0.0.1/x' }),
    /DATABASE_URL has protocol \\"postgresql:\\"; want mysql:/,
  );
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { freePort, health, skip, startServer } from './helpers.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

test('GET /health and /api/v1/health report ok when postgres and redis answer', { skip }, async () => {
  const server = await startServer();
  for (const path of ['/health', '/api/v1/health']) {
    const res = await fetch(server.url + path);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(Object.keys(body).sort(), ['postgres', 'redis', 'status', 'uptime', 'version']);
    assert.equal(body.status, 'ok');
    assert.equal(body.postgres, 'ok');
    assert.equal(body.redis, 'ok');
    assert.equal(typeof body.uptime, 'number');
    assert.equal(body.version, version);
  }
});

test('health is 503 with the postgres error while postgres is unreachable', { skip }, async () => {
  const deadPort = await freePort();
  const server = await startServer({ DATABASE_URL: '', POSTGRES_HOST: '127.0.0.1', POSTGRES_PORT: String(deadPort) }, { status: 503 });
  const { status, body } = await health(server.url);
  assert.equal(status, 503);
  assert.equal(body.status, 'degraded');
  assert.match(body.postgres, new RegExp(`^error: .*ECONNREFUSED.*${deadPort}`));
  assert.equal(body.redis, 'ok');
  const notes = await fetch(`${server.url}/api/v1/notes`);
  assert.equal(notes.status, 503);
  assert.deepEqual(await notes.json(), { error: 'database not ready' });
});

test('health is 503 with the redis error while redis is unreachable', { skip }, async () => {
  const deadPort = await freePort();
  const server = await startServer({ REDIS_URL: '', REDIS_HOST: '127.0.0.1', REDIS_PORT: String(deadPort) }, { status: 503 });
  const { status, body } = await health(server.url);
  assert.equal(status, 503);
  assert.equal(body.status, 'degraded');
  assert.equal(body.postgres, 'ok');
  assert.match(body.redis, new RegExp(`^error: .*ECONNREFUSED.*${deadPort}`));
});

test('exits non-zero when postgres stays unreachable past DB_CONNECT_TIMEOUT_MS', { skip }, async () => {
  const deadPort = await freePort();
  const server = await startServer(
    { DATABASE_URL: '', POSTGRES_HOST: '127.0.0.1', POSTGRES_PORT: String(deadPort), DB_CONNECT_TIMEOUT_MS: '1500' },
    { status: 503 },
  );
  const { code } = await server.exited;
  assert.equal(code, 1);
  assert.match(server.output(), /postgres not ready, retrying.*"attempt":1/);
  assert.match(server.output(), /giving up on postgres/);
});

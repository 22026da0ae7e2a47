import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, health, redisUrlVia, skip, startServer } from './helpers';

const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };

test('GET /healthz and /api/v1/health report ok when postgres and redis answer; /health is not a health path', { skip }, async () => {
  const server = await startServer();
  for (const path of ['/healthz', '/api/v1/health']) {
    const res = await fetch(server.url + path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['postgres', 'redis', 'status', 'uptime', 'version']);
    assert.equal(body.status, 'ok');
    assert.equal(body.postgres, 'ok');
    assert.equal(body.redis, 'ok');
    assert.equal(typeof body.uptime, 'number');
    assert.equal(body.version, version);
  }
  const res = await fetch(`${server.url}/health`);
  assert.equal(res.status, 404);
  assert.deepEqual(await res.json(), { error: 'not found' });
});

test('health is 503 with the postgres error while postgres is unreachable', { skip }, async () => {
  const deadPort = await freePort();
  const server = await startServer({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${deadPort}/none` }, { status: 503 });
  for (const path of ['/healthz', '/api/v1/health']) {
    const { status, body } = await health(server.url, path);
    assert.equal(status, 503);
    assert.equal(body?.status, 'degraded');
    assert.match(body!.postgres, new RegExp(`^error: .*ECONNREFUSED.*${deadPort}`));
    assert.equal(body?.redis, 'ok');
  }
  const notes = await fetch(`${server.url}/api/v1/notes`);
  assert.equal(notes.status, 503);
  assert.deepEqual(await notes.json(), { error: 'database not ready' });
});

test('health is 503 with the redis error while redis is unreachable', { skip }, async () => {
  const deadPort = await freePort();
  const server = await startServer({ REDIS_URL: redisUrlVia('127.0.0.1', deadPort) }, { status: 503 });
  const { status, body } = await health(server.url);
  assert.equal(status, 503);
  assert.equal(body?.status, 'degraded');
  assert.equal(body?.postgres, 'ok');
  assert.match(body!.redis, new RegExp(`^error: .*ECONNREFUSED.*${deadPort}`));
});

test('exits non-zero when postgres stays unreachable past DB_CONNECT_TIMEOUT_MS', { skip }, async () => {
  const deadPort = await freePort();
  const server = await startServer(
    { DATABASE_URL: `postgresql://postgres@127.0.0.1:${deadPort}/none`, DB_CONNECT_TIMEOUT_MS: '1500' },
    { status: 503 },
  );
  const { code } = await server.exited;
  assert.equal(code, 1);
  assert.match(server.output(), /postgres not ready, retrying.*"attempt":1/);
  assert.match(server.output(), /giving up on postgres/);
});

test('a malformed DATABASE_URL stops the start with a message naming it', { skip }, async () => {
  await assert.rejects(startServer({ DATABASE_URL: 'mysql://nope@127.0.0.1/x' }), /DATABASE_URL has protocol "mysql:"/);
});

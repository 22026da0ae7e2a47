'use strict';

// The login → connect with the cookie → join flow that the pipeline's smoke steps replay.
const assert = require('node:assert/strict');
const { once } = require('node:events');
const { before, test } = require('node:test');
const { connectAs, login, skip, socketTo, startServer } = require('./helpers');

let one;
let two;
before(async () => {
  if (!skip) [one, two] = await Promise.all([startServer(), startServer()]);
});

test('POST /api/v1/login sets an httpOnly session cookie', { skip }, async () => {
  const { res, cookie } = await login(one.url, '  Ada  ');
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { name: 'Ada' });
  const setCookie = res.headers.get('set-cookie');
  assert.match(setCookie, /^nm_session=[A-Za-z0-9_-]{32}; Path=\/; Max-Age=86400; HttpOnly; SameSite=Lax$/);
  assert.match(cookie, /^nm_session=/);

  const behindTls = await fetch(`${one.url}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
    body: '{"name":"Ada"}',
  });
  assert.match(behindTls.headers.get('set-cookie'), /; Secure$/);
});

test('login rejects a missing, empty or too long name', { skip }, async () => {
  for (const [body, error] of [
    ['{}', 'name must be a non-empty string'],
    ['{"name":"  "}', 'name must be a non-empty string'],
    [JSON.stringify({ name: 'x'.repeat(41) }), 'name must be at most 40 characters'],
    ['{"name":', 'body must be valid JSON'],
  ]) {
    const res = await fetch(`${one.url}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(res.status, 400, body);
    assert.deepEqual(await res.json(), { error });
    assert.equal(res.headers.get('set-cookie'), null);
  }
});

test('a socket without a valid session cookie gets connect_error "unauthorized"', { skip }, async () => {
  for (const cookie of [undefined, 'nm_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'nm_session=../../etc', 'other=1']) {
    for (const transports of [['websocket'], ['polling']]) {
      const socket = socketTo(one.url, cookie, transports);
      const [err] = await once(socket, 'connect_error', { signal: AbortSignal.timeout(5000) });
      assert.equal(err.message, 'unauthorized', `${cookie} over ${transports}`);
    }
  }
});

test('login, connect with the cookie, join: ack lists the members of every replica', { skip }, async () => {
  const room = `room-${Date.now()}`;
  const ada = await connectAs(one.url, 'ada');
  assert.deepEqual(ada.welcome, { id: ada.socket.id, name: 'ada' });
  assert.deepEqual(await ada.socket.timeout(5000).emitWithAck('join', { room }), { ok: true, room, members: ['ada'] });

  // A cookie from one replica works on the other: sessions live in redis.
  const { cookie } = await login(one.url, 'bob');
  const bob = socketTo(two.url, cookie);
  await once(bob, 'welcome', { signal: AbortSignal.timeout(5000) });
  const joined = once(ada.socket, 'joined', { signal: AbortSignal.timeout(5000) });
  assert.deepEqual(await bob.timeout(5000).emitWithAck('join', { room }), { ok: true, room, members: ['ada', 'bob'] });
  assert.deepEqual(await joined, [{ room, name: 'bob' }]);
});

test('join refuses a malformed room name', { skip }, async () => {
  const { socket } = await connectAs(one.url, 'carol');
  for (const payload of [{}, { room: '' }, { room: 'a b' }, { room: 'x'.repeat(65) }, 'lobby']) {
    const ack = await socket.timeout(5000).emitWithAck('join', payload);
    assert.deepEqual(ack, { ok: false, error: 'room must be 1-64 characters of A-Z a-z 0-9 _ -' }, JSON.stringify(payload));
  }
});

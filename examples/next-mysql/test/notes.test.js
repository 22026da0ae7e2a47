'use strict';

const assert = require('node:assert/strict');
const { before, test } = require('node:test');
const { skip, startServer } = require('./helpers');

let url;
before(async () => {
  if (!skip) url = `${(await startServer()).url}/api/v1/notes`;
});

const post = (body, headers = { 'content-type': 'application/json' }) => fetch(url, { method: 'POST', headers, body });

test('POST then GET a note', { skip }, async () => {
  const text = `hello ${Date.now()} ünïcødé 🐝`;
  const created = await post(JSON.stringify({ text: `  ${text} ` }));
  assert.equal(created.status, 201);
  const note = await created.json();
  assert.deepEqual(Object.keys(note).sort(), ['created_at', 'id', 'text']);
  assert.equal(note.text, text);
  assert.ok(Number.isInteger(note.id));
  assert.match(note.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Math.abs(Date.parse(note.created_at) - Date.now()) < 60000, `created_at ${note.created_at} is not now (time zone?)`);

  const fetched = await fetch(`${url}/${note.id}`);
  assert.equal(fetched.status, 200);
  assert.deepEqual(await fetched.json(), note);
});

test('GET /api/v1/notes lists newest first, at most 50', { skip }, async () => {
  const first = await (await post(JSON.stringify({ text: 'older' }))).json();
  const second = await (await post(JSON.stringify({ text: 'newer' }))).json();
  const res = await fetch(url);
  assert.equal(res.status, 200);
  const ids = (await res.json()).map((note) => note.id);
  assert.ok(ids.length <= 50);
  assert.ok(ids.indexOf(second.id) !== -1 && ids.indexOf(second.id) < ids.indexOf(first.id), `order: ${ids}`);
});

test('unknown note is 404, malformed id is 400', { skip }, async () => {
  const missing = await fetch(`${url}/2147483647`);
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { error: 'note not found' });
  for (const id of ['abc', '0', '-1', '1.5', '99999999999']) {
    const res = await fetch(`${url}/${id}`);
    assert.equal(res.status, 400, id);
    assert.deepEqual(await res.json(), { error: 'id must be a positive integer' });
  }
});

test('invalid bodies are 400 with a JSON error', { skip }, async () => {
  const cases = [
    [JSON.stringify({}), 'text must be a non-empty string'],
    [JSON.stringify({ text: '   ' }), 'text must be a non-empty string'],
    [JSON.stringify({ text: 42 }), 'text must be a non-empty string'],
    [JSON.stringify({ text: 'x'.repeat(1001) }), 'text must be at most 1000 characters'],
    ['{"text":', 'body must be valid JSON'],
  ];
  for (const [body, error] of cases) {
    const res = await post(body);
    assert.equal(res.status, 400, body);
    assert.deepEqual(await res.json(), { error });
  }
  const notJson = await post('text=hi', { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(notJson.status, 400);
  assert.deepEqual(await notJson.json(), { error: 'body must be JSON (Content-Type: application/json)' });
});

test('the longest valid text is stored whole', { skip }, async () => {
  const text = 'é'.repeat(1000);
  const res = await post(JSON.stringify({ text }));
  assert.equal(res.status, 201);
  assert.equal((await res.json()).text, text);
});

test('unknown API routes are a JSON 404', { skip }, async () => {
  for (const [method, route] of [['GET', '/api/v1/nope'], ['POST', '/api/nope/deeper'], ['GET', '/api']]) {
    const res = await fetch(new URL(route, url), { method });
    assert.equal(res.status, 404, `${method} ${route}`);
    assert.deepEqual(await res.json(), { error: 'not found' });
  }
});

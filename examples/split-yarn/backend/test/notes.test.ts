import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { skip, startServer } from './helpers';

interface Note {
  id: number;
  text: string;
  created_at: string;
}

let url: string;
before(async () => {
  if (!skip) url = `${(await startServer()).url}/api/v1/notes`;
});

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(url, { method: 'POST', headers, body });

test('POST then GET a note', { skip }, async () => {
  const text = `hello ${Date.now()}`;
  const created = await post(JSON.stringify({ text: `  ${text} ` }));
  assert.equal(created.status, 201);
  const note = (await created.json()) as Note;
  assert.deepEqual(Object.keys(note).sort(), ['created_at', 'id', 'text']);
  assert.equal(note.text, text);
  assert.ok(Number.isInteger(note.id));
  assert.ok(!Number.isNaN(Date.parse(note.created_at)));

  const fetched = await fetch(`${url}/${note.id}`);
  assert.equal(fetched.status, 200);
  assert.deepEqual(await fetched.json(), note);
});

test('GET /api/v1/notes lists newest first, at most 50', { skip }, async () => {
  const first = (await (await post(JSON.stringify({ text: 'older' }))).json()) as Note;
  const second = (await (await post(JSON.stringify({ text: 'newer' }))).json()) as Note;
  const res = await fetch(url);
  assert.equal(res.status, 200);
  const ids = ((await res.json()) as Note[]).map((note) => note.id);
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
  const cases: [string, string][] = [
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
});

test('unknown routes are a JSON 404', { skip }, async () => {
  for (const path of ['/api/v1/nope', '/nope']) {
    const res = await fetch(new URL(path, url));
    assert.equal(res.status, 404, path);
    assert.deepEqual(await res.json(), { error: 'not found' });
  }
});

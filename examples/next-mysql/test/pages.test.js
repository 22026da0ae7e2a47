'use strict';

const assert = require('node:assert/strict');
const { before, test } = require('node:test');
const { skip, startServer } = require('./helpers');

const SECURITY_HEADERS = ['x-frame-options', 'x-content-type-options', 'referrer-policy', 'content-security-policy'];

let url;
before(async () => {
  if (!skip) url = (await startServer()).url;
});

test('both routes render HTML with the security headers; an unknown page is 404', { skip }, async () => {
  for (const [route, heading] of [['/', '<h2>Notes</h2>'], ['/live', '<h2>Live</h2>']]) {
    const res = await fetch(url + route);
    assert.equal(res.status, 200, route);
    assert.match(res.headers.get('content-type'), /^text\/html/);
    const html = await res.text();
    assert.ok(html.includes(heading), `${route} has ${heading}`);
    assert.match(html, /<script src="\/_next\/static\//);
    for (const header of SECURITY_HEADERS) assert.ok(res.headers.get(header), `${header} on ${route}`);
  }
  const missing = await fetch(`${url}/no-such-page`);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('x-powered-by'), null);
});

'use strict';

const { log, errorMessage } = require('./log');

const MAX_TEXT_LENGTH = 1000;
const MAX_NAME_LENGTH = 40;

/** An error whose message is safe to show to the client, with its HTTP status. */
class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const json = (body, status = 200, headers = {}) => Response.json(body, { status, headers });

// Wraps a route handler: HttpErrors become {"error": message} with their status, anything else a
// logged 500 {"error":"internal error"}.
function handle(fn) {
  return async (req, ctx) => {
    try {
      return await fn(req, ctx);
    } catch (err) {
      if (err instanceof HttpError) return json({ error: err.message }, err.status);
      log.error('request failed', { path: new URL(req.url).pathname, error: errorMessage(err) });
      return json({ error: 'internal error' }, 500);
    }
  };
}

// The request body as JSON; 400 unless it is a JSON document sent as application/json.
async function readJson(req) {
  const type = req.headers.get('content-type') || '';
  if (!/^application\/json\b/i.test(type)) throw new HttpError(400, 'body must be JSON (Content-Type: application/json)');
  try {
    return await req.json();
  } catch {
    throw new HttpError(400, 'body must be valid JSON');
  }
}

function parseText(body) {
  const text = typeof body?.text === 'string' ? body.text.trim() : undefined;
  if (!text) throw new HttpError(400, 'text must be a non-empty string');
  if (text.length > MAX_TEXT_LENGTH) throw new HttpError(400, `text must be at most ${MAX_TEXT_LENGTH} characters`);
  return text;
}

function parseName(body) {
  const name = typeof body?.name === 'string' ? body.name.trim() : undefined;
  if (!name) throw new HttpError(400, 'name must be a non-empty string');
  if (name.length > MAX_NAME_LENGTH) throw new HttpError(400, `name must be at most ${MAX_NAME_LENGTH} characters`);
  return name;
}

function parseId(raw) {
  if (!/^[1-9]\d{0,9}$/.test(raw) || Number(raw) > 2 ** 31 - 1) throw new HttpError(400, 'id must be a positive integer');
  return Number(raw);
}

module.exports = { HttpError, handle, json, readJson, parseText, parseName, parseId };

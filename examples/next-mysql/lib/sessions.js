'use strict';

const { randomBytes } = require('node:crypto');

/** Name of the httpOnly session cookie set by POST /api/v1/login and required by the Socket.IO handshake. */
const COOKIE = 'nm_session';
const KEY_PREFIX = 'next-mysql:session:';
const ID_RE = /^[A-Za-z0-9_-]{32}$/;

// Sessions live in redis, so every replica accepts a cookie that any replica issued.
function createSessions(redis, ttlSeconds) {
  return {
    // Stores a new session for `name` and returns its id (24 random bytes, base64url: 32 characters).
    async create(name) {
      const id = randomBytes(24).toString('base64url');
      await redis.set(KEY_PREFIX + id, JSON.stringify({ name, created_at: new Date().toISOString() }), { EX: ttlSeconds });
      return id;
    },
    // The session for id, or undefined when it is unknown, expired or malformed.
    async get(id) {
      if (typeof id !== 'string' || !ID_RE.test(id)) return undefined;
      const raw = await redis.get(KEY_PREFIX + id);
      return raw ? JSON.parse(raw) : undefined;
    },
  };
}

// Parses a Cookie request header into an object; malformed pairs are skipped.
function parseCookies(header) {
  const out = {};
  for (const pair of (header || '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 1) continue;
    const name = pair.slice(0, eq).trim();
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      continue;
    }
    if (!(name in out)) out[name] = value;
  }
  return out;
}

// The Set-Cookie value for a new session.
function sessionCookie(id, { maxAge, secure }) {
  return `${COOKIE}=${id}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

module.exports = { COOKIE, createSessions, parseCookies, sessionCookie };

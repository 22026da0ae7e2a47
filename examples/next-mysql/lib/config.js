'use strict';

// Configuration from the environment, read once. Every variable is documented in README.md.

function int(env, name, fallback) {
  const raw = env[name];
  const value = raw ? Number(raw) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name}=${JSON.stringify(raw)}: want a non-negative integer`);
  return value;
}

function url(env, name, fallback, protocols) {
  const raw = env[name] || fallback;
  let parsed;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(`${name} is not a URL; want e.g. ${fallback}`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new Error(`${name} has protocol ${JSON.stringify(parsed.protocol)}; want ${protocols.join(' or ')}`);
  }
  return raw;
}

function readConfig(env = process.env) {
  return {
    port: int(env, 'PORT', 3000),
    // HOSTNAME as in Next's own standalone server. Docker sets HOSTNAME to the container id, so images
    // must set HOSTNAME=0.0.0.0 explicitly (as Next's example Dockerfile does).
    hostname: env.HOSTNAME || '0.0.0.0',
    dbConnectTimeoutMs: int(env, 'DB_CONNECT_TIMEOUT_MS', 60000),
    databaseUrl: url(env, 'DATABASE_URL', 'mysql://root@localhost:3306/nextmysql', ['mysql:']),
    redisUrl: url(env, 'REDIS_URL', 'redis://localhost:6379', ['redis:', 'rediss:']),
    sessionTtlSeconds: int(env, 'SESSION_TTL_SECONDS', 86400),
    // Adds Secure to the session cookie; also set per request when X-Forwarded-Proto is https.
    cookieSecure: env.COOKIE_SECURE === '1',
  };
}

module.exports = { readConfig };

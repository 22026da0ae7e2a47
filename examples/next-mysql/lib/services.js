'use strict';

const { readConfig } = require('./config');
const { createDb } = require('./db');
const { createRedis } = require('./redis');
const { createSessions } = require('./sessions');

// One set of clients per process, shared by the custom server (server.js) and the route handlers.
// Next bundles lib/ into each route's chunk, so module state would be per chunk; a global registry
// keyed by a well-known symbol is not.
const KEY = Symbol.for('next-mysql.services');

function createServices({ version = 'unknown' } = {}) {
  const config = readConfig();
  const db = createDb(config.databaseUrl);
  const redis = createRedis(config.redisUrl);
  const sessions = createSessions(redis.pub, config.sessionTtlSeconds);
  return { config, version, db, redis, sessions };
}

// The process's services, created on first use (server.js creates them first, with the version).
function services(options) {
  globalThis[KEY] ??= createServices(options);
  return globalThis[KEY];
}

module.exports = { services };

'use strict';

const { createClient } = require('redis');
const { log, errorMessage } = require('./log');

// `pub` serves commands (health PING, sessions, adapter publishes); `sub` is dedicated to the adapter's
// subscriptions. Both reconnect on their own with a capped backoff and re-subscribe after a reconnect.
function createRedis(url) {
  const pub = createClient({
    url,
    socket: { connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(100 * (retries + 1), 2000) },
  });
  const sub = pub.duplicate();
  let lastError;

  for (const [name, client] of Object.entries({ pub, sub })) {
    let down = false;
    // Without an 'error' listener a connection error would crash the process; log once per outage.
    client.on('error', (err) => {
      lastError = err;
      if (!down) log.warn('redis connection error', { client: name, error: errorMessage(err) });
      down = true;
    });
    client.on('ready', () => {
      down = false;
      log.info('redis ready', { client: name });
    });
  }

  return {
    pub,
    sub,
    isReady: () => pub.isReady,
    // Resolves once both clients are ready (they keep retrying until then).
    connect: () => Promise.all([pub.connect(), sub.connect()]),
    // Healthy only while both clients are connected: without `sub`, broadcasts from other replicas are lost.
    async ping() {
      if (!pub.isReady || !sub.isReady) throw new Error(lastError ? errorMessage(lastError) : 'not connected');
      await pub.ping();
    },
    close: () => Promise.all([pub, sub].map((client) => (client.isReady ? client.close() : client.destroy()))),
  };
}

module.exports = { createRedis };

import { createClient } from 'redis';
import { config } from './config';
import { log, errorMessage } from './log';

// `pub` serves commands (health PING, adapter publishes); `sub` is dedicated to the adapter's subscriptions.
// Both reconnect on their own with a capped backoff and re-subscribe after a reconnect.
export const pub = createClient({
  url: config.redisUrl,
  socket: { connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(100 * (retries + 1), 2000) },
});
export const sub = pub.duplicate();

let lastError: unknown;

for (const [name, client] of Object.entries({ pub, sub })) {
  let down = false;
  // Without an 'error' listener a connection error would crash the process; log once per outage.
  client.on('error', (err: unknown) => {
    lastError = err;
    if (!down) log.warn('redis connection error', { client: name, error: errorMessage(err) });
    down = true;
  });
  client.on('ready', () => {
    down = false;
    log.info('redis ready', { client: name });
  });
}

/** Resolves once both clients are ready (they keep retrying until then). */
export const connect = (): Promise<unknown> => Promise.all([pub.connect(), sub.connect()]);

/** Healthy only while both clients are connected: without `sub`, broadcasts from other replicas are lost. */
export async function ping(): Promise<void> {
  if (!pub.isReady || !sub.isReady) throw new Error(lastError ? errorMessage(lastError) : 'not connected');
  await pub.ping();
}

export const close = (): Promise<unknown> =>
  Promise.all([pub, sub].map((client) => (client.isReady ? client.close() : client.destroy())));

import http from 'node:http';
import { config, version } from './config';
import { log, errorMessage } from './log';
import * as db from './db';
import * as redis from './redis';
import { createApp } from './app';
import { createRealtime } from './realtime';

const FORCED_EXIT_MS = 8000;

const server = http.createServer(createApp());
// The redis clients must be connecting before the adapter subscribes; commands queue until they are ready.
redis.connect().catch((err: unknown) => log.error('redis connect failed', { error: errorMessage(err) }));
const io = createRealtime(server, redis.pub, redis.sub);

let shuttingDown = false;

async function shutdown(reason: string, exitCode = 0): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  log.info('shutting down', { reason });
  setTimeout(() => {
    log.error('shutdown timed out, forcing exit', { afterMs: FORCED_EXIT_MS });
    process.exit(1);
  }, FORCED_EXIT_MS).unref();
  try {
    // Disconnects all sockets and closes the HTTP server (stops accepting, waits for in-flight requests).
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await Promise.all([db.close(), redis.close()]);
  } catch (err) {
    log.error('shutdown error', { error: errorMessage(err) });
    exitCode ||= 1;
  }
  log.info('stopped', { exitCode });
  process.exit(exitCode);
}

// Explicit handlers: as PID 1 in a container, node gets no default action for these signals.
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
// The redis adapter publishes fire-and-forget; a command failing while redis is down must not kill the process.
process.on('unhandledRejection', (err) => log.error('unhandled rejection', { error: errorMessage(err) }));

server.on('error', (err) => {
  log.error('http server error', { error: errorMessage(err) });
  void shutdown('http server error', 1);
});
server.listen(config.port, config.host, () => log.info('listening', { host: config.host, port: config.port, version }));

db.migrate(config.dbConnectTimeoutMs).catch((err: unknown) => {
  log.error('giving up on postgres', { error: errorMessage(err) });
  void shutdown('postgres unavailable', 1);
});

'use strict';

// The app's server: Next's request handler and Socket.IO (Redis adapter) on one HTTP server.
//
// `npm run build` copies this file over the server.js that `output: 'standalone'` generates, together
// with lib/ and every package they need (traced by scripts/standalone.mjs), so the production start is
//   cd .next/standalone && node server.js        (PORT default 3000, HOSTNAME default 0.0.0.0)
// with .next/static and public copied next to it. `npm run dev` runs this same file with --dev.

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const dev = process.argv.includes('--dev');
process.env.NODE_ENV = dev ? 'development' : 'production';
// No telemetry calls home from a server that may have no way out (set it to 0 to opt back in).
process.env.NEXT_TELEMETRY_DISABLED ??= '1';
process.chdir(__dirname);

const { log, errorMessage } = require('./lib/log');
const { services } = require('./lib/services');
const { createRealtime } = require('./lib/realtime');

const FORCED_EXIT_MS = 8000;

// package.json is next to this file in the project and in the standalone output; optional all the same.
function readVersion() {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, 'package.json'), 'utf8')).version;
  } catch {
    return process.env.APP_VERSION || 'unknown';
  }
}

// The build's Next config, as Next's generated standalone server.js passes it: the standalone output has
// no next.config.mjs, and this process must not load one.
function buildConfig() {
  const file = path.join(__dirname, '.next', 'required-server-files.json');
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`reading ${file}: ${errorMessage(err)} (run "npm run build" first, or start with --dev)`);
  }
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(manifest.config);
  return manifest.config;
}

async function main() {
  const svc = services({ version: readVersion() });
  const { config, version } = svc;

  const conf = dev ? undefined : buildConfig();
  const next = require('next');
  const app = next({ dev, dir: __dirname, hostname: config.hostname, port: config.port, conf });
  await app.prepare();
  const handle = app.getRequestHandler();

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      log.error('request failed', { path: req.url, error: errorMessage(err) });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"internal error"}');
    });
  });
  // The redis clients must be connecting before the adapter subscribes; commands queue until they are ready.
  svc.redis.connect().catch((err) => log.error('redis connect failed', { error: errorMessage(err) }));
  // Socket.IO takes /socket.io/ requests and upgrades; everything else goes to Next.
  const io = createRealtime(server, svc);

  let shuttingDown = false;
  async function shutdown(reason, exitCode = 0) {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info('shutting down', { reason });
    setTimeout(() => {
      log.error('shutdown timed out, forcing exit', { afterMs: FORCED_EXIT_MS });
      process.exit(1);
    }, FORCED_EXIT_MS).unref();
    try {
      // Disconnects all sockets and closes the HTTP server (stops accepting, waits for in-flight requests).
      server.closeIdleConnections();
      await new Promise((resolve) => io.close(() => resolve()));
      await app.close();
      await Promise.all([svc.db.close(), svc.redis.close()]);
    } catch (err) {
      log.error('shutdown error', { error: errorMessage(err) });
      exitCode ||= 1;
    }
    log.info('stopped', { exitCode });
    process.exit(exitCode);
  }

  // Explicit handlers: as PID 1 in a container, node gets no default action for these signals.
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // The redis adapter publishes fire-and-forget; a command failing while redis is down must not kill the process.
  process.on('unhandledRejection', (err) => log.error('unhandled rejection', { error: errorMessage(err) }));

  server.on('error', (err) => {
    log.error('http server error', { error: errorMessage(err) });
    shutdown('http server error', 1);
  });
  server.listen(config.port, config.hostname, () =>
    log.info('listening', { hostname: config.hostname, port: config.port, version, dev }),
  );

  svc.db.migrate(config.dbConnectTimeoutMs).catch((err) => {
    log.error('giving up on mysql', { error: errorMessage(err) });
    shutdown('mysql unavailable', 1);
  });
}

main().catch((err) => {
  log.error('start failed', { error: errorMessage(err) });
  process.exit(1);
});

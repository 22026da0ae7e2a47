'use strict';

// Shared helpers: every test starts the real production build — `node server.js` in .next/standalone,
// the folder the runtime image is made of — as a child process on a free port, against the MySQL and
// Redis named by DATABASE_URL and REDIS_URL. NEXT_MYSQL_APP_DIR points at another copy of it (e.g. one
// assembled from .next/standalone + .next/static + public, as in the image).
const { spawn } = require('node:child_process');
const { once } = require('node:events');
const { existsSync } = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { after } = require('node:test');
const { setTimeout: sleep } = require('node:timers/promises');
const { io } = require('socket.io-client');

const env = process.env;
const appDir = path.resolve(env.NEXT_MYSQL_APP_DIR || path.join(__dirname, '..', '.next', 'standalone'));

const missing = [!env.DATABASE_URL && 'DATABASE_URL', !env.REDIS_URL && 'REDIS_URL'].filter(Boolean);

// Passed as the `skip` option of every test: false, or the reason shown by the test runner.
const skip = missing.length > 0 && `needs real services: ${missing.join(' and ')} not set`;
if (skip) {
  console.log(`SKIPPING next-mysql integration tests: ${skip}.`);
  console.log('Set DATABASE_URL=mysql://user:pass@host:port/db and REDIS_URL=redis://:pass@host:port to run them.');
} else if (!existsSync(path.join(appDir, 'server.js'))) {
  throw new Error(`${appDir}/server.js is missing: run "npm run build" first`);
}

async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

// REDIS_URL / DATABASE_URL with host and port replaced, keeping the credentials and database.
function urlVia(name, host, port) {
  const url = new URL(env[name]);
  url.hostname = host;
  url.port = String(port);
  return url.toString();
}

// GET /health as { status, body }, or { error } while the server does not answer.
async function health(url, route = '/health') {
  try {
    const res = await fetch(url + route);
    return { status: res.status, body: await res.json() };
  } catch (err) {
    return { error: err.cause?.code ?? err.message };
  }
}

// Polls `check` every 100 ms until it returns a truthy value; fails with describe() after timeoutMs.
async function waitFor(check, { timeoutMs = 20000, describe = () => '' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms ${describe()}`);
    await sleep(100);
  }
}

const running = new Set();
const sockets = new Set();
after(async () => {
  sockets.forEach((socket) => socket.disconnect());
  await Promise.all([...running].map((server) => server.stop()));
});

// Starts `node server.js` in the app folder and waits until GET /health answers `status` (200 by default).
// `server.stop(signal)` resolves to { code, signal, ms }; servers still running get SIGTERM after the file's tests.
async function startServer(extraEnv = {}, { status = 200 } = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, ['server.js'], {
    cwd: appDir,
    env: { ...env, NODE_ENV: '', HOSTNAME: '127.0.0.1', PORT: String(port), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }));

  const server = {
    url: `http://127.0.0.1:${port}`,
    exited,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      const start = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return { ...(await exited), ms: Date.now() - start };
    },
  };
  running.add(server);
  exited.then(() => running.delete(server));

  let last;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
      last = await health(server.url);
      return last.status === status;
    },
    { describe: () => `(waiting for /health ${status}, last: ${JSON.stringify(last)})\nserver output:\n${output}` },
  );
  return server;
}

// POST /api/v1/login and returns { res, cookie } where cookie is "nm_session=…" (for a Cookie header).
async function login(url, name) {
  const res = await fetch(`${url}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  return { res, cookie };
}

// A Socket.IO client over WebSocket, sending `cookie` with the handshake; closed after the file's tests.
function socketTo(url, cookie, transports = ['websocket']) {
  const socket = io(url, { transports, reconnection: false, extraHeaders: cookie ? { cookie } : {} });
  sockets.add(socket);
  return socket;
}

// Logs in as `name` and connects; resolves with the socket once `welcome` arrived.
async function connectAs(url, name) {
  const { cookie } = await login(url, name);
  const socket = socketTo(url, cookie);
  const [welcome] = await once(socket, 'welcome', { signal: AbortSignal.timeout(5000) });
  return { socket, welcome };
}

module.exports = { appDir, skip, freePort, urlVia, health, waitFor, startServer, login, socketTo, connectAs };

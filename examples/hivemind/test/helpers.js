// Shared helpers: every test starts the real server (server/index.js) as a child process on a free port,
// against the postgres and redis given by the usual environment variables.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = process.env;

const missing = [
  !env.POSTGRES_HOST && !env.DATABASE_URL && 'POSTGRES_HOST (or DATABASE_URL)',
  !env.REDIS_HOST && !env.REDIS_URL && 'REDIS_HOST (or REDIS_URL)',
].filter(Boolean);

// Passed as the `skip` option of every test: false, or the reason shown by the test runner.
export const skip = missing.length > 0 && `needs real services: ${missing.join(' and ')} not set`;
if (skip) {
  console.log(`SKIPPING hivemind integration tests: ${skip}.`);
  console.log('Set POSTGRES_HOST/PORT/USER/PASSWORD/DB and REDIS_HOST/PORT/PASSWORD to run them.');
}

export async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

// Host and port of the test redis, for tests that put something in front of it.
export function redisAddress() {
  if (env.REDIS_URL) {
    const url = new URL(env.REDIS_URL);
    return { host: url.hostname, port: Number(url.port || 6379), password: decodeURIComponent(url.password) };
  }
  return { host: env.REDIS_HOST, port: Number(env.REDIS_PORT || 6379), password: env.REDIS_PASSWORD || '' };
}

// GET /health as { status, body }, or { error } while the server does not answer.
export async function health(url) {
  try {
    const res = await fetch(`${url}/health`);
    return { status: res.status, body: await res.json() };
  } catch (err) {
    return { error: err.cause?.code ?? err.message };
  }
}

// Polls `check` every 100 ms until it returns a truthy value; fails with describe() after timeoutMs.
export async function waitFor(check, { timeoutMs = 15000, describe = () => '' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms ${describe()}`);
    await sleep(100);
  }
}

const running = new Set();
after(() => Promise.all([...running].map((server) => server.stop())));

// Starts the server and waits until GET /health answers `status` (200 by default).
// `server.stop(signal)` resolves to { code, signal, ms }; servers still running get SIGTERM after the file's tests.
export async function startServer(extraEnv = {}, { status = 200 } = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, ['server/index.js'], {
    cwd: root,
    env: { ...env, HOST: '127.0.0.1', PORT: String(port), ...extraEnv },
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

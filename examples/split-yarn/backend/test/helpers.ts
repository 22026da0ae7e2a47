// Shared helpers: every test starts the real compiled server (dist/index.js) as a child process on a
// free port, against the postgres and redis named by DATABASE_URL and REDIS_URL.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

// Compiled to .test-build/, one level below the backend folder.
const root = join(__dirname, '..');
const entry = join(root, 'dist', 'index.js');
const env = process.env;

const missing = [!env.DATABASE_URL && 'DATABASE_URL', !env.REDIS_URL && 'REDIS_URL'].filter(Boolean);

/** Passed as the `skip` option of every test: false, or the reason shown by the test runner. */
export const skip: string | false = missing.length > 0 && `needs real services: ${missing.join(' and ')} not set`;
if (skip) {
  console.log(`SKIPPING split-yarn backend integration tests: ${skip}.`);
  console.log('Set DATABASE_URL=postgresql://user:pass@host:port/db and REDIS_URL=redis://:pass@host:port to run them.');
} else if (!existsSync(entry)) {
  throw new Error(`${entry} is missing: run "yarn build" first (yarn test does)`);
}

export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** REDIS_URL with its host and port replaced, keeping the credentials. */
export function redisUrlVia(host: string, port: number): string {
  const url = new URL(env.REDIS_URL!);
  url.hostname = host;
  url.port = String(port);
  return url.toString();
}

/** Host and port of the test redis, for tests that put something in front of it. */
export function redisAddress(): { host: string; port: number } {
  const url = new URL(env.REDIS_URL!);
  return { host: url.hostname, port: Number(url.port || 6379) };
}

/** The health document. */
export interface HealthBody {
  status: string;
  postgres: string;
  redis: string;
  uptime: number;
  version: string;
}

/** GET /healthz as { status, body }, or { error } while the server does not answer. */
export async function health(url: string, path = '/healthz'): Promise<{ status?: number; body?: HealthBody; error?: string }> {
  try {
    const res = await fetch(url + path);
    return { status: res.status, body: (await res.json()) as HealthBody };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { error: e.cause?.code ?? e.message };
  }
}

/** Polls `check` every 100 ms until it returns a truthy value; fails with describe() after timeoutMs. */
export async function waitFor<T>(
  check: () => Promise<T | false | undefined>,
  { timeoutMs = 15000, describe = () => '' }: { timeoutMs?: number; describe?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms ${describe()}`);
    await sleep(100);
  }
}

/** A running server. */
export interface Server {
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

const running = new Set<Server>();
after(() => Promise.all([...running].map((server) => server.stop())));

/**
 * Starts `node dist/index.js` and waits until GET /healthz answers `status` (200 by default).
 * Servers still running get SIGTERM after the file's tests.
 */
export async function startServer(extraEnv: Record<string, string> = {}, { status = 200 } = {}): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [entry], {
    cwd: root,
    env: { ...env, HOST: '127.0.0.1', PORT: String(port), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }));

  const server: Server = {
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
  void exited.then(() => running.delete(server));

  let last: Awaited<ReturnType<typeof health>> | undefined;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
      last = await health(server.url);
      return last.status === status;
    },
    { describe: () => `(waiting for /healthz ${status}, last: ${JSON.stringify(last)})\nserver output:\n${output}` },
  );
  return server;
}

/** The smallest surface of a socket.io-client Socket that nextEvent needs. */
interface Listenable {
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * Resolves with the arguments of the next `event` on a socket.io-client socket (which is not a Node
 * EventEmitter, so events.once does not type-check on it); rejects after timeoutMs.
 */
export function nextEvent(socket: Listenable, event: string, timeoutMs = 5000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const listener = (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args);
    };
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no "${event}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once(event, listener);
  });
}

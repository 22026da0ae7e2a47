import express from 'express';
import { fileURLToPath } from 'node:url';
import { version } from './config.js';
import * as db from './db.js';
import * as redis from './redis.js';
import { log, errorMessage } from './log.js';

const CHECK_TIMEOUT_MS = 1500;
const MAX_TEXT_LENGTH = 1000;

// Resolves to "ok" or "error: <reason>"; a dependency that does not answer in time counts as failed.
async function check(probe) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return 'ok';
  } catch (err) {
    return `error: ${errorMessage(err)}`;
  } finally {
    clearTimeout(timer);
  }
}

async function health(req, res) {
  const [postgres, redisStatus] = await Promise.all([check(db.ping), check(redis.ping)]);
  const ok = postgres === 'ok' && redisStatus === 'ok';
  res.status(ok ? 200 : 503).set('Cache-Control', 'no-store').json({
    status: ok ? 'ok' : 'degraded',
    postgres,
    redis: redisStatus,
    uptime: Math.round(process.uptime()),
    version,
  });
}

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function parseId(raw) {
  if (!/^[1-9]\d{0,9}$/.test(raw) || Number(raw) > 2 ** 31 - 1) throw new HttpError(400, 'id must be a positive integer');
  return Number(raw);
}

function parseText(body) {
  const text = typeof body?.text === 'string' ? body.text.trim() : undefined;
  if (!text) throw new HttpError(400, 'text must be a non-empty string');
  if (text.length > MAX_TEXT_LENGTH) throw new HttpError(400, `text must be at most ${MAX_TEXT_LENGTH} characters`);
  return text;
}

function notesRouter() {
  const router = express.Router();
  router.use((req, res, next) => next(db.isMigrated() ? undefined : new HttpError(503, 'database not ready')));
  router.get('/', async (req, res) => res.json(await db.listNotes()));
  router.post('/', async (req, res) => res.status(201).json(await db.createNote(parseText(req.body))));
  router.get('/:id', async (req, res) => {
    const note = await db.getNote(parseId(req.params.id));
    if (!note) throw new HttpError(404, 'note not found');
    res.json(note);
  });
  return router;
}

export function createApp({ serveStatic }) {
  const app = express();
  app.disable('x-powered-by');

  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      if (req.path.endsWith('/health')) return;
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      log.info('request', { method: req.method, path: req.originalUrl, status: res.statusCode, ms: Math.round(ms) });
    });
    next();
  });

  app.get(['/health', '/api/v1/health'], health);
  app.use('/api/v1/notes', express.json(), notesRouter());
  app.use('/api', (req, res, next) => next(new HttpError(404, 'not found')));

  if (serveStatic) {
    const dist = fileURLToPath(new URL('../dist/', import.meta.url));
    app.use(express.static(dist));
    app.get('/{*path}', (req, res) => res.sendFile('index.html', { root: dist }));
  }

  // Express 5 forwards rejected promises from async handlers here. `expose` marks client errors from body-parser.
  app.use((err, req, res, next) => {
    const expose = err instanceof HttpError || err.expose;
    if (!expose) log.error('request failed', { path: req.originalUrl, error: errorMessage(err) });
    const message = err.type === 'entity.parse.failed' ? 'body must be valid JSON' : err.message;
    res.status(expose ? err.status : 500).json({ error: expose ? message : 'internal error' });
  });

  return app;
}

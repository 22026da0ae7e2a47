import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { version } from './config';
import * as db from './db';
import * as redis from './redis';
import { log, errorMessage } from './log';

const CHECK_TIMEOUT_MS = 1500;
const MAX_TEXT_LENGTH = 1000;

/** The health endpoints, on purpose not hivemind's /health. */
export const HEALTH_PATHS = ['/healthz', '/api/v1/health'];

/** An error whose message is safe to show to the client, with its HTTP status. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// Resolves to "ok" or "error: <reason>"; a dependency that does not answer in time counts as failed.
async function check(probe: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
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

async function health(_req: Request, res: Response): Promise<void> {
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

function parseId(raw: string | string[] | undefined): number {
  if (typeof raw !== 'string' || !/^[1-9]\d{0,9}$/.test(raw) || Number(raw) > 2 ** 31 - 1) {
    throw new HttpError(400, 'id must be a positive integer');
  }
  return Number(raw);
}

function parseText(body: unknown): string {
  const raw = (body as { text?: unknown } | undefined)?.text;
  const text = typeof raw === 'string' ? raw.trim() : undefined;
  if (!text) throw new HttpError(400, 'text must be a non-empty string');
  if (text.length > MAX_TEXT_LENGTH) throw new HttpError(400, `text must be at most ${MAX_TEXT_LENGTH} characters`);
  return text;
}

function notesRouter(): express.Router {
  const router = express.Router();
  router.use((_req, _res, next) => next(db.isMigrated() ? undefined : new HttpError(503, 'database not ready')));
  router.get('/', async (_req, res) => {
    res.json(await db.listNotes());
  });
  router.post('/', async (req, res) => {
    res.status(201).json(await db.createNote(parseText(req.body)));
  });
  router.get('/:id', async (req, res) => {
    const note = await db.getNote(parseId(req.params.id));
    if (!note) throw new HttpError(404, 'note not found');
    res.json(note);
  });
  return router;
}

// Express 5 forwards rejected promises from async handlers here. `expose` marks client errors from body-parser.
const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const expose = err instanceof HttpError || err?.expose === true;
  if (!expose) log.error('request failed', { path: req.originalUrl, error: errorMessage(err) });
  const message = err?.type === 'entity.parse.failed' ? 'body must be valid JSON' : err.message;
  res.status(expose ? err.status : 500).json({ error: expose ? message : 'internal error' });
};

export function createApp(): express.Express {
  const app = express();
  app.disable('x-powered-by');

  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      if (HEALTH_PATHS.includes(req.path)) return;
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      log.info('request', { method: req.method, path: req.originalUrl, status: res.statusCode, ms: Math.round(ms) });
    });
    next();
  });

  app.get(HEALTH_PATHS, health);
  app.use('/api/v1/notes', express.json(), notesRouter());
  app.use((_req, _res, next) => next(new HttpError(404, 'not found')));
  app.use(errorHandler);
  return app;
}

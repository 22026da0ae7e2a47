import { Pool } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { config } from './config';
import { log, errorMessage } from './log';

/** A stored note, as the API returns it. */
export interface Note {
  id: number;
  text: string;
  created_at: Date;
}

const pool = new Pool({ connectionString: config.databaseUrl, max: 10, connectionTimeoutMillis: 2000 });
// An idle client losing its connection (e.g. a postgres restart) must not crash the process.
pool.on('error', (err) => log.warn('postgres idle client error', { error: errorMessage(err) }));

// Sent as one simple query, so it runs as one transaction; the advisory lock serialises replicas
// that start at the same time.
const schema = `
  SELECT pg_advisory_xact_lock(4243);
  CREATE TABLE IF NOT EXISTS notes (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    text text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  );
`;

let migrated = false;

export const isMigrated = (): boolean => migrated;

/** Applies the schema, retrying with exponential backoff (500 ms doubling up to 5 s) until timeoutMs has passed. */
export async function migrate(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.query(schema);
      migrated = true;
      log.info('migration applied', { attempt });
      return;
    } catch (err) {
      const error = errorMessage(err);
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) throw new Error(`postgres not ready after ${attempt} attempts in ${timeoutMs} ms: ${error}`);
      const retryInMs = Math.min(250 * 2 ** attempt, 5000, remainingMs);
      log.warn('postgres not ready, retrying', { attempt, retryInMs, error });
      await sleep(retryInMs);
    }
  }
}

/** Healthy once postgres answers and the schema is in place. */
export async function ping(): Promise<void> {
  await pool.query('SELECT 1');
  if (!migrated) throw new Error('schema migration pending');
}

export const close = (): Promise<void> => pool.end();

export async function createNote(text: string): Promise<Note> {
  const { rows } = await pool.query<Note>('INSERT INTO notes (text) VALUES ($1) RETURNING id, text, created_at', [text]);
  return rows[0]!;
}

export async function getNote(id: number): Promise<Note | undefined> {
  const { rows } = await pool.query<Note>('SELECT id, text, created_at FROM notes WHERE id = $1', [id]);
  return rows[0];
}

export async function listNotes(limit = 50): Promise<Note[]> {
  const { rows } = await pool.query<Note>(
    'SELECT id, text, created_at FROM notes ORDER BY created_at DESC, id DESC LIMIT $1',
    [limit],
  );
  return rows;
}

import { readFileSync } from 'node:fs';

const env = process.env;

function int(name, fallback) {
  const value = env[name] ? Number.parseInt(env[name], 10) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
}

export const version = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

export const config = {
  port: int('PORT', 8765),
  host: env.HOST || '0.0.0.0',
  dbConnectTimeoutMs: int('DB_CONNECT_TIMEOUT_MS', 60000),
  serveStatic: env.SERVE_STATIC === '1',
  // DATABASE_URL / REDIS_URL win over the individual variables.
  postgres: env.DATABASE_URL
    ? { connectionString: env.DATABASE_URL }
    : {
        host: env.POSTGRES_HOST || 'localhost',
        port: int('POSTGRES_PORT', 5432),
        user: env.POSTGRES_USER || 'postgres',
        password: env.POSTGRES_PASSWORD || '',
        database: env.POSTGRES_DB || 'hivemind',
      },
  redis: env.REDIS_URL
    ? { url: env.REDIS_URL }
    : {
        socket: { host: env.REDIS_HOST || 'localhost', port: int('REDIS_PORT', 6379) },
        password: env.REDIS_PASSWORD || undefined,
      },
};

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const env = process.env;

function int(name: string, fallback: number): number {
  const raw = env[name];
  const value = raw ? Number(raw) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name}=${JSON.stringify(raw)}: want a non-negative integer`);
  return value;
}

function url(name: string, fallback: string, protocols: string[]): string {
  const raw = env[name] || fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(`${name} is not a URL; want e.g. ${fallback}`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new Error(`${name} has protocol ${JSON.stringify(parsed.protocol)}; want one of ${protocols.join(' ')}`);
  }
  return raw;
}

// The runtime image may hold only dist/ and node_modules/: package.json is optional.
function readVersion(): string {
  try {
    return JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version;
  } catch {
    return env.APP_VERSION || 'unknown';
  }
}

export const version = readVersion();

export interface Config {
  port: number;
  host: string;
  dbConnectTimeoutMs: number;
  databaseUrl: string;
  redisUrl: string;
}

export const config: Config = {
  port: int('PORT', 3000),
  host: env.HOST || '0.0.0.0',
  dbConnectTimeoutMs: int('DB_CONNECT_TIMEOUT_MS', 60000),
  databaseUrl: url('DATABASE_URL', 'postgresql://postgres@localhost:5432/splityarn', ['postgres:', 'postgresql:']),
  redisUrl: url('REDIS_URL', 'redis://localhost:6379', ['redis:', 'rediss:']),
};

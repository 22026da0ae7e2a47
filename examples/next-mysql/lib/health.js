'use strict';

const { services } = require('./services');
const { errorMessage } = require('./log');

const CHECK_TIMEOUT_MS = 1500;

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

// GET /health and /api/v1/health: 200 when MySQL (with the schema) and Redis answer, 503 naming the failing part.
async function healthResponse() {
  const { db, redis, version } = services();
  const [mysql, redisStatus] = await Promise.all([check(db.ping), check(redis.ping)]);
  const ok = mysql === 'ok' && redisStatus === 'ok';
  return Response.json(
    { status: ok ? 'ok' : 'degraded', mysql, redis: redisStatus, uptime: Math.round(process.uptime()), version },
    { status: ok ? 200 : 503, headers: { 'Cache-Control': 'no-store' } },
  );
}

module.exports = { healthResponse };

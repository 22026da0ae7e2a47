import { services } from '../../../../lib/services';
import { HttpError, handle, json, readJson, parseName } from '../../../../lib/http';
import { sessionCookie } from '../../../../lib/sessions';

export const dynamic = 'force-dynamic';

// POST /api/v1/login {"name"}: stores a session in redis and sets it as an httpOnly cookie, which the
// Socket.IO handshake requires. 200 {"name"}.
export const POST = handle(async (req) => {
  const name = parseName(await readJson(req));
  const { redis, sessions, config } = services();
  if (!redis.isReady()) throw new HttpError(503, 'session store not ready');
  const id = await sessions.create(name);
  const secure = config.cookieSecure || req.headers.get('x-forwarded-proto') === 'https';
  return json({ name }, 200, {
    'Set-Cookie': sessionCookie(id, { maxAge: config.sessionTtlSeconds, secure }),
    'Cache-Control': 'no-store',
  });
});

'use strict';

const { Server } = require('socket.io');
const { createAdapter } = require('@socket.io/redis-adapter');
const { COOKIE, parseCookies } = require('./sessions');
const { log, errorMessage } = require('./log');

const ROOM_RE = /^[A-Za-z0-9_-]{1,64}$/;

// Socket.IO on /socket.io/, fanned out through Redis. A connection needs the session cookie from
// POST /api/v1/login; without a valid one the client gets connect_error "unauthorized".
//
// Events:
//   server → client  welcome    { id, name }                 on connect
//   client → server  echo       (payload, ack)               ack(payload)
//   client → server  shout      (payload)                    every client of every replica gets `broadcast` (payload)
//   client → server  join       ({ room }, ack)              ack({ ok: true, room, members }) — members: names in the room, all replicas
//   server → client  joined     { room, name }               to the others in the room
function createRealtime(httpServer, { redis, sessions }) {
  const io = new Server(httpServer, { adapter: createAdapter(redis.pub, redis.sub) });

  io.use(async (socket, next) => {
    try {
      const session = await sessions.get(parseCookies(socket.handshake.headers.cookie)[COOKIE]);
      if (!session) return next(new Error('unauthorized'));
      socket.data.name = session.name;
      next();
    } catch (err) {
      log.warn('socket session lookup failed', { error: errorMessage(err) });
      next(new Error('session store unavailable'));
    }
  });

  io.on('connection', (socket) => {
    socket.emit('welcome', { id: socket.id, name: socket.data.name });

    socket.on('echo', (payload, ack) => {
      if (typeof ack === 'function') ack(payload);
    });

    socket.on('shout', (payload) => io.emit('broadcast', payload));

    socket.on('join', async (payload, ack) => {
      if (typeof ack !== 'function') return;
      const room = payload?.room;
      if (typeof room !== 'string' || !ROOM_RE.test(room)) {
        return ack({ ok: false, error: 'room must be 1-64 characters of A-Z a-z 0-9 _ -' });
      }
      try {
        await socket.join(room);
        const members = (await io.in(room).fetchSockets()).map((s) => s.data.name).sort();
        socket.to(room).emit('joined', { room, name: socket.data.name });
        ack({ ok: true, room, members });
      } catch (err) {
        log.warn('join failed', { room, error: errorMessage(err) });
        ack({ ok: false, error: 'join failed' });
      }
    });
  });
  return io;
}

module.exports = { createRealtime };

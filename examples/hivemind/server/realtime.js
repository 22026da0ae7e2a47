import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';

// Events:
//   server → client  welcome   { id }            on connect
//   client → server  echo      (payload, ack)    ack(payload)
//   client → server  shout     (payload)         every client of every replica gets `broadcast` (payload)
export function createRealtime(httpServer, pubClient, subClient) {
  const io = new Server(httpServer, { adapter: createAdapter(pubClient, subClient) });
  io.on('connection', (socket) => {
    socket.emit('welcome', { id: socket.id });
    socket.on('echo', (payload, ack) => {
      if (typeof ack === 'function') ack(payload);
    });
    socket.on('shout', (payload) => io.emit('broadcast', payload));
  });
  return io;
}

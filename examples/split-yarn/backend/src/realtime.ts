import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { pub as Pub } from './redis';

type Ack = (payload: unknown) => void;

/** Events the server sends. */
interface ServerToClient {
  welcome: (hello: { id: string }) => void;
  broadcast: (payload: unknown) => void;
}

/** Events the server handles. */
interface ClientToServer {
  echo: (payload: unknown, ack?: Ack) => void;
  shout: (payload: unknown) => void;
}

// Events:
//   server → client  welcome   { id }            on connect
//   client → server  echo      (payload, ack)    ack(payload)
//   client → server  shout     (payload)         every client of every replica gets `broadcast` (payload)
export function createRealtime(httpServer: HttpServer, pubClient: typeof Pub, subClient: typeof Pub): Server {
  const io = new Server<ClientToServer, ServerToClient>(httpServer, { adapter: createAdapter(pubClient, subClient) });
  io.on('connection', (socket) => {
    socket.emit('welcome', { id: socket.id });
    socket.on('echo', (payload, ack) => {
      if (typeof ack === 'function') ack(payload);
    });
    socket.on('shout', (payload) => io.emit('broadcast', payload));
  });
  return io;
}

'use client';

import { useEffect, useRef, useState } from 'react';
import { io } from 'socket.io-client';

let received = 0;

function toMessage(payload) {
  const text = typeof payload?.text === 'string' ? payload.text : JSON.stringify(payload);
  return { key: ++received, text: payload?.name ? `${payload.name}: ${text}` : text };
}

// Login sets an httpOnly cookie; the Socket.IO handshake (same origin) sends it. Without it the server
// refuses the connection with connect_error "unauthorized", and this page asks for a name.
export default function Live() {
  const socket = useRef();
  const [state, setState] = useState('connecting'); // connecting | login | connected
  const [me, setMe] = useState('');
  const [name, setName] = useState('');
  const [room, setRoom] = useState('lobby');
  const [members, setMembers] = useState([]);
  const [messages, setMessages] = useState([]);
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const s = io({ reconnection: true });
    socket.current = s;
    s.on('welcome', (hello) => {
      setMe(hello.name);
      setState('connected');
    });
    s.on('disconnect', () => setState('connecting'));
    s.on('connect_error', (err) => {
      if (err.message === 'unauthorized') {
        s.disconnect();
        setState('login');
      }
    });
    s.on('broadcast', (payload) => setMessages((current) => [toMessage(payload), ...current].slice(0, 50)));
    s.on('joined', ({ name: who }) => setMembers((current) => [...current, who].sort()));
    return () => s.disconnect();
  }, [attempt]);

  async function login(event) {
    event.preventDefault();
    const res = await fetch('/api/v1/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    const body = await res.json();
    if (!res.ok) return setError(body.error || `HTTP ${res.status}`);
    setError('');
    setAttempt((n) => n + 1); // reconnect, now with the cookie
  }

  async function join(event) {
    event.preventDefault();
    const ack = await socket.current.timeout(5000).emitWithAck('join', { room });
    if (!ack.ok) return setError(ack.error);
    setError('');
    setMembers(ack.members);
  }

  function shout(event) {
    event.preventDefault();
    socket.current.emit('shout', { text, name: me, at: new Date().toISOString() });
    setText('');
  }

  if (state === 'login') {
    return (
      <section>
        <h2>Live</h2>
        <p>Pick a name to join.</p>
        <form onSubmit={login}>
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="Your name" maxLength={40} />
          <button type="submit" disabled={!name.trim()}>Log in</button>
        </form>
        {error && <p className="error">{error}</p>}
      </section>
    );
  }

  return (
    <section>
      <h2>Live</h2>
      <p>{state === 'connected' ? `Connected as ${me}: shouts reach every open page.` : 'Connecting…'}</p>
      <form onSubmit={join}>
        <input value={room} onChange={(e) => setRoom(e.target.value)} placeholder="Room" maxLength={64} />
        <button type="submit" disabled={state !== 'connected'}>Join</button>
      </form>
      {members.length > 0 && <p>In the room: {members.join(', ')}</p>}
      <form onSubmit={shout}>
        <input value={text} onChange={(e) => setText(e.target.value)} placeholder="Shout to everyone" />
        <button type="submit" disabled={state !== 'connected' || !text}>Shout</button>
      </form>
      {error && <p className="error">{error}</p>}
      <ul>
        {messages.map((message) => (
          <li key={message.key}>{message.text}</li>
        ))}
      </ul>
    </section>
  );
}

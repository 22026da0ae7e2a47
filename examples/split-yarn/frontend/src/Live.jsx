import { useEffect, useRef, useState } from 'react';
import { io } from 'socket.io-client';

let received = 0;

// Any client may shout any payload; show the text of { text, at } shouts and anything else as JSON.
function toMessage(payload) {
  const text = typeof payload?.text === 'string' ? payload.text : JSON.stringify(payload);
  return { key: ++received, text, at: new Date(payload?.at ?? Date.now()) };
}

// Same origin: nginx (or the Vite dev server) proxies /socket.io/ to the backend.
export default function Live() {
  const socket = useRef();
  const [connected, setConnected] = useState(false);
  const [messages, setMessages] = useState([]);
  const [text, setText] = useState('');

  useEffect(() => {
    const s = io();
    socket.current = s;
    s.on('connect', () => setConnected(true));
    s.on('disconnect', () => setConnected(false));
    s.on('broadcast', (payload) => setMessages((current) => [toMessage(payload), ...current].slice(0, 50)));
    return () => s.disconnect();
  }, []);

  function shout(event) {
    event.preventDefault();
    socket.current.emit('shout', { text, at: new Date().toISOString() });
    setText('');
  }

  return (
    <section>
      <h2>Live</h2>
      <p>{connected ? 'Connected: shouts reach every open page.' : 'Connecting…'}</p>
      <form onSubmit={shout}>
        <input value={text} onChange={(e) => setText(e.target.value)} placeholder="Shout to everyone" />
        <button type="submit" disabled={!connected || !text}>Shout</button>
      </form>
      <ul>
        {messages.map((message) => (
          <li key={message.key}>
            {message.text} <time>{message.at.toLocaleTimeString()}</time>
          </li>
        ))}
      </ul>
    </section>
  );
}

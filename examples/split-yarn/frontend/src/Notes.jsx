import { useEffect, useState } from 'react';

async function api(path, options) {
  const res = await fetch(`/api/v1/notes${path}`, options);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
  return body;
}

export default function Notes() {
  const [notes, setNotes] = useState([]);
  const [text, setText] = useState('');
  const [error, setError] = useState('');

  useEffect(() => {
    api('').then(setNotes, (err) => setError(err.message));
  }, []);

  async function add(event) {
    event.preventDefault();
    try {
      const note = await api('', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      });
      setNotes((current) => [note, ...current]);
      setText('');
      setError('');
    } catch (err) {
      setError(err.message);
    }
  }

  return (
    <section>
      <h2>Notes</h2>
      <form onSubmit={add}>
        <input value={text} onChange={(e) => setText(e.target.value)} placeholder="Write a note" maxLength={1000} />
        <button type="submit" disabled={!text.trim()}>Add</button>
      </form>
      {error && <p className="error">{error}</p>}
      <ul>
        {notes.map((note) => (
          <li key={note.id}>
            {note.text} <time>{new Date(note.created_at).toLocaleString()}</time>
          </li>
        ))}
      </ul>
    </section>
  );
}

import { useEffect, useState } from 'react';
import { Link, NavLink, Route, Routes } from 'react-router-dom';
import Notes from './Notes.jsx';
import Live from './Live.jsx';

function HealthBadge() {
  const [health, setHealth] = useState();
  useEffect(() => {
    fetch('/api/v1/health')
      .then((res) => res.json())
      .then(setHealth, () => setHealth({ status: 'unreachable' }));
  }, []);
  if (!health) return <span className="badge">checking…</span>;
  return (
    <span className={`badge ${health.status === 'ok' ? 'ok' : 'bad'}`} title={JSON.stringify(health)}>
      API {health.status}
    </span>
  );
}

function NotFound() {
  return (
    <section>
      <h2>Page not found</h2>
      <Link to="/">Back to the notes</Link>
    </section>
  );
}

// Two client-side routes: / (notes, REST) and /live (Socket.IO). nginx answers every other path with
// index.html, so a deep link to /live works.
export default function App() {
  return (
    <>
      <header>
        <h1>Split Yarn</h1>
        <nav>
          <NavLink to="/" end>Notes</NavLink>
          <NavLink to="/live">Live</NavLink>
        </nav>
        <HealthBadge />
      </header>
      <main>
        <Routes>
          <Route path="/" element={<Notes />} />
          <Route path="/live" element={<Live />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
    </>
  );
}

import { useEffect, useState } from 'react';
import { Link, NavLink, Route, Routes } from 'react-router-dom';
import Notes from './Notes';
import Live from './Live';

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

function About() {
  return (
    <section>
      <h2>About</h2>
      <p>
        HiveMind is a sample app: this React page is served by nginx, which proxies <code>/api/</code> and{' '}
        <code>/socket.io/</code> to a Node.js backend backed by PostgreSQL and Redis.
      </p>
    </section>
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

export default function App() {
  return (
    <>
      <header>
        <h1>HiveMind</h1>
        <nav>
          <NavLink to="/" end>Notes</NavLink>
          <NavLink to="/live">Live</NavLink>
          <NavLink to="/about">About</NavLink>
        </nav>
        <HealthBadge />
      </header>
      <main>
        <Routes>
          <Route path="/" element={<Notes />} />
          <Route path="/live" element={<Live />} />
          <Route path="/about" element={<About />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
    </>
  );
}

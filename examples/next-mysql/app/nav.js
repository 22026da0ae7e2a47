'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useState } from 'react';

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

// Two routes: / (notes, REST + MySQL) and /live (login, then Socket.IO rooms and shouts).
export default function Nav() {
  const path = usePathname();
  return (
    <header>
      <h1>Next MySQL</h1>
      <nav>
        <Link href="/" className={path === '/' ? 'active' : undefined}>Notes</Link>
        <Link href="/live" className={path === '/live' ? 'active' : undefined}>Live</Link>
      </nav>
      <HealthBadge />
    </header>
  );
}

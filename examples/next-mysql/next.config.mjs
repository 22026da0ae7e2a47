import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// This folder: the tracing and Turbopack root, so a lockfile in a parent folder is never taken for
// the project root (the standalone server.js must land at .next/standalone/server.js).
const root = dirname(fileURLToPath(import.meta.url));

// The page's inline bootstrap scripts need 'unsafe-inline' unless nonces are used.
const csp = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

const securityHeaders = [
  { key: 'X-Frame-Options', value: 'SAMEORIGIN' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  { key: 'Content-Security-Policy', value: csp },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=()' },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  output: 'standalone',
  outputFileTracingRoot: root,
  turbopack: { root },
  poweredByHeader: false,
  reactStrictMode: true,
  // Required at run time from node_modules instead of bundled: one copy of each client, shared by the
  // route handlers and the custom server (server.js), and traced into .next/standalone/node_modules.
  serverExternalPackages: ['mysql2', 'redis', '@redis/client', 'socket.io', '@socket.io/redis-adapter'],
  // No next/image in this app, so no image optimisation: sharp (an optional dependency of next, ~20 MB
  // with libvips) is installed for the build but kept out of the standalone output.
  images: { unoptimized: true },
  outputFileTracingExcludes: { '*': ['node_modules/sharp/**', 'node_modules/@img/**'] },
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders }];
  },
};

export default nextConfig;

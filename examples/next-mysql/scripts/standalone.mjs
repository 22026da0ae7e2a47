// After `next build`: completes .next/standalone with the custom server.
//
// `output: 'standalone'` writes .next/standalone/server.js (Next only, no Socket.IO) and copies only
// the files Next's own tracing found. This script traces our server.js with @vercel/nft (the tracer
// Next uses), copies every file it needs — server.js itself, lib/, socket.io, the redis adapter,
// redis, mysql2 and their dependencies — into .next/standalone, replacing the generated server.js,
// then checks that each runtime package resolves from there.
import { nodeFileTrace } from '@vercel/nft';
import { createRequire } from 'node:module';
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(root, '.next', 'standalone');
// What server.js and the route handlers require at run time (as written in the require calls).
const RUNTIME_MODULES = ['next', 'socket.io', '@socket.io/redis-adapter', 'redis', 'mysql2/promise', 'react', 'react-dom'];

async function main() {
  try {
    await stat(join(out, '.next', 'required-server-files.json'));
  } catch {
    throw new Error(`${relative(root, out)} has no .next/required-server-files.json: run "next build" with output: 'standalone' first`);
  }

  // next is already in the standalone output (Next traced it); skip its tree, which the custom server
  // reaches only through require('next').
  const { fileList, warnings } = await nodeFileTrace([join(root, 'server.js')], {
    base: root,
    ignore: (file) => file.startsWith('node_modules/next/') || file.startsWith('.next/'),
  });
  // Optional requires inside try/catch (supports-color, bufferutil, cardinal, …) are not installed: fine.
  const unresolved = [...warnings].filter((w) => /^Failed to resolve dependency/.test(w.message));
  for (const warning of warnings) if (!unresolved.includes(warning)) console.warn(`standalone: trace warning: ${warning.message}`);
  if (unresolved.length) {
    const names = [...new Set(unresolved.map((w) => w.message.match(/"([^"]+)"/)?.[1]))].sort();
    console.log(`standalone: ${names.length} optional modules not installed, not copied: ${names.join(', ')}`);
  }

  let copied = 0;
  for (const file of [...fileList].sort()) {
    const from = join(root, file);
    if ((await stat(from)).isDirectory()) continue;
    const to = join(out, file);
    await mkdir(dirname(to), { recursive: true });
    await copyFile(from, to);
    copied++;
  }

  // The standalone output must run from its own folder: every runtime package resolves there.
  const require = createRequire(join(out, 'server.js'));
  const missing = RUNTIME_MODULES.filter((name) => {
    try {
      return !require.resolve(name).startsWith(out);
    } catch {
      return true;
    }
  });
  if (missing.length) throw new Error(`not in ${relative(root, out)}/node_modules after tracing: ${missing.join(', ')}`);

  const server = await readFile(join(out, 'server.js'), 'utf8');
  if (!server.includes('createRealtime')) throw new Error('.next/standalone/server.js is not the custom server');
  console.log(`standalone: custom server.js and ${copied - 1} traced files copied into ${relative(root, out)}`);
}

main().catch((err) => {
  console.error(`standalone: ${err.message}`);
  process.exit(1);
});

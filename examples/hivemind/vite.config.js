import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev:web` proxies the API and Socket.IO to a local `npm run webui` (override with BACKEND_URL).
const backend = process.env.BACKEND_URL || 'http://localhost:8765';

export default defineConfig({
  root: 'web',
  plugins: [react()],
  build: { outDir: '../dist', emptyOutDir: true, sourcemap: false },
  server: {
    proxy: {
      '/api': backend,
      '/socket.io': { target: backend, ws: true },
    },
  },
});

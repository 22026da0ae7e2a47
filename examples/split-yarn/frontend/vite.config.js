import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `yarn dev` proxies the API and Socket.IO to a local backend (`yarn start` in ../backend, port 3000;
// override with BACKEND_URL). In production nginx does the same (nginx/default.conf).
const backend = process.env.BACKEND_URL || 'http://localhost:3000';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: {
    proxy: {
      '/api': backend,
      '/socket.io': { target: backend, ws: true },
    },
  },
});

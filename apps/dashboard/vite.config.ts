import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The hub serves dist/ at `/`; relative asset URLs keep the build working under any path prefix.
// `npm run dev` proxies the API and the WebSocket to a hub on :8080. `changeOrigin: false` keeps the
// page's Host, which the hub's Origin check compares with Origin (the shorthand would rewrite it: 403).
export default defineConfig({
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 800 },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false },
      '/ws': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
});

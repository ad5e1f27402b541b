import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/store.js';
import { registerHomePage } from './home-page.js';

/** The built dashboard of the `@livehub/dashboard` package, when it is installed and built. */
function findDashboard(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@livehub/dashboard/package.json');
    return join(dirname(pkg), 'dist');
  } catch {
    return undefined;
  }
}

/**
 * Serves the dashboard's static files at `/` (it routes by URL hash, so no fallback routes are
 * needed). Without a built dashboard, `/` is a plain status page.
 */
export function registerDashboard(app: FastifyInstance, deps: { store: Store; version: string; dashboard: boolean | string }): string | undefined {
  const dir = deps.dashboard === false ? undefined : typeof deps.dashboard === 'string' ? resolve(deps.dashboard) : findDashboard();
  if (!dir || !existsSync(join(dir, 'index.html'))) {
    registerHomePage(app, deps);
    return undefined;
  }
  void app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    index: ['index.html'],
    cacheControl: false,
    // index.html must be revalidated, or a browser keeps a page naming assets an upgrade removed;
    // the assets' names carry their content hash, so they can be cached for good.
    setHeaders(res, path) {
      res.setHeader('cache-control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
  });
  return dir;
}

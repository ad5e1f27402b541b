import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/store.js';

/** A plain status page at `/` with the hub's endpoints. */
export function registerHomePage(app: FastifyInstance, deps: { store: Store; version: string }): void {
  app.get('/', async (_req, reply) => {
    const { head } = await deps.store.bounds();
    const collections = await deps.store.collections();
    const rows = collections.map((c) => `<li><a href="/api/c/${c.name}">${c.name}</a> (${c.count})</li>`).join('');
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>livehub</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:720px;margin:40px auto;padding:0 16px;color:#222}
code{background:#f3f3f3;padding:1px 4px;border-radius:3px}@media(prefers-color-scheme:dark){body{background:#111;color:#ddd}code{background:#222}a{color:#8ab4f8}}</style></head>
<body><h1>livehub ${deps.version}</h1>
<p>Epoch <code>${deps.store.epoch}</code>, change-log head <code>${head}</code>.</p>
<h2>Collections</h2><ul>${rows || '<li>none yet: <code>POST /api/c/:collection</code> creates one</li>'}</ul>
<h2>Endpoints</h2><ul>
<li>WebSocket <code>/ws</code> (protocol <code>livehub.v1</code>)</li>
<li><code>GET|POST /api/c/:collection</code>, <code>GET|PUT|PATCH|DELETE /api/c/:collection/:id</code></li>
<li><a href="/api/collections"><code>GET /api/collections</code></a>, <a href="/api/changes"><code>GET /api/changes</code></a>, <code>POST /api/publish</code></li>
<li><a href="/api/hub/clients"><code>GET /api/hub/clients</code></a>, <a href="/healthz"><code>/healthz</code></a>, <a href="/metrics"><code>/metrics</code></a></li>
</ul></body></html>`;
    return reply.type('text/html; charset=utf-8').send(html);
  });
}

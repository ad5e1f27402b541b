import { useConnectionStatus } from '@livehub/react';
import { useQuery } from '@tanstack/react-query';
import { fetchClients, opsKeys } from '../api';
import { ago, num } from '../format';

/** Browsers and Node clients reduced to a word: the full string is in the title. */
function agent(ua: string | undefined): string {
  if (!ua) return '—';
  const m = /(Edg|Chrome|Chromium|Firefox|Safari|node|Node\.js|undici|curl)[/ ]?([\d.]*)/i.exec(ua);
  return m ? `${m[1]}${m[2] ? ' ' + m[2].split('.')[0] : ''}` : ua.slice(0, 24);
}

/** Connections on this hub node and how many subscribers each channel has. Polled: it is an ops view of the hub itself. */
export function ClientsPage() {
  const q = useQuery({ queryKey: opsKeys.clients, queryFn: fetchClients, refetchInterval: 2000 });
  const me = useConnectionStatus((s) => s.clientId);
  const clients = q.data?.clients ?? [];
  const channels = [...(q.data?.channels ?? [])].sort((a, b) => b.subscribers - a.subscribers || a.channel.localeCompare(b.channel));
  const most = Math.max(1, ...channels.map((c) => c.subscribers));
  return (
    <div className="page">
      <header className="page-head">
        <h1>Clients</h1>
        <p className="muted small">Connections to this hub node, refreshed every 2 s.</p>
      </header>
      {q.isError && <p className="error">Could not read /api/hub/clients: {q.error.message}</p>}
      <div className="grid-2">
        <section className="card">
          <div className="card-head">
            <h2>Connections</h2>
            <span className="muted small">{num(clients.length)}</span>
          </div>
          <div className="table-wrap">
            <table className="table" data-testid="clients">
              <thead>
                <tr>
                  <th>client</th>
                  <th>transport</th>
                  <th>agent</th>
                  <th>channels</th>
                  <th className="num">sent</th>
                  <th className="num">recv</th>
                  <th>since</th>
                </tr>
              </thead>
              <tbody>
                {clients.map((c) => (
                  <tr key={c.connId} data-testid="client-row">
                    <td className="mono wrap">
                      {c.clientId}
                      {c.clientId === me && <span className="tag tag-you">this tab</span>}
                      <div className="muted small">
                        {c.remote} · {c.sub}
                      </div>
                    </td>
                    <td>{c.transport ?? 'websocket'}</td>
                    <td title={c.userAgent}>{agent(c.userAgent)}</td>
                    <td className="wrap">
                      <div className="chips inline">
                        {c.channels.map((ch) => (
                          <span key={ch} className="chip small mono" title={ch}>
                            {ch}
                          </span>
                        ))}
                      </div>
                    </td>
                    <td className="num">{num(c.sent)}</td>
                    <td className="num">{num(c.received)}</td>
                    <td className="muted" title={c.connectedAt}>
                      {ago(c.connectedAt)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
        <section className="card">
          <div className="card-head">
            <h2>Channels</h2>
            <span className="muted small">subscribers</span>
          </div>
          <ul className="bars" data-testid="channels">
            {channels.map((c) => (
              <li key={c.channel}>
                <span className="mono bar-label">{c.channel}</span>
                <span className="bar">
                  <i style={{ width: `${(c.subscribers / most) * 100}%` }} />
                </span>
                <b className="num">{num(c.subscribers)}</b>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </div>
  );
}

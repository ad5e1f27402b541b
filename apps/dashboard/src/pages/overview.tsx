import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { fetchCollections, fetchStats, opsKeys } from '../api';
import { RateChart, windowSeconds } from '../components/rate-chart';
import { Stat } from '../components/stat';
import { num } from '../format';
import { href } from '../routing';

const WINDOW_S = 300;

export function OverviewPage() {
  // Rates are per completed second: poll once a second (they are counters, not events to push).
  const stats = useQuery({ queryKey: opsKeys.stats(WINDOW_S), queryFn: () => fetchStats(WINDOW_S), refetchInterval: 1000 });
  const collections = useQuery({ queryKey: opsKeys.collections, queryFn: fetchCollections });
  // Before the first answer (no samples yet), the chart's window ends when the page opened.
  const [openedAt] = useState(Date.now);
  const s = stats.data;
  const now = stats.dataUpdatedAt || openedAt;
  const shown = windowSeconds(s?.samples ?? [], now, WINDOW_S);
  const total = collections.data?.reduce((n, c) => n + (c.count ?? 0), 0);
  return (
    <div className="page">
      <header className="page-head">
        <h1>Overview</h1>
        <p className="muted">This hub right now: connections, its change log, and what flows through it.</p>
      </header>
      <section className="stats">
        <Stat label="Connections" value={s ? num(s.connections) : '—'} testId="stat-connections" />
        <Stat label="Subscriptions" value={s ? num(s.subscriptions) : '—'} />
        <Stat label="Log head" value={s ? `#${num(s.seq)}` : '—'} hint={s ? `floor #${num(s.floor)}` : undefined} />
        <Stat label="Records" value={total !== undefined ? num(total) : '—'} hint={collections.data ? `${collections.data.length} collections` : undefined} />
      </section>
      <section className="card">
        <div className="card-head">
          <h2>Throughput</h2>
          <span className="muted small">last {shown >= 120 ? `${shown / 60} minutes` : `${shown} seconds`} · per second</span>
        </div>
        {stats.isError ? (
          <p className="error">Could not read /api/hub/stats: {stats.error.message}</p>
        ) : (
          <RateChart samples={s?.samples ?? []} seconds={shown} now={now} />
        )}
      </section>
      <section className="card">
        <div className="card-head">
          <h2>Collections</h2>
          <a className="small" href={href('collections')}>
            Open →
          </a>
        </div>
        {collections.data?.length ? (
          <ul className="chips">
            {collections.data.map((c) => (
              <li key={c.name}>
                <a className="chip" href={href('collections', c.name)}>
                  {c.name} <b>{c.count === null ? 'some' : num(c.count)}</b>
                </a>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No collections yet. Write a record and it appears here.</p>
        )}
      </section>
    </div>
  );
}

import { useLiveQuery } from '@livehub/react';
import { isServerField } from '@livehub/protocol/core';
import { useState } from 'react';
import { ago, cell, num } from '../format';
import { navigate } from '../routing';
import { RecordEditor } from './record-editor';

const ORDERS = [
  { value: '-updatedAt', label: 'Recently updated' },
  { value: '-createdAt', label: 'Newest first' },
  { value: 'createdAt', label: 'Oldest first' },
  { value: 'id', label: 'By id' },
];
const LIMIT = 200;

/** The fields shown as columns: the most common data fields of the page, at most `max`. */
function columns(items: Record<string, unknown>[], max: number): string[] {
  const counts = new Map<string, number>();
  for (const r of items.slice(0, 100)) for (const k of Object.keys(r)) if (!isServerField(k)) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([k]) => k);
}

export function RecordsView({ collection, selected }: { collection: string; selected: string | undefined }) {
  const [order, setOrder] = useState('-updatedAt');
  const list = useLiveQuery(collection, { order, limit: LIMIT });
  const items = list.data?.items ?? [];
  // Fewer columns while the editor takes part of the width.
  const cols = columns(items, selected ? 3 : 6);
  // Rows that arrive or change after the first load flash once (a new key remounts the row).
  // `keys` is every row version loaded so far (null before the first load); worked out while
  // rendering, once per new data (React's "adjusting state when a prop changes").
  const [seen, setSeen] = useState<{ data: typeof list.data; keys: ReadonlySet<string> | null; fresh: ReadonlySet<string> }>({
    data: undefined,
    keys: null,
    fresh: new Set(),
  });
  if (list.data !== seen.data) {
    const now = items.map((r) => `${r.id}:${r.version}`);
    const before = seen.keys;
    setSeen({
      data: list.data,
      keys: list.data ? new Set([...(before ?? []), ...now]) : before,
      fresh: new Set(before ? now.filter((k) => !before.has(k)) : []),
    });
  }
  const fresh = seen.fresh;
  const creating = selected === '+new';

  return (
    <div className="records">
      <div className="records-main">
        <header className="page-head row">
          <div>
            <h1 className="mono">{collection}</h1>
            <p className="muted small">
              {list.data
                ? `${num(items.length)}${list.data.nextCursor ? '+' : ''} ${items.length === 1 ? 'record' : 'records'} · live at #${num(list.data.seq)}`
                : 'Loading…'}
            </p>
          </div>
          <div className="toolbar">
            <select className="input" value={order} onChange={(e) => setOrder(e.target.value)} aria-label="Order">
              {ORDERS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
            <button className="btn btn-primary" onClick={() => navigate('collections', collection, '+new')} data-testid="new-record">
              + New record
            </button>
          </div>
        </header>
        {list.isError && (
          <p className="error">
            Could not list {collection}: {list.error.message}
          </p>
        )}
        {list.data && items.length === 0 && (
          <div className="empty">
            <p>
              No records in <span className="mono">{collection}</span> yet.
            </p>
            <button className="btn" onClick={() => navigate('collections', collection, '+new')}>
              Create the first one
            </button>
          </div>
        )}
        {items.length > 0 && (
          <div className="table-wrap">
            <table className="table" data-testid="records">
              <thead>
                <tr>
                  <th>id</th>
                  {cols.map((c) => (
                    <th key={c}>{c}</th>
                  ))}
                  <th className="num">v</th>
                  <th>updated</th>
                </tr>
              </thead>
              <tbody>
                {items.map((r) => {
                  const k = `${r.id}:${r.version}`;
                  return (
                    <tr
                      key={k}
                      className={`${fresh.has(k) ? 'flash ' : ''}${r.id === selected ? 'selected' : ''}`}
                      onClick={() => navigate('collections', collection, r.id)}
                      data-testid="record-row"
                      data-id={r.id}
                    >
                      <td className="mono id">{r.id}</td>
                      {cols.map((c) => (
                        <td key={c}>{cell(r[c])}</td>
                      ))}
                      <td className="num">{r.version}</td>
                      <td className="muted" title={r.updatedAt}>
                        {ago(r.updatedAt)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </div>
      {(creating || selected) && (
        <RecordEditor key={selected} collection={collection} id={creating ? undefined : selected} onClose={() => navigate('collections', collection)} />
      )}
    </div>
  );
}

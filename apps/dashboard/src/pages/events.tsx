import type { EventMessage } from '@livehub/client';
import { useChannel } from '@livehub/react';
import { useEffect, useRef, useState } from 'react';
import { JsonView } from '../components/json-view';
import { clock, num } from '../format';

/** Events kept in memory; older ones drop off. */
const KEEP = 1000;

interface Row {
  n: number;
  e: EventMessage;
  channel: string;
}

function summary(e: EventMessage): string {
  const d = e.data as Record<string, unknown> | null;
  if (d && typeof d === 'object' && typeof d.id === 'string' && typeof d.action === 'string') return `${d.id} → v${String(d.version)}`;
  const s = JSON.stringify(e.data);
  return s === undefined ? '' : s.length > 80 ? s.slice(0, 77) + '…' : s;
}

/**
 * Every event of the hub as it happens, from the `*` tap (each carries `via`, its real channel):
 * filter by channel and event name, pause, and open one to see its payload and seq.
 */
export function EventsPage() {
  // Events land in `buffer` as they come; `rows` is its copy for rendering, taken at most once per frame.
  const buffer = useRef<Row[]>([]);
  const counter = useRef(0);
  const [rows, setRows] = useState<Row[]>([]);
  const [paused, setPaused] = useState(false);
  const [held, setHeld] = useState(0);
  const [channelFilter, setChannelFilter] = useState('');
  const [eventFilter, setEventFilter] = useState('');
  const [open, setOpen] = useState<number | null>(null);
  const frame = useRef<number | null>(null);
  useEffect(() => () => void (frame.current !== null && cancelAnimationFrame(frame.current)), []);

  useChannel('*', (e) => {
    buffer.current.push({ n: ++counter.current, e, channel: e.via ?? e.channel });
    if (buffer.current.length > KEEP) buffer.current.splice(0, buffer.current.length - KEEP);
    // While paused the list on screen stays still (it shows `frozen`); events are still kept, and counted.
    if (paused) setHeld((h) => h + 1);
    // At most one render per frame, however fast events come.
    frame.current ??= requestAnimationFrame(() => {
      frame.current = null;
      setRows(buffer.current.slice());
    });
  });

  const [frozen, setFrozen] = useState<Row[]>([]);
  const source = paused ? frozen : rows;
  const channels = [...new Set(rows.map((r) => r.channel))].sort();
  const shown = source.filter((r) => (!channelFilter || r.channel === channelFilter) && (!eventFilter || r.e.event.includes(eventFilter))).reverse();
  const selected = open === null ? undefined : source.find((r) => r.n === open);

  const togglePause = () => {
    if (!paused) setFrozen([...buffer.current]);
    setHeld(0);
    setPaused(!paused);
  };

  return (
    <div className="page events-page">
      <header className="page-head row">
        <div>
          <h1>Events</h1>
          <p className="muted small">Every change and every published event on this hub, live. The last {num(KEEP)} are kept.</p>
        </div>
        <div className="toolbar">
          <select className="input" value={channelFilter} onChange={(e) => setChannelFilter(e.target.value)} aria-label="Channel" data-testid="filter-channel">
            <option value="">All channels</option>
            {channels.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
          <input
            className="input"
            value={eventFilter}
            onChange={(e) => setEventFilter(e.target.value)}
            placeholder="event name contains…"
            aria-label="Event name"
            data-testid="filter-event"
          />
          <button className={`btn ${paused ? 'btn-primary' : ''}`} onClick={togglePause} data-testid="pause">
            {paused ? `▶ Resume${held ? ` (${num(held)} new)` : ''}` : '❚❚ Pause'}
          </button>
          <button
            className="btn btn-ghost"
            onClick={() => {
              buffer.current = [];
              setRows([]);
              setFrozen([]);
              setOpen(null);
            }}
          >
            Clear
          </button>
        </div>
      </header>
      <div className="events-body">
        <div className="table-wrap">
          {shown.length === 0 ? (
            <div className="empty">
              <p>{source.length === 0 ? 'Waiting for events… write a record or publish to a channel.' : 'No event matches the filters.'}</p>
            </div>
          ) : (
            <table className="table" data-testid="events">
              <thead>
                <tr>
                  <th>time</th>
                  <th className="num">seq</th>
                  <th>channel</th>
                  <th>event</th>
                  <th>data</th>
                </tr>
              </thead>
              <tbody>
                {shown.slice(0, 300).map((r) => (
                  <tr key={r.n} onClick={() => setOpen(r.n)} className={r.n === open ? 'selected' : ''} data-testid="event-row">
                    <td className="mono muted">{clock(r.e.timestamp)}</td>
                    <td className="num mono">
                      {r.e.seq ?? (
                        <span className="muted" title="ephemeral: not in the log">
                          –
                        </span>
                      )}
                    </td>
                    <td className="mono">{r.channel}</td>
                    <td>
                      <span className={`tag ${r.e.seq === undefined ? 'tag-eph' : `tag-${r.e.event.split('.').at(-1)}`}`}>{r.e.event}</span>
                    </td>
                    <td className="mono muted ellipsis">{summary(r.e)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        {selected && (
          <aside className="panel detail" data-testid="event-detail">
            <div className="panel-head">
              <h2>{selected.e.event}</h2>
              <button className="btn btn-ghost" onClick={() => setOpen(null)} aria-label="Close">
                ✕
              </button>
            </div>
            <dl className="meta">
              <dt>channel</dt>
              <dd className="mono">{selected.channel}</dd>
              <dt>seq</dt>
              <dd className="mono">{selected.e.seq ?? 'ephemeral'}</dd>
              <dt>time</dt>
              <dd className="mono">{selected.e.timestamp}</dd>
            </dl>
            <JsonView value={selected.e.data} />
          </aside>
        )}
      </div>
    </div>
  );
}

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { fetchCollections, opsKeys } from '../api';
import { num } from '../format';
import { href, navigate } from '../routing';
import { RecordsView } from './records-view';

const NAME_RE = /^[a-z][a-z0-9_-]{0,63}$/;

/** Collections on the left; the chosen one's live records on the right. */
export function CollectionsPage({ params }: { params: string[] }) {
  const [name, id] = params;
  const collections = useQuery({ queryKey: opsKeys.collections, queryFn: fetchCollections });
  const [draft, setDraft] = useState('');
  const valid = NAME_RE.test(draft);
  const known = new Set(collections.data?.map((c) => c.name));

  return (
    <div className="split">
      <aside className="panel collections-list" aria-label="Collections">
        <div className="panel-head">
          <h2>Collections</h2>
        </div>
        <ul className="list">
          {collections.data?.map((c) => (
            <li key={c.name}>
              <a className={`list-item${c.name === name ? ' active' : ''}`} href={href('collections', c.name)} data-testid="collection-link">
                <span className="mono">{c.name}</span>
                <span className="count">{c.count === null ? 'some' : num(c.count)}</span>
              </a>
            </li>
          ))}
          {name && !known.has(name) && (
            <li>
              <a className="list-item active" href={href('collections', name)}>
                <span className="mono">{name}</span>
                <span className="count">new</span>
              </a>
            </li>
          )}
        </ul>
        {collections.data?.length === 0 && !name && <p className="muted small pad">No collections yet.</p>}
        <form
          className="new-collection"
          onSubmit={(e) => {
            e.preventDefault();
            if (valid) navigate('collections', draft);
            setDraft('');
          }}
        >
          <input
            value={draft}
            onChange={(e) => setDraft(e.target.value.toLowerCase())}
            placeholder="collection name"
            aria-label="New collection name"
            className="input mono"
          />
          <button className="btn" disabled={!valid}>
            Open collection
          </button>
        </form>
      </aside>
      {name ? (
        <RecordsView key={name} collection={name} selected={id} />
      ) : (
        <div className="empty">
          <h2>Pick a collection</h2>
          <p className="muted">Records update live: open this page in two tabs and edit in one.</p>
        </div>
      )}
    </div>
  );
}

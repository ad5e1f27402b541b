import { useConnectionStatus, useQueryInvalidation } from '@livehub/react';
import { opsKeys } from './api';
import { signOut } from './auth';
import { ConnectionIndicator } from './components/connection-indicator';
import { Sidebar } from './components/sidebar';
import { ThemeToggle } from './components/theme-toggle';
import { ClientsPage } from './pages/clients';
import { CollectionsPage } from './pages/collections';
import { EventsPage } from './pages/events';
import { OverviewPage } from './pages/overview';
import { useRoute } from './routing';
import { useTheme } from './theme';

/** Record counts follow the change log: any durable event (it has a seq) re-reads them, coalesced. */
function LiveCollectionCounts() {
  useQueryInvalidation({ '*': [(e) => (e.seq !== undefined ? opsKeys.collections : null)] }, { debounceMs: 250 });
  return null;
}

export function App({ signedIn = false }: { signedIn?: boolean }) {
  const route = useRoute();
  const [theme, setTheme] = useTheme();
  // Only the epoch: the full status changes with every message, and this is the whole app.
  const epoch = useConnectionStatus((s) => s.epoch);
  return (
    <div className="app">
      <Sidebar route={route} />
      <div className="main">
        <header className="topbar">
          <span className="muted small mono" title="The change log's epoch: a new database has a new one">
            {location.host}
            {epoch ? ` · ${epoch}` : ''}
          </span>
          <div className="topbar-right">
            <ConnectionIndicator />
            <ThemeToggle theme={theme} onChange={setTheme} />
            {signedIn && (
              <button className="btn btn-ghost small" onClick={signOut} data-testid="sign-out">
                Sign out
              </button>
            )}
          </div>
        </header>
        {(route.page === 'overview' || route.page === 'collections') && <LiveCollectionCounts />}
        {route.page === 'overview' && <OverviewPage />}
        {route.page === 'collections' && <CollectionsPage params={route.params} />}
        {route.page === 'events' && <EventsPage />}
        {route.page === 'clients' && <ClientsPage />}
      </div>
    </div>
  );
}

import { LivehubProvider } from '@livehub/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createRoot } from 'react-dom/client';
import { fetchCollections, HttpError, setApiToken } from './api';
import { App } from './app';
import { initialToken } from './auth';
import { SignIn } from './components/sign-in';
import './styles.css';

const queryClient = new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } } });

// The hub that served this page (with any path prefix a proxy put in front of it).
const url = new URL('.', location.href).href;
// Recognisable in the Clients view; each tab is its own client.
const clientId = `dashboard-${Math.random().toString(36).slice(2, 8)}`;
const token = initialToken();
setApiToken(token);
const root = createRoot(document.getElementById('root')!);

/**
 * One request before anything connects: a hub with auth answers 401 without a (valid) token, and
 * the sign-in panel is shown instead of a dashboard whose every part would fail. Any other
 * failure (the hub restarting) is the live connection's to report, so the app starts anyway.
 */
async function start(): Promise<void> {
  try {
    await fetchCollections();
  } catch (err) {
    if (err instanceof HttpError && err.status === 401) {
      root.render(<SignIn rejected={token !== undefined} />);
      return;
    }
  }
  root.render(
    <QueryClientProvider client={queryClient}>
      <LivehubProvider options={{ url, clientId, ...(token ? { token } : {}) }}>
        <App signedIn={token !== undefined} />
      </LivehubProvider>
    </QueryClientProvider>,
  );
}

void start();

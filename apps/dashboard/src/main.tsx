import { LivehubProvider } from '@livehub/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import './styles.css';

const queryClient = new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } } });

// The hub that served this page (with any path prefix a proxy put in front of it).
const url = new URL('.', location.href).href;
// Recognisable in the Clients view; each tab is its own client.
const clientId = `dashboard-${Math.random().toString(36).slice(2, 8)}`;

createRoot(document.getElementById('root')!).render(
  <QueryClientProvider client={queryClient}>
    <LivehubProvider options={{ url, clientId }}>
      <App />
    </LivehubProvider>
  </QueryClientProvider>,
);

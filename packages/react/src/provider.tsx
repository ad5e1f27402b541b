import { createClient, type ClientOptions, type LivehubClient } from '@livehub/client';
import { useEffect, useState, type ReactNode } from 'react';
import { LivehubContext } from './context.js';

export type LivehubProviderProps = { children?: ReactNode } & (
  | {
      /** A client the app created and owns: the provider never closes it. */
      client: LivehubClient;
      options?: never;
    }
  | {
      client?: never;
      /**
       * Options for a client the provider creates, connects, and closes when it unmounts.
       * @default {} (the page's origin, every transport, default backoff)
       */
      options?: ClientOptions;
    }
);

/**
 * One shared livehub connection for everything below it. Pass `client` to share a client you
 * own (tests, several roots, use outside React); otherwise the provider creates one from
 * `options` and closes it on unmount. Put it inside `QueryClientProvider`: the live query hooks
 * use that QueryClient.
 */
export function LivehubProvider(props: LivehubProviderProps): ReactNode {
  const given = props.client;
  // `options` is read once, like useState's initial value: a new client per render would drop every subscription.
  const [options] = useState(props.options);
  // Created unconnected: React may call this initializer twice and drop one result, which must cost nothing.
  const [owned, setOwned] = useState<LivehubClient | null>(() => (given ? null : createClient({ ...options, autoConnect: false })));

  useEffect(() => {
    if (given || !owned) return;
    if (owned.state === 'closed') {
      // Remounted after a close (StrictMode's mount–unmount–mount): a closed client is final, make another.
      // eslint-disable-next-line react-hooks/set-state-in-effect -- only after the cleanup closed this client, once per remount; no cascade
      setOwned(createClient({ ...options, autoConnect: false }));
      return;
    }
    if (options?.autoConnect !== false) owned.connect();
    return () => owned.close();
  }, [given, owned, options]);

  const client = given ?? owned;
  if (!client) return null;
  return <LivehubContext.Provider value={client}>{props.children}</LivehubContext.Provider>;
}

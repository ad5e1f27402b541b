import { useConnectionStatus } from '@livehub/react';
import { ago } from '../format';

/** Seed 003's indicator: ● Live, ◐ poor, ○ reconnecting with the attempt count. */
export function ConnectionIndicator() {
  const s = useConnectionStatus();
  let mark = '○';
  let label = 'Connecting…';
  let tone = 'muted';
  if (s.state === 'connected') {
    const good = s.connectionQuality === 'good';
    mark = good ? '●' : '◐';
    label = good ? 'Live' : 'Poor connection';
    tone = good ? 'ok' : 'warn';
  } else if (s.state === 'reconnecting') {
    label = s.reconnectAttempts > 0 ? `Reconnecting · attempt ${s.reconnectAttempts}` : 'Reconnecting…';
    tone = 'bad';
  } else if (s.state === 'closed') {
    label = 'Offline';
    tone = 'bad';
  }
  const title = [
    `state: ${s.state}`,
    s.transport && `transport: ${s.transport}`,
    s.rttMs !== undefined && `round trip: ${Math.round(s.rttMs)} ms`,
    `last message: ${ago(s.lastUpdated)}`,
    s.clientId && `client: ${s.clientId}`,
  ]
    .filter(Boolean)
    .join('\n');
  return (
    <span
      className={`conn conn-${tone}`}
      data-testid="connection"
      data-state={s.state}
      data-quality={s.connectionQuality}
      title={title}
      role="status"
      aria-live="polite"
    >
      <span className="conn-mark" aria-hidden>
        {mark}
      </span>
      {label}
    </span>
  );
}

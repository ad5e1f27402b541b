import type { EventMessage } from '@livehub/client';
import type { Paint, Style } from './colour.js';

/** The colour of an event name: creations green, updates yellow, deletions red, the rest (ephemeral) magenta. */
function styleOf(event: string): Style {
  if (event.endsWith('.created')) return 'green';
  if (event.endsWith('.updated')) return 'yellow';
  if (event.endsWith('.deleted')) return 'red';
  return 'magenta';
}

function clock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

const META = new Set(['id', 'version', 'createdAt', 'updatedAt']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A record change as `id vN {fields}`: the envelope (collection, action) is already in the line. */
function recordChange(data: unknown, paint: Paint): string | undefined {
  if (!isObject(data) || typeof data.id !== 'string' || typeof data.version !== 'number' || typeof data.action !== 'string') return undefined;
  const fields = isObject(data.record) ? Object.fromEntries(Object.entries(data.record).filter(([k]) => !META.has(k))) : undefined;
  const changed = Array.isArray(data.changed) && data.action === 'updated' ? ` ${paint('dim', `changed ${data.changed.join(',')}`)}` : '';
  return `${paint('bold', data.id)} v${data.version}${changed}${fields ? ` ${JSON.stringify(fields)}` : ''}`;
}

/**
 * One event as `livehub tail` prints it for people: time, `#seq` (durable events only), channel
 * (and the channel it came from on `*`), event name, then for a record change `id vN {fields}`,
 * for anything else its data as JSON. `--json` prints the message itself.
 */
export function formatEvent(e: EventMessage, paint: Paint): string {
  const seq = e.seq !== undefined ? paint('dim', `#${e.seq}`) : paint('dim', '  -');
  const channel = paint('cyan', e.via !== undefined ? `${e.channel} (${e.via})` : e.channel);
  return `${paint('dim', clock(e.timestamp))} ${seq} ${channel} ${paint(styleOf(e.event), e.event)} ${recordChange(e.data, paint) ?? JSON.stringify(e.data)}`;
}

import { describe, expect, it } from 'vitest';
import { painter, useColour } from '../../src/cli/colour.js';
import { formatEvent } from '../../src/cli/tail-format.js';
import { parseTtl } from '../../src/cli/token.js';
import { UsageError } from '../../src/cli/command.js';

const change = {
  type: 'event' as const,
  channel: 'agent',
  event: 'agent.updated',
  seq: 7,
  timestamp: new Date(2026, 0, 2, 3, 4, 5, 6).toISOString(),
  data: { id: 'a1', collection: 'agent', action: 'updated', version: 3, changed: ['status'], record: { id: 'a1', version: 3, status: 'busy', updatedAt: 'x' } },
};

describe('livehub tail output', () => {
  it('prints a record change as time, seq, channel, event, id, version and fields', () => {
    expect(formatEvent(change, painter(false))).toBe('03:04:05.006 #7 agent agent.updated a1 v3 changed status {"status":"busy"}');
    const ephemeral = { type: 'event' as const, channel: '*', via: 'session:1', event: 'ping', timestamp: change.timestamp, data: [1] };
    expect(formatEvent(ephemeral, painter(false))).toBe('03:04:05.006   - * (session:1) ping [1]');
  });

  it('colours only for a terminal, never with NO_COLOR, and on FORCE_COLOR', () => {
    expect(useColour({ isTTY: true }, {})).toBe(true);
    expect(useColour({ isTTY: false }, {})).toBe(false);
    expect(useColour({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColour({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(useColour({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false);
    const coloured = formatEvent(change, painter(true));
    expect(coloured).toContain('\x1b[33magent.updated\x1b[39m');
    expect(coloured.replace(new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g'), '')).toBe(formatEvent(change, painter(false)));
  });
});

describe('livehub token --ttl', () => {
  it('reads durations', () => {
    expect(['90s', '15m', '1h', '7d', '3600'].map(parseTtl)).toEqual([90, 900, 3600, 604_800, 3600]);
    for (const bad of ['0', '1w', '-1h', 'soon', '']) expect(() => parseTtl(bad)).toThrow(UsageError);
  });
});

import { describe, expect, it } from 'vitest';
import { ChannelPatternLabels } from '../../src/channel-pattern-labels.js';

describe('ChannelPatternLabels', () => {
  it('labels a channel by its first segment', () => {
    const labels = new ChannelPatternLabels();
    expect(['agent', 'agent:a1', 'session:42:out', 'system', '*'].map((c) => labels.labelOf(c))).toEqual(['agent', 'agent:*', 'session:*', 'system', '*']);
  });

  it('gives the first N patterns a label and counts the rest as other, for good', () => {
    const labels = new ChannelPatternLabels(2);
    const counts = labels.count([
      { channel: 'a', subscribers: 1 },
      { channel: 'b:1', subscribers: 2 },
      { channel: 'b:2', subscribers: 3 },
      { channel: 'c', subscribers: 4 },
      { channel: 'd:x:y', subscribers: 5 },
    ]);
    expect([...counts]).toEqual([
      ['a', 1],
      ['b:*', 5],
      ['other', 9],
    ]);
    // A label once given stays; one refused stays refused.
    expect(labels.labelOf('c')).toBe('other');
    expect(labels.labelOf('a')).toBe('a');
  });
});

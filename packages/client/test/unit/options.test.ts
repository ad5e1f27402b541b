import { afterEach, describe, expect, it } from 'vitest';
import { encodeFilterValue as encodeFilter } from '@livehub/protocol/core';
import { resolveBaseUrl, resolveOptions } from '../../src/options.js';

const g = globalThis as { location?: unknown };
const envUrl = process.env.LIVEHUB_URL;
afterEach(() => {
  delete g.location;
  if (envUrl === undefined) delete process.env.LIVEHUB_URL;
  else process.env.LIVEHUB_URL = envUrl;
});

describe('options', () => {
  it('defaults the URL from LIVEHUB_URL in Node, else 127.0.0.1:8080', () => {
    delete process.env.LIVEHUB_URL;
    expect(resolveBaseUrl(undefined)).toBe('http://127.0.0.1:8080');
    process.env.LIVEHUB_URL = 'https://hub.example:9443/base/';
    expect(resolveBaseUrl(undefined)).toBe('https://hub.example:9443/base');
  });

  it("defaults to the page's origin in a browser; relative URLs resolve against the page", () => {
    g.location = { href: 'https://app.example/dash/x', origin: 'https://app.example', protocol: 'https:' };
    expect(resolveBaseUrl(undefined)).toBe('https://app.example');
    expect(resolveOptions({}).wsUrl).toBe('wss://app.example/ws');
    expect(resolveBaseUrl('/livehub')).toBe('https://app.example/livehub');
  });

  it('accepts ws(s) URLs and a trailing /ws, and refuses other schemes', () => {
    expect(resolveOptions({ url: 'ws://127.0.0.1:8080/ws' })).toMatchObject({ httpBase: 'http://127.0.0.1:8080', wsUrl: 'ws://127.0.0.1:8080/ws' });
    expect(resolveOptions({ url: 'wss://h.example/' }).httpBase).toBe('https://h.example');
    expect(() => resolveBaseUrl('ftp://x')).toThrow(/http\(s\) or ws\(s\)/);
  });

  it('fills every default and validates up front', () => {
    const o = resolveOptions({ url: 'http://h' });
    expect(o).toMatchObject({
      transports: ['websocket', 'sse', 'long-poll'],
      reconnect: { initialDelayMs: 500, factor: 1.5, maxDelayMs: 20_000, maxAttempts: Infinity },
      connectionTimeoutMs: 10_000,
      heartbeatMs: 15_000,
      pongTimeoutMs: 10_000,
      poorRttMs: 1000,
      probeIntervalMs: 30_000,
      pollWaitS: 25,
      requestTimeoutMs: 15_000,
      autoConnect: true,
    });
    expect(() => resolveOptions({ transports: [] })).toThrow(/transports/);
    expect(() => resolveOptions({ reconnect: { factor: 0.5 } })).toThrow(/factor/);
    expect(() => resolveOptions({ clientId: 'bad id' })).toThrow(/clientId/);
    expect(resolveOptions({ pollWaitS: 99 }).pollWaitS).toBe(30);
  });

  it('quotes list filter strings that would otherwise read as JSON scalars', () => {
    expect(encodeFilter('idle')).toBe('idle');
    expect(encodeFilter('3')).toBe('"3"');
    expect(encodeFilter('true')).toBe('"true"');
    expect(encodeFilter('null')).toBe('"null"');
    expect(encodeFilter(3)).toBe('3');
    expect(encodeFilter(false)).toBe('false');
    expect(encodeFilter(null)).toBe('null');
    expect(encodeFilter('{"a":1}')).toBe('{"a":1}');
  });
});

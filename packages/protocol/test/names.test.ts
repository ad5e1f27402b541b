import { describe, expect, it } from 'vitest';
import {
  CLIENT_ID_RE,
  ClientMessage,
  CloseCode,
  ErrorCodes,
  SERVER_FIELDS,
  changeScope,
  decodeServerFrame,
  isDurableChannel,
  isReservedEvent,
  isServerField,
  isValidClientId,
  isValidEventName,
  parseChannel,
  withoutServerFields,
} from '../src/index.js';

describe('channel grammar', () => {
  it.each([
    ['system', { kind: 'system' }],
    ['agent', { kind: 'collection', collection: 'agent' }],
    ['agent:a1', { kind: 'record', collection: 'agent', id: 'a1' }],
    ['session:123', { kind: 'record', collection: 'session', id: '123' }],
    ['workflow:run:456', { kind: 'ephemeral' }],
    ['shell:terminal:789', { kind: 'ephemeral' }],
    ['Upper:x', { kind: 'ephemeral' }],
    ['system:x', { kind: 'ephemeral' }],
  ])('%s', (name, expected) => {
    expect(parseChannel(name)).toMatchObject({ name, ...expected });
  });

  it.each(['', 'Agent', '1abc', 'a::b', ':x', 'x:', 'a b', 'a:b c', 'x'.repeat(257), 'a/b'])('refuses %j', (name) => {
    expect(parseChannel(name)).toBeUndefined();
  });

  it('refuses non-strings', () => {
    expect(parseChannel(42)).toBeUndefined();
    expect(parseChannel(null)).toBeUndefined();
  });
});

describe('event names', () => {
  it('accepts dotted names and refuses others', () => {
    for (const ok of ['agent.created', 'session.stream_output', 'workflow.run.step.completed', 'ping']) expect(isValidEventName(ok)).toBe(true);
    for (const bad of ['', 'a..b', '.a', 'a.', 'a:b', 'a b', 7]) expect(isValidEventName(bad)).toBe(false);
  });

  it('reserves record actions on the collection and record channels only', () => {
    expect(isReservedEvent(parseChannel('agent')!, 'agent.updated')).toBe(true);
    expect(isReservedEvent(parseChannel('agent:a1')!, 'agent.deleted')).toBe(true);
    expect(isReservedEvent(parseChannel('agent')!, 'agent.progress')).toBe(false);
    expect(isReservedEvent(parseChannel('agent')!, 'task.updated')).toBe(false);
    expect(isReservedEvent(parseChannel('run:1:2')!, 'run.updated')).toBe(false);
  });
});

describe('messages', () => {
  it('decodes client messages and refuses wrong shapes', () => {
    expect(ClientMessage.safeParse({ type: 'subscribe', id: 1, channel: 'a', since: 5, snapshot: true }).success).toBe(true);
    expect(ClientMessage.safeParse({ type: 'subscribe', id: 1, channel: 'a', since: -1 }).success).toBe(false);
    expect(ClientMessage.safeParse({ type: 'subscribe', id: { x: 1 }, channel: 'a' }).success).toBe(false);
    expect(ClientMessage.safeParse({ type: 'publish', channel: 'a:b', event: 'e' }).success).toBe(true);
    expect(ClientMessage.safeParse({ type: 'sync_request', since: 1.5 }).success).toBe(false);
    expect(ClientMessage.safeParse({ type: 'nope' }).success).toBe(false);
  });

  it('decodes single and batched server frames', () => {
    expect(decodeServerFrame('{"type":"pong","serverTs":1}')).toEqual([{ type: 'pong', serverTs: 1 }]);
    expect(decodeServerFrame('[{"type":"ack","id":1},{"type":"ack","id":2}]')).toHaveLength(2);
  });

  it('keeps one catalogue: every error code has a status and message, close codes are distinct', () => {
    for (const spec of Object.values(ErrorCodes)) {
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.message.length).toBeGreaterThan(0);
    }
    const codes = Object.values(CloseCode);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe('durable channels', () => {
  it('are the collection, record and * channels, and carry the changes of their scope', () => {
    const durable = (name: string) => isDurableChannel(parseChannel(name)!);
    for (const name of ['agent', 'agent:a1', '*']) expect(durable(name), name).toBe(true);
    for (const name of ['system', 'workflow:run:1', 'Chat:lobby', 'system:x']) expect(durable(name), name).toBe(false);
    const scope = (name: string) => {
      const info = parseChannel(name)!;
      return isDurableChannel(info) ? changeScope(info) : undefined;
    };
    expect(scope('agent')).toEqual({ collection: 'agent' });
    expect(scope('agent:a1')).toEqual({ collection: 'agent', id: 'a1' });
    expect(scope('*')).toEqual({});
  });
});

describe('client ids', () => {
  it('accept [A-Za-z0-9_.:~-]{1,128} and nothing else', () => {
    for (const ok of ['tab-1', 'c-73kwapw7kzdn', 'a:b.c~d_e', 'x'.repeat(128)]) expect(isValidClientId(ok), ok).toBe(true);
    for (const bad of ['', 'a b', 'a/b', 'é', 'x'.repeat(129), 42, undefined]) expect(isValidClientId(bad), String(bad)).toBe(false);
    expect(CLIENT_ID_RE.test('tab-1')).toBe(true);
  });
});

describe('server-owned fields', () => {
  it('are id, version, createdAt and updatedAt; writes are stripped of them without being changed', () => {
    expect([...SERVER_FIELDS]).toEqual(['id', 'version', 'createdAt', 'updatedAt']);
    expect(isServerField('version')).toBe(true);
    expect(isServerField('name')).toBe(false);
    const body = { id: 'x', version: 9, createdAt: 'c', updatedAt: 'u', name: 'n' };
    expect(withoutServerFields(body)).toEqual({ name: 'n' });
    expect(body.version).toBe(9);
  });
});

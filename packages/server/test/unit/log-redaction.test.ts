import { describe, expect, it } from 'vitest';
import { loggableUrl, scrubLine } from '../../src/log-redaction.js';
import { wantsPretty } from '../../src/logger.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXBhcnQtb2YtaXQ';

describe('log redaction', () => {
  it('cuts credentials out of a finished line, wherever they are', () => {
    const line = JSON.stringify({
      msg: `refused Bearer opaque-123 and ${JWT}`,
      url: '/api/events?channels=a&token=opaque-456&x=1',
      frame: JSON.stringify({ type: 'auth', token: 'opaque-789' }),
      db: 'postgres://livehub:hunter2@db:5432/livehub',
    });
    const out = scrubLine(line);
    for (const secret of ['opaque-123', 'opaque-456', 'opaque-789', 'hunter2', 'c2lnbmF0dXJl', 'eyJzdWIi']) expect(out).not.toContain(secret);
    expect(JSON.parse(out)).toEqual({
      msg: 'refused Bearer [redacted] and [redacted]',
      url: '/api/events?channels=a&token=[redacted]&x=1',
      frame: '{"type":"auth","token":"[redacted]"}',
      db: 'postgres://livehub:[redacted]@db:5432/livehub',
    });
  });

  it('leaves lines without credentials as they are', () => {
    const line = '{"level":30,"msg":"livehub listening","url":"http://127.0.0.1:8080","component":"authz"}';
    expect(scrubLine(line)).toBe(line);
    expect(loggableUrl('/api/c/doc?limit=5')).toBe('/api/c/doc?limit=5');
    expect(loggableUrl(`/ws?clientId=c1&token=${JWT}`)).toBe('/ws?clientId=c1&token=[redacted]');
  });

  it('logs pretty only for a terminal outside tests, unless told', () => {
    expect(wantsPretty('auto', {}, true)).toBe(true);
    expect(wantsPretty('auto', {}, false)).toBe(false);
    expect(wantsPretty('auto', { VITEST: 'true' }, true)).toBe(false);
    expect(wantsPretty('auto', { NODE_ENV: 'test' }, true)).toBe(false);
    expect(wantsPretty('pretty', {}, false)).toBe(true);
    expect(wantsPretty('json', {}, true)).toBe(false);
  });
});

import type { Principal } from '../auth.js';
import { claimValue, isPlaceholder } from './placeholders.js';

const LITERAL_RE = /^[A-Za-z0-9_.~-]{1,128}$/;

type Segment = { kind: 'literal'; text: string } | { kind: 'one' } | { kind: 'rest' } | { kind: 'claim'; path: string };

/**
 * A channel pattern of the `authorization.channels` rules: `session:{sub}:*`, `workflow:run:**`.
 * Segments are split on `:`; `*` is exactly one segment, a final `**` one or more, `{sub}` and
 * `{claims.x}` one segment equal to the principal's value (an array claim: any element).
 */
export class ChannelPattern {
  private readonly segments: Segment[];

  /** Throws a TypeError saying what is wrong with the pattern. */
  constructor(readonly source: string) {
    if (source === '*' || source === 'system') throw new TypeError(`'${source}' is not a pattern: the tap and system have fixed admin rules`);
    const parts = source.split(':');
    this.segments = parts.map((p, i): Segment => {
      if (p === '*') return { kind: 'one' };
      if (p === '**') {
        if (i !== parts.length - 1) throw new TypeError(`'**' may only end a pattern`);
        return { kind: 'rest' };
      }
      if (isPlaceholder(p)) {
        const inner = p.slice(1, -1);
        return { kind: 'claim', path: inner === 'sub' ? 'sub' : inner.slice('claims.'.length) };
      }
      if (!LITERAL_RE.test(p)) throw new TypeError(`segment '${p}' is not a channel segment, '*', '**' or a placeholder like {sub}`);
      return { kind: 'literal', text: p };
    });
  }

  /** Whether the pattern names principals (`{sub}`, `{claims.x}`): its channels belong to them. */
  get owned(): boolean {
    return this.segments.some((s) => s.kind === 'claim');
  }

  matches(channel: string, principal: Principal): boolean {
    return this.match(channel, principal);
  }

  /**
   * Whether `channel` has the pattern's shape, whoever its placeholder segments name:
   * `session:bob:x` fits `session:{sub}:*` for alice too. Such a channel is bob's, not unruled.
   */
  fits(channel: string): boolean {
    return this.match(channel, undefined);
  }

  /** Without a principal, placeholder segments match any one segment. */
  private match(channel: string, principal: Principal | undefined): boolean {
    const parts = channel.split(':');
    const segs = this.segments;
    const last = segs[segs.length - 1]!;
    if (last.kind === 'rest' ? parts.length < segs.length : parts.length !== segs.length) return false;
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i]!;
      const p = parts[i]!;
      if (s.kind === 'rest') return true;
      if (s.kind === 'one') continue;
      if (s.kind === 'literal') {
        if (s.text !== p) return false;
        continue;
      }
      if (principal === undefined) continue;
      const v = claimValue(principal, s.path);
      const values = Array.isArray(v) ? v : [v];
      if (!values.some((x) => (typeof x === 'string' || typeof x === 'number') && String(x) === p)) return false;
    }
    return true;
  }
}

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { HubError } from '../errors.js';

/** Marks a sealed cursor; a store's own cursors are base64url JSON and never start with it. */
const PREFIX = 's1.';

/**
 * Seals list cursors that would name a row the reader may not see (a page under a read rule ends
 * on the last row read, which may be someone else's): AES-256-GCM, so the cursor tells nothing
 * and cannot be forged. The key comes from the database's secret (`Store.secret`), so a cursor
 * sealed by one node opens on any other.
 */
export class CursorSeal {
  private key: Buffer | undefined;

  constructor(private readonly secret: () => Promise<string>) {}

  private async keyOf(): Promise<Buffer> {
    this.key ??= Buffer.from(hkdfSync('sha256', Buffer.from(await this.secret(), 'hex'), Buffer.alloc(0), 'livehub list cursor', 32));
    return this.key;
  }

  isSealed(cursor: string): boolean {
    return cursor.startsWith(PREFIX);
  }

  async seal(cursor: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.keyOf(), iv);
    const body = Buffer.concat([cipher.update(cursor, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The store cursor inside a sealed one; `invalid_cursor` when it was not sealed here or was changed. */
  async open(sealed: string): Promise<string> {
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
    if (raw.length < 29) throw new HubError('invalid_cursor');
    try {
      const decipher = createDecipheriv('aes-256-gcm', await this.keyOf(), raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new HubError('invalid_cursor');
    }
  }
}

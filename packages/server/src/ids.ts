import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lowercase

function base32(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

/**
 * Record ids: 10 chars of millisecond time then 16 random chars, so ids sort by creation time
 * (ULID layout) and never collide in practice.
 */
export function newRecordId(now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  return time + base32(randomBytes(16));
}

export function newClientId(): string {
  return 'c-' + base32(randomBytes(12));
}

export function newEpoch(): string {
  return 'e-' + base32(randomBytes(12));
}

/**
 * ws hands a frame over as RawData: a Buffer (the default binaryType), an ArrayBuffer or Buffer
 * fragments. Both sides of the bench decode it here, so no frame is ever read as "[object ...]".
 */
import type { RawData } from 'ws';

/** The frame as UTF-8 text. */
export function rawText(raw: RawData): string {
  if (Buffer.isBuffer(raw)) return raw.toString();
  return Array.isArray(raw) ? Buffer.concat(raw).toString() : Buffer.from(raw).toString();
}

/** The frame's size in bytes. */
export function rawBytes(raw: RawData): number {
  return Array.isArray(raw) ? raw.reduce((n, b) => n + b.length, 0) : raw.byteLength;
}

import type { RawData } from 'ws';

/** The text of a `ws` message, whichever of its three shapes (`Buffer`, `ArrayBuffer`, `Buffer[]`) it arrived in. */
export function wsText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString();
  return Array.isArray(data) ? Buffer.concat(data).toString() : Buffer.from(data).toString();
}

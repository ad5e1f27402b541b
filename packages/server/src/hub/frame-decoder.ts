import { CLIENT_MESSAGE_TYPES, ClientMessage, type ErrorCode, type FieldIssue, type RequestId } from '@livehub/protocol';
import { jsonTextDepthExceeds } from '../json-depth.js';

export type DecodedFrame =
  | { ok: true; message: ClientMessage; replyId: RequestId | undefined }
  | { ok: false; code: ErrorCode; message: string; replyId?: RequestId; details?: FieldIssue[] };

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'number' ? 'a number' : typeof value === 'string' ? 'a string' : typeof value === 'boolean' ? 'a boolean' : typeof value;
}

/**
 * One inbound text frame → a client message, or the refusal to answer it with. A frame is one
 * JSON object: arrays (clients do not batch), numbers, strings and null are `bad_frame`, not an
 * unknown type. The request id is echoed whenever it is one the protocol allows. A frame nested
 * deeper than `maxDepth` is `too_deep`, refused before it is parsed.
 */
export function decodeFrame(text: string, isBinary: boolean, maxDepth: number): DecodedFrame {
  if (isBinary) return { ok: false, code: 'binary_unsupported', message: 'Binary frames are not supported; send JSON text' };
  if (jsonTextDepthExceeds(text, maxDepth)) return { ok: false, code: 'too_deep', message: `Frame is nested deeper than ${maxDepth} levels (maxJsonDepth)` };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad_json', message: 'Frame is not valid JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, code: 'bad_frame', message: `A frame is one JSON object; got ${kindOf(raw)}` };
  }
  const { id, type } = raw as { id?: unknown; type?: unknown };
  const replyId = typeof id === 'string' || typeof id === 'number' ? id : undefined;
  if (typeof type !== 'string' || !CLIENT_MESSAGE_TYPES.includes(type)) {
    return { ok: false, code: 'unknown_type', message: `Unknown message type ${JSON.stringify(type ?? null)?.slice(0, 64)}`, replyId };
  }
  const parsed = ClientMessage.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    return { ok: false, code: 'bad_frame', message: `Invalid '${type}' message`, replyId, details };
  }
  return { ok: true, message: parsed.data, replyId };
}

import { HubError } from './errors.js';

/**
 * Refuses data JSON.stringify cannot encode (nesting deeper than the stack allows, BigInt,
 * cycles) at the door, as a 400, instead of failing later in the store or the fan-out.
 */
export function encodeJson(data: unknown, what: string): string {
  try {
    return JSON.stringify(data ?? null);
  } catch {
    throw new HubError('bad_request', `${what} cannot be encoded as JSON (too deeply nested?)`);
  }
}

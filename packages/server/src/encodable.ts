import { HubError } from './errors.js';
import { jsonTextDepthExceeds } from './json-depth.js';

/**
 * Refuses data JSON.stringify cannot encode (nesting deeper than the stack allows, BigInt,
 * cycles) at the door, as a 400, instead of failing later in the store or the fan-out. With
 * `maxDepth`, data nested deeper than that (see `json-depth.ts`) is refused as `too_deep`.
 */
export function encodeJson(data: unknown, what: string, maxDepth?: number): string {
  let text: string;
  try {
    text = JSON.stringify(data ?? null);
  } catch (err) {
    // Nesting deeper than the stack allows is a RangeError ("Maximum call stack size exceeded").
    if (maxDepth !== undefined && err instanceof RangeError && /call stack/i.test(err.message)) throw tooDeep(what, maxDepth);
    throw new HubError('bad_request', `${what} cannot be encoded as JSON (too deeply nested?)`);
  }
  if (maxDepth !== undefined && jsonTextDepthExceeds(text, maxDepth)) throw tooDeep(what, maxDepth);
  return text;
}

export function tooDeep(what: string, maxDepth: number): HubError {
  return new HubError('too_deep', `${what} is nested deeper than ${maxDepth} levels (maxJsonDepth)`);
}

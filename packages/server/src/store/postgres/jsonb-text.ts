import { HubError } from '../../errors.js';

/**
 * JSON text that jsonb refuses: `\u0000` (PostgreSQL text cannot hold NUL) and unpaired surrogates
 * (`\ud800`), which JSON.stringify writes as escapes. An escape counts only after an even run of
 * backslashes: `\\u0000` is a backslash followed by the letters u0000, which jsonb stores.
 */
const UNSTORABLE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/**
 * Refuses, before any SQL runs, data that SQLite would store but jsonb cannot: so the refusal is
 * this mutation's alone (400), never a failed statement that takes its group commit down with it.
 */
export function assertJsonbStorable(text: string): void {
  if (UNSTORABLE.test(text)) throw new HubError('bad_request', 'Record data holds a string PostgreSQL cannot store (U+0000 or an unpaired surrogate)');
}

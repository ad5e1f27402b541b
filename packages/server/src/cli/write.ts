import { UsageError, parseFlags, type Command } from './command.js';
import { HUB_FLAGS, HUB_FLAGS_HELP, hubRequest, hubTarget, jsonInput } from './hub-request.js';

const HELP = `livehub write: create a record in a collection

Usage:
  livehub write <collection> <json> [--url URL] [--token T]

  <json>         the record, e.g. '{"name":"scout"}' (an "id" field names it); - reads it from stdin
${HUB_FLAGS_HELP}

POSTs /api/c/<collection> and prints the stored record (with id, version, createdAt, updatedAt)
as one JSON line. The change goes to the log and to every subscriber of the collection.
Exit 1 when the hub refuses (its error code and message are printed) or cannot be reached.

Example:
  livehub write agent '{"name":"scout","status":"idle"}'
`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, HUB_FLAGS, true);
  if (positionals.length !== 2) throw new UsageError(`write takes <collection> <json>, got ${positionals.length} argument(s)`);
  const [collection, raw] = positionals as [string, string];
  const target = hubTarget(values);
  const record = await jsonInput('<json>', raw);
  if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new UsageError('<json> must be a JSON object (the record)');
  const stored = await hubRequest(target, 'POST', `/api/c/${encodeURIComponent(collection)}`, record);
  process.stdout.write(`${JSON.stringify(stored)}\n`);
  return 0;
}

export const write: Command = { name: 'write', help: HELP, run };

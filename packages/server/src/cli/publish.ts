import { UsageError, parseFlags, type Command } from './command.js';
import { HUB_FLAGS, HUB_FLAGS_HELP, hubRequest, hubTarget, jsonInput } from './hub-request.js';

const HELP = `livehub publish: send an ephemeral event to a channel's subscribers

Usage:
  livehub publish <channel> <event> <json> [--url URL] [--token T]

  <json>         the event's data, e.g. '{"chunk":"hello"}'; - reads it from stdin
${HUB_FLAGS_HELP}

POSTs /api/publish. Ephemeral events are not logged: only current subscribers get them
(publishing on \`system\` reaches every connection and needs an admin token when auth is on).
Exit 1 when the hub refuses (its error code and message are printed) or cannot be reached.

Example:
  livehub publish session:42 session.stream_output '{"chunk":"hello"}'
`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, HUB_FLAGS, true);
  if (positionals.length !== 3) throw new UsageError(`publish takes <channel> <event> <json>, got ${positionals.length} argument(s)`);
  const [channel, event, raw] = positionals as [string, string, string];
  const target = hubTarget(values);
  const data = await jsonInput('<json>', raw);
  await hubRequest(target, 'POST', '/api/publish', { channel, event, data });
  process.stdout.write(`published ${event} on ${channel}\n`);
  return 0;
}

export const publish: Command = { name: 'publish', help: HELP, run };

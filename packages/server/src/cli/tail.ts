import { createClient, type LivehubClient, type LivehubError, type Subscription } from '@livehub/client';
import { parseChannel, type EventMessage } from '@livehub/protocol';
import { UsageError, intFlag, parseFlags, type Command } from './command.js';
import { painter, useColour } from './colour.js';
import { HUB_FLAGS, HUB_FLAGS_HELP, hubTarget } from './hub-request.js';
import { formatEvent } from './tail-format.js';

const HELP = `livehub tail: print the live events of channels from a running hub

Usage:
  livehub tail <channel…> [--since N] [--json] [--url URL] [--token T]

  <channel…>     agent (a collection), agent:a1 (a record), session:42 (ephemeral), * (everything; admin)
  --since N      start after seq N: the change log's events since then first, then live ones
  --json         one JSON event message a line (as the hub sends it), no colour
${HUB_FLAGS_HELP}

Events go to stdout, one a line: time, #seq, channel, event, data (coloured in a terminal; NO_COLOR
turns colour off). Connection notes go to stderr. When the connection drops or the hub restarts,
tail reconnects and resumes each channel from the last seq it printed: no durable event is missed
or printed twice (ephemeral events sent while it was away are not logged, so not replayed). If the
log no longer reaches back that far, tail says so on stderr and goes on from the hub's position.
Ctrl-C ends it (exit 0); exit 1 when the hub refuses the token or a channel.
`;

/** Quicker retries than an app's defaults: someone is watching the terminal. */
const RECONNECT = { initialDelayMs: 250, factor: 1.5, maxDelayMs: 3000 };

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { since: { type: 'string' }, json: { type: 'boolean' }, ...HUB_FLAGS }, true);
  if (positionals.length === 0) throw new UsageError('tail takes one or more channels, e.g. livehub tail agent session:42');
  for (const c of positionals) if (!parseChannel(c)) throw new UsageError(`'${c}' is not a channel name (e.g. agent, agent:a1, session:42, *)`);
  if (new Set(positionals).size !== positionals.length) throw new UsageError('a channel is given twice');
  const since = values.since !== undefined ? intFlag('--since', values.since, 0) : undefined;
  const target = hubTarget(values);
  const json = values.json === true;
  const paint = painter(!json && useColour(process.stdout));
  const paintErr = painter(useColour(process.stderr));
  const note = (text: string) => void process.stderr.write(`${paintErr('dim', `tail: ${text}`)}\n`);

  const client = createClient({ url: target.url, token: target.token, transports: ['websocket'], reconnect: RECONNECT });
  const print = (e: EventMessage) => void process.stdout.write(`${json ? JSON.stringify(e) : formatEvent(e, paint)}\n`);
  return new Promise<number>((resolve) => {
    let ending = false;
    const end = (code: number, why?: string) => {
      if (ending) return;
      ending = true;
      if (why !== undefined) process.stderr.write(`${paintErr('red', `livehub tail: ${why}`)}\n`);
      client.close();
      resolve(code);
    };
    process.once('SIGINT', () => end(0));
    process.once('SIGTERM', () => end(0));
    // `livehub tail agent | head -3`: a reader that went away ends the tail quietly.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => end(err.code === 'EPIPE' ? 0 : 1));
    watchConnection(client, target.url, note, end);
    for (const channel of positionals) {
      let sub: Subscription;
      try {
        sub = client.subscribe(channel, since !== undefined ? { since } : {});
      } catch (err) {
        return end(2, (err as Error).message);
      }
      sub.on('event', print);
      sub.on('reset', (r) => note(`${channel}: the hub cannot resume it (${r.reason}); going on from seq ${r.seq}: events before that were not shown`));
      sub.ready.catch((err: Error) => end(1, `cannot subscribe to '${channel}': ${err.message}`));
    }
  });
}

/** Connection notes on stderr; a client the hub closed for good (refused token) ends the tail. */
function watchConnection(client: LivehubClient, url: string, note: (text: string) => void, end: (code: number, why?: string) => void): void {
  let connectedOnce = false;
  let waiting = false;
  client.on('state', (s) => {
    if (s.to === 'connected') {
      note(`${connectedOnce ? 'reconnected to' : 'connected to'} ${url} (epoch ${client.epoch ?? '?'})`);
      connectedOnce = true;
      waiting = false;
    } else if (s.to === 'reconnecting') {
      note(`connection lost (${s.reason}); reconnecting…`);
    }
  });
  client.on('reconnect', (r) => {
    if (waiting) return;
    waiting = true;
    note(`waiting for the hub at ${url} (${r.code}${r.reason ? ` ${r.reason}` : ''}); retrying…`);
  });
  // A final close emits its reason as an error just before the state turns `closed`.
  let lastError: LivehubError | undefined;
  client.on('error', (err) => (lastError = err));
  client.on('state', (s) => {
    if (s.to !== 'closed') return;
    if (lastError === undefined) return end(1, `the connection closed for good (${s.reason})`);
    const hint = lastError.code === 'unauthenticated' ? ' (pass a valid token: --token or LIVEHUB_TOKEN)' : '';
    end(1, `${lastError.code}: ${lastError.message}${hint}`);
  });
}

export const tail: Command = { name: 'tail', help: HELP, run };

import { VERSION } from '../version.js';
import { CommandFailed, HelpRequested, UsageError, type Command } from './command.js';

/** The commands, each loaded only when run: `livehub token` does not pay for fastify and SQLite. */
interface Entry {
  name: string;
  /** One line for `livehub --help`. */
  summary: string;
  load(): Promise<Command>;
}

const COMMANDS: readonly Entry[] = [
  { name: 'serve', summary: 'run the hub (HTTP API, WebSocket, SSE, dashboard) on a SQLite file', load: async () => (await import('./serve.js')).serve },
  { name: 'tail', summary: 'print live events of channels; resumes without gaps after a hub restart', load: async () => (await import('./tail.js')).tail },
  { name: 'write', summary: 'create a record in a collection and print it (POST /api/c/:collection)', load: async () => (await import('./write.js')).write },
  { name: 'publish', summary: 'send an ephemeral event to a channel (POST /api/publish)', load: async () => (await import('./publish.js')).publish },
  { name: 'token', summary: "mint a development JWT from the hub's HS256 secret", load: async () => (await import('./token.js')).token },
  { name: 'epoch', summary: "show the change log's epoch and head; --rotate after restoring a backup", load: async () => (await import('./epoch.js')).epoch },
  { name: 'bench', summary: 'benchmarks: see bench/README.md (npm run bench in the repository)', load: async () => (await import('./bench.js')).bench },
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 'version'.length);
  const rows = [...COMMANDS.map((c) => [c.name, c.summary]), ['version', 'print the version'], ['help', 'livehub help <command>: the help of one command']];
  return `livehub ${VERSION}: a self-hosted real-time sync hub

Usage:
  livehub <command> [options]      livehub <command> --help for its options

Commands:
${rows.map(([name, summary]) => `  ${name!.padEnd(width)}  ${summary}`).join('\n')}

Quick start:
  livehub serve [--port P] [--db FILE]            # http://127.0.0.1:8080/ (the dashboard)
  livehub tail agent                              # in another terminal
  livehub write agent '{"name":"scout"}'          # tail prints agent.created

Exit codes: 0 done; 1 the hub refused or could not be reached; 2 wrong usage or configuration.
Docs: docs/cli.md, docs/operations.md
`;
}

const byName = (name: string): Entry | undefined => COMMANDS.find((c) => c.name === name);

function unknown(name: string): UsageError {
  return new UsageError(`unknown command '${name}' (commands: ${COMMANDS.map((c) => c.name).join(', ')}, version, help)`);
}

/** Runs one command line; resolves with the exit code (a long-running command resolves when it ends, `serve` once it listens). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  let command: Command | undefined;
  try {
    switch (name) {
      case undefined:
      case '--help':
      case '-h':
        process.stdout.write(overview());
        return 0;
      case 'help': {
        const topic = rest[0];
        if (topic === undefined) {
          process.stdout.write(overview());
          return 0;
        }
        const c = byName(topic);
        if (!c) throw unknown(topic);
        process.stdout.write((await c.load()).help);
        return 0;
      }
      case 'version':
      case '--version':
      case '-v':
        process.stdout.write(`${VERSION}\n`);
        return 0;
    }
    const entry = byName(name);
    if (!entry) throw unknown(name);
    command = await entry.load();
    return await command.run(rest);
  } catch (err) {
    return report(err, command);
  }
}

/** An error as one message on stderr, and its exit code. */
function report(err: unknown, command: Command | undefined): number {
  if (err instanceof HelpRequested && command) {
    process.stdout.write(command.help);
    return 0;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof UsageError) {
    const help = command ? `livehub ${command.name} --help` : 'livehub --help';
    process.stderr.write(`livehub: ${message}\n  (usage: ${help})\n`);
    return 2;
  }
  process.stderr.write(`livehub: ${message}\n`);
  // Anything else stopped a command before it could start (a config that does not load, a key
  // file that cannot be read, a database in use): a configuration problem, like a usage error.
  return err instanceof CommandFailed ? 1 : 2;
}

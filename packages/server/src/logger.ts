import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import { REDACTED, REDACT_PATHS, scrubLine } from './log-redaction.js';

export type LogFormat = 'auto' | 'json' | 'pretty';

/** Pretty output is for a person at a terminal: never under a test runner, never into a pipe or a file. */
export function wantsPretty(format: LogFormat, env: NodeJS.ProcessEnv = process.env, isTty = process.stdout.isTTY === true): boolean {
  if (format !== 'auto') return format === 'pretty';
  return isTty && env.VITEST === undefined && env.NODE_ENV !== 'test';
}

/** pino-pretty, loaded only when used: a hub logging JSON never pays for it. */
function prettyStream(): DestinationStream {
  const require = createRequire(import.meta.url);
  const { prettyFactory } = require('pino-pretty') as typeof PinoPretty;
  const prettify = prettyFactory({ colorize: process.env.NO_COLOR === undefined, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,svc' });
  // Synchronous like pino's default destination: the last lines before an exit are not lost.
  return { write: (line: string) => void process.stdout.write(prettify(line)) };
}

/**
 * The hub's own logger: JSON lines on stdout (pretty in a terminal), with every credential
 * censored, as a field (`redact`) and anywhere in the finished line (`streamWrite`).
 */
export function createLogger(opts: { level: string; format: LogFormat }): Logger {
  const options = {
    level: opts.level,
    base: { svc: 'livehub' },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    hooks: { streamWrite: scrubLine },
  };
  return wantsPretty(opts.format) ? pino(options, prettyStream()) : pino(options);
}

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The key-source flags of `livehub serve`. */
export interface KeySourceFlags {
  'jwt-secret'?: string | undefined;
  'jwt-public-key'?: string | undefined;
  'jwks-url'?: string | undefined;
}

/** A JWT key source given on the command line or in the environment, and where it came from (for messages). */
export interface CliKeySource {
  key: { secret: string } | { publicKey: string } | { jwksUrl: string };
  /** The flag or variable that gave it, e.g. `--jwt-public-key /etc/livehub/key.pem`. */
  from: string;
}

type Env = Record<string, string | undefined>;

/** An empty value counts as not given: `LIVEHUB_JWT_SECRET= livehub serve` turns auth off, as before. */
function given(v: string | undefined): v is string {
  return v !== undefined && v !== '';
}

/** A source found in the flags or environment; `load` reads it (a key file) once it is known to be the only one. */
interface Candidate {
  from: string;
  load(): CliKeySource['key'];
}

function keyFile(path: string, via: string): Candidate {
  const full = resolve(path);
  return {
    from: `${via} ${full}`,
    load() {
      try {
        return { publicKey: readFileSync(full, 'utf8') };
      } catch (err) {
        const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        throw new Error(`cannot read the JWT public key file ${full} (${via}): ${why}`, { cause: err });
      }
    },
  };
}

/** The public key source: the flag (a file) wins over the environment, which may give the PEM or a file, not both. */
function publicKeySource(flags: KeySourceFlags, env: Env): Candidate | undefined {
  const flag = flags['jwt-public-key'];
  if (given(flag)) return keyFile(flag, '--jwt-public-key');
  const pem = env.LIVEHUB_JWT_PUBLIC_KEY;
  const file = env.LIVEHUB_JWT_PUBLIC_KEY_FILE;
  if (given(pem) && given(file)) throw new Error('two JWT public keys given: LIVEHUB_JWT_PUBLIC_KEY and LIVEHUB_JWT_PUBLIC_KEY_FILE; set one');
  if (given(file)) return keyFile(file, 'LIVEHUB_JWT_PUBLIC_KEY_FILE');
  // An env file often cannot hold a multi-line value: a PEM written with literal `\n` is read as lines.
  if (given(pem)) return { from: 'LIVEHUB_JWT_PUBLIC_KEY', load: () => ({ publicKey: pem.includes('\n') ? pem : pem.replaceAll('\\n', '\n') }) };
  return undefined;
}

/** Flag over variable, for a source given as a value. */
function valueSource(flag: [string, string | undefined], env: [string, string | undefined], key: (v: string) => CliKeySource['key']): Candidate | undefined {
  const [from, value] = given(flag[1]) ? flag : env;
  return given(value) ? { from, load: () => key(value) } : undefined;
}

/**
 * The JWT key source of `livehub serve` from flags and environment, or undefined when none is
 * given (the config file's, if any, stands). Per source the flag wins over its variable; two
 * sources at once are refused, naming both, since which key guards the hub must not be a guess.
 */
export function cliKeySource(flags: KeySourceFlags, env: Env): CliKeySource | undefined {
  const found = [
    valueSource(['--jwt-secret', flags['jwt-secret']], ['LIVEHUB_JWT_SECRET', env.LIVEHUB_JWT_SECRET], (secret) => ({ secret })),
    publicKeySource(flags, env),
    valueSource(['--jwks-url', flags['jwks-url']], ['LIVEHUB_JWKS_URL', env.LIVEHUB_JWKS_URL], (jwksUrl) => ({ jwksUrl })),
  ].filter((c) => c !== undefined);
  if (found.length > 1) {
    throw new Error(`two JWT key sources given: ${found.map((c) => c.from).join(' and ')}; give one of --jwt-secret, --jwt-public-key, --jwks-url`);
  }
  const [only] = found;
  return only && { key: only.load(), from: only.from };
}

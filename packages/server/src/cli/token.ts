import { SignJWT } from 'jose';
import { findConfigFile, loadConfigFile } from '../config/config-file.js';
import { UsageError, jsonArg, parseFlags, type Command } from './command.js';

const HELP = `livehub token: mint a development JWT (HS256) the hub accepts

Usage:
  livehub token --sub SUBJECT [--claims JSON] [--ttl DURATION] [--jwt-secret S] [--config FILE]

  --sub SUBJECT    the principal (the token's "sub"), e.g. alice
  --claims JSON    more claims, e.g. '{"role":"admin"}' (the default admin claim) or '{"team":"t1"}'
  --ttl DURATION   lifetime: 90s, 15m, 1h (default), 7d, or seconds
  --jwt-secret S   the hub's HS256 secret   env LIVEHUB_JWT_SECRET
  --config FILE    read auth.secret (and auth.issuer, auth.audience) from the config file
                   (default: ./livehub.config.{ts,mts,js,mjs,json} if present)

The secret is the one \`livehub serve\` is given: --jwt-secret, else LIVEHUB_JWT_SECRET, else the
config file's auth.secret. The token goes to stdout, e.g.
  export LIVEHUB_TOKEN=$(livehub token --sub alice)
For development: production tokens come from your identity provider.
`;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90s`, `15m`, `1h`, `7d` or plain seconds → seconds. */
export function parseTtl(raw: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(raw.trim());
  const seconds = m ? Number(m[1]) * UNITS[m[2] || 's']! : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1) throw new UsageError(`--ttl must be a duration like 90s, 15m, 1h or 7d, got '${raw}'`);
  return seconds;
}

interface SecretSource {
  secret: string;
  issuer?: string | undefined;
  audience?: string | undefined;
}

async function secretSource(flag: string | undefined, configPath: string | undefined): Promise<SecretSource> {
  const configFile = findConfigFile(configPath);
  const auth = configFile ? (await loadConfigFile(configFile)).auth : undefined;
  // The issuer and audience the hub checks come from its config whichever way the secret is given.
  const checks = { issuer: auth?.issuer, audience: auth?.audience };
  const given = flag ?? (process.env.LIVEHUB_JWT_SECRET || undefined);
  const secret = given ?? auth?.secret;
  if (secret === undefined) {
    const other = auth?.publicKey !== undefined ? 'auth.publicKey' : auth?.jwksUrl !== undefined ? 'auth.jwksUrl' : undefined;
    if (other !== undefined) {
      throw new UsageError(`${configFile} verifies tokens with ${other}, not a shared secret: mint tokens with that key's issuer, or give --jwt-secret`);
    }
    throw new UsageError(
      "no JWT secret configured: set LIVEHUB_JWT_SECRET (the same as the hub's), pass --jwt-secret, or set auth.secret in livehub.config.json",
    );
  }
  if (secret.length < 32)
    throw new UsageError(`the JWT secret has ${secret.length} characters; the hub refuses secrets under 32, so it would refuse this token`);
  return { secret, ...checks };
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    sub: { type: 'string' },
    claims: { type: 'string' },
    ttl: { type: 'string' },
    'jwt-secret': { type: 'string' },
    config: { type: 'string', short: 'c' },
  });
  if (values.sub === undefined || values.sub === '') throw new UsageError('--sub is required: the principal the token is for, e.g. --sub alice');
  const claims = values.claims !== undefined ? jsonArg('--claims', values.claims) : {};
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new UsageError(`--claims must be a JSON object, e.g. '{"role":"admin"}'`);
  for (const reserved of ['sub', 'exp', 'iat']) {
    if (reserved in claims) throw new UsageError(`--claims may not set "${reserved}": use ${reserved === 'sub' ? '--sub' : '--ttl'}`);
  }
  const ttl = parseTtl(values.ttl ?? '1h');
  const { secret, issuer, audience } = await secretSource(values['jwt-secret'], values.config);
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(claims as Record<string, unknown>)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(values.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + ttl);
  if (issuer !== undefined && !('iss' in claims)) jwt = jwt.setIssuer(issuer);
  if (audience !== undefined && !('aud' in claims)) jwt = jwt.setAudience(audience);
  process.stdout.write(`${await jwt.sign(new TextEncoder().encode(secret))}\n`);
  return 0;
}

export const token: Command = { name: 'token', help: HELP, run };

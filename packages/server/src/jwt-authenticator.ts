import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ANONYMOUS, AuthenticationError, type Authenticator, type Principal } from './auth.js';

export interface JwtAuthOptions {
  /** HS256 shared secret (at least 32 characters). Give exactly one of `secret`, `publicKey`, `jwksUrl`. */
  secret?: string;
  /** PEM public key (SPKI) or X.509 certificate: RSA, EC (P-256/384/521) or Ed25519. */
  publicKey?: string;
  /** JWKS URL; jose fetches it, caches it and refetches on an unknown `kid` (key rotation). */
  jwksUrl?: string;
  /** JWKS: how long fetched keys are trusted (ms). Default 600,000. */
  jwksCacheMaxAgeMs?: number;
  /** JWKS: least time between refetches (ms). Default 30,000. */
  jwksCooldownMs?: number;
  /** Accepted `alg`s. Default: by key source (see `defaultAlgorithms`). */
  algorithms?: string[];
  /** Expected `iss`, if set. */
  issuer?: string;
  /** Expected `aud`, if set. */
  audience?: string;
  /** Leeway for `exp`/`nbf`/`iat` (s). Default 0. */
  clockToleranceSec?: number;
  /** Refuse connections and requests without a token. Default true; false lets them in as `anonymous`. */
  required?: boolean;
}

/** The `alg` a key type signs with; a key is never accepted for an `alg` of another family (no HS/RS confusion). */
function algorithmsOf(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256'];
    case 'rsa-pss':
      return ['PS256'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return curve === 'secp384r1' ? ['ES384'] : curve === 'secp521r1' ? ['ES512'] : ['ES256'];
    }
    case 'ed25519':
      return ['EdDSA'];
    default:
      throw new TypeError(`auth.publicKey: unsupported key type ${key.asymmetricKeyType ?? 'unknown'}`);
  }
}

function parsePublicKey(pem: string): KeyObject {
  try {
    return pem.includes('BEGIN CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  } catch (err) {
    throw new TypeError(`auth.publicKey is not a PEM public key or certificate (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
}

interface KeySource {
  key: Uint8Array | KeyObject | JWTVerifyGetKey;
  algorithms: string[];
}

function keySource(opts: JwtAuthOptions): KeySource {
  const given = [opts.secret, opts.publicKey, opts.jwksUrl].filter((k) => k !== undefined).length;
  if (given !== 1) throw new TypeError('auth: give exactly one of secret, publicKey, jwksUrl');
  if (opts.secret !== undefined) {
    if (opts.secret.length < 32) throw new TypeError('auth.secret must be at least 32 characters');
    return { key: new TextEncoder().encode(opts.secret), algorithms: opts.algorithms ?? ['HS256'] };
  }
  if (opts.publicKey !== undefined) {
    const key = parsePublicKey(opts.publicKey);
    return { key, algorithms: opts.algorithms ?? algorithmsOf(key) };
  }
  let url: URL;
  try {
    url = new URL(opts.jwksUrl!);
  } catch {
    throw new TypeError(`auth.jwksUrl is not a URL: ${opts.jwksUrl}`);
  }
  const jwks = createRemoteJWKSet(url, {
    cacheMaxAge: opts.jwksCacheMaxAgeMs ?? 600_000,
    cooldownDuration: opts.jwksCooldownMs ?? 30_000,
  });
  return { key: jwks, algorithms: opts.algorithms ?? ['RS256', 'ES256', 'PS256', 'EdDSA'] };
}

/**
 * Verifies JWTs with jose, from an HS256 secret, a PEM public key or a JWKS URL. `sub` becomes the
 * principal, `exp` bounds the connection's life (the hub closes 4401 at expiry unless the client
 * sent a fresh token with `auth`). Key problems are found here, at construction, not per request.
 */
export function createJwtAuthenticator(opts: JwtAuthOptions): Authenticator {
  const { key, algorithms } = keySource(opts);
  const required = opts.required ?? true;
  const verifyOptions = {
    algorithms,
    clockTolerance: opts.clockToleranceSec ?? 0,
    ...(opts.issuer !== undefined ? { issuer: opts.issuer } : {}),
    ...(opts.audience !== undefined ? { audience: opts.audience } : {}),
  };
  return {
    async authenticate(token: string | undefined): Promise<Principal> {
      if (token === undefined) {
        if (required) throw new AuthenticationError('missing', 'A bearer token is required');
        return ANONYMOUS;
      }
      try {
        // One call per key kind: jose types the getter and static-key overloads apart.
        const { payload } = typeof key === 'function' ? await jwtVerify(token, key, verifyOptions) : await jwtVerify(token, key, verifyOptions);
        const principal: Principal = { sub: typeof payload.sub === 'string' ? payload.sub : 'unknown', claims: payload };
        // The hub closes at `exp`: with a leeway, at the end of it, or a token just accepted would be cut at once.
        if (typeof payload.exp === 'number') principal.exp = payload.exp + verifyOptions.clockTolerance;
        return principal;
      } catch (err) {
        // A JWKS that cannot be fetched refuses the token like a bad one: the peer retries later.
        if (err instanceof joseErrors.JWTExpired) throw new AuthenticationError('expired', 'Token expired');
        throw new AuthenticationError('invalid', 'Token is not valid');
      }
    },
  };
}

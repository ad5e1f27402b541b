import { errors as joseErrors, jwtVerify } from 'jose';
import { ANONYMOUS, type Authenticator, type Principal } from './auth.js';
import { HubError } from './errors.js';

export interface JwtAuthOptions {
  /** HS256 shared secret (at least 32 characters). */
  secret: string;
  /** Expected `iss`, if set. */
  issuer?: string;
  /** Expected `aud`, if set. */
  audience?: string;
  /** Refuse connections and requests without a token. Default true; false lets them in as `anonymous`. */
  required?: boolean;
}

/**
 * Verifies HS256 JWTs with jose. `sub` becomes the principal, `exp` bounds the connection's life
 * (the hub closes 4401 at expiry unless the client sent a fresh token with `auth`).
 */
export function createJwtAuthenticator(opts: JwtAuthOptions): Authenticator {
  if (opts.secret.length < 32) throw new TypeError('auth.secret must be at least 32 characters');
  const key = new TextEncoder().encode(opts.secret);
  const required = opts.required ?? true;
  return {
    async authenticate(token: string | undefined): Promise<Principal> {
      if (token === undefined) {
        if (required) throw new HubError('unauthenticated', 'A bearer token is required');
        return ANONYMOUS;
      }
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          ...(opts.issuer !== undefined ? { issuer: opts.issuer } : {}),
          ...(opts.audience !== undefined ? { audience: opts.audience } : {}),
        });
        const principal: Principal = { sub: typeof payload.sub === 'string' ? payload.sub : 'unknown', claims: payload };
        if (typeof payload.exp === 'number') principal.exp = payload.exp;
        return principal;
      } catch (err) {
        const why = err instanceof joseErrors.JWTExpired ? 'Token expired' : 'Token is not valid';
        throw new HubError('unauthenticated', why);
      }
    },
  };
}

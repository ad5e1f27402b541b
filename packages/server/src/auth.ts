import { HubError, isHubError } from './errors.js';

/**
 * Authentication seam. The default accepts everyone as `anonymous`; a JWT authenticator plugs in
 * here without touching the hub (see docs/architecture.md).
 */
export interface Principal {
  sub: string;
  /** Seconds since epoch when the credentials expire. */
  exp?: number;
  /** The token's claims (a JWT's payload); the admin check reads `authorization.adminClaim` here. */
  claims?: Record<string, unknown>;
  /** A custom authenticator may grant the admin surfaces directly; otherwise the claims decide. */
  admin?: boolean;
}

export interface Authenticator {
  /** Resolves a principal or throws a HubError('unauthenticated'). `token` is undefined when none was sent. */
  authenticate(token: string | undefined): Promise<Principal>;
}

export const ANONYMOUS: Principal = Object.freeze({ sub: 'anonymous' });

export const anonymousAuthenticator: Authenticator = {
  authenticate: async () => ANONYMOUS,
};

/** Why a peer's credentials were refused: the label of `livehub_auth_failures_total` (a closed set, so the metric stays bounded). */
export type AuthFailureReason = 'missing' | 'invalid' | 'expired' | 'auth_timeout' | 'no_auth_frame' | 'wrong_principal' | 'session_expired' | 'error';

/** An `unauthenticated` refusal that says why; the built-in JWT authenticator throws it, a custom one may. */
export class AuthenticationError extends HubError {
  constructor(
    readonly reason: 'missing' | 'invalid' | 'expired',
    message: string,
  ) {
    super('unauthenticated', message);
  }
}

/** The reason an `authenticate(token)` that threw `err` counts under. */
export function authFailureReason(token: string | undefined, err: unknown): AuthFailureReason {
  if (err instanceof AuthenticationError) return err.reason;
  if (!isHubError(err)) return 'error';
  return token === undefined && err.code === 'unauthenticated' ? 'missing' : 'invalid';
}

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

import { HubError } from './errors.js';
import type { Principal } from './auth.js';

/** Which token claim marks an admin, and with which values (the `authorization` option). */
export interface AdminRule {
  adminClaim: string;
  adminValues: readonly string[];
}

/**
 * Who may use the admin surfaces (the `*` tap, `/api/hub/*`, HTTP publish on `system`). With no
 * auth configured every peer is anonymous and may use them, as an open hub always allowed; with
 * auth on, only an admin principal may (docs/security.md, "Admin surfaces").
 */
export class AdminCheck {
  constructor(
    /** True when the hub has an `auth` config or a custom `authenticator`. */
    readonly authEnabled: boolean,
    private readonly rule: AdminRule,
  ) {}

  /** `admin: true` set by an authenticator, or the claim holding one of the admin values (a string or an array of strings). */
  isAdmin(principal: Principal): boolean {
    if (!this.authEnabled) return true;
    if (principal.admin === true) return true;
    const value = principal.claims?.[this.rule.adminClaim];
    const values = Array.isArray(value) ? value : [value];
    return values.some((v) => typeof v === 'string' && this.rule.adminValues.includes(v));
  }

  /** Throws `forbidden`, naming the surface, unless `principal` may use it. */
  require(principal: Principal, surface: string): void {
    if (this.isAdmin(principal)) return;
    throw new HubError(
      'forbidden',
      `${surface} requires an admin principal (claim '${this.rule.adminClaim}' with one of: ${this.rule.adminValues.join(', ')})`,
    );
  }
}

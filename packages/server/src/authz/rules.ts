import type { FilterValue } from '@livehub/protocol';
import type { Principal } from '../auth.js';

/** A JSON scalar, or a placeholder bound to the principal: `'{sub}'`, `'{claims.org.id}'`. */
export type RuleValue = FilterValue;

/** What a function rule sees. `record` is flat: `id`, `version`, `createdAt`, `updatedAt` and the data fields (private ones too). */
export interface RuleContext {
  principal: Principal;
  collection?: string;
  channel?: string;
  record?: Readonly<Record<string, unknown>>;
}

/** A rule written as code (a `.ts` config or `createHub`): synchronous; a throw denies. */
export type RuleFunction = (ctx: RuleContext) => boolean;

/**
 * The rule language (docs/security.md, "Rules"). Plain data, so a JSON config holds it; a
 * function where data cannot say it.
 */
export type Rule =
  | boolean
  | 'authenticated'
  | { field: string; eq: RuleValue }
  | { field: string; in: RuleValue[] | string }
  | { claim: string; eq: RuleValue }
  | { claim: string; in: RuleValue[] }
  | { all: Rule[] }
  | { any: Rule[] }
  | { not: Rule }
  | RuleFunction;

export interface CollectionRules {
  read?: Rule;
  create?: Rule;
  update?: Rule;
  delete?: Rule;
  /** Fields the hub sets on create from the principal (`{ owner: '{sub}' }`); only admins may change them. */
  set?: Record<string, string>;
}

export interface ChannelRules {
  subscribe?: Rule;
  publish?: Rule;
}

export type RecordAction = 'read' | 'create' | 'update' | 'delete';
export type ChannelAction = 'subscribe' | 'publish';

/** What the `authorize` hook is asked: one action of one principal on one target. */
export interface AuthorizeRequest {
  principal: Principal;
  action: RecordAction | ChannelAction;
  collection?: string;
  id?: string;
  channel?: string;
  event?: string;
}

/** True allows; false, a throw, a rejection or a timeout deny. */
export type AuthorizeHook = (req: AuthorizeRequest) => boolean | Promise<boolean>;

/** The rule part of the `authorization` option, as validated. */
export interface AuthorizationRules {
  defaultPolicy: 'allow' | 'deny';
  collections: Record<string, CollectionRules>;
  channels: Record<string, ChannelRules>;
  authorize?: AuthorizeHook;
  authorizeCacheMs: number;
  authorizeTimeoutMs: number;
}

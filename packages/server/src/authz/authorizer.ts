import { isDeepStrictEqual } from 'node:util';
import type { ChannelInfo } from '@livehub/protocol';
import type { Logger } from 'pino';
import type { AdminCheck } from '../admin-check.js';
import type { Principal } from '../auth.js';
import type { JsonObject } from '../config/collection-config.js';
import { HubError } from '../errors.js';
import type { StoredRecord } from '../store/store.js';
import { AuthorizeHookCaller } from './authorize-hook.js';
import { bindRule, usesRecord, type Access, type BindContext, type RecordPredicate } from './bind-rule.js';
import type { ChannelPattern } from './channel-pattern.js';
import { resolveValue } from './placeholders.js';
import type { AuthorizationRules, AuthorizeRequest, ChannelAction, ChannelRules, CollectionRules, RecordAction, Rule } from './rules.js';
import { validateChannelRules, validateCollectionRules } from './rule-validation.js';

/** Checked inside the write's transaction: whether the writer may see the record at all, then the rule against the record as it is and as it would be. */
export interface WriteChecks {
  visible: (current: StoredRecord) => boolean;
  guard: (current: StoredRecord | undefined, next: StoredRecord | undefined) => void;
}

/** What a subscription may receive: durable events its view admits (undefined: all), ephemeral ones or not. */
export interface SubscribeGrant {
  view: RecordPredicate | undefined;
  ephemeral: boolean;
}

type ChannelRule = { pattern: ChannelPattern; rules: ChannelRules };

/** Read access per collection for one principal, asked once per collection of a multi-collection read. */
export interface ReadScope {
  access(collection: string): Promise<Access>;
}

/**
 * The one place authorization is decided (docs/security.md, "Rules"): per collection
 * read/create/update/delete, per channel pattern subscribe/publish, server-set fields, the admin
 * surfaces, and the app's `authorize` hook. Every path (REST, WS, SSE, long-poll, sync) asks here.
 * Admins pass every rule; server code never asks.
 */
export class Authorizer {
  private readonly collections = new Map<string, CollectionRules>();
  private readonly channels: ChannelRule[] = [];
  private readonly hook: AuthorizeHookCaller | undefined;
  private readonly allowByDefault: boolean;
  private readonly previousNeeded = new Map<string, boolean>();

  constructor(
    rules: AuthorizationRules,
    readonly admin: AdminCheck,
    private readonly log: Logger,
  ) {
    for (const [name, r] of Object.entries(rules.collections)) {
      this.collections.set(name, validateCollectionRules(`authorization.collections.${name}`, name, r));
    }
    for (const [pattern, r] of Object.entries(rules.channels)) this.channels.push(validateChannelRules(`authorization.channels['${pattern}']`, pattern, r));
    this.allowByDefault = rules.defaultPolicy === 'allow';
    this.hook = rules.authorize ? new AuthorizeHookCaller(rules.authorize, rules.authorizeCacheMs, rules.authorizeTimeoutMs, log) : undefined;
  }

  isAdmin(p: Principal): boolean {
    return this.admin.isAdmin(p);
  }

  /** Whether a collection's changes must log `previous`: a predicate read rule tells moves in and out of it from it. */
  needsPrevious(collection: string): boolean {
    if (!this.admin.authEnabled) return false;
    // Asked on every write; the answer is fixed per collection once the rules are loaded.
    let needs = this.previousNeeded.get(collection);
    if (needs === undefined) {
      needs = usesRecord(this.rulesOf(collection)?.read);
      if (this.previousNeeded.size < 1024) this.previousNeeded.set(collection, needs);
    }
    return needs;
  }

  /** Rules only, no hook: how `p` may read `collection` (admins: everything). */
  readAccess(p: Principal, collection: string): Access {
    if (this.isAdmin(p)) return true;
    return this.bind(this.ruleOf(collection, 'read'), p, { collection });
  }

  /** Read access to a collection (or one record), rules then hook; a refusal throws `forbidden`. */
  async read(p: Principal, collection: string, id?: string): Promise<true | RecordPredicate> {
    const access = this.readAccess(p, collection);
    if (access === false) throw this.denied(p, 'read', `'${collection}'`, this.source(collection, 'read'));
    if (!this.isAdmin(p)) await this.ask({ principal: p, action: 'read', collection, ...(id !== undefined ? { id } : {}) });
    return access;
  }

  /** For reads across collections (sync_request, /api/changes): a denied collection is skipped, not an error. */
  readScope(p: Principal): ReadScope {
    const memo = new Map<string, Promise<Access>>();
    return {
      access: (collection) => {
        let a = memo.get(collection);
        if (!a) {
          a = this.read(p, collection).catch((err: unknown) => {
            if (err instanceof HubError && err.code === 'forbidden') return false;
            throw err;
          });
          memo.set(collection, a);
        }
        return a;
      },
    };
  }

  /**
   * A write's checks: the hook now, the rules inside the transaction (the guard). `undefined` for
   * admins. A record the principal may not read is `not_found`, as if it did not exist (`visible`).
   */
  async writeChecks(p: Principal, action: Exclude<RecordAction, 'read'>, collection: string, id: string): Promise<WriteChecks | undefined> {
    if (this.isAdmin(p)) return undefined;
    const rules = this.rulesOf(collection);
    const may = this.bind(this.ruleOf(collection, action), p, { collection });
    if (may === false) throw this.denied(p, action, `'${collection}'`, this.source(collection, action));
    await this.ask({ principal: p, action, collection, id });
    const read = this.readAccess(p, collection);
    const pass = (a: Access, r: StoredRecord): boolean => (typeof a === 'boolean' ? a : a.test(r));
    const setFields = Object.keys(rules?.set ?? {});
    const guard: WriteChecks['guard'] = (current, next) => {
      for (const r of action === 'create' ? [next] : action === 'update' ? [current, next] : [current]) {
        if (r && !pass(may, r)) throw this.denied(p, action, `'${collection}/${id}'`, this.source(collection, action));
      }
      if (action === 'update' && current && next) {
        for (const f of setFields) {
          if (!isDeepStrictEqual(current.data[f], next.data[f]))
            throw new HubError('forbidden', `'${f}' of '${collection}' is set by the hub; only an admin may change it`);
        }
      }
    };
    return { visible: (r) => pass(read, r), guard };
  }

  /** The server-set fields of a collection: a replace keeps them when its body leaves them out. */
  setFieldsOf(collection: string): string[] {
    return this.admin.authEnabled ? Object.keys(this.rulesOf(collection)?.set ?? {}) : [];
  }

  /**
   * The `set` fields of a create, filled from the principal: a body may leave them out or give the
   * principal's own value; anything else is `forbidden` (nobody forges ownership). Admins may set them.
   */
  withSetFields(p: Principal, collection: string, data: JsonObject): JsonObject {
    const set = this.rulesOf(collection)?.set;
    if (!set || !this.admin.authEnabled) return data;
    const admin = this.isAdmin(p);
    const out = { ...data };
    for (const [field, placeholder] of Object.entries(set)) {
      const value = resolveValue(p, placeholder);
      const given = Object.hasOwn(data, field);
      if (admin) {
        if (!given && value !== undefined) out[field] = value;
        continue;
      }
      if (value === undefined) throw new HubError('forbidden', `'${field}' of '${collection}' is set from ${placeholder}, which this principal's token lacks`);
      if (given && !isDeepStrictEqual(data[field], value))
        throw new HubError('forbidden', `'${field}' of '${collection}' is set by the hub to ${placeholder}; leave it out`);
      out[field] = value;
    }
    return out;
  }

  /**
   * May `p` subscribe to `channel`, and what will it receive there. A refusal throws `forbidden`.
   * Synchronous unless the hook must be asked: without one, a subscribe is registered before the
   * session reads its next frame (a publish right after it reaches the new subscriber).
   */
  subscribe(p: Principal, channel: ChannelInfo): SubscribeGrant | Promise<SubscribeGrant> {
    if (channel.kind === 'system') return { view: undefined, ephemeral: true };
    // The tap sees every user's changes and events.
    if (channel.kind === 'all') {
      this.admin.require(p, `Subscribing to the '${channel.name}' tap`);
      return { view: undefined, ephemeral: true };
    }
    if (this.isAdmin(p)) return { view: undefined, ephemeral: true };
    const { matched, owner } = this.channelRule(channel.name, p);
    const channelAccess = matched ? this.bindChannel(matched, 'subscribe', channel.name, p) : owner ? false : undefined;
    let grant: SubscribeGrant;
    let req: AuthorizeRequest;
    if (channel.kind === 'ephemeral') {
      if (!(channelAccess ?? this.allowByDefault)) throw this.denied(p, 'subscribe to', `'${channel.name}'`, this.channelSource(matched ?? owner));
      grant = { view: undefined, ephemeral: true };
      req = { principal: p, action: 'subscribe', channel: channel.name };
    } else {
      const read = this.readAccess(p, channel.collection);
      if (read === false) throw this.denied(p, 'read', `'${channel.collection}'`, this.source(channel.collection, 'read'));
      // Ephemeral events on a collection or record channel: what a channel rule says, else only
      // for those who may read every record there (a predicate cannot judge an event).
      grant = { view: read === true ? undefined : read, ephemeral: channelAccess ?? read === true };
      req = {
        principal: p,
        action: 'subscribe',
        channel: channel.name,
        collection: channel.collection,
        ...(channel.kind === 'record' ? { id: channel.id } : {}),
      };
    }
    return this.hook ? this.ask(req).then(() => grant) : grant;
  }

  /** May `p` publish `event` on `channel` (not `system`: callers decide that one). A refusal throws `forbidden`; synchronous without a hook, like `subscribe`. */
  publish(p: Principal, channel: string, event: string): void | Promise<void> {
    if (this.isAdmin(p)) return;
    const { matched, owner } = this.channelRule(channel, p);
    const allowed = matched ? this.bindChannel(matched, 'publish', channel, p) : owner ? false : this.allowByDefault;
    if (!allowed) throw this.denied(p, 'publish on', `'${channel}'`, this.channelSource(matched ?? owner));
    if (this.hook) return this.ask({ principal: p, action: 'publish', channel, event });
  }

  /* ---------- internals ---------- */

  private rulesOf(collection: string): CollectionRules | undefined {
    return this.collections.get(collection) ?? this.collections.get('*');
  }

  private ruleOf(collection: string, action: RecordAction): Rule {
    return this.rulesOf(collection)?.[action] ?? this.allowByDefault;
  }

  private source(collection: string, action: RecordAction): string {
    const named = this.collections.has(collection) ? collection : this.collections.has('*') ? '*' : undefined;
    if (named !== undefined && this.collections.get(named)![action] !== undefined) return `authorization.collections.${named}.${action}`;
    return `authorization.defaultPolicy: ${this.allowByDefault ? 'allow' : 'deny'}`;
  }

  /**
   * The first rule whose pattern matches `channel` for `p`; else `owner`, a pattern with
   * placeholders the channel fits for someone else. `session:{sub}:*` makes `session:bob:x` bob's:
   * without this it would fall to the default, and under `allow` every user could join it.
   */
  private channelRule(channel: string, p: Principal): { matched?: ChannelRule; owner?: ChannelRule } {
    const matched = this.channels.find((c) => c.pattern.matches(channel, p));
    if (matched) return { matched };
    const owner = this.channels.find((c) => c.pattern.owned && c.pattern.fits(channel));
    return owner ? { owner } : {};
  }

  private bindChannel(matched: ChannelRule, action: ChannelAction, channel: string, p: Principal): boolean {
    // Channel rules have no record (validated): binding always folds to a boolean.
    return this.bind(matched.rules[action] ?? this.allowByDefault, p, { channel }) === true;
  }

  private channelSource(matched: { pattern: ChannelPattern } | undefined): string {
    return matched ? `authorization.channels['${matched.pattern.source}']` : `authorization.defaultPolicy: ${this.allowByDefault ? 'allow' : 'deny'}`;
  }

  private bind(rule: Rule, p: Principal, ctx: Omit<BindContext, 'onError'>): Access {
    return bindRule(rule, p, { ...ctx, onError: (err) => this.log.warn({ err, sub: p.sub, ...ctx }, 'authorization rule threw: denied') });
  }

  private async ask(req: AuthorizeRequest): Promise<void> {
    if (this.hook && !(await this.hook.allows(req))) {
      const target = req.channel ?? (req.id !== undefined ? `${req.collection}/${req.id}` : req.collection);
      throw new HubError('forbidden', `The authorize hook denies '${req.principal.sub}' ${req.action} on '${target}'`);
    }
  }

  private denied(p: Principal, verb: string, target: string, source: string): HubError {
    return new HubError('forbidden', `'${p.sub}' may not ${verb} ${target} (${source})`);
  }
}

import { CommandFailed, UsageError, jsonArg } from './command.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** The flags every command that talks to a running hub takes. */
export const HUB_FLAGS = { url: { type: 'string' }, token: { type: 'string' } } as const;

export const HUB_FLAGS_HELP = `  --url URL      the hub              env LIVEHUB_URL    default ${DEFAULT_URL}
  --token T      bearer token         env LIVEHUB_TOKEN  (mint a dev one: livehub token --sub you)`;

/** Which hub, as whom. */
export interface HubTarget {
  /** `http(s)://host[:port][/prefix]`, no trailing slash. */
  url: string;
  token: string | undefined;
}

export function hubTarget(values: { url?: string | undefined; token?: string | undefined }, env: NodeJS.ProcessEnv = process.env): HubTarget {
  const raw = values.url ?? (env.LIVEHUB_URL || DEFAULT_URL);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url '${raw}' is not a URL (e.g. ${DEFAULT_URL})`);
  }
  if (url.protocol === 'ws:') url.protocol = 'http:';
  else if (url.protocol === 'wss:') url.protocol = 'https:';
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url must be http(s)://, got '${raw}'`);
  const token = values.token ?? (env.LIVEHUB_TOKEN || undefined);
  return { url: `${url.origin}${url.pathname.replace(/\/+$/, '').replace(/\/ws$/, '')}`, token };
}

/** A JSON argument; `-` reads it from stdin. */
export async function jsonInput(what: string, raw: string): Promise<unknown> {
  if (raw !== '-') return jsonArg(what, raw);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return jsonArg(`${what} (stdin)`, Buffer.concat(chunks).toString('utf8'));
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: Array<{ path?: string; message?: string }> };
}

function hintFor(status: number): string {
  if (status === 401) return '\n  pass a token: --token T or LIVEHUB_TOKEN (a dev token: livehub token --sub you)';
  if (status === 403) return '\n  the token\'s principal may not do this (docs/security.md, "Rules")';
  return '';
}

/** One JSON request to the hub; an HTTP error or an unreachable hub is a CommandFailed that says which and what to do. */
export async function hubRequest(target: HubTarget, method: string, path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (target.token !== undefined) headers.authorization = `Bearer ${target.token}`;
  let res: Response;
  try {
    res = await fetch(`${target.url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new CommandFailed(`cannot reach the hub at ${target.url} (${why}): is \`livehub serve\` running there? (set --url or LIVEHUB_URL)`);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  if (res.ok) return parsed;
  const e = (parsed as ErrorBody | undefined)?.error;
  const details = (e?.details ?? []).map((d) => `\n  ${d.path ? `${d.path}: ` : ''}${d.message ?? ''}`).join('');
  const what = e ? `${e.code ?? 'error'}: ${e.message ?? ''}` : typeof parsed === 'string' && parsed ? parsed.slice(0, 200) : res.statusText;
  throw new CommandFailed(`${method} ${path}: ${res.status} ${what}${details}${hintFor(res.status)}`);
}

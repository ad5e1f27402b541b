import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { api, perTest, tempDir } from './helpers/hub-fixture.js';
import { runCli } from './helpers/run-cli.js';
import { killIfRunning, spawnHub } from './helpers/spawn-hub.js';
import { TestClient } from './helpers/ws-client.js';

const SECRET = 'commands-secret-commands-secret-42';
/** The developer's own environment must not leak into these runs. */
const CLEAN = { LIVEHUB_JWT_SECRET: '', LIVEHUB_URL: '', LIVEHUB_TOKEN: '', LIVEHUB_JWT_PUBLIC_KEY: '', LIVEHUB_JWT_PUBLIC_KEY_FILE: '', LIVEHUB_JWKS_URL: '' };
const COMMANDS = ['serve', 'tail', 'write', 'publish', 'token', 'epoch', 'bench'];

describe('livehub commands', () => {
  const { defer } = perTest();
  const scratch = () => {
    const tmp = tempDir();
    defer(() => tmp.cleanup());
    return tmp.dir;
  };

  it('has --help on every command and `livehub help <command>`; unknown commands and flags exit 2', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    for (const c of COMMANDS) expect(top.stdout).toMatch(new RegExp(`^  ${c} +\\S`, 'm'));
    const helps = await Promise.all(COMMANDS.flatMap((c) => [runCli([c, '--help']), runCli(['help', c])]));
    COMMANDS.forEach((c, i) => {
      const [flag, topic] = [helps[2 * i]!, helps[2 * i + 1]!];
      expect(flag).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^livehub ${c}: .*\\n\\nUsage:\\n  livehub ${c}`)) });
      expect(topic).toEqual(flag);
    });
    expect(await runCli(['help', 'nope'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command 'nope' \(commands: serve, tail/) });
    expect(await runCli(['write', '--nope'])).toMatchObject({ code: 2, stderr: "livehub: Unknown option '--nope'\n  (usage: livehub write --help)\n" });
    expect(await runCli(['bench'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/npm run bench.*\n.*bench\/README\.md/) });
  });

  it('token mints a JWT the hub accepts, with claims, ttl and the config file issuer; refuses without a secret', async () => {
    const dir = scratch();
    const config = join(dir, 'livehub.config.json');
    writeFileSync(config, JSON.stringify({ auth: { secret: SECRET, issuer: 'https://issuer.test' } }));
    const hub = await spawnHub(['--db', join(dir, 'hub.db'), '--config', config], CLEAN);
    defer(() => killIfRunning(hub));

    const minted = await runCli(['token', '--sub', 'alice', '--claims', '{"role":"admin","team":"t1"}', '--ttl', '15m'], { cwd: dir, env: CLEAN });
    expect(minted).toMatchObject({ code: 0, stderr: '' });
    const jwt = minted.stdout.trim();
    const claims = decodeJwt(jwt);
    expect(claims).toMatchObject({ sub: 'alice', role: 'admin', team: 't1', iss: 'https://issuer.test' });
    expect(claims.exp! - claims.iat!).toBe(900);
    // The hub's own config found in the working directory; an admin claim opens the admin surface.
    expect((await api(hub.url, 'GET', '/api/hub/clients', undefined, { authorization: `Bearer ${jwt}` })).status).toBe(200);
    const plain = (await runCli(['token', '--sub', 'bob', '--config', config], { env: CLEAN })).stdout.trim();
    expect((await api(hub.url, 'GET', '/api/c/doc', undefined, { authorization: `Bearer ${plain}` })).status).toBe(200);
    expect((await api(hub.url, 'GET', '/api/hub/clients', undefined, { authorization: `Bearer ${plain}` })).status).toBe(403);
    // The secret from the environment; without the config's issuer the hub refuses it.
    const fromEnv = await runCli(['token', '--sub', 'carol'], { cwd: scratch(), env: { ...CLEAN, LIVEHUB_JWT_SECRET: SECRET } });
    expect(decodeJwt(fromEnv.stdout.trim())).toMatchObject({ sub: 'carol' });
    expect((await api(hub.url, 'GET', '/api/c/doc', undefined, { authorization: `Bearer ${fromEnv.stdout.trim()}` })).status).toBe(401);

    expect(await runCli(['token', '--sub', 'x'], { cwd: scratch(), env: CLEAN })).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(/^livehub: no JWT secret configured: set LIVEHUB_JWT_SECRET .*--jwt-secret.*auth\.secret/),
    });
    const keyConfig = join(dir, 'key.config.json');
    writeFileSync(keyConfig, JSON.stringify({ auth: { jwksUrl: 'https://issuer.test/jwks.json' } }));
    expect(await runCli(['token', '--sub', 'x', '--config', keyConfig], { env: CLEAN })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/auth\.jwksUrl, not a shared secret/),
    });
    expect(await runCli(['token', '--config', config], { env: CLEAN })).toMatchObject({ code: 2, stderr: expect.stringMatching(/--sub is required/) });
    expect(await runCli(['token', '--sub', 'x', '--ttl', 'soon', '--config', config], { env: CLEAN })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--ttl must be/),
    });
    expect(await runCli(['token', '--sub', 'x', '--claims', '[1]', '--config', config], { env: CLEAN })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/JSON object/),
    });
    expect(await runCli(['token', '--sub', 'x', '--jwt-secret', 'short'], { cwd: scratch(), env: CLEAN })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/under 32/),
    });
  });

  it('write prints the stored record, publish delivers; hub errors print its code and message (exit 1)', async () => {
    const dir = scratch();
    const hub = await spawnHub(['--db', join(dir, 'hub.db')], { ...CLEAN, LIVEHUB_JWT_SECRET: SECRET });
    defer(() => killIfRunning(hub));
    const token = (await runCli(['token', '--sub', 'alice'], { cwd: dir, env: { ...CLEAN, LIVEHUB_JWT_SECRET: SECRET } })).stdout.trim();
    const env = { ...CLEAN, LIVEHUB_URL: hub.url, LIVEHUB_TOKEN: token };
    const watcher = await TestClient.connect(hub.url, { query: `token=${token}` });
    await watcher.subscribe('note:1');

    const written = await runCli(['write', 'agent', '{"id":"a1","name":"scout"}'], { env });
    expect(written).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(written.stdout)).toMatchObject({ id: 'a1', name: 'scout', version: 1 });
    expect(written.stdout.split('\n')).toHaveLength(2);
    expect((await api(hub.url, 'GET', '/api/c/agent/a1', undefined, { authorization: `Bearer ${token}` })).body).toMatchObject({ name: 'scout' });
    const fromStdin = await runCli(['write', 'agent', '-', '--url', hub.url, '--token', token], { env: CLEAN, input: '{"id":"a2"}' });
    expect(JSON.parse(fromStdin.stdout)).toMatchObject({ id: 'a2', version: 1 });

    expect(await runCli(['publish', 'note:1', 'ping', '{"n":7}'], { env })).toEqual({ code: 0, stdout: 'published ping on note:1\n', stderr: '' });
    expect((await watcher.waitFor((m) => m.type === 'event' && m.event === 'ping')).data).toEqual({ n: 7 });
    watcher.close();

    // The hub's refusals: its status, code and message, exit 1.
    expect(await runCli(['write', 'agent', '{"id":"a1"}'], { env })).toEqual({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(/^livehub: POST \/api\/c\/agent: 409 already_exists: Record 'a1' already exists in 'agent'\n$/),
    });
    expect(await runCli(['write', 'agent', '{}'], { env: { ...env, LIVEHUB_TOKEN: '' } })).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/401 unauthenticated: A bearer token is required\n {2}pass a token: --token T or LIVEHUB_TOKEN/),
    });
    expect(await runCli(['publish', 'system', 'x', '{}'], { env })).toMatchObject({ code: 1, stderr: expect.stringMatching(/403 forbidden: /) });
    expect(await runCli(['publish', 'note:1', 'bad event!', '{}'], { env })).toMatchObject({ code: 1, stderr: expect.stringMatching(/400 invalid_event: /) });
    // Usage errors: exit 2, nothing sent.
    expect(await runCli(['write', 'agent', '{oops'], { env })).toMatchObject({ code: 2, stderr: expect.stringMatching(/<json> is not JSON .*quote it/) });
    expect(await runCli(['write', 'agent', '[1]'], { env })).toMatchObject({ code: 2, stderr: expect.stringMatching(/must be a JSON object/) });
    expect(await runCli(['publish', 'note:1', 'ping'], { env })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/takes <channel> <event> <json>, got 2/),
    });
    expect(await runCli(['write', 'agent', '{}', '--url', 'nope'], { env })).toMatchObject({ code: 2, stderr: expect.stringMatching(/is not a URL/) });
    // No hub there: what to check, exit 1.
    hub.proc.kill('SIGTERM');
    await hub.exited;
    expect(await runCli(['write', 'agent', '{}'], { env })).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/cannot reach the hub at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): is `livehub serve` running there\?/),
    });
  });

  it('serve prints every effective option with where it came from, secrets redacted, and where the dashboard is', async () => {
    const dir = scratch();
    const config = join(dir, 'livehub.config.json');
    writeFileSync(config, JSON.stringify({ maxBadFrames: 7, limits: { messageBurst: 300 }, auth: { secret: SECRET }, collections: { agent: {} } }));
    const hub = await spawnHub(['--config', config, '--log-level', 'warn'], { ...CLEAN, LIVEHUB_DB: join(dir, 'hub.db'), LOG_FORMAT: 'json' });
    defer(() => killIfRunning(hub));
    const out = hub.output();
    const row = (path: string) => new RegExp(`^  ${path.replace(/\./g, '\\.')} +(.+?) {2,}(\\S.*)$`, 'm').exec(out)?.slice(1);
    expect(row('port')).toEqual(['0', '--port']);
    expect(row('db')).toEqual([join(dir, 'hub.db'), 'LIVEHUB_DB']);
    expect(row('logLevel')).toEqual(['warn', '--log-level']);
    expect(row('logFormat')).toEqual(['json', 'LOG_FORMAT']);
    expect(row('maxBadFrames')).toEqual(['7', `config ${config}`]);
    expect(row('limits.messageBurst')).toEqual(['300', `config ${config}`]);
    expect(row('limits.messagesPerSecond')).toEqual(['100', 'default']);
    expect(row('auth.secret')).toEqual([`[redacted] (${SECRET.length} characters)`, `config ${config}`]);
    expect(row('auth.required')).toEqual(['true', 'default']);
    expect(row('collections')).toEqual(['agent', `config ${config}`]);
    expect(out).not.toContain(SECRET);
    expect(out).toMatch(new RegExp(`^  dashboard ${hub.url.replace(/\./g, '\\.')}/ +\\(\\S`, 'm'));
    expect(out).toMatch(new RegExp(`metrics +${hub.url.replace(/\./g, '\\.')}/metrics`));
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliKeySource } from '../../src/config/cli-key-source.js';

const dir = mkdtempSync(join(tmpdir(), 'livehub-keysource-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PEM = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n';
const pemFile = join(dir, 'key.pem');
writeFileSync(pemFile, PEM);

describe('cliKeySource: the JWT key source of `livehub serve`', () => {
  it('is undefined when nothing is given; empty values count as not given', () => {
    expect(cliKeySource({}, {})).toBeUndefined();
    expect(cliKeySource({ 'jwt-secret': '' }, { LIVEHUB_JWT_SECRET: '', LIVEHUB_JWT_PUBLIC_KEY: '', LIVEHUB_JWKS_URL: '' })).toBeUndefined();
  });

  it('takes a flag over the variable of the same source', () => {
    expect(cliKeySource({ 'jwt-secret': 'flag' }, { LIVEHUB_JWT_SECRET: 'env' })).toEqual({ key: { secret: 'flag' }, from: '--jwt-secret' });
    expect(cliKeySource({ 'jwks-url': 'https://a/jwks' }, { LIVEHUB_JWKS_URL: 'https://b/jwks' })).toEqual({
      key: { jwksUrl: 'https://a/jwks' },
      from: '--jwks-url',
    });
    expect(cliKeySource({ 'jwt-public-key': pemFile }, { LIVEHUB_JWT_PUBLIC_KEY: 'other' })).toEqual({
      key: { publicKey: PEM },
      from: `--jwt-public-key ${pemFile}`,
    });
  });

  it('reads the public key from the environment, as the PEM (literal \\n too) or a file', () => {
    expect(cliKeySource({}, { LIVEHUB_JWT_PUBLIC_KEY: PEM })?.key).toEqual({ publicKey: PEM });
    expect(cliKeySource({}, { LIVEHUB_JWT_PUBLIC_KEY: PEM.replaceAll('\n', '\\n') })?.key).toEqual({ publicKey: PEM });
    expect(cliKeySource({}, { LIVEHUB_JWT_PUBLIC_KEY_FILE: pemFile })).toEqual({ key: { publicKey: PEM }, from: `LIVEHUB_JWT_PUBLIC_KEY_FILE ${pemFile}` });
  });

  it('refuses two sources, naming both, before reading any file', () => {
    const missing = join(dir, 'missing.pem');
    expect(() => cliKeySource({ 'jwt-public-key': missing }, { LIVEHUB_JWKS_URL: 'https://a/jwks' })).toThrow(
      `two JWT key sources given: --jwt-public-key ${missing} and LIVEHUB_JWKS_URL; give one of --jwt-secret, --jwt-public-key, --jwks-url`,
    );
    expect(() => cliKeySource({ 'jwt-secret': 's' }, { LIVEHUB_JWKS_URL: 'https://a/jwks', LIVEHUB_JWT_PUBLIC_KEY: PEM })).toThrow(
      /--jwt-secret and LIVEHUB_JWT_PUBLIC_KEY and LIVEHUB_JWKS_URL/,
    );
    expect(() => cliKeySource({}, { LIVEHUB_JWT_PUBLIC_KEY: PEM, LIVEHUB_JWT_PUBLIC_KEY_FILE: pemFile })).toThrow(
      /LIVEHUB_JWT_PUBLIC_KEY and LIVEHUB_JWT_PUBLIC_KEY_FILE/,
    );
  });

  it('names the file it cannot read', () => {
    const missing = join(dir, 'missing.pem');
    expect(() => cliKeySource({ 'jwt-public-key': missing }, {})).toThrow(`cannot read the JWT public key file ${missing} (--jwt-public-key): ENOENT`);
  });
});

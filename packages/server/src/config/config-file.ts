import { existsSync, readFileSync } from 'node:fs';
import { resolve, extname } from 'node:path';
import { createJiti } from 'jiti';
import type { HubOptions } from '../options.js';

/** Shape of `livehub.config.json` / `livehub.config.ts`: any `createHub` option except runtime objects. */
export type LivehubConfig = Omit<HubOptions, 'logger' | 'bus' | 'authenticator' | 'store'>;

/** Identity helper that types a `livehub.config.ts` default export. */
export function defineConfig(config: LivehubConfig): LivehubConfig {
  return config;
}

const DEFAULT_NAMES = ['livehub.config.ts', 'livehub.config.mts', 'livehub.config.js', 'livehub.config.mjs', 'livehub.config.json'];

/** Finds the config: the given path (must exist), else the first default name in `cwd`, else none. */
export function findConfigFile(path: string | undefined, cwd = process.cwd()): string | undefined {
  if (path !== undefined) {
    const full = resolve(cwd, path);
    if (!existsSync(full)) throw new Error(`Config file not found: ${full}`);
    return full;
  }
  return DEFAULT_NAMES.map((n) => resolve(cwd, n)).find((p) => existsSync(p));
}

export async function loadConfigFile(file: string): Promise<LivehubConfig> {
  let value: unknown;
  if (extname(file) === '.json') {
    try {
      value = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`Cannot parse ${file}: ${(err as Error).message}`, { cause: err });
    }
  } else {
    // jiti compiles TypeScript configs on the fly, so apps can declare zod schemas in .ts.
    const jiti = createJiti(import.meta.url, { interopDefault: true });
    value = await jiti.import(file, { default: true });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${file} must export an object`);
  }
  return value;
}

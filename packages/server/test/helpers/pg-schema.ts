import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL every developer and CI machine runs (`.ci/run` starts it): trust auth, database `test`. */
export const PG_URL = process.env.LIVEHUB_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema name no other run uses; the store creates it. */
export const newSchemaName = (): string => `lh_${randomBytes(6).toString('hex')}`;

/** Drops a test's schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

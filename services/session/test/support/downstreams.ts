import { fileURLToPath } from 'node:url';
import { freePort } from '@persona-gateway/eventstore';
import { canConnect, eventually, startProcess, type ManagedProcess } from '@persona-gateway/testing';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
/** Entry points from the packages' "bin" fields. */
export const EVERYTHING = `${ROOT}node_modules/@modelcontextprotocol/server-everything/dist/index.js`;
export const MEMORY = `${ROOT}node_modules/@modelcontextprotocol/server-memory/dist/index.js`;

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** server-everything over HTTP on a loopback port (a preload binds it there: it has no host option). */
export async function startEverything(mode: 'streamableHttp' | 'sse', port?: number): Promise<RunningServer> {
  const chosen = port ?? (await freePort());
  const child = startProcess(process.execPath, ['--require', fixture('loopback-preload.cjs'), EVERYTHING, mode], { env: { PORT: String(chosen) } });
  await eventually(`server-everything ${mode} on port ${chosen}`, async () => {
    if (child.child.exitCode !== null) throw new Error(`server-everything exited:\n${child.output()}`);
    return canConnect(chosen);
  });
  return {
    port: chosen,
    url: `http://127.0.0.1:${chosen}/${mode === 'sse' ? 'sse' : 'mcp'}`,
    process: child,
    stop: async () => void (await child.stop('SIGKILL')),
  };
}

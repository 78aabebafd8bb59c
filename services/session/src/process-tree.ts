import { readdir, readFile } from 'node:fs/promises';

/** A process as seen in /proc; `startTime` tells a reused pid apart from the original. */
export interface ProcessRef {
  readonly pid: number;
  readonly startTime: string;
}

interface StatLine {
  readonly ppid: number;
  readonly state: string;
  readonly startTime: string;
}

/** Parses /proc/<pid>/stat. The command name may hold spaces and parentheses, so fields are counted from the last ')'. */
async function readStat(pid: number): Promise<StatLine | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // After the name: field 3 (state) is index 0, field 4 (ppid) index 1, field 22 (starttime) index 19.
    return { state: fields[0]!, ppid: Number(fields[1]), startTime: fields[19]! };
  } catch {
    return undefined; // gone, or no /proc (not Linux): nothing to reap beyond the direct child
  }
}

/**
 * The process `root` and all its descendants, found through their parent pids. Must be
 * taken while `root` is alive: once it exits, its children are re-parented and the
 * tree can no longer be traced. A grandchild that daemonised (double fork) escapes it.
 */
export async function processTree(root: number): Promise<ProcessRef[]> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  const stats = new Map<number, StatLine>();
  await Promise.all(
    names.filter((name) => /^\d+$/.test(name)).map(async (name) => {
      const stat = await readStat(Number(name));
      if (!stat) return;
      stats.set(Number(name), stat);
      children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(name)]);
    }),
  );
  const tree: ProcessRef[] = [];
  const queue = stats.has(root) ? [root] : [];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    tree.push({ pid, startTime: stats.get(pid)!.startTime });
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** Still running (a zombie has exited; it only waits for a parent that may never reap it). */
export async function isRunning(ref: ProcessRef): Promise<boolean> {
  const stat = await readStat(ref.pid);
  return stat !== undefined && stat.startTime === ref.startTime && stat.state !== 'Z' && stat.state !== 'X';
}

function signal(ref: ProcessRef, name: NodeJS.Signals): void {
  try {
    process.kill(ref.pid, name);
  } catch {
    // exited between the check and the signal
  }
}

/** How long to wait for SIGKILLed processes to be gone before giving up on them. */
const KILL_WAIT_MS = 1_000;

async function stillRunning(refs: readonly ProcessRef[]): Promise<ProcessRef[]> {
  return (await Promise.all(refs.map(async (ref) => ((await isRunning(ref)) ? ref : undefined)))).filter((ref) => ref !== undefined);
}

async function waitUntilGone(refs: readonly ProcessRef[], ms: number): Promise<ProcessRef[]> {
  let left = await stillRunning(refs);
  const deadline = Date.now() + ms;
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    left = await stillRunning(left);
  }
  return left;
}

/**
 * SIGTERM to every still-running member, SIGKILL to those still there after `graceMs`.
 * Resolves once they are gone: a kill is delivered asynchronously, and callers (shutdown)
 * rely on nothing being left when this returns.
 */
export async function reapProcesses(refs: readonly ProcessRef[], graceMs: number): Promise<void> {
  const running = await stillRunning(refs);
  for (const ref of running) signal(ref, 'SIGTERM');
  const stubborn = await waitUntilGone(running, graceMs);
  for (const ref of stubborn) signal(ref, 'SIGKILL');
  await waitUntilGone(stubborn, KILL_WAIT_MS);
}

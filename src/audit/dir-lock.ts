import cluster from 'node:cluster';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

const LOCK = '.lock';

/**
 * `worker-<id>` inside a cluster worker, null otherwise. Sibling workers run the same config; each
 * writes its own chain in its own subdirectory (two writers in one chain would break it).
 */
export function workerSubdir(): string | null {
  return cluster.isWorker && cluster.worker ? `worker-${cluster.worker.id}` : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One writer per audit directory or spool: a `.lock` file holding the writer's pid. A lock left by a
 * process that is gone is taken over; one held by a live process is refused with its pid.
 */
export async function lockDir(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return async () => { await unlink(file).catch(() => undefined); };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new Error(`${dir} is in use by another meshguard process (pid ${pid}); each sink needs its own directory`);
      }
      await unlink(file).catch(() => undefined);
    }
  }
  throw new Error(`${dir}: cannot take the lock ${file}`);
}

/**
 * Process control for the bench: every process is started here, pinned with taskset, remembered by
 * PID, and stopped by that PID (or, for load runs, by the process group this module created). Load
 * runs always carry a kill timer, so a stuck wrk or handshake client cannot hang the bench.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import net from 'node:net';

interface Child {
  child: ChildProcess;
  name: string;
  /** A load run: its own process group, signalled as a group. */
  group: boolean;
  /** Text that identifies the command line, to recognise the process in a later bench's cleanup. */
  marker: string;
}

const children = new Map<number, Child>();
let pidFile: string | null = null;

export function setPidFile(file: string): void {
  pidFile = file;
}

function savePids(): void {
  if (!pidFile) return;
  const list = [...children.entries()].filter(([, c]) => !c.group).map(([pid, c]) => ({ pid, marker: c.marker }));
  writeFileSync(pidFile, JSON.stringify(list));
}

/**
 * One bench at a time on this machine: two would share the SUT core and the ports and measure each
 * other. The lock names the holder's PID; a lock whose holder is gone is taken over.
 */
export function takeLock(file: string): void {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; started: string };
    const cmdline = readFileSync(`/proc/${holder.pid}/cmdline`, 'utf8');
    if (holder.pid !== process.pid && cmdline.includes('run.js')) {
      throw new Error(`another bench is running (PID ${holder.pid}, since ${holder.started}); two at once would measure each other. Wait for it to finish.`);
    }
  } catch (e) {
    if ((e as Error).message.startsWith('another bench')) throw e;
    /* no lock, or its holder is gone */
  }
  writeFileSync(file, JSON.stringify({ pid: process.pid, started: new Date().toISOString() }));
  process.on('exit', () => {
    try {
      const holder = JSON.parse(readFileSync(file, 'utf8')) as { pid: number };
      if (holder.pid === process.pid) rmSync(file, { force: true });
    } catch {
      /* already gone */
    }
  });
}

/**
 * A previous bench that was killed hard may have left servers behind. Only PIDs that bench recorded
 * are signalled, and only when their command line still carries its marker (the PID was not reused).
 */
export function stopLeftovers(log: (m: string) => void): void {
  if (!pidFile) return;
  let prev: Array<{ pid: number; marker: string }> = [];
  try {
    prev = JSON.parse(readFileSync(pidFile, 'utf8')) as typeof prev;
  } catch {
    return;
  }
  for (const { pid, marker } of prev) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (marker && cmdline.includes(marker)) {
        process.kill(pid, 'SIGTERM');
        log(`stopped leftover bench process ${pid} (${cmdline.slice(0, 100)})`);
      }
    } catch {
      /* already gone */
    }
  }
  rmSync(pidFile, { force: true });
}

export function pinned(cpu: string | null, cmd: string, args: string[]): [string, string[]] {
  return cpu === null ? [cmd, args] : ['/usr/bin/taskset', ['-c', cpu, cmd, ...args]];
}

/** Starts a long-running server; its output goes to logFile. taskset exec()s, so the PID is the server's. */
export function startServer(name: string, cpu: string | null, cmd: string, args: string[], logFile: string, marker: string, env?: NodeJS.ProcessEnv): number {
  const [c, a] = pinned(cpu, cmd, args);
  const fd = openSync(logFile, 'a');
  const child = spawn(c, a, { stdio: ['ignore', fd, fd], env: env ?? process.env });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const pid = child.pid;
  children.set(pid, { child, name, group: false, marker });
  child.on('exit', () => {
    children.delete(pid);
    savePids();
  });
  savePids();
  return pid;
}

export function isRunning(pid: number): boolean {
  const c = children.get(pid);
  return c !== undefined && c.child.exitCode === null && c.child.signalCode === null;
}

/** SIGTERM, then SIGKILL after graceMs; resolves when the process has exited. */
export async function stopServer(pid: number, graceMs = 5000): Promise<void> {
  const c = children.get(pid);
  if (!c || !isRunning(pid)) return;
  const exited = new Promise<void>((resolve) => c.child.once('exit', () => resolve()));
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

export interface Captured {
  code: number | null;
  signal: string | null;
  out: string;
  err: string;
  wallS: number;
  killed: boolean;
}

/** Runs a bounded command in its own process group; the group is SIGKILLed after killAfterMs. */
export function runCaptured(cmd: string, args: string[], killAfterMs: number): Promise<Captured> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const pid = child.pid;
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const t0 = process.hrtime.bigint();
    if (pid !== undefined) children.set(pid, { child, name: cmd, group: true, marker: '' });
    const timer = setTimeout(() => {
      killed = true;
      if (pid !== undefined) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }, killAfterMs);
    child.on('error', (e) => {
      err += String(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pid !== undefined) children.delete(pid);
      resolve({ code, signal, out, err, wallS: Number(process.hrtime.bigint() - t0) / 1e9, killed });
    });
  });
}

/** Signals everything still running that this module started (used on exit and by the watchdog). */
export function signalAll(sig: NodeJS.Signals): void {
  for (const [pid, c] of children) {
    try {
      process.kill(c.group ? -pid : pid, sig);
    } catch {
      /* gone */
    }
  }
}

export async function stopAll(graceMs = 3000): Promise<void> {
  const waits = [...children.values()].map(
    (c) => new Promise<void>((resolve) => (c.child.exitCode !== null || c.child.signalCode !== null ? resolve() : c.child.once('exit', () => resolve()))),
  );
  signalAll('SIGTERM');
  await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, graceMs))]);
  signalAll('SIGKILL');
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      s.destroy();
      resolve(false);
    });
  });
}

export async function waitPort(port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await portOpen(port)) return;
    if (!alive()) throw new Error(`process for port ${port} exited before listening`);
    if (Date.now() > deadline) throw new Error(`port ${port} not listening after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

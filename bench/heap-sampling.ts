import { Session } from 'node:inspector/promises';

/** A node of V8's sampling heap profile. */
export interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/**
 * Bytes allocated (collected objects included) per call of `run`, over `n` calls, and the functions
 * that allocate most: V8's sampling heap profiler, so a figure is an estimate at `interval` bytes.
 */
export async function allocationsPer(n: number, run: () => void | Promise<void>, topN = 25, interval = 256): Promise<{ bytesPerRequest: number; top: { fn: string; bytes: number }[] }> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval: interval, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  for (let i = 0; i < n; i++) await run();
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: HeapNode } };
  session.disconnect();
  return heapTop(profile.head, n, topN);
}

/** A sampling heap profile summed by function (file:line), per request over `n` requests. */
export function heapTop(head: HeapNode, n: number, topN = 25): { bytesPerRequest: number; top: { fn: string; bytes: number }[] } {
  const byFn = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode): void => {
    const cf = node.callFrame;
    const key = `${cf.functionName || '(anonymous)'} ${cf.url.replace(/^.*\/(dist[^/]*|node_modules)\//, '')}:${cf.lineNumber + 1}`;
    if (node.selfSize) byFn.set(key, (byFn.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const c of node.children) walk(c);
  };
  walk(head);
  const top = [...byFn].sort((a, b) => b[1] - a[1]).slice(0, topN).map(([fn, bytes]) => ({ fn, bytes: Math.round(bytes / n) }));
  return { bytesPerRequest: Math.round(total / n), top };
}

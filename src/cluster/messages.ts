/** What the primary and its workers say to each other over the cluster IPC channel. */
export interface MaterialMessage {
  t: 'material';
  certChainPem: string;
  keyPem: string;
  trustBundlePem: string;
  bundleVersion?: string | number;
  /** Base64 TLS session-ticket keys, the same for every worker (rotated by the primary). */
  ticketKeys?: string;
}

export type ToWorker = MaterialMessage | { t: 'call'; id: number; op: 'reload' | 'metrics' | 'dump' | 'status' } | { t: 'stop' };

export type ToPrimary = { t: 'hello' } | { t: 'started' } | { t: 'reply'; id: number; value: unknown } | { t: 'failed'; error: string };

export function isMessage(m: unknown): m is { t: string } {
  return typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string';
}

import { X509Certificate } from 'node:crypto';
import type { TrustBundle } from '../kms/client.js';

export type BundleOffer =
  | { kind: 'same' }
  | { kind: 'stale' }
  | { kind: 'changed'; roots: number; added: string[]; removed: string[] };

/**
 * The trust bundle in force. A numbered bundle never goes backwards (a replayed old bundle could
 * bring back a retired root); a digest-versioned one (Vault) is taken whenever its roots differ.
 * Overlap during a CA rotation is the KMS's to publish: kms-mock keeps the old root until its last
 * leaf expired, and so must any KMS behind the other adapters.
 */
export class BundleState {
  current: TrustBundle | undefined;

  offer(b: TrustBundle): BundleOffer {
    const cur = this.current;
    if (cur && typeof cur.sequence === 'number' && typeof b.sequence === 'number' && b.sequence < cur.sequence) return { kind: 'stale' };
    const fp = (pems: string[]) => pems.map((p) => new X509Certificate(p).fingerprint256);
    const now = fp(b.rootsPem);
    const before = cur ? fp(cur.rootsPem) : [];
    if (cur && cur.sequence === b.sequence && now.length === before.length && now.every((f) => before.includes(f))) return { kind: 'same' };
    if (b.rootsPem.length === 0) return { kind: 'stale' };
    this.current = b;
    return { kind: 'changed', roots: now.length, added: now.filter((f) => !before.includes(f)), removed: before.filter((f) => !now.includes(f)) };
  }
}

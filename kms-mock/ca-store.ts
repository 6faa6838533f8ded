// dev-pki loads @peculiar/x509 (and the Reflect polyfill it needs) for this file.
import { randomBytes, X509Certificate as NodeCert } from 'node:crypto';
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { createRootCa, issuerFromPem, issueCert, type Issuer } from '../src/tls/dev-pki.js';

/** One CA generation: a root and the intermediate that signs leaves under it. */
interface Generation {
  n: number;
  rootPem: string;
  rootKeyPem: string;
  intPem: string;
  intKeyPem: string;
  /** Epoch ms from which this generation signs (published in the bundle from creation on). */
  signFrom: number;
  /** Latest notAfter of a leaf it signed: its root stays in the bundle at least until then. */
  lastLeafNotAfter: number;
}

interface StateFile {
  trustDomain: string;
  sequence: number;
  /** Generation numbers whose roots the last published bundle held. */
  published: number[];
  generations: Generation[];
}

const STATE = 'ca-state.json';

/**
 * The dev PKI of kms-mock, kept in its state directory: created on first start, reused after, so
 * SVIDs and bundles survive a restart. Keys are written 0600; this is a development tool.
 */
export class CaStore {
  private issuers = new Map<number, Issuer>();
  private constructor(private readonly dir: string, private state: StateFile) {}

  static async open(dir: string, trustDomain: string): Promise<CaStore> {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, STATE);
    let state: StateFile | undefined;
    try {
      state = JSON.parse(await readFile(file, 'utf8')) as StateFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file}: unreadable kms-mock state: ${(err as Error).message}`);
    }
    if (state && state.trustDomain !== trustDomain) {
      throw new Error(`${file}: state belongs to trust domain ${state.trustDomain}, not ${trustDomain} (use another --state dir)`);
    }
    const store = new CaStore(dir, state ?? { trustDomain, sequence: 0, published: [], generations: [] });
    if (!state) {
      await store.addGeneration(0);
    }
    store.refreshBundle();
    await store.save();
    return store;
  }

  get trustDomain(): string {
    return this.state.trustDomain;
  }

  /** A new root + intermediate, published now, signing from `now + delayMs`. */
  async addGeneration(delayMs: number): Promise<{ n: number; signFrom: Date }> {
    const n = this.state.generations.reduce((m, g) => Math.max(m, g.n), 0) + 1;
    const root = await createRootCa({ commonName: `kms-mock root ${n} (${this.state.trustDomain})` });
    const int = await issueCert(root, { uris: [], isCa: true, commonName: `kms-mock intermediate ${n} (${this.state.trustDomain})`, ttlMs: 5 * 365 * 86_400_000 });
    const signFrom = Date.now() + delayMs;
    this.state.generations.push({ n, rootPem: root.certPem, rootKeyPem: root.keyPem, intPem: int.certPem, intKeyPem: int.keyPem, signFrom, lastLeafNotAfter: 0 });
    this.refreshBundle();
    await this.save();
    return { n, signFrom: new Date(signFrom) };
  }

  /** The generation that signs now: the newest whose delay has passed. */
  private signer(now = Date.now()): Generation {
    const ready = this.state.generations.filter((g) => g.signFrom <= now);
    const pool = ready.length > 0 ? ready : this.state.generations;
    return pool.reduce((a, b) => (b.n > a.n ? b : a));
  }

  /**
   * Roots in the bundle: every generation except those superseded by a signing successor whose
   * last leaf has expired (a root leaves only after its last leaf expired).
   */
  private liveGenerations(now = Date.now()): Generation[] {
    const signer = this.signer(now);
    return this.state.generations.filter((g) => g.n >= signer.n || now < Math.max(g.lastLeafNotAfter, signer.signFrom));
  }

  /** Recomputes the published root set; bumps the sequence when it changed. Returns true on a change. */
  refreshBundle(now = Date.now()): boolean {
    const live = this.liveGenerations(now).map((g) => g.n).sort((a, b) => a - b);
    if (live.join(',') === this.state.published.join(',')) return false;
    this.state.published = live;
    this.state.sequence += 1;
    void this.save();
    return true;
  }

  bundle(): { trustDomain: string; sequence: number; roots: string[] } {
    this.refreshBundle();
    const roots = this.state.generations.filter((g) => this.state.published.includes(g.n)).map((g) => g.rootPem);
    return { trustDomain: this.state.trustDomain, sequence: this.state.sequence, roots };
  }

  /** The signing intermediate, its PEM, and its root. */
  async signingIssuer(): Promise<{ issuer: Issuer; intPem: string; rootPem: string; n: number; intNotAfter: Date }> {
    const g = this.signer();
    let issuer = this.issuers.get(g.n);
    if (!issuer) {
      issuer = await issuerFromPem(g.intPem, g.intKeyPem);
      this.issuers.set(g.n, issuer);
    }
    return { issuer, intPem: g.intPem, rootPem: g.rootPem, n: g.n, intNotAfter: new Date(new NodeCert(g.intPem).validTo) };
  }

  async recordLeaf(n: number, notAfter: Date): Promise<void> {
    const g = this.state.generations.find((x) => x.n === n);
    if (g && notAfter.getTime() > g.lastLeafNotAfter) {
      g.lastLeafNotAfter = notAfter.getTime();
      await this.save();
    }
  }

  private saving: Promise<void> = Promise.resolve();
  /** Serialised atomic writes: a crash leaves the old or the new state, never half of one. */
  save(): Promise<void> {
    const text = JSON.stringify(this.state, null, 1);
    const file = path.join(this.dir, STATE);
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    this.saving = this.saving.then(async () => {
      await writeFile(tmp, text, { mode: 0o600 });
      await rename(tmp, file);
      await writeFile(path.join(this.dir, 'bundle.pem'), this.bundleRootsNoRefresh().join(''));
    });
    return this.saving;
  }

  private bundleRootsNoRefresh(): string[] {
    return this.state.generations.filter((g) => this.state.published.includes(g.n)).map((g) => g.rootPem);
  }
}
